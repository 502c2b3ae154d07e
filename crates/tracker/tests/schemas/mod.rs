//! JSON Schema validation for the export tests: the OSV schema from the real-data
//! fixtures (`../shared/fixtures/osv/osv-schema.json`) and the OpenVEX schema kept in
//! `tests/data/openvex/`, both draft 2020-12, checked by the `jsonschema` crate with
//! format checks (`date-time`, `uri`, `iri`) turned on.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;

use serde_json::Value;

/// A compiled schema.
pub struct Schema {
    name: String,
    validator: jsonschema::Validator,
}

impl Schema {
    /// Reads and compiles the schema at `path`.
    pub fn load(path: &Path) -> Schema {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let schema: Value = serde_json::from_str(&text).unwrap();
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap_or_else(|e| panic!("{} does not compile: {e}", path.display()));
        Schema {
            name: path.display().to_string(),
            validator,
        }
    }

    /// The OSV schema among the fixtures.
    pub fn osv(fixtures: &Path) -> Schema {
        Schema::load(&fixtures.join("osv/osv-schema.json"))
    }

    /// The OpenVEX schema copied into the tests.
    pub fn openvex() -> Schema {
        Schema::load(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/openvex/openvex_json_schema.json"),
        )
    }

    /// Every error of `instance`, as `path: message` lines.
    pub fn errors(&self, instance: &Value) -> Vec<String> {
        self.validator
            .iter_errors(instance)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect()
    }

    /// Panics with every error when `instance` (named `what`) is invalid.
    #[track_caller]
    pub fn assert_valid(&self, what: &str, instance: &Value) {
        let errors = self.errors(instance);
        assert!(
            errors.is_empty(),
            "{what} is not valid per {}:\n{}\n{}",
            self.name,
            errors.join("\n"),
            serde_json::to_string_pretty(instance).unwrap()
        );
    }
}

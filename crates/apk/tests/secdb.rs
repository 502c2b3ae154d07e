//! secdb over the real fixtures: every document reads, writes back the same (byte for
//! byte where the file has the canonical layout), the historical YAML equals its JSON
//! twin, and the vuln-list files join with the v3.16 document. Plus a property test that
//! write → read gives back any document.
#![allow(clippy::unwrap_used)]

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use secfixes_apk::ErrorKind;
use secfixes_apk::secdb::{self, FixVersion, Format, Package, SecDb, SecfixId, Secfixes};
use serde_json::Value;

/// Every file under `dir` whose name ends in `ext`, sorted.
fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.to_string_lossy().ends_with(ext) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Empty lists and objects compare equal (secdb writes empty lists as `{}` at times).
fn normalise(v: Value) -> Value {
    match v {
        Value::Array(a) if a.is_empty() => Value::Null,
        Value::Object(o) if o.is_empty() => Value::Null,
        Value::Array(a) => Value::Array(a.into_iter().map(normalise).collect()),
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, normalise(v))).collect()),
        other => other,
    }
}

/// Same keys in the same order with the same values, recursively.
fn assert_same_document(path: &Path, written: &str, original: &str) {
    let a = normalise(serde_json::from_str(written).unwrap());
    let b = normalise(serde_json::from_str(original).unwrap());
    assert_eq!(a, b, "{}: values differ", path.display());
    // `Value` equality ignores key order; compare it through the text of the trees.
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap(),
        "{}: key order differs",
        path.display()
    );
}

/// The secdb JSON documents of the fixtures (not the one-package vuln-list files).
fn document_files(fx: &Path) -> Vec<PathBuf> {
    let mut out: Vec<_> = files(&fx.join("secdb"), ".json")
        .into_iter()
        .filter(|p| !p.to_string_lossy().contains("vuln-list-alpine"))
        .collect();
    out.extend(
        files(&fx.join(VULN_LIST_UPDATE), ".json")
            .into_iter()
            .filter(|p| !p.to_string_lossy().contains("golden")),
    );
    out
}

/// aquasecurity/vuln-list-update's test data: secdb documents as served, and the
/// vuln-list files it makes of them in `golden/`.
const VULN_LIST_UPDATE: &str = "secfixes-tracker-output/vuln-list-update-testdata/alpine-secdb";

#[test]
fn every_real_document_reads_and_writes_back() {
    let Some(fx) = support::fixtures() else {
        return;
    };
    let paths = document_files(&fx);
    assert!(paths.len() >= 27, "only {} secdb files found", paths.len());
    let mut byte_exact = 0;
    for path in &paths {
        let text = fs::read_to_string(path).unwrap();
        let parsed = secdb::read(path, Format::Json).unwrap_or_else(|e| panic!("{e}"));
        let written = secdb::to_json(&parsed.value);
        assert_same_document(path, &written, &text);
        // Read back, the written text is the same document again.
        let again = secdb::from_json(&written).unwrap();
        assert_eq!(again.value, parsed.value, "{}", path.display());
        // The canonical layout is reproduced exactly (modulo the final newline).
        let name = path.to_string_lossy();
        let canonical = name.contains("alpine-secdb-git-as-json")
            || name.ends_with("v3.16-main.partial.json")
            || name.contains("vunnel-fixtures");
        if canonical {
            assert_eq!(written, text.trim_end_matches('\n'), "{}", path.display());
            byte_exact += 1;
        }
    }
    assert_eq!(byte_exact, 21);
}

#[test]
fn real_oddities_are_reported_not_dropped() {
    let Some(fx) = support::fixtures() else {
        return;
    };
    let v311 = fx.join("secdb/vulnerablecode-secdb-index-pages/v3.11-main.truncated.json");
    let parsed = secdb::read(&v311, Format::Json).unwrap();
    let shown: Vec<_> = parsed.diagnostics.iter().map(|d| d.to_string()).collect();
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert!(
        shown[0].starts_with(&format!("{}: xen: 4.10-1-r1: ", v311.display())),
        "{shown:?}"
    );
    assert_eq!(parsed.diagnostics[0].kind, ErrorKind::InvalidVersion);
    let xen = parsed.value.package("xen").unwrap();
    assert_eq!(xen.secfixes.len(), 3, "the invalid key is kept");
    let with_note = &xen.secfixes[2][0];
    assert_eq!(with_note.id(), "CVE-2018-7540");
    assert_eq!(with_note.note(), Some("XSA-252"));
    let err = parsed.strict().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidVersion);

    // A misspelt CVE id in the historical data.
    let v38 = fx.join("secdb/alpine-secdb-git-as-json/v3.8/community.json");
    let parsed = secdb::read(&v38, Format::Json).unwrap();
    assert!(
        parsed.diagnostics.iter().any(
            |d| d.package.as_deref() == Some("openjdk7") && d.message.contains("CVE_2019-2426")
        ),
        "{:?}",
        parsed.diagnostics
    );

    // Wolfi: a "0" key with a GHSA id; no problems.
    let wolfi = fx.join("secdb/vunnel-fixtures/wolfi-security.json");
    let parsed = secdb::read(&wolfi, Format::Json).unwrap();
    assert!(parsed.is_clean(), "{:?}", parsed.diagnostics);
    assert_eq!(parsed.value.reponame.as_deref(), Some("os"));
    assert_eq!(parsed.value.distroversion, None);
    let apko = parsed.value.package("apko").unwrap();
    assert!(matches!(
        apko.secfixes.get_index(0).unwrap().0,
        FixVersion::NotAffected
    ));
}

#[test]
fn historical_yaml_equals_its_json_twin() {
    let Some(fx) = support::fixtures() else {
        return;
    };
    let yamls = files(&fx.join("secdb/alpine-secdb-git"), ".yaml");
    assert_eq!(yamls.len(), 18);
    for yaml in &yamls {
        let rel = yaml
            .strip_prefix(fx.join("secdb/alpine-secdb-git"))
            .unwrap();
        let json = fx
            .join("secdb/alpine-secdb-git-as-json")
            .join(rel)
            .with_extension("json");
        let from_yaml =
            secdb::read(yaml, Format::from_path(yaml)).unwrap_or_else(|e| panic!("{e}"));
        let from_json = secdb::read(&json, Format::Json).unwrap();
        assert_eq!(from_yaml.value, from_json.value, "{}", yaml.display());
        let messages = |p: &secdb::Parsed<SecDb>| -> Vec<String> {
            p.diagnostics.iter().map(|d| d.message.clone()).collect()
        };
        assert_eq!(
            messages(&from_yaml),
            messages(&from_json),
            "{}",
            yaml.display()
        );
        // And the YAML written as JSON is the twin, byte for byte.
        let text = fs::read_to_string(&json).unwrap();
        assert_eq!(
            secdb::to_json(&from_yaml.value),
            text.trim_end_matches('\n')
        );
    }
}

#[test]
fn vunnel_yaml_reads() {
    let Some(fx) = support::fixtures() else {
        return;
    };
    for name in ["alpine-v3.15-main.yaml", "alpine-v3.15-community.yaml"] {
        let path = fx.join("secdb/vunnel-fixtures").join(name);
        let parsed = secdb::read(&path, Format::Yaml).unwrap();
        assert!(parsed.is_clean(), "{name}: {:?}", parsed.diagnostics);
        assert_eq!(parsed.value.distroversion.as_deref(), Some("v3.15"));
        assert!(!parsed.value.packages.is_empty());
    }
}

#[test]
fn vuln_list_files_join_with_the_v316_document() {
    let Some(fx) = support::fixtures() else {
        return;
    };
    let whole = secdb::read(&fx.join("secdb/v3.16-main.partial.json"), Format::Json)
        .unwrap()
        .strict()
        .unwrap();
    let singles = files(&fx.join("secdb/vuln-list-alpine-3.16-main"), ".json");
    assert_eq!(singles.len(), 8);
    for path in &singles {
        let one = secdb::read(path, Format::VulnList)
            .unwrap_or_else(|e| panic!("{e}"))
            .strict()
            .unwrap();
        let stem = path.file_stem().unwrap().to_str().unwrap();
        assert_eq!(one.packages.len(), 1);
        let pkg = &one.packages[0];
        assert_eq!(pkg.name, stem);
        assert_eq!(one.distroversion, whole.distroversion);
        assert_eq!(one.reponame, whole.reponame);
        assert_eq!(one.archs, whole.archs);
        assert_eq!(one.apkurl, whole.apkurl);
        assert_eq!(Some(pkg), whole.package(stem), "{stem}");
    }
}

#[test]
fn vuln_list_update_golden_files_join_with_their_documents() {
    let Some(fx) = support::fixtures() else {
        return;
    };
    let dir = fx.join(VULN_LIST_UPDATE);
    for (golden, document) in [
        ("golden/311-apache2.json", "311-main.json"),
        ("golden/312-ansible.json", "312-main.json"),
        ("golden/edge-apk-tools.json", "edge-main.json"),
    ] {
        let one = secdb::read(&dir.join(golden), Format::VulnList)
            .unwrap()
            .strict()
            .unwrap();
        let whole = secdb::read(&dir.join(document), Format::Json)
            .unwrap()
            .strict()
            .unwrap();
        let pkg = &one.packages[0];
        let mut expected = whole.package(&pkg.name).unwrap().clone();
        // vuln-list-update leaves out versions with no ids (`"2.8.0-r0": {}`).
        expected.secfixes.retain(|_, ids| !ids.is_empty());
        assert_eq!(pkg, &expected, "{golden}");
        assert_eq!(one.distroversion, whole.distroversion, "{golden}");
    }
}

#[test]
fn reading_a_missing_file_names_it() {
    let err = secdb::read(Path::new("/nonexistent/main.json"), Format::Json).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(
        err.to_string().starts_with("/nonexistent/main.json: "),
        "{err}"
    );
}

// --- property test: write → read round trip ------------------------------------------

fn text() -> impl Strategy<Value = String> {
    // Any Unicode, including quotes, backslashes and control characters.
    ".{0,12}"
}

fn version_key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0".to_string()),
        "[0-9]{1,3}(\\.[0-9]{1,3}){0,3}[a-z]?(_(rc|p|alpha)[0-9]?)?(-r[0-9]{1,2})?",
        text(),
    ]
}

fn secfixes() -> impl Strategy<Value = Secfixes> {
    prop::collection::vec((version_key(), prop::collection::vec(text(), 0..4)), 0..5).prop_map(
        |entries| {
            let mut out = Secfixes::new();
            for (key, ids) in entries {
                out.entry(FixVersion::parse(&key))
                    .or_default()
                    .extend(ids.into_iter().map(SecfixId::new));
            }
            out
        },
    )
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..4).prop_map(Value::Array),
            prop::collection::vec((text(), inner), 1..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn extra_keys(
    known: &'static [&'static str],
) -> impl Strategy<Value = serde_json::Map<String, Value>> {
    prop::collection::vec((text(), json_value()), 0..3).prop_map(move |kv| {
        kv.into_iter()
            .filter(|(k, _)| !known.contains(&k.as_str()))
            .collect()
    })
}

fn package() -> impl Strategy<Value = Package> {
    (text(), secfixes(), extra_keys(&["name", "secfixes"])).prop_map(|(name, secfixes, extra)| {
        let mut p = Package::with_secfixes(name, secfixes);
        p.extra = extra;
        p
    })
}

fn document() -> impl Strategy<Value = SecDb> {
    (
        prop::option::of(text()),
        prop::option::of(prop::collection::vec(text(), 0..4)),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::collection::vec(package(), 0..4),
        extra_keys(&[
            "apkurl",
            "archs",
            "reponame",
            "urlprefix",
            "distroversion",
            "packages",
        ]),
    )
        .prop_map(
            |(apkurl, archs, reponame, distroversion, packages, extra)| {
                let mut db = SecDb::new();
                db.apkurl = apkurl;
                db.archs = archs;
                db.reponame = reponame;
                db.distroversion = distroversion;
                db.packages = packages;
                db.extra = extra;
                db
            },
        )
}

proptest! {
    #[test]
    fn write_then_read_gives_the_document_back(db in document()) {
        let text = secdb::to_json(&db);
        let parsed = secdb::from_json(&text).unwrap();
        // Reading remembers the key order; writing it again gives the same bytes.
        prop_assert_eq!(secdb::to_json(&parsed.value), text.clone());
        let back = parsed.value;
        prop_assert_eq!(&back.apkurl, &db.apkurl);
        prop_assert_eq!(&back.archs, &db.archs);
        prop_assert_eq!(&back.reponame, &db.reponame);
        prop_assert_eq!(&back.distroversion, &db.distroversion);
        prop_assert_eq!(&back.extra, &db.extra);
        prop_assert_eq!(&back.packages.len(), &db.packages.len());
        for (a, b) in back.packages.iter().zip(&db.packages) {
            prop_assert_eq!(&a.name, &b.name);
            prop_assert_eq!(&a.secfixes, &b.secfixes);
            prop_assert_eq!(&a.extra, &b.extra);
        }
    }
}

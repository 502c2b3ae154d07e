//! The security-rejections YAML (`{package: [CVE…]}` with comments as rationale).

use std::collections::BTreeSet;

use secfixes_apk::rejections::Rejections;

use super::rows::{Rows, Slice};
use super::{Summary, mark};
use crate::Result;
use crate::db::Db;

/// The `source` of rejections read from the YAML.
pub const SOURCE: &str = "rejections";

/// Replaces the YAML rejections of `repo_tag` with `doc`.
pub fn import(db: &mut dyn Db, repo_tag: &str, doc: &Rejections) -> Result<Summary> {
    let mut rows = Rows::new();
    for (origin, rejection) in &doc.packages {
        let rationale = (!rejection.rationale.is_empty()).then(|| rejection.rationale.join("\n"));
        for id in &rejection.ids {
            rows.insert(
                vec![origin.clone(), id.id().to_owned()],
                vec![None, rationale.clone()],
            );
        }
    }
    let slice = Slice {
        table: "rejection",
        scope: &[("repo_tag", repo_tag), ("source", SOURCE)],
        keys: &["origin", "vuln_id"],
        values: &["reason", "rationale"],
    };
    let changed = slice.replace(db, &rows)?;
    let origins: BTreeSet<&str> = changed.iter().map(|k| k[0].as_str()).collect();
    let items: Vec<(&str, &str)> = origins.into_iter().map(|o| (repo_tag, o)).collect();
    mark(db, "package", &items)?;
    Ok(Summary {
        records: rows.len() as u64,
        changed: changed.len() as u64,
        warnings: Vec::new(),
    })
}

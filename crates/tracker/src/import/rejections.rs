//! The security-rejections YAML (`{package: [CVE…]}` with comments as rationale).

use secfixes_apk::rejections::Rejections;

use super::Summary;
use super::rows::{Rows, Slice};
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
    slice.replace_for_packages(db, repo_tag, &rows)
}

//! Maintainers (the `m:` of the index record of a package's origin) and the packages
//! that have none.

use serde::Serialize;

use super::package::{VersionRow, versions};
use super::states::{self, Filter, StateRow, open_states_sql};
use crate::Result;
use crate::db::Db;

/// One maintainer with what they look after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MaintainerSummary {
    /// As the index writes it: `Name <address>`.
    pub maintainer: String,
    /// Published origin packages (counted once per repository tag).
    pub packages: u64,
    /// Open states of their published packages.
    pub open: u64,
}

/// Every maintainer of a published package, by name.
pub fn list(db: &mut dyn Db) -> Result<Vec<MaintainerSummary>> {
    let mut out: Vec<MaintainerSummary> = Vec::new();
    db.query(
        "SELECT maintainer, COUNT(*) FROM origin_version \
         WHERE published = 1 AND maintainer IS NOT NULL GROUP BY maintainer ORDER BY maintainer",
        &[],
        &mut |row| {
            out.push(MaintainerSummary {
                maintainer: row.req_text(0)?,
                packages: u64::try_from(row.req_int(1)?).unwrap_or(0),
                open: 0,
            });
            Ok(())
        },
    )?;
    let mut open = Vec::new();
    db.query(
        &format!(
            "SELECT ov.maintainer, COUNT(*) FROM state s JOIN origin_version ov \
             ON ov.repo_tag = s.repo_tag AND ov.origin = s.origin AND ov.version = s.version \
             WHERE ov.published = 1 AND ov.maintainer IS NOT NULL AND s.state IN ({}) \
             GROUP BY ov.maintainer",
            open_states_sql()
        ),
        &[],
        &mut |row| {
            open.push((row.req_text(0)?, row.req_int(1)?));
            Ok(())
        },
    )?;
    for (maintainer, n) in open {
        if let Ok(i) = out.binary_search_by(|m| m.maintainer.as_str().cmp(&maintainer)) {
            out[i].open = u64::try_from(n).unwrap_or(0);
        }
    }
    Ok(out)
}

/// A maintainer's published packages and their states, or `None` for an unknown name.
pub fn page(db: &mut dyn Db, maintainer: &str) -> Result<Option<(Vec<VersionRow>, Vec<StateRow>)>> {
    let packages = versions(db, "maintainer = $1 AND published = 1", maintainer)?;
    if packages.is_empty() {
        return Ok(None);
    }
    let states = states::list(db, Filter::Maintainer(maintainer), false)?;
    Ok(Some((packages, states)))
}

/// The published packages of `tag` that have no maintainer.
pub fn orphaned(db: &mut dyn Db, tag: &str) -> Result<Vec<VersionRow>> {
    versions(
        db,
        "repo_tag = $1 AND published = 1 AND maintainer IS NULL",
        tag,
    )
}

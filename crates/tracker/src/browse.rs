//! What the web UI and API show, read from the store: one function per page, each
//! returning plain data (the web crate renders it as HTML or JSON-LD; nothing here knows
//! about either).
//!
//! - [`states`]: rows of the `state` table with the package's maintainer, by branch,
//!   CVE, package or maintainer; the fix-ship date of fixed states.
//! - [`overview`]: every repository tag with its counts by state.
//! - [`cve`]: one CVE: its records merged, states, recorded fixes and rejections.
//! - [`package`]: one origin package: versions per branch, states, fixes, history.
//! - [`maintainer`]: maintainers and orphaned packages.
//! - [`changes`]: state changes, newest first, for the recent-changes page and feeds.
//! - [`history`]: triage actions (rejections made and withdrawn), newest first.
//! - [`search`]: CVE ids, package names, maintainers and free text.
//! - [`health`]: each importer's last run, last success and last error.

pub mod changes;
pub mod cve;
pub mod health;
pub mod history;
pub mod maintainer;
pub mod overview;
pub mod package;
pub mod search;
pub mod states;

use crate::db::Db;
use crate::{Error, ErrorKind, Result};

/// A fix recorded by the distribution (secdb or APKBUILD), as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FixRow {
    pub repo_tag: String,
    pub origin: String,
    pub cve: String,
    /// The fixing version, or `0` for "never affected".
    pub version: String,
    pub source: String,
}

/// A rejection ("does not apply to this package"), with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RejectionRow {
    pub repo_tag: String,
    pub origin: String,
    pub cve: String,
    pub source: String,
    pub reason: Option<String>,
    pub rationale: Option<String>,
    /// Who made it, their role and when (Unix seconds): triage rejections only.
    pub actor: Option<String>,
    pub actor_role: Option<String>,
    pub created_at: Option<i64>,
}

const FIX_COLUMNS: &str = "repo_tag, origin, vuln_id, version, source FROM fix";
pub(crate) const REJECTION_COLUMNS: &str = "repo_tag, origin, vuln_id, source, reason, rationale, actor, actor_role, created_at \
     FROM rejection";

/// The recorded fixes where `column` (`vuln_id` or `origin`) is `key`.
fn fixes(db: &mut dyn Db, column: &str, key: &str) -> Result<Vec<FixRow>> {
    let mut out = Vec::new();
    db.query(
        &format!(
            "SELECT {FIX_COLUMNS} WHERE {column} = $1 ORDER BY repo_tag, origin, vuln_id, version"
        ),
        &[key.into()],
        &mut |row| {
            out.push(FixRow {
                repo_tag: row.req_text(0)?,
                origin: row.req_text(1)?,
                cve: row.req_text(2)?,
                version: row.req_text(3)?,
                source: row.req_text(4)?,
            });
            Ok(())
        },
    )?;
    Ok(out)
}

/// The rejections where `column` (`vuln_id` or `origin`) is `key`.
fn rejections(db: &mut dyn Db, column: &str, key: &str) -> Result<Vec<RejectionRow>> {
    let mut out = Vec::new();
    db.query(
        &format!(
            "SELECT {REJECTION_COLUMNS} WHERE {column} = $1 ORDER BY repo_tag, origin, vuln_id"
        ),
        &[key.into()],
        &mut |row| {
            out.push(rejection_row(row)?);
            Ok(())
        },
    )?;
    Ok(out)
}

/// A row of [`REJECTION_COLUMNS`].
pub(crate) fn rejection_row(row: &dyn crate::db::Row) -> Result<RejectionRow> {
    Ok(RejectionRow {
        repo_tag: row.req_text(0)?,
        origin: row.req_text(1)?,
        cve: row.req_text(2)?,
        source: row.req_text(3)?,
        reason: row.text(4)?,
        rationale: row.text(5)?,
        actor: row.text(6)?,
        actor_role: row.text(7)?,
        created_at: row.int(8)?,
    })
}

/// Every repository tag with its branch and repository name, by tag.
pub fn repos(db: &mut dyn Db) -> Result<Vec<(String, String, String)>> {
    let mut out = Vec::new();
    db.query(
        "SELECT tag, branch, repo FROM repo ORDER BY tag",
        &[],
        &mut |row| {
            out.push((row.req_text(0)?, row.req_text(1)?, row.req_text(2)?));
            Ok(())
        },
    )?;
    Ok(out)
}

pub(crate) fn stored_json<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T> {
    let json = crate::packed::unpack(bytes)?;
    serde_json::from_str(&json)
        .map_err(|e| Error::new(ErrorKind::Database, format!("stored {what}: {e}")))
}

//! One origin (source) package: its versions on every branch, binary packages, states,
//! recorded fixes, rejections and the history of its states.

use crate::federation::evidence::{self, Evidence, Suggestion};
use serde::Serialize;

use super::changes::{self, Event, EventFilter};
use super::states::{self, Filter, StateRow};
use super::{FixRow, RejectionRow};
use crate::Result;
use crate::db::{Db, Value};

/// One version of the package in one repository, with when the indexes listed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionRow {
    pub repo_tag: String,
    pub origin: String,
    pub version: String,
    pub maintainer: Option<String>,
    pub first_seen: i64,
    /// When it left the index (`None` while listed).
    pub last_seen: Option<i64>,
    pub published: bool,
}

/// Everything the package page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct PackagePage {
    pub origin: String,
    /// Every version ever seen, by repository tag, newest first within a tag.
    pub versions: Vec<VersionRow>,
    /// The binary packages the indexes list now: (repository tag, name).
    pub binaries: Vec<(String, String)>,
    pub states: Vec<StateRow>,
    pub fixes: Vec<FixRow>,
    pub rejections: Vec<RejectionRow>,
    /// The newest state changes.
    pub events: Vec<Event>,
    /// What peer trackers said about the package's CVEs, and which of it suggests a
    /// triage action.
    pub evidence: Vec<Evidence>,
    pub suggestions: Vec<Suggestion>,
}

/// How many state changes the package page shows.
const EVENTS: usize = 50;

const VERSION_COLUMNS: &str =
    "repo_tag, origin, version, maintainer, first_seen, last_seen, published FROM origin_version";

/// Versions from `origin_version` matching `condition` (with `$1` bound to `key`).
pub(crate) fn versions(db: &mut dyn Db, condition: &str, key: &str) -> Result<Vec<VersionRow>> {
    let mut out = Vec::new();
    db.query(
        &format!("SELECT {VERSION_COLUMNS} WHERE {condition} ORDER BY repo_tag, origin"),
        &[Value::from(key)],
        &mut |row| {
            out.push(VersionRow {
                repo_tag: row.req_text(0)?,
                origin: row.req_text(1)?,
                version: row.req_text(2)?,
                maintainer: row.text(3)?,
                first_seen: row.req_int(4)?,
                last_seen: row.int(5)?,
                published: row.req_int(6)? != 0,
            });
            Ok(())
        },
    )?;
    Ok(out)
}

/// The page of `origin`, or `None` when no index ever listed it.
pub fn page(db: &mut dyn Db, origin: &str) -> Result<Option<PackagePage>> {
    let mut versions = versions(db, "origin = $1", origin)?;
    if versions.is_empty() {
        return Ok(None);
    }
    versions.sort_by(|a, b| {
        a.repo_tag
            .cmp(&b.repo_tag)
            .then_with(|| secfixes_apk::version::compare(&b.version, &a.version))
    });
    let mut binaries = Vec::new();
    db.query(
        "SELECT DISTINCT repo_tag, name FROM package WHERE origin = $1 AND last_seen IS NULL \
         ORDER BY repo_tag, name",
        &[origin.into()],
        &mut |row| {
            binaries.push((row.req_text(0)?, row.req_text(1)?));
            Ok(())
        },
    )?;
    let mut states = states::list(db, Filter::Origin(origin), false)?;
    states::with_fix_shipped(db, &mut states)?;
    let evidence = evidence::for_origin(db, origin)?;
    let suggestions = evidence::suggestions(db, &evidence)?;
    Ok(Some(PackagePage {
        evidence,
        suggestions,
        origin: origin.to_owned(),
        versions,
        binaries,
        states,
        fixes: super::fixes(db, "origin", origin)?,
        rejections: super::rejections(db, "origin", origin)?,
        events: changes::recent(db, &EventFilter::Origin(origin), None, EVENTS)?,
    }))
}

/// The states of one version of `origin` in every repository that publishes it (the
/// original tracker's `/srcpkg/<pkg>/<version>`), or `None` when no index listed it.
pub fn version(
    db: &mut dyn Db,
    origin: &str,
    version: &str,
) -> Result<Option<(Vec<VersionRow>, Vec<StateRow>)>> {
    let rows: Vec<VersionRow> = versions(db, "origin = $1", origin)?
        .into_iter()
        .filter(|v| v.version == version)
        .collect();
    if rows.is_empty() {
        return Ok(None);
    }
    let states = states::list(db, Filter::Origin(origin), false)?
        .into_iter()
        .filter(|s| s.version == version)
        .collect();
    Ok(Some((rows, states)))
}

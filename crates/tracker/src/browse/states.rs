//! Rows of the `state` table for published package versions, with the package's
//! maintainer: by branch, CVE, package or maintainer.

use std::cmp::Ordering;
use std::collections::HashMap;

use serde::Serialize;

use secfixes_apk::version;

use crate::db::{Db, Row, Value};
use crate::engine::{Explanation, State};
use crate::{Error, ErrorKind, Result};

/// The verdict for one published version of one origin package and one CVE.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StateRow {
    pub repo_tag: String,
    pub origin: String,
    pub version: String,
    pub cve: String,
    pub state: State,
    pub fixed_version: Option<String>,
    pub fix_source: Option<String>,
    pub severity: Option<String>,
    pub score: Option<f64>,
    pub maintainer: Option<String>,
    /// When the state last changed (Unix seconds): how long an open one has been open.
    pub changed_at: i64,
    /// When the fix shipped, for fixed states (filled by [`with_fix_shipped`]).
    pub fix_shipped: Option<i64>,
    /// Why (only where asked for: it is stored deflated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Explanation>,
}

/// Which states to read.
#[derive(Debug, Clone, Copy)]
pub enum Filter<'a> {
    Branch(&'a str),
    Cve(&'a str),
    Origin(&'a str),
    Maintainer(&'a str),
}

/// The states of published versions selected by `filter`, by repository tag, origin,
/// version and CVE; with their explanations when `explained`.
pub fn list(db: &mut dyn Db, filter: Filter<'_>, explained: bool) -> Result<Vec<StateRow>> {
    let (condition, key) = match filter {
        Filter::Branch(tag) => ("s.repo_tag = $1", tag),
        Filter::Cve(id) => ("s.vuln_id = $1", id),
        Filter::Origin(origin) => ("s.origin = $1", origin),
        Filter::Maintainer(m) => ("ov.maintainer = $1", m),
    };
    let sql = format!(
        "SELECT s.repo_tag, s.origin, s.version, s.vuln_id, s.state, s.fixed_version, \
         s.fix_source, s.severity, s.score, s.changed_at, ov.maintainer{} \
         FROM state s JOIN origin_version ov ON ov.repo_tag = s.repo_tag \
         AND ov.origin = s.origin AND ov.version = s.version \
         WHERE ov.published = 1 AND {condition} \
         ORDER BY s.repo_tag, s.origin, s.version, s.vuln_id",
        if explained { ", s.explanation" } else { "" }
    );
    let mut rows = Vec::new();
    db.query(&sql, &[Value::from(key)], &mut |row| {
        rows.push(read_row(row, explained)?);
        Ok(())
    })?;
    Ok(rows)
}

fn read_row(row: &dyn Row, explained: bool) -> Result<StateRow> {
    Ok(StateRow {
        repo_tag: row.req_text(0)?,
        origin: row.req_text(1)?,
        version: row.req_text(2)?,
        cve: row.req_text(3)?,
        state: parse_state(&row.req_text(4)?)?,
        fixed_version: row.text(5)?,
        fix_source: row.text(6)?,
        severity: row.text(7)?,
        score: row.real(8)?,
        changed_at: row.req_int(9)?,
        maintainer: row.text(10)?,
        fix_shipped: None,
        explanation: if explained {
            Some(super::stored_json(&row.req_blob(11)?, "explanation")?)
        } else {
            None
        },
    })
}

/// A state name read back from the store.
pub fn parse_state(s: &str) -> Result<State> {
    State::parse(s)
        .ok_or_else(|| Error::new(ErrorKind::Database, format!("unknown state {s:?} stored")))
}

/// When each version of `origin` in `tag` first shipped (Unix seconds): its build time
/// from the index, or when an import first saw it, whichever is earlier.
pub fn ship_times(db: &mut dyn Db, tag: &str, origin: &str) -> Result<Vec<(String, i64)>> {
    let mut history = Vec::new();
    db.query(
        "SELECT version, MIN(first_seen), MIN(build_time) FROM package \
         WHERE repo_tag = $1 AND origin = $2 GROUP BY version",
        &[tag.into(), origin.into()],
        &mut |row| {
            let first_seen = row.req_int(1)?;
            let built = row.int(2)?.unwrap_or(first_seen);
            history.push((row.req_text(0)?, first_seen.min(built)));
            Ok(())
        },
    )?;
    Ok(history)
}

/// When a fix at `fix` shipped: the earliest ship time of a version at or above it.
pub fn shipped_at(history: &[(String, i64)], fix: &str) -> Option<i64> {
    history
        .iter()
        .filter(|(v, _)| version::compare(v, fix) != Ordering::Less)
        .map(|(_, t)| *t)
        .min()
}

/// Fills in [`StateRow::fix_shipped`] of the fixed rows (one query per package and
/// repository among them).
pub fn with_fix_shipped(db: &mut dyn Db, rows: &mut [StateRow]) -> Result<()> {
    let mut histories: HashMap<(String, String), Vec<(String, i64)>> = HashMap::new();
    for row in rows.iter_mut() {
        let (State::Fixed, Some(fix)) = (row.state, &row.fixed_version) else {
            continue;
        };
        let key = (row.repo_tag.clone(), row.origin.clone());
        if !histories.contains_key(&key) {
            let history = ship_times(db, &row.repo_tag, &row.origin)?;
            histories.insert(key.clone(), history);
        }
        row.fix_shipped = histories.get(&key).and_then(|h| shipped_at(h, fix));
    }
    Ok(())
}

/// The open states as an SQL list (`'vulnerable', …`) for `state IN (…)`.
pub(crate) fn open_states_sql() -> String {
    let open: Vec<String> = State::ALL
        .into_iter()
        .filter(|s| s.is_open())
        .map(|s| format!("'{s}'"))
        .collect();
    open.join(", ")
}

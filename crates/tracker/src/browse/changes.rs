//! Changes of state, newest first: the recent-changes page and the Atom feeds.

use serde::Serialize;

use super::states::parse_state;
use crate::Result;
use crate::db::{Db, Value};
use crate::engine::State;

/// One change of one verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    pub seq: i64,
    /// Unix seconds.
    pub at: i64,
    pub cve: String,
    pub repo_tag: String,
    pub origin: String,
    pub version: String,
    /// `None` when the state is new.
    pub old_state: Option<State>,
    /// `None` when the state went away (the version left the index, the CVE no longer
    /// names the package).
    pub new_state: Option<State>,
    /// The maintainer of that version.
    pub maintainer: Option<String>,
}

/// Whose changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventFilter<'a> {
    All,
    /// One repository tag.
    Branch(&'a str),
    Origin(&'a str),
    Maintainer(&'a str),
    Cve(&'a str),
}

/// At most `limit` changes selected by `filter`, newest first; with `before`, only those
/// older than that sequence number (the next page).
pub fn recent(
    db: &mut dyn Db,
    filter: &EventFilter<'_>,
    before: Option<i64>,
    limit: usize,
) -> Result<Vec<Event>> {
    let mut conditions = Vec::new();
    let mut params = Vec::new();
    let column = match filter {
        EventFilter::All => None,
        EventFilter::Branch(key) => Some(("e.repo_tag", *key)),
        EventFilter::Origin(key) => Some(("e.origin", *key)),
        EventFilter::Maintainer(key) => Some(("ov.maintainer", *key)),
        EventFilter::Cve(key) => Some(("e.vuln_id", *key)),
    };
    if let Some((column, key)) = column {
        params.push(Value::from(key));
        conditions.push(format!("{column} = ${}", params.len()));
    }
    if let Some(seq) = before {
        params.push(Value::Int(seq));
        conditions.push(format!("e.seq < ${}", params.len()));
    }
    let sql = format!(
        "SELECT e.seq, e.at, e.vuln_id, e.repo_tag, e.origin, e.version, e.old_state, \
         e.new_state, ov.maintainer FROM state_event e LEFT JOIN origin_version ov \
         ON ov.repo_tag = e.repo_tag AND ov.origin = e.origin AND ov.version = e.version{} \
         ORDER BY e.seq DESC LIMIT {limit}",
        if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        }
    );
    let mut out = Vec::new();
    db.query(&sql, &params, &mut |row| {
        let state = |column| -> Result<Option<State>> {
            row.text(column)?.map(|s| parse_state(&s)).transpose()
        };
        out.push(Event {
            seq: row.req_int(0)?,
            at: row.req_int(1)?,
            cve: row.req_text(2)?,
            repo_tag: row.req_text(3)?,
            origin: row.req_text(4)?,
            version: row.req_text(5)?,
            old_state: state(6)?,
            new_state: state(7)?,
            maintainer: row.text(8)?,
        });
        Ok(())
    })?;
    Ok(out)
}

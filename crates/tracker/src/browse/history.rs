//! The triage history: every rejection made or withdrawn in the web UI, newest first,
//! for the history page, its feed and the CVE and package pages.

use serde::Serialize;

use crate::Result;
use crate::db::{Db, Value};

/// One triage action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TriageEvent {
    pub seq: i64,
    /// Unix seconds.
    pub at: i64,
    pub actor: String,
    pub actor_name: Option<String>,
    pub actor_role: String,
    /// `reject` or `withdraw`.
    pub action: String,
    pub cve: String,
    pub origin: String,
    pub repo_tags: Vec<String>,
    pub reason: Option<String>,
    pub rationale: Option<String>,
    /// The peer's notification the action adopted (a suggestion's), when it did.
    pub evidence: Option<String>,
}

/// Which events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    All,
    Cve(&'a str),
    Package(&'a str),
}

/// The newest `limit` events of `scope`, newest first.
pub fn events(db: &mut dyn Db, scope: Scope<'_>, limit: u64) -> Result<Vec<TriageEvent>> {
    let (filter, params): (&str, Vec<Value>) = match scope {
        Scope::All => ("", vec![]),
        Scope::Cve(id) => ("WHERE vuln_id = $2", vec![id.into()]),
        Scope::Package(origin) => ("WHERE origin = $2", vec![origin.into()]),
    };
    let mut all = vec![Value::Int(i64::try_from(limit).unwrap_or(i64::MAX))];
    all.extend(params);
    let mut out = Vec::new();
    db.query(
        &format!(
            "SELECT seq, at, actor, actor_name, actor_role, action, vuln_id, origin, repo_tags, \
             reason, rationale, evidence FROM triage_event {filter} ORDER BY seq DESC LIMIT $1"
        ),
        &all,
        &mut |row| {
            out.push(TriageEvent {
                seq: row.req_int(0)?,
                at: row.req_int(1)?,
                actor: row.req_text(2)?,
                actor_name: row.text(3)?,
                actor_role: row.req_text(4)?,
                action: row.req_text(5)?,
                cve: row.req_text(6)?,
                origin: row.req_text(7)?,
                repo_tags: row
                    .req_text(8)?
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect(),
                reason: row.text(9)?,
                rationale: row.text(10)?,
                evidence: row.text(11)?,
            });
            Ok(())
        },
    )?;
    Ok(out)
}

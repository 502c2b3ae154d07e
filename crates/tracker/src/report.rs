//! Reading verdicts back: the rows of a branch report and the explanation of one
//! (vulnerability, package, repository) with the date its fix shipped.

use std::cmp::Ordering;

use serde::Serialize;

use secfixes_apk::version;

use crate::db::{Db, Value};
use crate::engine::{Explanation, State};
use crate::{Error, ErrorKind, Result};

/// One row of a branch report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportRow {
    pub origin: String,
    pub version: String,
    pub cve: String,
    pub state: State,
    pub fixed_version: Option<String>,
    pub severity: Option<String>,
    pub maintainer: Option<String>,
}

/// Fails unless `tag` is a known repository tag.
pub fn check_tag(db: &mut dyn Db, tag: &str) -> Result<()> {
    let mut known = Vec::new();
    db.query("SELECT tag FROM repo ORDER BY tag", &[], &mut |row| {
        known.push(row.req_text(0)?);
        Ok(())
    })?;
    if known.iter().any(|t| t == tag) {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Config,
            format!(
                "no repository {tag:?} in the database (known: {})",
                if known.is_empty() {
                    "none: import an index first".to_owned()
                } else {
                    known.join(", ")
                }
            ),
        ))
    }
}

/// The states of the published packages of `tag`: the open ones (vulnerable, possibly
/// vulnerable, unknown), or with `all` also fixed and not affected; by origin, version
/// and CVE.
pub fn branch(db: &mut dyn Db, tag: &str, all: bool) -> Result<Vec<ReportRow>> {
    check_tag(db, tag)?;
    let filter = if all {
        String::new()
    } else {
        let open: Vec<String> = State::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        format!(" AND s.state IN ({})", open.join(", "))
    };
    let sql = format!(
        "SELECT s.origin, s.version, s.vuln_id, s.state, s.fixed_version, s.severity, \
         ov.maintainer FROM state s JOIN origin_version ov ON ov.repo_tag = s.repo_tag \
         AND ov.origin = s.origin AND ov.version = s.version \
         WHERE s.repo_tag = $1 AND ov.published = 1{filter} \
         ORDER BY s.origin, s.version, s.vuln_id"
    );
    let mut rows = Vec::new();
    db.query(&sql, &[tag.into()], &mut |row| {
        rows.push(ReportRow {
            origin: row.req_text(0)?,
            version: row.req_text(1)?,
            cve: row.req_text(2)?,
            state: parse_state(&row.req_text(3)?)?,
            fixed_version: row.text(4)?,
            severity: row.text(5)?,
            maintainer: row.text(6)?,
        });
        Ok(())
    })?;
    Ok(rows)
}

fn parse_state(s: &str) -> Result<State> {
    State::parse(s)
        .ok_or_else(|| Error::new(ErrorKind::Database, format!("unknown state {s:?} stored")))
}

/// The verdict of one published version, with its reasons.
#[derive(Debug, Clone, PartialEq)]
pub struct Explained {
    pub version: String,
    pub state: State,
    pub fixed_version: Option<String>,
    pub fix_source: Option<String>,
    pub severity: Option<String>,
    pub score: Option<f64>,
    /// When the fix shipped (Unix seconds), for `fixed` states: the earliest evidence for
    /// a version at or above the fix in this repository — its build time from the index,
    /// or when an import first saw it, whichever is earlier.
    pub fix_shipped: Option<i64>,
    pub explanation: Explanation,
}

/// The verdicts of `cve` for every published version of `origin` in `tag`.
pub fn explain(db: &mut dyn Db, cve: &str, origin: &str, tag: &str) -> Result<Vec<Explained>> {
    check_tag(db, tag)?;
    let params: [Value; 3] = [cve.into(), tag.into(), origin.into()];
    let mut out = Vec::new();
    db.query(
        "SELECT version, state, fixed_version, fix_source, severity, score, explanation \
         FROM state WHERE vuln_id = $1 AND repo_tag = $2 AND origin = $3 ORDER BY version",
        &params,
        &mut |row| {
            let json = crate::packed::unpack(&row.req_blob(6)?)?;
            let explanation: Explanation = serde_json::from_str(&json)
                .map_err(|e| Error::new(ErrorKind::Database, format!("stored explanation: {e}")))?;
            out.push(Explained {
                version: row.req_text(0)?,
                state: parse_state(&row.req_text(1)?)?,
                fixed_version: row.text(2)?,
                fix_source: row.text(3)?,
                severity: row.text(4)?,
                score: row.real(5)?,
                fix_shipped: None,
                explanation,
            });
            Ok(())
        },
    )?;
    if out.iter().any(|e| e.state == State::Fixed) {
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
        for e in &mut out {
            if let (State::Fixed, Some(fix)) = (e.state, &e.fixed_version) {
                e.fix_shipped = history
                    .iter()
                    .filter(|(v, _)| version::compare(v, fix) != Ordering::Less)
                    .map(|(_, t)| *t)
                    .min();
            }
        }
    }
    Ok(out)
}

//! Reading verdicts back: the rows of a branch report and the explanation of one
//! (vulnerability, package, repository) with the date its fix shipped.

use serde::Serialize;

use crate::browse::states::{self, Filter};
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
    Ok(states::list(db, Filter::Branch(tag), false)?
        .into_iter()
        .filter(|r| all || r.state.is_open())
        .map(|r| ReportRow {
            origin: r.origin,
            version: r.version,
            cve: r.cve,
            state: r.state,
            fixed_version: r.fixed_version,
            severity: r.severity,
            maintainer: r.maintainer,
        })
        .collect())
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
            let explanation: Explanation =
                crate::browse::stored_json(&row.req_blob(6)?, "explanation")?;
            out.push(Explained {
                version: row.req_text(0)?,
                state: states::parse_state(&row.req_text(1)?)?,
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
        let history = states::ship_times(db, tag, origin)?;
        for e in &mut out {
            if let (State::Fixed, Some(fix)) = (e.state, &e.fixed_version) {
                e.fix_shipped = states::shipped_at(&history, fix);
            }
        }
    }
    Ok(out)
}

//! The security data of one repository tag for `secfixes index annotate`: the recorded
//! fixes (`fix`, every source: secdb and APKBUILDs) and the severities of their ids, as
//! the [`Annotation`] that goes into the `SECFIXES` member of the tag's index.
//!
//! Severities come from the states of the tag (`state.severity` and `score`, the CVSS
//! band the engine chose for the CVE): a CVE's severity does not depend on the package,
//! so the worst band recorded for an id on the tag is its severity.

use secfixes_apk::annotation::{Annotation, Severity};

use crate::Result;
use crate::db::Db;

/// Reads the fixes and severities of `repo_tag`; `keep` chooses the origins (those of the
/// index being annotated). The branch and repository come from the `repo` table.
pub fn read(db: &mut dyn Db, repo_tag: &str, keep: impl Fn(&str) -> bool) -> Result<Annotation> {
    let mut annotation = Annotation::new();
    db.query(
        "SELECT branch, repo FROM repo WHERE tag = $1",
        &[repo_tag.into()],
        &mut |row| {
            annotation.distroversion = row.text(0)?;
            annotation.reponame = row.text(1)?;
            Ok(())
        },
    )?;
    db.query(
        "SELECT origin, version, vuln_id FROM fix WHERE repo_tag = $1",
        &[repo_tag.into()],
        &mut |row| {
            let origin = row.req_text(0)?;
            if keep(&origin) {
                annotation.add(&origin, &row.req_text(1)?, &row.req_text(2)?);
            }
            Ok(())
        },
    )?;
    db.query(
        "SELECT vuln_id, severity, score FROM state \
         WHERE repo_tag = $1 AND severity IS NOT NULL",
        &[repo_tag.into()],
        &mut |row| {
            let id = row.req_text(0)?;
            let severity = Severity {
                severity: row.req_text(1)?,
                score: row.real(2)?,
            };
            let worse = match annotation.severities.get(&id) {
                Some(known) => {
                    (severity.rank(), severity.score.unwrap_or(0.0))
                        > (known.rank(), known.score.unwrap_or(0.0))
                }
                None => true,
            };
            if worse {
                annotation.severities.insert(id, severity);
            }
            Ok(())
        },
    )?;
    annotation.normalize();
    Ok(annotation)
}

/// The repository tags the store knows, for the message when none is given or the one
/// given is unknown.
pub fn tags(db: &mut dyn Db) -> Result<Vec<String>> {
    let mut tags = Vec::new();
    db.query("SELECT tag FROM repo", &[], &mut |row| {
        tags.push(row.req_text(0)?);
        Ok(())
    })?;
    tags.sort();
    Ok(tags)
}

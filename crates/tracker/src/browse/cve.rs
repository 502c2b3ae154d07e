//! One CVE: what every source says (merged), its states on every branch with their
//! explanations and fix-ship dates, the distribution's recorded fixes and rejections.

use crate::federation::evidence::{self, Evidence, Suggestion};
use secfixes_cve::Cve;

use super::states::{self, Filter, StateRow};
use super::{FixRow, RejectionRow};
use crate::Result;
use crate::db::Db;

/// Everything the CVE page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct CvePage {
    pub id: String,
    /// The records of every source merged (NVD first), if any source has one.
    pub record: Option<Cve>,
    /// The sources that have a record (`nvd`, `cve5`).
    pub sources: Vec<String>,
    pub states: Vec<StateRow>,
    pub fixes: Vec<FixRow>,
    pub rejections: Vec<RejectionRow>,
    /// What peer trackers said about the CVE, and which of it suggests a triage action.
    pub evidence: Vec<Evidence>,
    pub suggestions: Vec<Suggestion>,
}

/// The page of `id`, or `None` when the store knows nothing of it.
pub fn page(db: &mut dyn Db, id: &str) -> Result<Option<CvePage>> {
    let mut records: Vec<(String, Cve)> = Vec::new();
    let mut docs = Vec::new();
    db.query(
        "SELECT source, doc FROM cve_record WHERE cve_id = $1 ORDER BY source DESC",
        &[id.into()],
        &mut |row| {
            docs.push((row.req_text(0)?, row.req_blob(1)?));
            Ok(())
        },
    )?;
    // `nvd` sorts after `cve5`: descending puts NVD's record first, so that its scalars
    // win the merge as the tracker has always shown them.
    for (source, doc) in docs {
        records.push((source, super::stored_json(&doc, "CVE record")?));
    }
    let sources: Vec<String> = records.iter().map(|(s, _)| s.clone()).collect();
    let record = records.into_iter().map(|(_, c)| c).reduce(|mut a, b| {
        a.merge(b);
        a
    });
    let mut states = states::list(db, Filter::Cve(id), true)?;
    states::with_fix_shipped(db, &mut states)?;
    let fixes = super::fixes(db, "vuln_id", id)?;
    let rejections = super::rejections(db, "vuln_id", id)?;
    if record.is_none() && states.is_empty() && fixes.is_empty() && rejections.is_empty() {
        return Ok(None);
    }
    let evidence = evidence::for_vuln(db, id)?;
    let suggestions = evidence::suggestions(db, &evidence)?;
    Ok(Some(CvePage {
        id: id.to_owned(),
        record,
        sources,
        states,
        fixes,
        rejections,
        evidence,
        suggestions,
    }))
}

//! What the OSV and OpenVEX exports read from the store: the branches asked for, and the
//! states of one branch's published package versions with the summary of each
//! explanation and the rejections of each (repository tag, origin, vulnerability).
//!
//! A branch is read in three streamed queries (its rejections, its published versions,
//! its states), never one per CVE or package. An explanation is stored deflated and its summary is its first field,
//! so only the start of each is inflated.

use std::collections::{BTreeMap, HashMap, HashSet};

use flate2::{Decompress, FlushDecompress, Status};
use serde::Deserialize;

use super::id_order;
use super::rejections::RepoTag;
use crate::db::{Db, Value};
use crate::engine::State;
use crate::{Error, ErrorKind, Result, browse};

/// A branch of the store with its repository tags (`v3.22`: `3.22-main`,
/// `3.22-community`), tags in byte order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branch {
    pub name: String,
    pub tags: Vec<RepoTag>,
}

impl Branch {
    /// The repository (`main`) of one of the branch's tags.
    pub fn repo_of(&self, tag: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|t| t.tag == tag)
            .map(|t| t.repo.as_str())
    }

    /// `$first, $first+1, …` for the branch's tags, and the tags as parameters.
    fn tags_sql(&self, first: usize) -> (String, Vec<Value>) {
        let list: Vec<String> = (0..self.tags.len())
            .map(|i| format!("${}", first + i))
            .collect();
        let params = self.tags.iter().map(|t| Value::from(&t.tag)).collect();
        (list.join(", "), params)
    }
}

/// The branches named in `wanted` (every branch of the store when it is empty), in
/// byte order; a name the store does not know is an error that names it and the known
/// branches.
pub fn branches(db: &mut dyn Db, wanted: &[String]) -> Result<Vec<Branch>> {
    let mut by_branch: BTreeMap<String, Vec<RepoTag>> = BTreeMap::new();
    for (tag, branch, repo) in browse::repos(db)? {
        by_branch
            .entry(branch.clone())
            .or_default()
            .push(RepoTag { tag, branch, repo });
    }
    for tags in by_branch.values_mut() {
        tags.sort_by(|a, b| a.tag.cmp(&b.tag));
    }
    if let Some(unknown) = wanted.iter().find(|w| !by_branch.contains_key(*w)) {
        let known: Vec<&str> = by_branch.keys().map(String::as_str).collect();
        let known = if known.is_empty() {
            "none: import an index first".to_owned()
        } else {
            known.join(", ")
        };
        return Err(Error::new(
            ErrorKind::Config,
            format!("no branch {unknown:?} in the database (known: {known})"),
        )
        .in_field("--branch"));
    }
    Ok(by_branch
        .into_iter()
        .filter(|(name, _)| wanted.is_empty() || wanted.contains(name))
        .map(|(name, tags)| Branch { name, tags })
        .collect())
}

/// A rejection of one vulnerability for one package on one repository tag.
pub type Rejection = crate::browse::RejectionRow;

/// The verdict for one published version of one origin and one vulnerability.
#[derive(Debug, Clone, PartialEq)]
pub struct StateRow {
    pub vuln_id: String,
    pub repo_tag: String,
    /// The repository of the tag (`main`).
    pub repo: String,
    pub origin: String,
    pub version: String,
    pub state: State,
    pub fixed_version: Option<String>,
    pub fix_source: Option<String>,
    pub severity: Option<String>,
    pub score: Option<f64>,
    /// When the state last changed (any of its columns or its explanation), Unix seconds.
    pub changed_at: i64,
    /// The explanation's one-line summary.
    pub summary: String,
    /// The rejections of (tag, origin, vulnerability): the YAML's, then triage's.
    pub rejections: Vec<Rejection>,
}

impl StateRow {
    /// The latest time this state says anything about: its change or a rejection's.
    pub fn latest_change(&self) -> i64 {
        self.rejections
            .iter()
            .filter_map(|r| r.created_at)
            .fold(self.changed_at, i64::max)
    }
}

/// The states of the branch's published versions, sorted by vulnerability id
/// ([`id_order`]), origin, repository tag and version, with their rejections.
pub fn read(db: &mut dyn Db, branch: &Branch) -> Result<Vec<StateRow>> {
    if branch.tags.is_empty() {
        return Ok(Vec::new());
    }
    let (list, params) = branch.tags_sql(1);
    let mut rejections: HashMap<(String, String, String), Vec<Rejection>> = HashMap::new();
    db.query(
        &format!(
            "SELECT {} WHERE repo_tag IN ({list})",
            crate::browse::REJECTION_COLUMNS
        ),
        &params,
        &mut |row| {
            let rejection = crate::browse::rejection_row(row)?;
            let key = (
                rejection.repo_tag.clone(),
                rejection.origin.clone(),
                rejection.cve.clone(),
            );
            rejections.entry(key).or_default().push(rejection);
            Ok(())
        },
    )?;
    for list in rejections.values_mut() {
        // The YAML's (`rejections`) before triage's, as the engine lists them.
        list.sort_by(|a, b| {
            a.source
                .cmp(&b.source)
                .then(a.created_at.cmp(&b.created_at))
        });
    }
    // The published versions, from the primary key alone: a join would look each
    // state's version up in `origin_version` one row at a time.
    let mut published: HashSet<(String, String, String)> = HashSet::new();
    db.query(
        &format!(
            "SELECT repo_tag, origin, version FROM origin_version \
             WHERE published = 1 AND repo_tag IN ({list})"
        ),
        &params,
        &mut |row| {
            published.insert((row.req_text(0)?, row.req_text(1)?, row.req_text(2)?));
            Ok(())
        },
    )?;
    let mut summaries = Summaries::new();
    let mut rows = Vec::new();
    db.query(
        &format!(
            "SELECT vuln_id, repo_tag, origin, version, state, fixed_version, fix_source, \
             severity, score, changed_at, explanation FROM state WHERE repo_tag IN ({list})"
        ),
        &params,
        &mut |row| {
            let repo_tag = row.req_text(1)?;
            let origin = row.req_text(2)?;
            let version = row.req_text(3)?;
            let key = (repo_tag, origin, version);
            if !published.contains(&key) {
                return Ok(());
            }
            let (repo_tag, origin, version) = key;
            let repo = branch.repo_of(&repo_tag).unwrap_or_default().to_owned();
            let blob = row.req_blob(10)?;
            rows.push(StateRow {
                vuln_id: row.req_text(0)?,
                repo_tag,
                repo,
                origin,
                version,
                state: browse::states::parse_state(&row.req_text(4)?)?,
                fixed_version: row.text(5)?,
                fix_source: row.text(6)?,
                severity: row.text(7)?,
                score: row.real(8)?,
                changed_at: row.req_int(9)?,
                summary: summaries.summary(&blob)?,
                rejections: Vec::new(),
            });
            Ok(())
        },
    )?;
    for row in &mut rows {
        if let Some(list) = rejections.get(&(
            row.repo_tag.clone(),
            row.origin.clone(),
            row.vuln_id.clone(),
        )) {
            row.rejections.clone_from(list);
        }
    }
    // Sorted here, not by ORDER BY: PostgreSQL would sort by the database's collation.
    rows.sort_by(|a, b| {
        id_order(&a.vuln_id, &b.vuln_id)
            .then_with(|| a.origin.cmp(&b.origin))
            .then_with(|| a.repo_tag.cmp(&b.repo_tag))
            .then_with(|| secfixes_apk::version::compare(&a.version, &b.version))
            .then_with(|| a.version.cmp(&b.version))
    });
    Ok(rows)
}

/// Reads the summary of stored explanations, inflating only as much of each as it takes.
struct Summaries {
    inflate: Decompress,
    out: Vec<u8>,
}

/// How an explanation's JSON starts (`Explanation` serialises `summary` first).
const SUMMARY_START: &[u8] = br#"{"summary":""#;

impl Summaries {
    fn new() -> Self {
        Summaries {
            inflate: Decompress::new(false),
            out: Vec::with_capacity(512),
        }
    }

    fn summary(&mut self, packed: &[u8]) -> Result<String> {
        self.inflate.reset(false);
        self.out.clear();
        loop {
            let consumed = usize::try_from(self.inflate.total_in()).unwrap_or(usize::MAX);
            let input = packed.get(consumed..).unwrap_or_default();
            self.out.reserve(512);
            let before = self.out.len();
            let status = self
                .inflate
                .decompress_vec(input, &mut self.out, FlushDecompress::None)
                .map_err(|e| stored(&format!("does not inflate: {e}")))?;
            match string_at_start(&self.out) {
                Scan::Found(end) => {
                    return serde_json::from_slice(&self.out[SUMMARY_START.len() - 1..end])
                        .map_err(|e| stored(&e.to_string()));
                }
                Scan::Other => return full_summary(packed),
                Scan::More => {}
            }
            if status == Status::StreamEnd || self.out.len() == before {
                return full_summary(packed);
            }
        }
    }
}

enum Scan {
    /// The summary string ends before this index (exclusive).
    Found(usize),
    /// The text does not start like an explanation written by this version.
    Other,
    /// Not enough text yet.
    More,
}

/// Where the JSON string value of `{"summary":"…` ends.
fn string_at_start(text: &[u8]) -> Scan {
    let n = SUMMARY_START.len().min(text.len());
    if text[..n] != SUMMARY_START[..n] {
        return Scan::Other;
    }
    let mut i = SUMMARY_START.len();
    while i < text.len() {
        match text[i] {
            b'\\' => i += 2,
            b'"' => return Scan::Found(i + 1),
            _ => i += 1,
        }
    }
    Scan::More
}

/// The summary of an explanation that does not start with it: the whole document read.
fn full_summary(packed: &[u8]) -> Result<String> {
    #[derive(Deserialize)]
    struct Summary {
        summary: String,
    }
    let text = crate::packed::unpack(packed)?;
    serde_json::from_str::<Summary>(&text)
        .map(|s| s.summary)
        .map_err(|e| stored(&e.to_string()))
}

fn stored(what: &str) -> Error {
    Error::new(ErrorKind::Database, format!("stored explanation: {what}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::packed::pack;

    #[test]
    fn summaries_from_the_start_of_the_document() {
        let mut s = Summaries::new();
        let long = "x\\\"y".repeat(400);
        for (json, want) in [
            (
                r#"{"summary":"fixed in 1.2-r0","steps":[]}"#.to_owned(),
                "fixed in 1.2-r0".to_owned(),
            ),
            (
                r#"{"summary":"a \"q\" \\ é","steps":[]}"#.to_owned(),
                "a \"q\" \\ é".to_owned(),
            ),
            (
                format!(r#"{{"summary":"{long}","steps":[]}}"#),
                "x\\\"y".replace("\\\"", "\"").repeat(400),
            ),
            (
                r#"{"steps":[],"summary":"later"}"#.to_owned(),
                "later".to_owned(),
            ),
        ] {
            assert_eq!(s.summary(&pack(json.as_bytes())).unwrap(), want, "{json}");
        }
        assert!(s.summary(b"not deflate").is_err());
        assert!(s.summary(&pack(br#"{"steps":[]}"#)).is_err());
    }
}

//! The tracker's verdicts as OSV records (<https://ossf.github.io/osv-schema/>), one per
//! (CVE, branch), in the shape osv.dev gives the Alpine records its converter makes
//! from secdb (`vulnfeeds/cmd/alpine` in google/osv.dev), and in the layout its exporter
//! serves them (`gs://osv-vulnerabilities/<ecosystem>/all.zip` and `modified_id.csv`).
//!
//! ```json
//! {
//!   "schema_version": "1.7.5",
//!   "id": "ALPINE-CVE-2022-37434",
//!   "modified": "2026-03-01T12:00:00Z",
//!   "published": "2022-08-05T07:15:07Z",
//!   "upstream": ["CVE-2022-37434"],
//!   "details": "zlib through 1.2.12 has a heap-based buffer over-read …",
//!   "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
//!   "affected": [{
//!     "package": {"ecosystem": "Alpine:v3.16", "name": "zlib", "purl": "pkg:apk/alpine/zlib?arch=source"},
//!     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.2.12-r2"}]}],
//!     "database_specific": {"repository": "main", "states": [{"version": "1.2.12-r3", "state": "fixed", …}]}
//!   }],
//!   "references": [{"type": "ADVISORY", "url": "https://security.alpinelinux.org/vuln/CVE-2022-37434"}],
//!   "database_specific": {"branch": "v3.16", "not_affected": […], "under_investigation": […]}
//! }
//! ```
//!
//! # What a record says
//!
//! - `id` is `ALPINE-` and the CVE id; `upstream` is the CVE id. The ecosystem is
//!   `Alpine:<branch>` and covers every repository of the branch (main and community),
//!   where osv.dev's converter reads only main.
//! - `affected`: one entry per (repository, origin) of the branch with a published
//!   version that is `fixed` or `vulnerable`: purl `pkg:apk/alpine/<origin>?arch=source`,
//!   one `ECOSYSTEM` range from `introduced: "0"` to `fixed: <the lowest fixing version>`
//!   of those states (the shipped fix, or a recorded one not shipped yet); a vulnerable
//!   package without a recorded fix has `introduced: "0"` and no `fixed` event.
//!   `affected[].database_specific` has the repository and every state of the package:
//!   version, state, fixed version and its source, the tracker's severity band and score,
//!   the explanation's summary, when it changed, and its rejections.
//! - Packages whose versions are all `not-affected` (rejected, a `0` secfixes entry,
//!   outside every affected range) are not in `affected` — an entry without ranges is
//!   read as "every version" by some consumers — but in `database_specific.not_affected`,
//!   each with its repository, name, summary and rejections (reason code, rationale,
//!   author, date). `possibly-vulnerable` and `unknown` packages are in
//!   `database_specific.under_investigation` the same way. A record whose packages are
//!   all there has an empty `affected`: it says that the branch is not affected.
//! - From the CVE records (NVD's first, then CVE 5's, as the tracker merges them):
//!   `published`, `details` (the description), `severity` (one CVSS vector per CVSS
//!   version, NVD's primary score first), `references` (typed from their tags; first the
//!   tracker's own page `<[distribution] url>/vuln/<CVE>` as the `ADVISORY`, when a URL
//!   is configured) and `withdrawn` for a rejected CVE.
//! - `modified` is the latest change of anything the record says: a state (its
//!   `changed_at`), a rejection, the CVE record's `last_modified`.
//!
//! Packages a branch no longer publishes have no state and are not in its records.
//!
//! # The files
//!
//! [`write_dir`] writes, for each branch:
//!
//! - `DIR/<branch>/<id>.json`: every record of the branch (compact JSON, as osv.dev
//!   serves them);
//! - `DIR/Alpine:<branch>/all.zip`: the same bytes, one `<id>.json` entry each, in
//!   [`id_order`]. The entries are stored, not deflated: a record is about 1 KB, and
//!   deflating each on its own (zlib clears its hash table for every entry) saves a
//!   quarter of the size for more time than the rest of the export;
//! - `DIR/Alpine:<branch>/modified_id.csv`: one line per record,
//!   `<modified>,<id>`, newest first (ties in [`id_order`]), as osv.dev's exporter
//!   writes it (no header).
//!
//! A branch written for the first time goes into a temporary directory beside
//! `DIR/<branch>` that is renamed into place when complete. A branch written before is
//! updated in place: a changed record is written beside its old file and renamed over
//! it, an unchanged one is not written again (an export after a small change writes
//! little), and the files of records the branch no longer has are removed. The zip and
//! the CSV are each written to a temporary file and renamed.
//!
//! # How it reads the store
//!
//! The CVE records of every branch asked for are read in one query and each is decoded
//! once (on every core); then each branch's states and rejections in two queries, while
//! writer threads (one per core) build and write the branches read before.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

use secfixes_apk::version;
use secfixes_cve::model::{Cvss, CvssVersion, Origin, Status};
use serde::{Deserialize, Serialize};

use indicatif::ProgressBar;

use super::states::{self, Branch, StateRow};
use super::{check_file_name, id_order, rfc3339, temp_builder};
use crate::db::{Db, Value};
use crate::engine::State;
use crate::{Error, ErrorKind, Result, packed};

/// The version of the OSV schema the records follow (and are tested against).
pub const SCHEMA_VERSION: &str = "1.7.5";

/// The id prefix osv.dev gives Alpine's records.
pub const ID_PREFIX: &str = "ALPINE-";

/// The OSV ecosystem of Alpine; a branch's is `Alpine:<branch>`.
pub const ECOSYSTEM: &str = "Alpine";

/// What to export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// The branches (`v3.16`); every branch of the store when empty.
    pub branches: Vec<String>,
    /// The tracker's public base URL (`[distribution] url`, no trailing `/`): each record
    /// refers to its CVE page there.
    pub tracker_url: Option<String>,
}

/// One OSV record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    pub schema_version: &'static str,
    pub id: String,
    /// RFC 3339, UTC.
    pub modified: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    /// The CVE (or other upstream id); empty for an id of Alpine's own.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub upstream: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<Severity>,
    pub affected: Vec<Affected>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    pub database_specific: RecordSpecific,
    /// `modified` in Unix seconds.
    #[serde(skip)]
    pub modified_secs: i64,
}

impl Record {
    /// The record as osv.dev serves it: compact JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| Error::new(ErrorKind::Json, e.to_string()))
    }

    /// `<id>.json`.
    pub fn file_name(&self) -> String {
        format!("{}.json", self.id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Severity {
    /// `CVSS_V2`, `CVSS_V3` or `CVSS_V4`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The vector.
    pub score: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Affected {
    pub package: Package,
    pub ranges: Vec<Range>,
    pub database_specific: AffectedSpecific,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Package {
    /// `Alpine:v3.16`.
    pub ecosystem: String,
    /// The origin (source package).
    pub name: String,
    /// `pkg:apk/alpine/<origin>?arch=source`.
    pub purl: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Range {
    /// Always `ECOSYSTEM`: apk's version order.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Introduced(String),
    Fixed(String),
}

/// The tracker's view of one affected package.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AffectedSpecific {
    /// `main`, `community`.
    pub repository: String,
    /// Every published version's state, by version.
    pub states: Vec<StateEntry>,
}

/// What the tracker says about a CVE on the branch beyond `affected`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordSpecific {
    /// `v3.16`.
    pub branch: String,
    /// Published versions that are not affected, with why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_affected: Vec<StateEntry>,
    /// Published versions that may be affected (`possibly-vulnerable`, `unknown`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub under_investigation: Vec<StateEntry>,
}

/// One state of one published version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StateEntry {
    /// The repository and origin, where the entry is not under its `affected` package.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub version: String,
    pub state: State,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix_source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// The explanation's summary: why the tracker decided this state.
    pub summary: String,
    /// RFC 3339.
    pub changed_at: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rejections: Vec<RejectionEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectionEntry {
    /// `rejections` (the security-rejections YAML) or `triage`.
    pub source: String,
    /// The reason code: an OpenVEX justification or `different_software`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rationale: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_role: Option<String>,
    /// RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reference {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub url: String,
}

/// The records of one branch.
#[derive(Debug, Clone, PartialEq)]
pub struct BranchRecords {
    pub branch: String,
    /// `Alpine:<branch>`.
    pub ecosystem: String,
    /// In [`id_order`].
    pub records: Vec<Record>,
    /// The vulnerability ids with states that cannot name a record ([`record_id`]).
    pub skipped: Vec<String>,
}

/// `Alpine:<branch>`.
pub fn ecosystem(branch: &str) -> String {
    format!("{ECOSYSTEM}:{branch}")
}

/// The records of every branch asked for, in memory (tests, small stores; [`write_dir`]
/// streams).
pub fn records(db: &mut dyn Db, options: &Options) -> Result<Vec<BranchRecords>> {
    let branches = states::branches(db, &options.branches)?;
    let cves = read_cves(db, &branches)?;
    let mut out = Vec::new();
    for branch in &branches {
        let rows = states::read(db, branch)?;
        out.push(BranchRecords {
            branch: branch.name.clone(),
            ecosystem: ecosystem(&branch.name),
            records: branch_records(&branch.name, &rows, &cves, options).collect(),
            skipped: skipped_ids(&rows),
        });
    }
    Ok(out)
}

/// What [`write_dir`] wrote for one branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub branch: String,
    pub ecosystem: String,
    pub records: usize,
    /// The vulnerability ids with states that cannot name a record ([`record_id`]).
    pub skipped: Vec<String>,
    /// `DIR/<branch>`.
    pub records_dir: PathBuf,
    /// `DIR/<ecosystem>/all.zip`.
    pub zip: PathBuf,
    /// `DIR/<ecosystem>/modified_id.csv`.
    pub csv: PathBuf,
}

/// Writes the records of every branch asked for into `dir` (created if missing); see
/// the module documentation for the layout.
/// `progress` counts the branches written.
pub fn write_dir(
    db: &mut dyn Db,
    dir: &Path,
    options: &Options,
    progress: &ProgressBar,
) -> Result<Vec<Written>> {
    write_dir_and(db, dir, options, progress, &|_, _| Ok(()))
}

/// What [`write_dir_and`] also does with each branch's states, on the thread that
/// wrote its records.
pub(crate) type AlsoWith<'a> = dyn Fn(&str, &[StateRow]) -> Result<()> + Sync + 'a;

/// [`write_dir`], handing each branch's states to `also` once its records are written, so
/// that another export of the same states ([`super::all`]) reads them only once.
pub(crate) fn write_dir_and(
    db: &mut dyn Db,
    dir: &Path,
    options: &Options,
    progress: &ProgressBar,
    also: &AlsoWith<'_>,
) -> Result<Vec<Written>> {
    let branches = states::branches(db, &options.branches)?;
    progress.set_length(branches.len() as u64);
    for b in &branches {
        check_file_name("branch name", &b.name)?;
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let cves = read_cves(db, &branches)?;
    let cves = &cves;
    let writers = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let (send, receive) = std::sync::mpsc::sync_channel::<(String, Vec<StateRow>)>(1);
    // Each writer holds the receiver; when the last one stops (on an error), it is
    // dropped and the reader's next send fails instead of waiting for ever.
    let receive = std::sync::Arc::new(std::sync::Mutex::new(receive));
    let mut written = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..writers)
            .map(|_| {
                let receive = std::sync::Arc::clone(&receive);
                scope.spawn(move || -> Result<Vec<Written>> {
                    let mut written = Vec::new();
                    loop {
                        let next = receive
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .recv();
                        let Ok((branch, rows)) = next else {
                            return Ok(written);
                        };
                        let records = branch_records(&branch, &rows, cves, options);
                        let mut w = write_branch(dir, &branch, records)?;
                        w.skipped = skipped_ids(&rows);
                        written.push(w);
                        also(&branch, &rows)?;
                        progress.set_message(branch);
                        progress.inc(1);
                    }
                })
            })
            .collect();
        drop(receive);
        let mut read = || -> Result<()> {
            for branch in &branches {
                let rows = states::read(db, branch)?;
                if send.send((branch.name.clone(), rows)).is_err() {
                    // Every writer stopped on an error, which its result gives.
                    break;
                }
            }
            Ok(())
        };
        let read = read();
        drop(send);
        let mut written = Vec::new();
        let mut failed = None;
        for handle in handles {
            match handle.join() {
                Ok(Ok(w)) => written.extend(w),
                Ok(Err(e)) => failed = failed.or(Some(e)),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        read?;
        match failed {
            Some(e) => Err(e),
            None => Ok(written),
        }
    })?;
    written.sort_by(|a, b| a.branch.cmp(&b.branch));
    Ok(written)
}

/// The suffix of the temporary files an update in place writes before renaming them.
const TEMP_SUFFIX: &str = ".secfixes-tmp";

fn write_branch(
    dir: &Path,
    branch: &str,
    records: impl Iterator<Item = Record>,
) -> Result<Written> {
    let eco = ecosystem(branch);
    let records_dir = dir.join(branch);
    let eco_dir = dir.join(&eco);
    std::fs::create_dir_all(&eco_dir).map_err(|e| Error::io(&eco_dir, e))?;
    let io = |path: &Path| {
        let path = path.to_owned();
        move |e: std::io::Error| Error::io(&path, e)
    };

    // A branch exported before is updated in place, one file at a time, each written
    // beside its old version and renamed over it; unchanged files are left alone, so an
    // export of a store that changed a little writes a little. A new branch is written
    // into a temporary directory that is renamed into place when complete.
    let in_place = records_dir.is_dir();
    let fresh = if in_place {
        None
    } else {
        let prefix = format!(".{branch}.new-");
        Some(
            temp_builder(&prefix, 0o755)
                .tempdir_in(dir)
                .map_err(io(dir))?,
        )
    };
    let target = fresh.as_ref().map_or(records_dir.as_path(), |t| t.path());

    let zip_path = eco_dir.join("all.zip");
    let zip_temp = temp_builder(".all.zip.", 0o644)
        .tempfile_in(&eco_dir)
        .map_err(io(&eco_dir))?;
    // In memory: a stored entry's header is rewritten with its size when it ends, which
    // on a file is a seek and a write per entry.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::with_capacity(64 << 20)));
    let zip_error =
        |e: zip::result::ZipError| Error::new(ErrorKind::Io, e.to_string()).in_file(&zip_path);
    let mut names = std::collections::HashSet::new();
    let mut lines: Vec<(i64, String)> = Vec::new();
    for record in records {
        let json = record.to_json()?;
        let name = record.file_name();
        let path = target.join(&name);
        if in_place {
            let same = std::fs::read(&path).is_ok_and(|old| old == json.as_bytes());
            if !same {
                let temp = target.join(format!(".{name}{TEMP_SUFFIX}"));
                std::fs::write(&temp, json.as_bytes()).map_err(io(&temp))?;
                std::fs::rename(&temp, &path).map_err(io(&path))?;
            }
        } else {
            std::fs::write(&path, json.as_bytes()).map_err(io(&path))?;
        }
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .unix_permissions(0o644)
            .last_modified_time(zip_time(record.modified_secs));
        zip.start_file(name.as_str(), options).map_err(zip_error)?;
        zip.write_all(json.as_bytes()).map_err(io(&zip_path))?;
        names.insert(name);
        lines.push((record.modified_secs, record.id));
    }
    let bytes = zip.finish().map_err(zip_error)?.into_inner();
    let mut file = zip_temp.as_file();
    file.write_all(&bytes).map_err(io(&zip_path))?;
    file.sync_all().map_err(io(&zip_path))?;
    drop(bytes);

    lines.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| id_order(&a.1, &b.1)));
    let mut csv = String::with_capacity(lines.len() * 40);
    for (secs, id) in &lines {
        csv.push_str(&rfc3339(*secs));
        csv.push(',');
        csv.push_str(id);
        csv.push('\n');
    }
    let csv_path = eco_dir.join("modified_id.csv");
    let mut csv_temp = temp_builder(".modified_id.csv.", 0o644)
        .tempfile_in(&eco_dir)
        .map_err(io(&eco_dir))?;
    csv_temp.write_all(csv.as_bytes()).map_err(io(&csv_path))?;
    csv_temp.as_file().sync_all().map_err(io(&csv_path))?;

    if let Some(fresh) = fresh {
        let fresh = fresh.keep();
        std::fs::rename(&fresh, &records_dir).map_err(io(&records_dir))?;
    } else {
        // Records of CVEs the branch no longer has, and temporary files a failed run
        // left, go.
        for entry in std::fs::read_dir(&records_dir).map_err(io(&records_dir))? {
            let entry = entry.map_err(io(&records_dir))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let ours = name.ends_with(".json") || name.ends_with(TEMP_SUFFIX);
            if ours && !names.contains(name) {
                let path = entry.path();
                std::fs::remove_file(&path).map_err(io(&path))?;
            }
        }
    }
    zip_temp
        .persist(&zip_path)
        .map_err(|e| Error::io(&zip_path, e.error))?;
    csv_temp
        .persist(&csv_path)
        .map_err(|e| Error::io(&csv_path, e.error))?;
    Ok(Written {
        branch: branch.to_owned(),
        ecosystem: eco,
        records: lines.len(),
        skipped: Vec::new(),
        records_dir,
        zip: zip_path,
        csv: csv_path,
    })
}

/// A zip entry's time (two-second resolution, 1980 to 2107; clamped).
fn zip_time(secs: i64) -> zip::DateTime {
    let days = secs.div_euclid(86_400);
    let rest = secs.rem_euclid(86_400);
    let (y, m, d) = secfixes_fetch::clock::civil_from_days(days);
    let clamp = |v: i64, lo: i64, hi: i64| v.clamp(lo, hi);
    let (y, m, d, hh, mm, ss) = if y < 1980 {
        (1980, 1, 1, 0, 0, 0)
    } else if y > 2107 {
        (2107, 12, 31, 23, 59, 58)
    } else {
        (y, m, d, rest / 3600, rest / 60 % 60, rest % 60)
    };
    let narrow = |v: i64, hi: i64| u8::try_from(clamp(v, 0, hi)).unwrap_or(0);
    zip::DateTime::from_date_and_time(
        u16::try_from(y).unwrap_or(1980),
        narrow(m, 12),
        narrow(d, 31),
        narrow(hh, 23),
        narrow(mm, 59),
        narrow(ss, 58),
    )
    .unwrap_or_default()
}

/// What the records take from a CVE's stored records (every source merged).
#[derive(Debug, Clone, Default, PartialEq)]
struct CveInfo {
    published: Option<i64>,
    modified: Option<i64>,
    rejected: bool,
    description: Option<String>,
    severity: Vec<Severity>,
    references: Vec<Reference>,
}

/// The fields of a stored [`secfixes_cve::Cve`] that the records use.
#[derive(Deserialize)]
struct StoredCve {
    status: Status,
    published: Option<String>,
    last_modified: Option<String>,
    description: Option<String>,
    #[serde(default)]
    cvss: Vec<Cvss>,
    #[serde(default)]
    references: Vec<secfixes_cve::model::Reference>,
    #[serde(default)]
    sources: Vec<Origin>,
}

/// The stored records of one CVE: (source, deflated document).
type SourceDocs = Vec<(String, Vec<u8>)>;

/// The CVE records of every CVE with a state on the branches, decoded once each.
fn read_cves(db: &mut dyn Db, branches: &[Branch]) -> Result<HashMap<String, CveInfo>> {
    let tags: Vec<&str> = branches
        .iter()
        .flat_map(|b| b.tags.iter().map(|t| t.tag.as_str()))
        .collect();
    if tags.is_empty() {
        return Ok(HashMap::new());
    }
    let list: Vec<String> = (1..=tags.len()).map(|i| format!("${i}")).collect();
    let params: Vec<Value> = tags.iter().map(|t| Value::from(*t)).collect();
    let mut docs: BTreeMap<String, SourceDocs> = BTreeMap::new();
    // `repo_tag || ''` keeps SQLite from reading the tags' states through the
    // (repo_tag, …) index, which has no vuln_id: it would read every state row with its
    // explanation (1.2 s for all branches of the scale-1.0 corpus instead of 0.3 s);
    // the primary key index covers the subquery.
    db.query(
        &format!(
            "SELECT cve_id, source, doc FROM cve_record WHERE cve_id IN \
             (SELECT vuln_id FROM state WHERE repo_tag || '' IN ({}))",
            list.join(", ")
        ),
        &params,
        &mut |row| {
            docs.entry(row.req_text(0)?)
                .or_default()
                .push((row.req_text(1)?, row.req_blob(2)?));
            Ok(())
        },
    )?;
    let groups: Vec<(String, SourceDocs)> = docs.into_iter().collect();
    let decoded = parallel_map(groups, |(id, mut docs)| {
        // NVD's first (`nvd` after `cve5`), as the CVE page merges them.
        docs.sort_by(|a, b| b.0.cmp(&a.0));
        let mut parsed = Vec::with_capacity(docs.len());
        for (_, doc) in &docs {
            let text = packed::unpack(doc)?;
            let cve: StoredCve = serde_json::from_str(&text).map_err(|e| {
                Error::new(ErrorKind::Database, format!("stored CVE record {id}: {e}"))
            })?;
            parsed.push(cve);
        }
        Ok((id, cve_info(parsed)))
    });
    decoded.into_iter().collect()
}

/// Maps `f` over `items` on every core, keeping the order.
fn parallel_map<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads <= 1 || items.len() < 64 {
        return items.into_iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let mut chunks: Vec<Vec<T>> = Vec::with_capacity(threads);
    let mut items = items.into_iter();
    loop {
        let part: Vec<T> = items.by_ref().take(chunk).collect();
        if part.is_empty() {
            break;
        }
        chunks.push(part);
    }
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|part| scope.spawn(move || part.into_iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| match h.join() {
                Ok(part) => part,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

/// RFC 3339 / ISO 8601 text as Unix seconds (no offset means UTC, as NVD writes).
fn parse_time(text: &str) -> Option<i64> {
    secfixes_fetch::clock::Timestamp::parse(text)
        .ok()
        .map(|t| t.millis().div_euclid(1000))
}

/// Merges the records of one CVE (NVD's first): the first description and publication
/// date, the latest modification, NVD's status, the scores and references of all.
fn cve_info(records: Vec<StoredCve>) -> CveInfo {
    let mut info = CveInfo::default();
    let mut status = None;
    let mut cvss: Vec<Cvss> = Vec::new();
    let mut references: Vec<secfixes_cve::model::Reference> = Vec::new();
    for r in records {
        if info.description.is_none() {
            info.description = r.description.filter(|d| !d.trim().is_empty());
        }
        if info.published.is_none() {
            info.published = r.published.as_deref().and_then(parse_time);
        }
        let modified = r.last_modified.as_deref().and_then(parse_time);
        info.modified = info.modified.max(modified);
        if status.is_none() || r.sources.contains(&Origin::Nvd) {
            status = Some(r.status);
        }
        cvss.extend(r.cvss);
        for reference in r.references {
            if !references.iter().any(|x| x.url == reference.url) {
                references.push(reference);
            }
        }
    }
    info.rejected = status == Some(Status::Rejected);
    info.severity = severities(&cvss);
    info.references = references
        .into_iter()
        .filter(|r| is_uri(&r.url))
        .map(|r| Reference {
            kind: reference_type(&r.tags),
            url: r.url,
        })
        .collect();
    info
}

/// One vector per CVSS version (2, 3, 4), NVD's primary score first, then NVD's other,
/// the CNA's, the ADPs'; only vectors the OSV schema accepts.
fn severities(cvss: &[Cvss]) -> Vec<Severity> {
    let rank = |c: &Cvss| match (c.origin, c.kind.as_deref()) {
        (Origin::Nvd, Some("Primary")) => 0,
        (Origin::Nvd, _) => 1,
        (Origin::Cna, _) => 2,
        (Origin::Adp, _) => 3,
    };
    let mut out = Vec::new();
    for (kind, versions) in [
        ("CVSS_V2", &[CvssVersion::V2][..]),
        ("CVSS_V3", &[CvssVersion::V3_1, CvssVersion::V3_0][..]),
        ("CVSS_V4", &[CvssVersion::V4_0][..]),
    ] {
        let best = cvss
            .iter()
            .enumerate()
            .filter(|(_, c)| versions.contains(&c.version) && cvss_vector_ok(kind, &c.vector))
            .min_by_key(|(i, c)| {
                let v = versions.iter().position(|v| *v == c.version).unwrap_or(0);
                (rank(c), v, *i)
            });
        if let Some((_, c)) = best {
            out.push(Severity {
                kind,
                score: c.vector.clone(),
            });
        }
    }
    out
}

/// Whether `vector` is one the OSV schema's pattern for `kind` accepts.
fn cvss_vector_ok(kind: &str, vector: &str) -> bool {
    const BASE2: &[(&str, &[&str])] = &[
        ("AV", &["N", "A", "L"]),
        ("AC", &["L", "M", "H"]),
        ("Au", &["M", "S", "N"]),
        ("C", &["N", "P", "C"]),
        ("I", &["N", "P", "C"]),
        ("A", &["N", "P", "C"]),
        ("E", &["U", "POC", "F", "H", "ND"]),
        ("RL", &["OF", "TF", "W", "U", "ND"]),
        ("RC", &["UC", "UR", "C", "ND"]),
        ("CDP", &["N", "L", "LM", "MH", "H", "ND"]),
        ("TD", &["N", "L", "M", "H", "ND"]),
        ("CR", &["L", "M", "H", "ND"]),
        ("IR", &["L", "M", "H", "ND"]),
        ("AR", &["L", "M", "H", "ND"]),
    ];
    const BASE3: &[(&str, &[&str])] = &[
        ("AV", &["N", "A", "L", "P"]),
        ("AC", &["L", "H"]),
        ("PR", &["N", "L", "H"]),
        ("UI", &["N", "R"]),
        ("S", &["U", "C"]),
        ("C", &["N", "L", "H"]),
        ("I", &["N", "L", "H"]),
        ("A", &["N", "L", "H"]),
        ("E", &["X", "U", "P", "F", "H"]),
        ("RL", &["X", "O", "T", "W", "U"]),
        ("RC", &["X", "U", "R", "C"]),
        ("CR", &["X", "L", "M", "H"]),
        ("IR", &["X", "L", "M", "H"]),
        ("AR", &["X", "L", "M", "H"]),
        ("MAV", &["X", "N", "A", "L", "P"]),
        ("MAC", &["X", "L", "H"]),
        ("MPR", &["X", "N", "L", "H"]),
        ("MUI", &["X", "N", "R"]),
        ("MS", &["X", "U", "C"]),
        ("MC", &["X", "N", "L", "H"]),
        ("MI", &["X", "N", "L", "H"]),
        ("MA", &["X", "N", "L", "H"]),
    ];
    // CVSS 4.0: the base metrics in this order, then any of the others in theirs.
    const BASE4: &[(&str, &[&str])] = &[
        ("AV", &["N", "A", "L", "P"]),
        ("AC", &["L", "H"]),
        ("AT", &["N", "P"]),
        ("PR", &["N", "L", "H"]),
        ("UI", &["N", "P", "A"]),
        ("VC", &["H", "L", "N"]),
        ("VI", &["H", "L", "N"]),
        ("VA", &["H", "L", "N"]),
        ("SC", &["H", "L", "N"]),
        ("SI", &["H", "L", "N"]),
        ("SA", &["H", "L", "N"]),
    ];
    const MORE4: &[(&str, &[&str])] = &[
        ("E", &["X", "A", "P", "U"]),
        ("CR", &["X", "H", "M", "L"]),
        ("IR", &["X", "H", "M", "L"]),
        ("AR", &["X", "H", "M", "L"]),
        ("MAV", &["X", "N", "A", "L", "P"]),
        ("MAC", &["X", "L", "H"]),
        ("MAT", &["X", "N", "P"]),
        ("MPR", &["X", "N", "L", "H"]),
        ("MUI", &["X", "N", "P", "A"]),
        ("MVC", &["X", "N", "L", "H"]),
        ("MVI", &["X", "N", "L", "H"]),
        ("MVA", &["X", "N", "L", "H"]),
        ("MSC", &["X", "N", "L", "H"]),
        ("MSI", &["X", "N", "L", "H", "S"]),
        ("MSA", &["X", "N", "L", "H", "S"]),
        ("S", &["X", "N", "P"]),
        ("AU", &["X", "N", "Y"]),
        ("R", &["X", "A", "U", "I"]),
        ("V", &["X", "D", "C"]),
        ("RE", &["X", "L", "M", "H"]),
        ("U", &["X", "Clear", "Green", "Amber", "Red"]),
    ];
    let known = |table: &[(&str, &[&str])], part: &str| {
        part.split_once(':').is_some_and(|(k, v)| {
            table
                .iter()
                .any(|(key, values)| *key == k && values.contains(&v))
        })
    };
    match kind {
        "CVSS_V2" => !vector.is_empty() && vector.split('/').all(|p| known(BASE2, p)),
        "CVSS_V3" => {
            let rest = vector
                .strip_prefix("CVSS:3.1/")
                .or_else(|| vector.strip_prefix("CVSS:3.0/"));
            rest.is_some_and(|r| !r.is_empty() && r.split('/').all(|p| known(BASE3, p)))
        }
        "CVSS_V4" => {
            let Some(rest) = vector.strip_prefix("CVSS:4.0/") else {
                return false;
            };
            let parts: Vec<&str> = rest.split('/').collect();
            if parts.len() < BASE4.len() {
                return false;
            }
            let base_ok = BASE4.iter().zip(&parts).all(|((key, values), part)| {
                part.split_once(':')
                    .is_some_and(|(k, v)| k == *key && values.contains(&v))
            });
            let mut next = 0;
            base_ok
                && parts[BASE4.len()..].iter().all(|part| {
                    let Some((k, v)) = part.split_once(':') else {
                        return false;
                    };
                    match MORE4[next..].iter().position(|(key, _)| *key == k) {
                        Some(i) if MORE4[next + i].1.contains(&v) => {
                            next += i + 1;
                            true
                        }
                        _ => false,
                    }
                })
        }
        _ => false,
    }
}

/// The OSV reference type of a reference with these NVD or CVE 5 tags.
fn reference_type(tags: &[String]) -> &'static str {
    let mut best = ("WEB", 9);
    for tag in tags {
        let tag = tag
            .trim_start_matches("x_refsource_")
            .to_ascii_lowercase()
            .replace([' ', '_'], "-");
        let kind = match tag.as_str() {
            "patch" => ("FIX", 0),
            "vendor-advisory"
            | "third-party-advisory"
            | "us-government-resource"
            | "government-resource" => ("ADVISORY", 1),
            "exploit" => ("EVIDENCE", 2),
            "issue-tracking" => ("REPORT", 3),
            "mailing-list" | "press/media-coverage" | "media-coverage" => ("ARTICLE", 4),
            _ => continue,
        };
        if kind.1 < best.1 {
            best = kind;
        }
    }
    best.0
}

/// A URL the schema's `uri` format accepts: a scheme, then printable ASCII only.
fn is_uri(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    scheme_ok
        && !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"\"<>\\^`{|}".contains(&b))
}

/// The purl of an origin: `pkg:apk/alpine/<name>?arch=source`.
pub fn purl(origin: &str) -> String {
    format!(
        "pkg:apk/alpine/{}?arch=source",
        purl_encode(&origin.to_lowercase())
    )
}

/// Percent-encodes everything but the unreserved characters, as purl wants its
/// components (`libstdc++` → `libstdc%2B%2B`).
pub fn purl_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The records of one branch from its states (sorted by id, origin, tag, version), one
/// at a time; ids that cannot name a record ([`record_id`]) are left out.
fn branch_records<'a>(
    branch: &'a str,
    rows: &'a [StateRow],
    cves: &'a HashMap<String, CveInfo>,
    options: &'a Options,
) -> impl Iterator<Item = Record> + 'a {
    let eco = ecosystem(branch);
    rows.chunk_by(|a, b| a.vuln_id == b.vuln_id)
        .filter_map(move |group| {
            let id = &group[0].vuln_id;
            let (record_id, upstream) = record_id(id)?;
            Some(record(
                branch,
                &eco,
                record_id,
                upstream,
                group,
                cves.get(id.as_str()),
                options,
            ))
        })
}

/// The distinct ids of `rows` that cannot name a record.
fn skipped_ids(rows: &[StateRow]) -> Vec<String> {
    rows.chunk_by(|a, b| a.vuln_id == b.vuln_id)
        .map(|group| &group[0].vuln_id)
        .filter(|id| record_id(id).is_none())
        .cloned()
        .collect()
}

/// The record id of a vulnerability id and the upstream id it names: `ALPINE-` and the
/// id (`CVE-2022-37434`, `GHSA-…`, `XSA-…`), or an id of Alpine's own (`ALPINE-13661`)
/// as it is, without upstream. `None` for an id that is not `<PREFIX>-<ENTRY>` in
/// letters, digits, `.`, `_` and `-` (a stray `CVE` in a secdb), which would not make a
/// valid id or file name.
pub fn record_id(vuln_id: &str) -> Option<(String, Option<String>)> {
    let (prefix, entry) = vuln_id.split_once('-')?;
    let plain = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    };
    if !plain(prefix) || !plain(entry) || !prefix.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    if vuln_id.starts_with(ID_PREFIX) {
        Some((vuln_id.to_owned(), None))
    } else {
        Some((format!("{ID_PREFIX}{vuln_id}"), Some(vuln_id.to_owned())))
    }
}

fn entry(row: &StateRow, named: bool) -> StateEntry {
    StateEntry {
        repository: named.then(|| row.repo.clone()),
        name: named.then(|| row.origin.clone()),
        version: row.version.clone(),
        state: row.state,
        fixed_version: row.fixed_version.clone(),
        fix_source: row.fix_source.clone(),
        severity: row.severity.clone(),
        score: row.score,
        summary: row.summary.clone(),
        changed_at: rfc3339(row.changed_at),
        rejections: row
            .rejections
            .iter()
            .map(|r| RejectionEntry {
                source: r.source.clone(),
                reason: r.reason.clone(),
                rationale: r.rationale.clone(),
                actor: r.actor.clone(),
                actor_role: r.actor_role.clone(),
                created_at: r.created_at.map(rfc3339),
            })
            .collect(),
    }
}

/// The record of one CVE on one branch from its states there.
fn record(
    branch: &str,
    eco: &str,
    record_id: String,
    upstream: Option<String>,
    rows: &[StateRow],
    cve: Option<&CveInfo>,
    options: &Options,
) -> Record {
    let id = &rows[0].vuln_id;
    let mut affected = Vec::new();
    let mut not_affected = Vec::new();
    let mut under_investigation = Vec::new();
    let mut start = 0;
    while start < rows.len() {
        let (origin, tag) = (&rows[start].origin, &rows[start].repo_tag);
        let end = start
            + rows[start..]
                .iter()
                .take_while(|r| &r.origin == origin && &r.repo_tag == tag)
                .count();
        let package = &rows[start..end];
        start = end;
        let is_open = |r: &&StateRow| matches!(r.state, State::Fixed | State::Vulnerable);
        if package.iter().any(|r| is_open(&r)) {
            let fixed = package
                .iter()
                .filter(is_open)
                .filter_map(|r| r.fixed_version.as_deref())
                .filter(|v| *v != "0")
                .min_by(|a, b| version::compare(a, b).then_with(|| a.cmp(b)));
            let mut events = vec![Event::Introduced("0".to_owned())];
            events.extend(fixed.map(|v| Event::Fixed(v.to_owned())));
            affected.push(Affected {
                package: Package {
                    ecosystem: eco.to_owned(),
                    name: origin.clone(),
                    purl: purl(origin),
                },
                ranges: vec![Range {
                    kind: "ECOSYSTEM",
                    events,
                }],
                database_specific: AffectedSpecific {
                    repository: package[0].repo.clone(),
                    states: package.iter().map(|r| entry(r, false)).collect(),
                },
            });
        } else {
            for r in package {
                match r.state {
                    State::NotAffected => not_affected.push(entry(r, true)),
                    _ => under_investigation.push(entry(r, true)),
                }
            }
        }
    }
    let changed = rows.iter().map(StateRow::latest_change).max().unwrap_or(0);
    let modified_secs = cve
        .and_then(|c| c.modified)
        .map_or(changed, |m| m.max(changed));
    let mut references = Vec::new();
    if let Some(url) = &options.tracker_url {
        references.push(Reference {
            kind: "ADVISORY",
            url: format!("{url}/vuln/{}", purl_encode(id)),
        });
    }
    if let Some(c) = cve {
        for r in &c.references {
            if !references.iter().any(|x| x.url == r.url) {
                references.push(r.clone());
            }
        }
    }
    Record {
        schema_version: SCHEMA_VERSION,
        id: record_id,
        modified: rfc3339(modified_secs),
        published: cve.and_then(|c| c.published).map(rfc3339),
        withdrawn: cve
            .filter(|c| c.rejected)
            .map(|c| rfc3339(c.modified.unwrap_or(modified_secs))),
        upstream: upstream.into_iter().collect(),
        details: cve.and_then(|c| c.description.clone()),
        severity: cve.map(|c| c.severity.clone()).unwrap_or_default(),
        affected,
        references,
        database_specific: RecordSpecific {
            branch: branch.to_owned(),
            not_affected,
            under_investigation,
        },
        modified_secs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cvss_vectors_as_the_schema_checks_them() {
        assert!(cvss_vector_ok("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P"));
        assert!(!cvss_vector_ok("CVSS_V2", "AV:X/AC:L"));
        assert!(!cvss_vector_ok("CVSS_V2", ""));
        assert!(cvss_vector_ok(
            "CVSS_V3",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
        ));
        assert!(cvss_vector_ok(
            "CVSS_V3",
            "CVSS:3.0/AV:L/AC:H/PR:L/UI:R/S:C/C:L/I:N/A:N"
        ));
        assert!(!cvss_vector_ok("CVSS_V3", "CVSS:3.1/"));
        assert!(!cvss_vector_ok(
            "CVSS_V3",
            "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
        ));
        let v4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
        assert!(cvss_vector_ok("CVSS_V4", v4));
        assert!(cvss_vector_ok("CVSS_V4", &format!("{v4}/E:A/MSI:S/U:Red")));
        assert!(!cvss_vector_ok("CVSS_V4", &format!("{v4}/U:Red/E:A")));
        assert!(!cvss_vector_ok(
            "CVSS_V4",
            "CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
        ));
    }

    #[test]
    fn purls_and_reference_types() {
        assert_eq!(purl("zlib"), "pkg:apk/alpine/zlib?arch=source");
        assert_eq!(
            purl("libsigc++"),
            "pkg:apk/alpine/libsigc%2B%2B?arch=source"
        );
        assert_eq!(purl("Py3-Foo"), "pkg:apk/alpine/py3-foo?arch=source");
        assert_eq!(
            reference_type(&["Patch".into(), "Third Party Advisory".into()]),
            "FIX"
        );
        assert_eq!(reference_type(&["vendor-advisory".into()]), "ADVISORY");
        assert_eq!(reference_type(&["x_refsource_MISC".into()]), "WEB");
        assert_eq!(reference_type(&[]), "WEB");
        assert!(is_uri("https://example.org/a?b=c#d"));
        assert!(!is_uri("https://example.org/a b"));
        assert!(!is_uri("example.org"));
    }

    #[test]
    fn zip_times() {
        assert_eq!(zip_time(0), zip::DateTime::default());
        let t = zip_time(1_772_366_400);
        assert_eq!((t.year(), t.month(), t.day(), t.hour()), (2026, 3, 1, 12));
    }
}

//! Running the imports the configuration names, each in one transaction, and a full
//! `sync`: every source, then a state update.
//!
//! Inputs named by URL are downloaded first (with retries) to temporary files; a file
//! named twice (one rejections YAML for every branch) is read once per run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use indicatif::ProgressBar;

use secfixes_apk::apkindex::{self, Keys, Trust};
use secfixes_apk::{rejections as rejections_yaml, secdb};
use secfixes_cve::Cve;
use secfixes_fetch::feeds::{self, Local};
use secfixes_fetch::{Client, NvdApi, SyncState};

use crate::config::{Config, Repo, Source};
use crate::db::{self, Db};
use crate::import::{self, Summary, cve::CveImport, cve::Prepared};
use crate::update::{self, UpdateSummary};
use crate::{Error, ErrorKind, Result};

/// Where progress goes: bars on a terminal, log lines otherwise.
pub trait Reporter {
    /// A progress bar for a step of `len` units (0 when unknown).
    fn step(&self, what: &str, len: u64) -> ProgressBar;
    /// A line for the log: warnings and summaries.
    fn line(&self, text: &str);
}

/// Reports nothing (tests, library use).
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiet;

impl Reporter for Quiet {
    fn step(&self, _: &str, _: u64) -> ProgressBar {
        ProgressBar::hidden()
    }
    fn line(&self, _: &str) {}
}

/// Makes configured sources local files, downloading URLs once per run.
#[derive(Debug)]
pub struct Inputs {
    client: Client,
    downloaded: HashMap<String, Local>,
}

impl Inputs {
    pub fn new(client: Client) -> Inputs {
        Inputs {
            client,
            downloaded: HashMap::new(),
        }
    }

    /// The local path of `source`.
    pub fn local(&mut self, source: &Source) -> Result<PathBuf> {
        match source {
            Source::Path(path) => Ok(path.clone()),
            Source::Url(url) => {
                if !self.downloaded.contains_key(url) {
                    let local = feeds::fetch(&mut self.client, source)?;
                    self.downloaded.insert(url.clone(), local);
                }
                Ok(self.downloaded[url].path().to_path_buf())
            }
        }
    }
}

/// Runs `work` as one recorded import: in a transaction, with an `import_run` row saying
/// how it ended (written after the transaction, so failures are recorded too).
pub fn recorded(
    db: &mut dyn Db,
    source: &str,
    work: impl FnOnce(&mut dyn Db) -> Result<Summary>,
) -> Result<Summary> {
    // The tables each kind of import writes, whose statistics a bulk load makes stale.
    let tables: &[&str] = match source {
        "apkindex" => &["package", "origin_version", "dirty"],
        "secdb" | "aports" => &["fix", "dirty"],
        "rejections" => &["rejection", "dirty"],
        _ => &["cve_record", "cve_product", "product_key", "dirty"],
    };
    let seq = import::start_run(db, source, import::now())?;
    let result = db::transaction(db, |db| {
        let summary = work(db)?;
        if summary.changed > 0 {
            db::bump_generation(db)?;
        }
        Ok(summary)
    });
    import::finish_run(db, seq, &result)?;
    if result.as_ref().is_ok_and(|s| s.changed >= db::BULK) {
        db.refresh_statistics(tables)?;
    }
    result
}

/// The repositories selected by `tags` (all when empty); an unknown tag is an error.
fn selected<'c>(config: &'c Config, tags: &[String]) -> Result<Vec<(&'c str, &'c Repo)>> {
    for tag in tags {
        if config.repo(tag).is_none() {
            return Err(Error::new(
                ErrorKind::Config,
                format!("no repository {tag:?} is configured"),
            ));
        }
    }
    Ok(config
        .repos()
        .filter(|(_, r)| tags.is_empty() || tags.contains(&r.tag))
        .map(|(b, r)| (b.name.as_str(), r))
        .collect())
}

fn keys(config: &Config, inputs: &mut Inputs) -> Result<Option<Keys>> {
    if config.allow_untrusted {
        return Ok(None);
    }
    let Some(source) = &config.keys else {
        return Err(Error::new(
            ErrorKind::Config,
            "[sources] keys is not set: name the directory of trusted keys, or set allow_untrusted = true",
        ));
    };
    let dir = inputs.local(source)?;
    Ok(Some(Keys::from_dir(&dir)?))
}

fn warn_all(reporter: &dyn Reporter, summary: &Summary) {
    for w in &summary.warnings {
        reporter.line(&format!("warning: {w}"));
    }
}

/// Imports the APKINDEX of every arch of the selected repositories, signatures checked.
pub fn import_indexes(
    db: &mut dyn Db,
    config: &Config,
    inputs: &mut Inputs,
    tags: &[String],
    reporter: &dyn Reporter,
) -> Result<Summary> {
    let repos = selected(config, tags)?;
    let keys = keys(config, inputs)?;
    let trust = match &keys {
        Some(k) => Trust::keys(k),
        None => Trust::untrusted(),
    };
    let total = repos.iter().map(|(_, r)| r.apkindex.len() as u64).sum();
    let bar = reporter.step("apkindex", total);
    let now = import::now();
    let summary = recorded(db, "apkindex", |db| {
        let mut summary = Summary::default();
        for (branch, repo) in &repos {
            import::ensure_repo(db, &repo.tag, branch, &repo.name)?;
            for (arch, source) in &repo.apkindex {
                bar.set_message(format!("{} {arch}", repo.tag));
                let path = inputs.local(source)?;
                let index =
                    apkindex::read_file(&path, trust).map_err(|e| e.in_file(source.to_string()))?;
                summary.add(import::apkindex::import(db, &repo.tag, arch, &index, now)?);
                bar.inc(1);
            }
        }
        Ok(summary)
    });
    bar.finish_and_clear();
    let summary = summary?;
    warn_all(reporter, &summary);
    Ok(summary)
}

/// A kind of file that each repository may name.
struct PerRepo {
    /// The import's name (progress, importer health).
    what: &'static str,
    /// The repository's file of this kind, if it names one.
    source: fn(&Repo) -> Option<&Source>,
}

/// One file per selected repository, read and imported by `import` for the
/// repository's tag (repositories without one are skipped), all in one recorded
/// transaction.
fn import_per_repo(
    db: &mut dyn Db,
    config: &Config,
    inputs: &mut Inputs,
    tags: &[String],
    reporter: &dyn Reporter,
    kind: PerRepo,
    mut import: impl FnMut(&mut dyn Db, &str, &Path) -> Result<Summary>,
) -> Result<Summary> {
    let PerRepo { what, source } = kind;
    let repos: Vec<_> = selected(config, tags)?
        .into_iter()
        .filter_map(|(branch, repo)| source(repo).map(|s| (branch, repo, s)))
        .collect();
    let bar = reporter.step(what, repos.len() as u64);
    let summary = recorded(db, what, |db| {
        let mut summary = Summary::default();
        for (branch, repo, source) in &repos {
            bar.set_message(repo.tag.clone());
            import::ensure_repo(db, &repo.tag, branch, &repo.name)?;
            let path = inputs.local(source)?;
            let mut s = import(db, &repo.tag, &path).map_err(|e| e.in_file(source.to_string()))?;
            for w in &mut s.warnings {
                *w = format!("{source}: {w}");
            }
            summary.add(s);
            bar.inc(1);
        }
        Ok(summary)
    });
    bar.finish_and_clear();
    let summary = summary?;
    warn_all(reporter, &summary);
    Ok(summary)
}

const SECDB: PerRepo = PerRepo {
    what: "secdb",
    source: |repo| repo.secdb.as_ref(),
};

const REJECTIONS: PerRepo = PerRepo {
    what: "rejections",
    source: |repo| repo.rejections.as_ref(),
};

/// Imports the secdb of the selected repositories that have one.
pub fn import_secdbs(
    db: &mut dyn Db,
    config: &Config,
    inputs: &mut Inputs,
    tags: &[String],
    reporter: &dyn Reporter,
) -> Result<Summary> {
    import_per_repo(
        db,
        config,
        inputs,
        tags,
        reporter,
        SECDB,
        |db, tag, path| {
            let parsed = secdb::read(path, secdb::Format::from_path(path))?;
            let mut s = import::fixes::import_secdb(db, tag, &parsed.value)?;
            s.warnings
                .extend(parsed.diagnostics.iter().map(ToString::to_string));
            Ok(s)
        },
    )
}

/// Imports the rejections YAML of the selected repositories that have one.
pub fn import_rejections(
    db: &mut dyn Db,
    config: &Config,
    inputs: &mut Inputs,
    tags: &[String],
    reporter: &dyn Reporter,
) -> Result<Summary> {
    import_per_repo(
        db,
        config,
        inputs,
        tags,
        reporter,
        REJECTIONS,
        |db, tag, path| {
            let parsed = rejections_yaml::read(path)?;
            let mut s = import::rejections::import(db, tag, &parsed.value)?;
            s.warnings
                .extend(parsed.diagnostics.iter().map(ToString::to_string));
            Ok(s)
        },
    )
}

/// Imports the APKBUILD secfixes of the selected repositories that name an aports
/// directory.
pub fn import_aports(
    db: &mut dyn Db,
    config: &Config,
    tags: &[String],
    reporter: &dyn Reporter,
) -> Result<Summary> {
    let repos: Vec<_> = selected(config, tags)?
        .into_iter()
        .filter(|(_, r)| r.aports.is_some())
        .collect();
    let summary = recorded(db, "aports", |db| {
        let mut summary = Summary::default();
        for (branch, repo) in &repos {
            let Some(source) = &repo.aports else { continue };
            let Some(dir) = source.as_path() else {
                return Err(Error::new(
                    ErrorKind::Config,
                    format!("aports must be a local checkout, not {source}"),
                )
                .in_field(format!("{} aports", repo.tag)));
            };
            import::ensure_repo(db, &repo.tag, branch, &repo.name)?;
            summary.add(import::fixes::import_aports(db, &repo.tag, dir)?);
        }
        Ok(summary)
    });
    let summary = summary?;
    warn_all(reporter, &summary);
    Ok(summary)
}

/// Which reader a CVE source needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CveFormat {
    /// NVD API 2.0 pages or records, or 1.1 feeds (plain or gzip).
    Nvd,
    /// CVE JSON 5: a cvelistV5 tree, a zip of one, or record files.
    Cve5,
}

impl CveFormat {
    fn source_name(self) -> &'static str {
        match self {
            CveFormat::Nvd => "nvd",
            CveFormat::Cve5 => "cve5",
        }
    }
}

/// The NVD files of a source: the file itself, or a directory's `*.json` and `*.json.gz`
/// files in name order.
fn nvd_files(path: &Path) -> Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(|e| Error::io(path, e))? {
        let p = entry.map_err(|e| Error::io(path, e))?.path();
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if p.is_file() && (name.ends_with(".json") || name.ends_with(".json.gz")) {
            files.push(p);
        }
    }
    files.sort();
    Ok(files)
}

/// A piece of CVE input that one reader thread parses whole.
#[derive(Debug)]
enum Unit {
    /// An NVD file (API page, record or 1.1 feed).
    Nvd(PathBuf),
    /// Some CVE 5 record files of a directory tree.
    Cve5Files(Vec<PathBuf>),
    /// A CVE 5 zip or single record.
    Cve5Path(PathBuf),
}

impl Unit {
    /// Parses the unit; a record that fails is an `Err` in the list, a file that fails
    /// is the `Err` of the whole.
    fn read(&self) -> Result<Vec<Result<Prepared>>> {
        let mut out = Vec::new();
        // Serialising here keeps the writing thread free for the database.
        let mut push = |r: Result<Cve>| out.push(r.and_then(Prepared::new));
        match self {
            Unit::Nvd(path) => drop(secfixes_cve::nvd::read_path(path, &mut push)?),
            Unit::Cve5Files(files) => {
                for f in files {
                    push(secfixes_cve::cve5::walk::read_file(f));
                }
            }
            Unit::Cve5Path(path) => drop(secfixes_cve::cve5::walk::read_path(path, &mut push)?),
        }
        Ok(out)
    }
}

/// How many CVE 5 record files make one unit of work.
const CVE5_FILES_PER_UNIT: usize = 256;

/// The units of work of some CVE sources, in the order their records are applied.
fn units(format: CveFormat, paths: &[PathBuf]) -> Result<Vec<Unit>> {
    let mut out = Vec::new();
    for path in paths {
        match format {
            CveFormat::Nvd => out.extend(nvd_files(path)?.into_iter().map(Unit::Nvd)),
            CveFormat::Cve5 if path.is_dir() => {
                let files = secfixes_cve::cve5::walk::record_files(path)?;
                out.extend(
                    files
                        .chunks(CVE5_FILES_PER_UNIT)
                        .map(|c| Unit::Cve5Files(c.to_vec())),
                );
            }
            CveFormat::Cve5 => out.push(Unit::Cve5Path(path.clone())),
        }
    }
    Ok(out)
}

/// How many threads parse CVE input while this one writes.
const READERS: usize = 2;

/// Imports CVE records from files, directories or URLs in one transaction. Two threads
/// parse units of input (files, or batches of record files) while this one writes them
/// in input order, so that a later file's record of a CVE still replaces an earlier
/// one's. A malformed record is a warning and skipped; a malformed file fails the import.
pub fn import_cves(
    db: &mut dyn Db,
    format: CveFormat,
    sources: &[Source],
    inputs: &mut Inputs,
    reporter: &dyn Reporter,
) -> Result<Summary> {
    let mut paths = Vec::new();
    for source in sources {
        paths.push(inputs.local(source)?);
    }
    let units = units(format, &paths)?;
    let bar = reporter.step(format.source_name(), 0);
    let summary = recorded(db, format.source_name(), |db| {
        let mut writer = CveImport::new(db, format.source_name())?;
        let mut warnings = Vec::new();
        let (tx, rx) = mpsc::sync_channel::<(usize, Result<Vec<Result<Prepared>>>)>(2 * READERS);
        std::thread::scope(|scope| -> Result<()> {
            let units = &units;
            for k in 0..READERS {
                let tx = tx.clone();
                scope.spawn(move || {
                    for (i, unit) in units.iter().enumerate().skip(k).step_by(READERS) {
                        if tx.send((i, unit.read())).is_err() {
                            return;
                        }
                    }
                });
            }
            drop(tx);
            // Units arrive in any order; they are written in input order.
            let mut early = std::collections::BTreeMap::new();
            let mut next = 0;
            for (i, parsed) in rx {
                early.insert(i, parsed);
                while let Some(parsed) = early.remove(&next) {
                    next += 1;
                    // An error returns, which drops the receiver and stops the readers.
                    for record in parsed? {
                        bar.inc(1);
                        match record {
                            Ok(prepared) => writer.add_prepared(db, prepared)?,
                            Err(e) => warnings.push(format!("{e} (record skipped)")),
                        }
                    }
                }
            }
            Ok(())
        })?;
        let mut summary = writer.finish(db)?;
        summary.warnings = warnings;
        Ok(summary)
    });
    bar.finish_and_clear();
    let summary = summary?;
    warn_all(reporter, &summary);
    Ok(summary)
}

/// Fetches what changed from the NVD API since the last run (the sync state is kept in
/// the database, moved on in the same transaction as the records).
pub fn import_nvd_api(db: &mut dyn Db, api: NvdApi, reporter: &dyn Reporter) -> Result<Summary> {
    let mut api = api;
    let bar = reporter.step("nvd api", 0);
    let summary = recorded(db, "nvd-api", |db| {
        let mut state: SyncState = match db::get_meta(db, "nvd_api_state")? {
            Some(json) => serde_json::from_str(&json).map_err(|e| {
                Error::new(ErrorKind::Database, format!("stored NVD sync state: {e}"))
            })?,
            None => SyncState::default(),
        };
        let mut writer = CveImport::new(db, "nvd")?;
        let mut warnings = Vec::new();
        api.sync(
            &mut state,
            |page| {
                bar.set_length(page.total_results);
                let mut failed = Ok(());
                secfixes_cve::nvd::v2::read(&page.bytes, &mut |r| match r {
                    Ok(cve) => {
                        if failed.is_ok() {
                            failed = writer.add(db, cve);
                        }
                    }
                    Err(e) => warnings.push(format!("{e} (record skipped)")),
                })?;
                bar.inc(page.count);
                failed
            },
            |_| Ok(()),
        )?;
        let mut summary = writer.finish(db)?;
        let json = serde_json::to_string(&state)
            .map_err(|e| Error::new(ErrorKind::Json, format!("NVD sync state: {e}")))?;
        db::set_meta(db, "nvd_api_state", &json)?;
        summary.warnings = warnings;
        Ok(summary)
    });
    bar.finish_and_clear();
    summary
}

/// What a full sync did.
#[derive(Debug, Clone, Default)]
pub struct SyncSummary {
    pub steps: Vec<(String, Summary)>,
    pub update: UpdateSummary,
}

/// Every configured source, then an incremental state update.
pub fn sync(
    db: &mut dyn Db,
    config: &Config,
    inputs: &mut Inputs,
    nvd_api: Option<NvdApi>,
    reporter: &dyn Reporter,
) -> Result<SyncSummary> {
    let mut out = SyncSummary::default();
    let mut started = std::time::Instant::now();
    let mut step = |name: &str, s: Summary, reporter: &dyn Reporter| {
        reporter.line(&format!(
            "{name}: {} records read, {} changed in {:.1} s",
            s.records,
            s.changed,
            started.elapsed().as_secs_f64()
        ));
        started = std::time::Instant::now();
        out.steps.push((name.to_owned(), s));
    };
    step(
        "apkindex",
        import_indexes(db, config, inputs, &[], reporter)?,
        reporter,
    );
    step(
        "secdb",
        import_secdbs(db, config, inputs, &[], reporter)?,
        reporter,
    );
    step(
        "aports",
        import_aports(db, config, &[], reporter)?,
        reporter,
    );
    step(
        "rejections",
        import_rejections(db, config, inputs, &[], reporter)?,
        reporter,
    );
    if !config.nvd.is_empty() {
        let s = import_cves(db, CveFormat::Nvd, &config.nvd, inputs, reporter)?;
        step("nvd", s, reporter);
    }
    if let Some(api) = nvd_api {
        step("nvd api", import_nvd_api(db, api, reporter)?, reporter);
    }
    if !config.cve5.is_empty() {
        let s = import_cves(db, CveFormat::Cve5, &config.cve5, inputs, reporter)?;
        step("cve5", s, reporter);
    }
    let bar = reporter.step("update", 0);
    out.update = update::update(db, config, false, &bar)?;
    bar.finish_and_clear();
    Ok(out)
}

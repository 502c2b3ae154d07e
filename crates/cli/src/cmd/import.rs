//! `secfixes import`: read one kind of source into the store, in one transaction.
//!
//! `apkindex`, `secdb`, `rejections` and `aports` read what the configuration names for
//! each repository (or the repositories given with `--repo`). `nvd` and `cve5` read the
//! files or URLs given, or the configuration's; with `--jsonl FILE` they write the
//! normalised records as JSON lines instead (a temporary file renamed into place only
//! when the whole import succeeded). A malformed record is reported on stderr and
//! skipped; a malformed file or a broken download fails the import and changes nothing.
//! Imports do not recompute states: run `secfixes update` (or `secfixes sync`).

use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use secfixes_apk::{Error, ErrorKind};
use secfixes_cve::Cve;
use secfixes_fetch::feeds::{self, Source};
use secfixes_fetch::nvd_api::{MAX_PAGE_SIZE, NVD_API_URL};
use secfixes_fetch::retry::Backoff;
use secfixes_fetch::{Client, NvdApi, SyncState, SystemClock};

use secfixes_tracker::config::Config;
use secfixes_tracker::db::Db;
use secfixes_tracker::import::Summary;
use secfixes_tracker::sync::{self, CveFormat, Inputs, Reporter};

use crate::exit::Status;
use crate::progress::Terminal;
use crate::store::{Need, StoreArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// The APKINDEX of every configured arch of each repository, signatures checked.
    Apkindex(Repos),
    /// The secdb JSON of each repository: its fixes and `0` (not affected) entries.
    Secdb(Repos),
    /// The security-rejections YAML of each repository.
    Rejections(Repos),
    /// The `# secfixes:` blocks of the APKBUILDs in each repository's aports directory.
    Aports(Repos),
    /// NVD records: API 2.0 pages, single records or 1.1 feeds (plain or gzip, files or
    /// http(s) URLs), or the live API with `--api`.
    ///
    /// With `--api` the CVE API 2.0 is paged 2,000 records at a time. With `--state`, only
    /// the records modified since the last successful import are fetched (in windows of at
    /// most 120 days), and the state file is moved on only when the import succeeded.
    /// Requests keep to NVD's rate limit (5 per 30 s, 50 with an API key) and are retried
    /// with back-off on 403, 429, 5xx, time-outs and cut bodies.
    Nvd(Nvd),
    /// CVE JSON 5 records: a cvelistV5 checkout or any directory tree of `CVE-*.json`
    /// files, a zip of one (a path or an http(s) URL), or single record files.
    ///
    /// Every record keeps the CNA's and the ADP containers' data with their origin.
    Cve5(Cve5),
}

/// The repositories an import reads.
#[derive(Debug, clap::Args)]
struct Repos {
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    retry: Retry,
    /// A repository tag (`3.16-main`); repeat for several. Default: every configured one.
    #[arg(long = "repo", value_name = "TAG")]
    repos: Vec<String>,
}

#[derive(Debug, clap::Args)]
struct Cve5 {
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    output: Output,
    #[command(flatten)]
    retry: Retry,
    /// Directories, zips or record files (default: the configuration's `cve5`).
    #[arg(value_name = "PATH_OR_URL")]
    inputs: Vec<String>,
}

#[derive(Debug, clap::Args)]
struct Nvd {
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    output: Output,
    #[command(flatten)]
    retry: Retry,
    /// NVD files, directories or URLs (API 2.0 pages, single records, 1.1 feeds; `.gz`
    /// or plain). Default: the configuration's `nvd`.
    #[arg(value_name = "PATH_OR_URL", conflicts_with = "api")]
    inputs: Vec<String>,
    /// Fetch from the NVD CVE API 2.0 instead of files.
    #[arg(long)]
    api: bool,
    /// NVD API key (raises the rate limit from 5 to 50 requests per 30 s).
    #[arg(long, env = "NVD_API_KEY", hide_env_values = true, value_name = "KEY")]
    api_key: Option<String>,
    /// The API endpoint.
    #[arg(long, value_name = "URL", default_value = NVD_API_URL)]
    base_url: String,
    /// Sync state file: the high-water mark of `lastModified` (JSON, written atomically).
    /// Without it every `--api` import fetches everything.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Records per API page, 1 to 2000.
    #[arg(long, value_name = "N", default_value_t = MAX_PAGE_SIZE,
          value_parser = clap::value_parser!(u64).range(1..=2000))]
    results_per_page: u64,
}

#[derive(Debug, clap::Args)]
struct Output {
    /// Write the records as JSON lines (one `Cve` each) to FILE instead of the store;
    /// replaced only when the whole import succeeded.
    #[arg(long, value_name = "FILE")]
    jsonl: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct Retry {
    /// Attempts per request before giving up.
    #[arg(long, value_name = "N", default_value_t = 6,
          value_parser = clap::value_parser!(u32).range(1..))]
    attempts: u32,
    /// The first back-off wait in seconds; it doubles (with jitter) on each retry.
    #[arg(long, value_name = "SECONDS", default_value_t = 2.0)]
    retry_wait: f64,
}

pub fn run(args: Args) -> Result<Status, Box<dyn std::error::Error>> {
    match args.command {
        Command::Apkindex(r) => import_repos(&r, sync::import_indexes),
        Command::Secdb(r) => import_repos(&r, sync::import_secdbs),
        Command::Rejections(r) => import_repos(&r, sync::import_rejections),
        Command::Aports(r) => import_repos(&r, |db, config, _, tags, reporter| {
            sync::import_aports(db, config, tags, reporter)
        }),
        Command::Nvd(nvd) if nvd.output.jsonl.is_none() => nvd_to_store(nvd),
        Command::Cve5(cve5) if cve5.output.jsonl.is_none() => {
            let inputs = cve5.inputs.clone();
            cves_to_store(&cve5.store, &cve5.retry, CveFormat::Cve5, &inputs)
        }
        Command::Nvd(nvd) => import_nvd(nvd),
        Command::Cve5(cve5) => import_cve5(cve5),
    }
}

type RepoImport = fn(
    &mut dyn Db,
    &Config,
    &mut Inputs,
    &[String],
    &dyn Reporter,
) -> secfixes_tracker::Result<Summary>;

fn import_repos(args: &Repos, import: RepoImport) -> Result<Status, Box<dyn std::error::Error>> {
    let (config, mut db) = args.store.open(Need::Config)?;
    let reporter = Terminal::new();
    let mut inputs = Inputs::new(client(&args.retry, &Progress { bar: None })?);
    let summary = import(db.as_mut(), &config, &mut inputs, &args.repos, &reporter)?;
    report(&reporter, &summary);
    Ok(Status::Success)
}

fn report(reporter: &Terminal, summary: &Summary) {
    reporter.line(&format!(
        "{} records read, {} changed (run `secfixes update` to recompute states)",
        summary.records, summary.changed
    ));
}

fn cves_to_store(
    store: &StoreArgs,
    retry: &Retry,
    format: CveFormat,
    inputs: &[String],
) -> Result<Status, Box<dyn std::error::Error>> {
    let (config, mut db) = store.open(Need::Config)?;
    let sources: Vec<Source> = if inputs.is_empty() {
        match format {
            CveFormat::Nvd => config.nvd.clone(),
            CveFormat::Cve5 => config.cve5.clone(),
        }
    } else {
        inputs.iter().map(|i| Source::parse(i)).collect()
    };
    if sources.is_empty() {
        return Err("nothing to import: give files or URLs, or configure the source".into());
    }
    let reporter = Terminal::new();
    let mut local = Inputs::new(client(retry, &Progress { bar: None })?);
    let summary = sync::import_cves(db.as_mut(), format, &sources, &mut local, &reporter)?;
    report(&reporter, &summary);
    Ok(Status::Success)
}

fn nvd_to_store(args: Nvd) -> Result<Status, Box<dyn std::error::Error>> {
    if !args.api {
        return cves_to_store(&args.store, &args.retry, CveFormat::Nvd, &args.inputs);
    }
    if args.state.is_some() {
        return Err("--state is for --jsonl: the store keeps its own sync state".into());
    }
    let (_, mut db) = args.store.open(Need::Config)?;
    let reporter = Terminal::new();
    let api = NvdApi::new(
        client(&args.retry, &Progress { bar: None })?,
        &args.base_url,
        args.api_key,
    )
    .page_size(args.results_per_page);
    let summary = sync::import_nvd_api(db.as_mut(), api, &reporter)?;
    report(&reporter, &summary);
    Ok(Status::Success)
}

fn import_cve5(args: Cve5) -> Result<Status, Box<dyn std::error::Error>> {
    if args.inputs.is_empty() {
        return Err("--jsonl needs input files or URLs".into());
    }
    let mut out = Jsonl::create(args.output.jsonl.as_deref())?;
    let progress = Progress::new();
    let mut client = client(&args.retry, &progress)?;
    for input in &args.inputs {
        let source = Source::parse(input);
        let local = feeds::fetch(&mut client, &source)?;
        let label = matches!(source, Source::Url(_)).then_some(input.as_str());
        let n = secfixes_cve::cve5::walk::read_path(local.path(), &mut |r| {
            out.record(r, label);
            progress.tick();
        })
        .map_err(|e| named(e, label))?;
        out.check()?;
        progress.log(|| format!("{input}: {n} records"));
    }
    let summary = out.commit()?;
    progress.finish(&summary);
    Ok(Status::Success)
}

fn import_nvd(args: Nvd) -> Result<Status, Box<dyn std::error::Error>> {
    if !args.api && args.inputs.is_empty() {
        return Err("--jsonl needs input files or URLs, or --api".into());
    }
    let mut out = Jsonl::create(args.output.jsonl.as_deref())?;
    let progress = Progress::new();
    let client = client(&args.retry, &progress)?;
    if args.api {
        let mut state = match &args.state {
            Some(path) => SyncState::load(path)?,
            None => SyncState::default(),
        };
        let mut api =
            NvdApi::new(client, &args.base_url, args.api_key).page_size(args.results_per_page);
        api.sync(
            &mut state,
            |page| {
                progress.total(page.total_results);
                secfixes_cve::nvd::v2::read(&page.bytes, &mut |r| out.record(r, None))
                    .map_err(|e| e.in_file(&args.base_url))?;
                out.check()?;
                progress.advance(page.count, || {
                    format!(
                        "page startIndex {}: {} CVEs ({} of {})",
                        page.start_index,
                        page.count,
                        page.start_index + page.count,
                        page.total_results
                    )
                });
                Ok(())
            },
            |_| Ok(()),
        )?;
        let summary = out.commit()?;
        if let Some(path) = &args.state {
            state.save(path)?;
        }
        progress.finish(&summary);
    } else {
        let mut client = client;
        progress.total(args.inputs.len() as u64);
        for input in &args.inputs {
            let source = Source::parse(input);
            let local = feeds::fetch(&mut client, &source)?;
            let label = matches!(source, Source::Url(_)).then_some(input.as_str());
            let (_, n) = secfixes_cve::nvd::read_path(local.path(), &mut |r| out.record(r, label))
                .map_err(|e| named(e, label))?;
            out.check()?;
            progress.advance(1, || format!("{input}: {n} records"));
        }
        let summary = out.commit()?;
        progress.finish(&summary);
    }
    Ok(Status::Success)
}

/// A downloaded file's errors name its temporary copy; say which URL it came from.
fn named(err: Error, url: Option<&str>) -> Box<dyn std::error::Error> {
    match url {
        Some(url) => format!("{url}: {err}").into(),
        None => err.into(),
    }
}

fn client(retry: &Retry, progress: &Progress) -> Result<Client, Error> {
    let base = Duration::try_from_secs_f64(retry.retry_wait).map_err(|_| {
        Error::new(
            ErrorKind::Syntax,
            "--retry-wait must be a number of seconds",
        )
    })?;
    let mut backoff = Backoff::default();
    backoff.max_attempts = retry.attempts;
    backoff.base = base;
    let bar = progress.bar.clone();
    Ok(Client::new(SystemClock::shared())
        .backoff(backoff)
        .notify(Box::new(move |line| match &bar {
            Some(bar) => bar.println(format!("secfixes: {line}")),
            None => eprintln!("secfixes: {line}"),
        })))
}

/// The JSON-lines output: a temporary file beside the target, renamed at the end.
struct Jsonl {
    path: PathBuf,
    writer: BufWriter<tempfile::NamedTempFile>,
    records: u64,
    skipped: u64,
    error: Option<std::io::Error>,
}

impl Jsonl {
    fn create(path: Option<&Path>) -> Result<Jsonl, Box<dyn std::error::Error>> {
        let Some(path) = path else {
            return Err("--jsonl FILE is required here".into());
        };
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let temp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io(dir, e))?;
        Ok(Jsonl {
            path: path.to_path_buf(),
            writer: BufWriter::new(temp),
            records: 0,
            skipped: 0,
            error: None,
        })
    }

    /// Writes a good record; reports a bad one on stderr and skips it.
    fn record(&mut self, record: secfixes_apk::Result<Cve>, url: Option<&str>) {
        match record {
            Ok(cve) => {
                if self.error.is_some() {
                    return;
                }
                let line = serde_json::to_writer(&mut self.writer, &cve)
                    .map_err(std::io::Error::from)
                    .and_then(|()| self.writer.write_all(b"\n"));
                match line {
                    Ok(()) => self.records += 1,
                    Err(e) => self.error = Some(e),
                }
            }
            Err(err) => {
                self.skipped += 1;
                match url {
                    Some(url) => eprintln!("secfixes: warning: {url}: {err} (record skipped)"),
                    None => eprintln!("secfixes: warning: {err} (record skipped)"),
                }
            }
        }
    }

    /// Fails if a write has failed.
    fn check(&mut self) -> secfixes_apk::Result<()> {
        match self.error.take() {
            Some(e) => Err(Error::io(&self.path, e)),
            None => Ok(()),
        }
    }

    /// Flushes, syncs and renames the file into place.
    fn commit(mut self) -> secfixes_apk::Result<String> {
        self.check()?;
        let temp = self
            .writer
            .into_inner()
            .map_err(|e| Error::io(&self.path, e.into_error()))?;
        temp.as_file()
            .sync_all()
            .map_err(|e| Error::io(&self.path, e))?;
        temp.persist(&self.path)
            .map_err(|e| Error::io(&self.path, e.error))?;
        Ok(format!(
            "{} records written to {}, {} skipped",
            self.records,
            self.path.display(),
            self.skipped
        ))
    }
}

/// A progress bar when stderr is a terminal, plain log lines otherwise.
struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    fn new() -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(0);
            if let Ok(style) = ProgressStyle::with_template(
                "{bar:40} {pos}/{len} [{elapsed_precise}, {per_sec}, ETA {eta}]",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Progress { bar }
    }

    fn total(&self, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(total);
        }
    }

    fn advance(&self, n: u64, line: impl FnOnce() -> String) {
        match &self.bar {
            Some(bar) => bar.inc(n),
            None => eprintln!("secfixes: {}", line()),
        }
    }

    /// One more record, on the bar only (a log line per record would drown the log).
    fn tick(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    /// A log line, when there is no bar.
    fn log(&self, line: impl FnOnce() -> String) {
        if self.bar.is_none() {
            eprintln!("secfixes: {}", line());
        }
    }

    fn finish(&self, summary: &str) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        eprintln!("secfixes: {summary}");
    }
}

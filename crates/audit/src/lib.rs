//! # secfixes-audit
//!
//! The client side of secfixes: given the root of an apk-based system, which installed
//! packages have known unfixed vulnerabilities, and which pending upgrades fix
//! vulnerabilities (what `apk list --upgradable --security` was meant to give). It needs
//! no tracker database: the security data comes from the `SECFIXES` member that
//! `secfixes index annotate` adds to the repositories' signed `APKINDEX.tar.gz`
//! ([`secfixes_apk::annotation`]).
//!
//! - [`repositories`]: `/etc/apk/repositories` (and `repositories.d/*.list`) as apk-tools
//!   3 reads it: tags, keywords, variables, components.
//! - [`load`]: each repository's index from a file or over http(s), verified against the
//!   trusted keys, with a cache used (and reported as possibly stale) when a repository
//!   cannot be reached.
//! - [`ignore`]: the ignore file (TOML or YAML) with reasons and expiry dates.
//! - [`check`]: the audit, a pure function of the installed packages and the indexes.
//! - [`report`]: the report as a table and as a stable JSON document.
//!
//! [`run`] does all of it for one system.
#![forbid(unsafe_code)]

pub mod check;
pub mod ignore;
pub mod load;
pub mod report;
pub mod repositories;

use std::path::{Path, PathBuf};

use secfixes_apk::apkindex::Keys;
use secfixes_apk::{Error, ErrorKind, Result, summary};

pub use check::{InstalledPackage, Mode};
pub use ignore::{Date, IgnoreFile};
pub use load::{Loaded, Loader, Source};
pub use report::Report;

/// What to audit and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// The system's root directory (`/`).
    pub root: PathBuf,
    /// The repositories file; default `<root>/etc/apk/repositories` and
    /// `<root>/etc/apk/repositories.d/*.list`.
    pub repositories_file: Option<PathBuf>,
    /// The architecture; default the first line of `<root>/etc/apk/arch`, else this
    /// machine's.
    pub arch: Option<String>,
    /// Where downloaded indexes are cached; default `<root>/var/cache/secfixes`.
    pub cache_dir: Option<PathBuf>,
    /// The trusted keys; default `<root>/etc/apk/keys`.
    pub keys_dir: Option<PathBuf>,
    /// Accept indexes not signed by a trusted key.
    pub allow_untrusted: bool,
    pub mode: Mode,
    pub ignore_file: Option<PathBuf>,
    /// The day expiry dates are compared with.
    pub today: Date,
}

impl Options {
    /// Defaults for the system at `root`, listing vulnerable packages, today.
    pub fn new(root: impl Into<PathBuf>) -> Options {
        Options {
            root: root.into(),
            repositories_file: None,
            arch: None,
            cache_dir: None,
            keys_dir: None,
            allow_untrusted: false,
            mode: Mode::Vulnerable,
            ignore_file: None,
            today: Date::today(),
        }
    }
}

/// The apk name of the architecture this program was built for.
pub fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "arm" => "armv7",
        "powerpc64" if cfg!(target_endian = "little") => "ppc64le",
        "powerpc64" => "ppc64",
        other => other,
    }
}

/// The system's architecture: `<root>/etc/apk/arch` (its first word), else [`host_arch`].
pub fn system_arch(root: &Path) -> Result<String> {
    let path = root.join("etc/apk/arch");
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(text
            .split_whitespace()
            .next()
            .map_or_else(|| host_arch().to_owned(), str::to_owned)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(host_arch().to_owned()),
        Err(err) => Err(Error::io(&path, err)),
    }
}

/// Reads `<root>/lib/apk/db/installed`. A missing or malformed file is an error naming it
/// (and the line).
pub fn read_installed(root: &Path) -> Result<Vec<InstalledPackage>> {
    let path = root.join("lib/apk/db/installed");
    let text = std::fs::read_to_string(&path).map_err(|err| {
        let hint = if err.kind() == std::io::ErrorKind::NotFound {
            " (is the root an apk-based system? give it with --root)"
        } else {
            ""
        };
        Error::new(ErrorKind::Io, format!("installed database: {err}{hint}"))
            .in_file(&path)
            .caused_by(err)
    })?;
    // The summary reader checks every line as the full parser does, without building
    // the file records.
    let records = summary::scan(&text).map_err(|err| err.in_file(&path))?;
    Ok(records
        .into_iter()
        .map(|p| InstalledPackage {
            name: p.name.to_owned(),
            version: p.version.to_owned(),
            origin: p.origin_or_name().to_owned(),
            tag: p.repository_tag.map(str::to_owned),
        })
        .collect())
}

/// The trusted keys: `dir`, or `<root>/etc/apk/keys`. A missing directory is an error
/// unless untrusted indexes are allowed.
pub fn read_keys(root: &Path, dir: Option<&Path>, allow_untrusted: bool) -> Result<Keys> {
    let dir = dir.map_or_else(|| root.join("etc/apk/keys"), Path::to_path_buf);
    if !dir.is_dir() && allow_untrusted {
        return Ok(Keys::new());
    }
    if !dir.is_dir() {
        return Err(Error::new(
            ErrorKind::Key,
            "no trusted keys: the keys directory does not exist (give --keys-dir DIR, or \
             --allow-untrusted)",
        )
        .in_file(dir));
    }
    Keys::from_dir(&dir)
}

/// Audits the system `options.root`: reads the ignore file, the repositories, their
/// indexes (one thread each; `progress` is called with each repository's URL when it
/// is loaded) and the installed database, then runs [`check::check`].
pub fn run(options: &Options, progress: &(dyn Fn(&str) + Sync)) -> Result<Report> {
    let root = options.root.as_path();
    let ignore = match &options.ignore_file {
        Some(path) => IgnoreFile::read(path)?,
        None => IgnoreFile::default(),
    };
    let arch = match &options.arch {
        Some(arch) => arch.clone(),
        None => system_arch(root)?,
    };
    let config = repositories::read(root, options.repositories_file.as_deref(), &arch)?;
    let keys = read_keys(root, options.keys_dir.as_deref(), options.allow_untrusted)?;
    let cache_dir = options
        .cache_dir
        .clone()
        .unwrap_or_else(|| root.join("var/cache/secfixes"));
    let loader = Loader::new(keys, options.allow_untrusted, cache_dir);

    let (installed, loaded) = std::thread::scope(|scope| {
        let handles: Vec<_> = config
            .repositories
            .iter()
            .map(|repository| {
                let loader = &loader;
                scope.spawn(move || {
                    let result = loader.load(repository);
                    progress(&repository.url);
                    result
                })
            })
            .collect();
        let installed = read_installed(root);
        let loaded: Vec<Result<Loaded>> = handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(Error::new(ErrorKind::Io, "a repository loader panicked"))
                })
            })
            .collect();
        (installed, loaded)
    });
    let installed = installed?;
    let loaded: Vec<Loaded> = loaded.into_iter().collect::<Result<_>>()?;

    let mut warnings = config.warnings;
    if loaded.is_empty() {
        warnings.push("no repositories are configured: nothing to compare with".to_owned());
    }
    for repo in &loaded {
        warnings.extend(repo.warnings.iter().cloned());
        if let Source::Cache { fetched_at, reason } = &repo.source {
            let when = fetched_at.map_or(String::new(), |t| {
                format!(" (fetched {})", report::rfc3339(t))
            });
            warnings.push(format!(
                "{}: unreachable ({reason}); using the cached index{when}: the data may be stale",
                repo.repository.url
            ));
        }
        if repo.annotation.is_none() {
            warnings.push(format!(
                "{}: the index carries no security data (no SECFIXES member; see \
                 `secfixes index annotate`): its packages are not checked",
                repo.repository.url
            ));
        }
    }
    let outcome = check::check(&installed, &loaded, options.mode, &ignore, options.today);
    Ok(Report {
        format: report::FORMAT,
        version: report::VERSION,
        mode: options.mode.as_str(),
        root: root.display().to_string(),
        arch,
        installed: installed.len(),
        repositories: loaded.iter().map(report::RepositoryReport::of).collect(),
        findings: outcome.findings,
        ignored: outcome.ignored,
        warnings,
    })
}

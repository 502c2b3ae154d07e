//! Getting each repository's index: read from a file, or downloaded (with retries) and
//! kept in a cache that is used, with a warning that the data may be stale, when the
//! repository cannot be reached. Every index is verified against the trusted keys before
//! it is used, the cached copy too.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest as _, Sha256};

use secfixes_apk::annotation::Annotation;
use secfixes_apk::apkindex::{self, Keys, Trust};
use secfixes_apk::summary;
use secfixes_apk::{Error, ErrorKind, Result};
use secfixes_fetch::client::{self, Request};
use secfixes_fetch::retry::Backoff;
use secfixes_fetch::{Client, SystemClock};

use crate::repositories::{Location, Repository};

/// A binary package of an index: what the audit needs of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexPackage {
    pub name: String,
    pub version: String,
    /// `o:`, or the name when the record has none.
    pub origin: String,
}

/// Where a loaded index came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A local file.
    File,
    /// Downloaded now (and cached).
    Network,
    /// The cached copy, because the repository could not be reached.
    Cache {
        /// When the copy was cached (Unix seconds), if known.
        fetched_at: Option<i64>,
        /// Why the repository could not be used.
        reason: String,
    },
}

/// One repository's index, read and verified.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub repository: Repository,
    pub source: Source,
    pub description: Option<String>,
    /// The key whose signature verified (`None` with `allow_untrusted`).
    pub signed_by: Option<String>,
    pub packages: Vec<IndexPackage>,
    /// The `SECFIXES` member, if the index has one.
    pub annotation: Option<Annotation>,
    /// Problems that did not stop the load (a cache that could not be written).
    pub warnings: Vec<String>,
}

/// How indexes are loaded.
#[derive(Debug, Clone)]
pub struct Loader {
    pub keys: Keys,
    /// Accept indexes without a signature by a trusted key (a bad signature by a
    /// trusted key is still an error).
    pub allow_untrusted: bool,
    /// Where downloaded indexes are kept.
    pub cache_dir: PathBuf,
    /// Attempts per download (at least 1) and the wait after the first failure.
    pub attempts: u32,
    pub retry_wait: Duration,
    /// Connect, response and read timeout of a download.
    pub timeout: Duration,
}

impl Loader {
    /// A loader with the default network settings: 2 attempts, 0.5 s apart, 20 s timeouts.
    pub fn new(keys: Keys, allow_untrusted: bool, cache_dir: PathBuf) -> Loader {
        Loader {
            keys,
            allow_untrusted,
            cache_dir,
            attempts: 2,
            retry_wait: Duration::from_millis(500),
            timeout: Duration::from_secs(20),
        }
    }

    fn trust(&self) -> Trust<'_> {
        Trust {
            keys: &self.keys,
            allow_untrusted: self.allow_untrusted,
        }
    }

    /// The cache file of an index URL: `APKINDEX.<16 hex digits of its SHA-256>.tar.gz`.
    pub fn cache_path(&self, url: &str) -> PathBuf {
        let digest = Sha256::digest(url.as_bytes());
        let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        self.cache_dir.join(format!("APKINDEX.{hex}.tar.gz"))
    }

    /// Loads one repository's index. Errors name the file or URL.
    pub fn load(&self, repository: &Repository) -> Result<Loaded> {
        let mut warnings = Vec::new();
        let shown = repository.index.display();
        let (bytes, source) = match &repository.index {
            Location::File(path) => {
                let bytes = std::fs::read(path).map_err(|e| {
                    Error::new(
                        ErrorKind::Io,
                        format!(
                            "repository {} ({}:{}): {e}",
                            repository.url,
                            repository.file.display(),
                            repository.line
                        ),
                    )
                    .in_file(path)
                    .caused_by(e)
                })?;
                (bytes, Source::File)
            }
            Location::Http(url) => match self.download(url) {
                Ok(bytes) => {
                    // Checked before it replaces a good cached copy.
                    apkindex::read(&bytes, self.trust()).map_err(|e| named(e, &shown))?;
                    if let Err(err) = self.store(url, &bytes) {
                        warnings.push(format!("{url}: the index was not cached: {err}"));
                    }
                    (bytes, Source::Network)
                }
                Err(err) if err.kind() == ErrorKind::Network => {
                    let cached = self.cache_path(url);
                    match std::fs::read(&cached) {
                        Ok(bytes) => {
                            let fetched_at = std::fs::metadata(&cached)
                                .and_then(|m| m.modified())
                                .ok()
                                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                                .and_then(|d| i64::try_from(d.as_secs()).ok());
                            let source = Source::Cache {
                                fetched_at,
                                reason: err.to_string(),
                            };
                            let bytes_source = (bytes, source);
                            let parsed = self.parse(repository, bytes_source, warnings);
                            return parsed.map_err(|e| {
                                named(e, &format!("{} (cached copy of {url})", cached.display()))
                            });
                        }
                        Err(_) => {
                            return Err(Error::new(
                                ErrorKind::Network,
                                format!(
                                    "repository {} is unreachable and has no cached index \
                                     (looked for {}): {}",
                                    repository.url,
                                    cached.display(),
                                    err.message()
                                ),
                            )
                            .in_file(url));
                        }
                    }
                }
                Err(err) => return Err(named(err, &shown)),
            },
        };
        self.parse(repository, (bytes, source), warnings)
            .map_err(|e| named(e, &shown))
    }

    fn parse(
        &self,
        repository: &Repository,
        (bytes, source): (Vec<u8>, Source),
        warnings: Vec<String>,
    ) -> Result<Loaded> {
        let index = apkindex::read(&bytes, self.trust())?;
        drop(bytes);
        let annotation = Annotation::from_index(&index)?;
        // Only names, versions and origins: the signature vouches for the rest.
        let packages = summary::scan(index.text())?
            .into_iter()
            .map(|p| IndexPackage {
                name: p.name.to_owned(),
                version: p.version.to_owned(),
                origin: p.origin_or_name().to_owned(),
            })
            .collect();
        Ok(Loaded {
            repository: repository.clone(),
            source,
            description: index.description().map(str::to_owned),
            signed_by: index.signed_by().map(str::to_owned),
            packages,
            annotation,
            warnings,
        })
    }

    fn download(&self, url: &str) -> Result<Vec<u8>> {
        let seed = u64::from(std::process::id());
        let mut client = Client::with_timeout(SystemClock::shared(), self.timeout).backoff(
            Backoff::new(self.attempts, self.retry_wait, self.retry_wait * 4, seed),
        );
        client.fetch(&Request::get(url), client::read_all)
    }

    /// Writes a verified index to the cache, through a temporary file.
    fn store(&self, url: &str, bytes: &[u8]) -> Result<()> {
        use std::io::Write as _;
        let dir = &self.cache_dir;
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let path = self.cache_path(url);
        let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io(dir, e))?;
        temp.write_all(bytes).map_err(|e| Error::io(&path, e))?;
        temp.persist(&path).map_err(|e| Error::io(&path, e.error))?;
        Ok(())
    }
}

/// `err`, made to name `what` (a file or URL) when it names something else or nothing.
pub(crate) fn named(err: Error, what: &str) -> Error {
    match &err.location().file {
        Some(file) if file == Path::new(what) => err,
        None => err.in_file(what),
        Some(_) => {
            Error::new(err.kind(), format!("{}: {}", err.location(), err.message())).in_file(what)
        }
    }
}

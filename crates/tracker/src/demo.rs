//! The bundled demo distribution, "Demo Linux": made-up packages, fixes, a rejection and
//! fictional CVEs in the real input formats (signed APKINDEX, secdb, rejections YAML,
//! NVD API 2.0 and CVE JSON 5), compiled into the library so that `secfixes demo` needs
//! no files and no network. `demo/README.md` in this crate says which row shows which
//! state and why.
//!
//! [`load`] writes the files to a temporary directory and runs the configured
//! [`sync`](crate::sync::sync) twice: stage 1 (`demo/stage1/demo.toml`, the v3.22 branch
//! a few weeks earlier) and then the current data (`demo/demo.toml`), so that the store
//! has history: state changes and versions that left the index.

use std::fmt;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::db::{self, Db};
use crate::engine::State;
use crate::sync::{self, Inputs, Reporter};
use crate::{Error, ErrorKind, Result};

/// The name of the demo distribution (its `[distribution] name`).
pub const NAME: &str = "Demo Linux";

/// The configuration of the current data, relative to the demo directory.
pub const CONFIG: &str = "demo.toml";

/// The configuration of the older snapshot, relative to the demo directory.
pub const STAGE1_CONFIG: &str = "stage1/demo.toml";

/// The `meta` key holding the digest of the demo files last loaded.
const META_KEY: &str = "demo_digest";

macro_rules! demo_files {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/demo/", $path)))),*]
    };
}

/// Every file of the demo, by its path in the demo directory.
pub const FILES: &[(&str, &[u8])] = demo_files![
    "demo.toml",
    "stage1/demo.toml",
    "keys/demo@secfixes.example-64a1b2c3.rsa.pub",
    "apkindex/v3.22/main/x86_64/APKINDEX.tar.gz",
    "apkindex/v3.22/community/x86_64/APKINDEX.tar.gz",
    "apkindex/edge/main/x86_64/APKINDEX.tar.gz",
    "apkindex/edge/community/x86_64/APKINDEX.tar.gz",
    "stage1/apkindex/v3.22/main/x86_64/APKINDEX.tar.gz",
    "stage1/apkindex/v3.22/community/x86_64/APKINDEX.tar.gz",
    "secdb/v3.22/main.json",
    "secdb/v3.22/community.json",
    "secdb/edge/main.json",
    "secdb/edge/community.json",
    "stage1/secdb/v3.22/main.json",
    "stage1/secdb/v3.22/community.json",
    "rejections/main.yaml",
    "rejections/community.yaml",
    "nvd/CVE-2026-90001.json",
    "nvd/CVE-2026-90002.json",
    "nvd/CVE-2026-90003.json",
    "nvd/CVE-2026-90004.json",
    "nvd/CVE-2026-90005.json",
    "nvd/CVE-2026-90006.json",
    "nvd/CVE-2026-90007.json",
    "nvd/CVE-2026-90008.json",
    "nvd/CVE-2026-90009.json",
    "nvd/CVE-2026-90010.json",
    "nvd/CVE-2026-90011.json",
    "nvd/CVE-2026-90012.json",
    "nvd/CVE-2026-90013.json",
    "nvd/CVE-2026-90016.json",
    "cve5/2026/90xxx/CVE-2026-90014.json",
    "cve5/2026/90xxx/CVE-2026-90015.json",
];

/// What the store holds after [`load`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSummary {
    /// Whether this call imported anything (false when the same demo was loaded before).
    pub imported: bool,
    pub repos: i64,
    pub origins: i64,
    /// Binary packages listed in the indexes now.
    pub packages: i64,
    pub cves: i64,
    /// Stored verdicts per state, every state listed.
    pub states: Vec<(State, i64)>,
    /// `state_event` rows: changes of a verdict between the two stages.
    pub events: i64,
}

impl fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total: i64 = self.states.iter().map(|(_, n)| n).sum();
        write!(
            f,
            "{} repositories, {} origins, {} packages, {} CVEs, {total} states (",
            self.repos, self.origins, self.packages, self.cves
        )?;
        for (i, (state, n)) in self.states.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}{n} {state}")?;
        }
        write!(f, "), {} state changes", self.events)?;
        if !self.imported {
            f.write_str(" (already loaded)")?;
        }
        Ok(())
    }
}

/// A digest of every demo file, stored to make a second load a no-op.
fn digest() -> String {
    let mut hash = Sha256::new();
    for (path, bytes) in FILES {
        hash.update(path.as_bytes());
        hash.update([0]);
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes the demo files under `dir`, as laid out in this crate's `demo/`.
pub fn write_files(dir: &Path) -> Result<()> {
    for (rel, bytes) in FILES {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
    }
    Ok(())
}

/// The demo configuration `rel` ([`CONFIG`] or [`STAGE1_CONFIG`]) of the demo files
/// written under `dir`; its paths resolve against `dir`.
pub fn config(dir: &Path, rel: &str) -> Result<Config> {
    let path = dir.join(rel);
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    Config::parse(&text, &path, dir)
}

/// The current demo configuration, read from the embedded files, for what needs only
/// its mapping rules and branches (the web server's triage recomputes states with it);
/// its source paths point into a `demo/` directory that need not exist.
pub fn embedded_config() -> Result<Config> {
    let (_, bytes) = FILES
        .iter()
        .find(|(rel, _)| *rel == CONFIG)
        .ok_or_else(|| Error::new(ErrorKind::Config, "the demo has no demo.toml"))?;
    let text = String::from_utf8_lossy(bytes);
    let dir = Path::new("demo");
    Config::parse(&text, &dir.join(CONFIG), dir)
}

/// Loads the demo into `db` (a migrated store, normally empty): stage 1, then the
/// current data, each a full configured sync. The demo files are written to a
/// temporary directory removed afterwards; nothing is downloaded.
///
/// A store that already holds this demo is left alone. One that holds an older version
/// of the demo gets only the current data, so that it moves forward.
pub fn load(db: &mut dyn Db, reporter: &dyn Reporter) -> Result<DemoSummary> {
    let digest = digest();
    let previous = db::get_meta(db, META_KEY)?;
    if previous.as_deref() == Some(digest.as_str()) {
        return summary(db, false);
    }
    let dir =
        tempfile::tempdir().map_err(|e| Error::io(Path::new("demo temporary directory"), e))?;
    write_files(dir.path())?;
    let mut stages = Vec::new();
    if previous.is_none() {
        stages.push(STAGE1_CONFIG);
    }
    stages.push(CONFIG);
    for rel in stages {
        reporter.line(&format!("demo: loading {rel}"));
        let config = config(dir.path(), rel)?;
        let mut inputs = Inputs::new(secfixes_fetch::Client::new(
            secfixes_fetch::SystemClock::shared(),
        ));
        sync::sync(db, &config, &mut inputs, None, reporter)?;
    }
    db::set_meta(db, META_KEY, &digest)?;
    summary(db, true)
}

fn count(db: &mut dyn Db, sql: &str) -> Result<i64> {
    Ok(db::query_int(db, sql, &[])?.unwrap_or(0))
}

fn summary(db: &mut dyn Db, imported: bool) -> Result<DemoSummary> {
    let mut states = Vec::new();
    for state in State::ALL {
        let n = db::query_int(
            db,
            "SELECT COUNT(*) FROM state WHERE state = $1",
            &[state.as_str().into()],
        )?
        .unwrap_or(0);
        states.push((state, n));
    }
    Ok(DemoSummary {
        imported,
        repos: db::count(db, "repo")?,
        origins: count(
            db,
            "SELECT COUNT(DISTINCT origin) FROM origin_version WHERE published = 1",
        )?,
        packages: count(db, "SELECT COUNT(*) FROM package WHERE last_seen IS NULL")?,
        cves: count(db, "SELECT COUNT(DISTINCT cve_id) FROM cve_record")?,
        states,
        events: db::count(db, "state_event")?,
    })
}

//! Imports: each one reads a source and brings the store in line with it, inside one
//! transaction (the caller's), changing only what differs — so running an import twice
//! changes nothing, and a failed one leaves the previous data as it was.
//!
//! Imports never compute states. They record what changed in the `dirty` table (a CVE
//! id, or a repository tag and origin), which [`crate::update`] consumes.
//!
//! - [`apkindex`]: binary packages per repository tag and arch, with their history, and
//!   the origin versions derived from them;
//! - [`fixes`]: secdb JSON and APKBUILD `# secfixes:` blocks (aports);
//! - [`rejections`]: the security-rejections YAML;
//! - [`cve`]: normalised CVE records from NVD and CVE 5.

pub mod apkindex;
pub mod cve;
pub mod fixes;
pub mod rejections;
mod rows;

use std::fmt::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use crate::Result;
use crate::db::{Db, Value};

/// What one import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Records read from the source.
    pub records: u64,
    /// Rows added, changed or removed in the store.
    pub changed: u64,
    /// Problems that did not stop the import (invalid versions, skipped records).
    pub warnings: Vec<String>,
}

impl Summary {
    pub fn add(&mut self, other: Summary) {
        self.records += other.records;
        self.changed += other.changed;
        self.warnings.extend(other.warnings);
    }
}

/// Seconds since the Unix epoch, the time unit of the store.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Notes that the states of these CVEs must be recomputed.
pub(crate) fn mark_cves(db: &mut dyn Db, ids: &[&str]) -> Result<()> {
    let items: Vec<(&str, &str)> = ids.iter().map(|id| (*id, "")).collect();
    mark(db, "cve", &items)
}

/// Adds `(kind, key, sub)` rows to `dirty`, many per statement (one round trip per 500
/// on PostgreSQL instead of one per row).
pub(crate) fn mark(db: &mut dyn Db, kind: &str, items: &[(&str, &str)]) -> Result<()> {
    for chunk in items.chunks(500) {
        let mut sql = String::from("INSERT INTO dirty (kind, key, sub) VALUES ");
        let mut params = Vec::with_capacity(chunk.len() * 2 + 1);
        params.push(Value::from(kind));
        for (i, (key, sub)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("($1, ${}, ${})", 2 * i + 2, 2 * i + 3));
            params.push((*key).into());
            params.push((*sub).into());
        }
        sql.push_str(" ON CONFLICT DO NOTHING");
        db.execute(&sql, &params)?;
    }
    Ok(())
}

/// Records that `tag` belongs to `branch` and `repo` (e.g. `3.16-main`, `v3.16`, `main`).
pub fn ensure_repo(db: &mut dyn Db, tag: &str, branch: &str, repo: &str) -> Result<()> {
    db.execute(
        "INSERT INTO repo (tag, branch, repo) VALUES ($1, $2, $3) \
         ON CONFLICT (tag) DO UPDATE SET branch = excluded.branch, repo = excluded.repo",
        &[tag.into(), branch.into(), repo.into()],
    )?;
    Ok(())
}

/// One import run for the importer health page: started now, finished by [`finish_run`].
pub fn start_run(db: &mut dyn Db, source: &str, started: i64) -> Result<i64> {
    let mut seq = 0;
    db.query(
        "INSERT INTO import_run (source, started) VALUES ($1, $2) RETURNING seq",
        &[source.into(), started.into()],
        &mut |row| {
            seq = row.req_int(0)?;
            Ok(())
        },
    )?;
    Ok(seq)
}

/// Records how an import run ended (outside the import's transaction, so a failure is
/// recorded too).
pub fn finish_run(db: &mut dyn Db, seq: i64, result: &Result<Summary>) -> Result<()> {
    let (ok, records, message) = match result {
        Ok(s) => (
            true,
            Value::Int(i64::try_from(s.records).unwrap_or(i64::MAX)),
            Value::Null,
        ),
        Err(e) => (false, Value::Null, Value::Text(e.to_string())),
    };
    db.execute(
        "UPDATE import_run SET finished = $1, ok = $2, records = $3, message = $4 WHERE seq = $5",
        &[now().into(), ok.into(), records, message, seq.into()],
    )?;
    Ok(())
}

/// A short content digest (128 bits of SHA-256, hex) to tell whether stored data changed.
pub(crate) fn digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let mut s = String::with_capacity(32);
    for b in &hash[..16] {
        let _ = write!(s, "{b:02x}");
    }
    s
}

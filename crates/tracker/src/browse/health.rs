//! Importer health: each source's last run, last success and last error, and what the
//! store holds.

use serde::Serialize;

use crate::Result;
use crate::db::{self, Db};

/// One import run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Run {
    pub seq: i64,
    pub source: String,
    /// Unix seconds.
    pub started: i64,
    pub finished: Option<i64>,
    /// `None` while running (or when the process died during it).
    pub ok: Option<bool>,
    pub records: Option<i64>,
    /// The error of a failed run, or the summary of a good one.
    pub message: Option<String>,
}

/// One source (`apkindex`, `secdb`, `nvd`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceHealth {
    pub source: String,
    pub runs: u64,
    pub last_run: Option<Run>,
    pub last_success: Option<Run>,
    pub last_error: Option<Run>,
}

/// Everything the health page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Health {
    pub sources: Vec<SourceHealth>,
    /// What the store holds: (what, how many), e.g. `("CVE records from nvd", 320000)`.
    pub counts: Vec<(String, i64)>,
    /// When the states were last updated (Unix seconds).
    pub last_update: Option<i64>,
    /// The notifications to peer trackers: pending, delivered and the dead letters.
    pub deliveries: crate::federation::delivery::Health,
}

/// The newest dead letters the page lists.
const DEAD_LETTERS: i64 = 200;

/// The health of every source that has run.
pub fn health(db: &mut dyn Db) -> Result<Health> {
    let mut sources: Vec<SourceHealth> = Vec::new();
    db.query(
        "SELECT source, COUNT(*) FROM import_run GROUP BY source ORDER BY source",
        &[],
        &mut |row| {
            sources.push(SourceHealth {
                source: row.req_text(0)?,
                runs: u64::try_from(row.req_int(1)?).unwrap_or(0),
                last_run: None,
                last_success: None,
                last_error: None,
            });
            Ok(())
        },
    )?;
    let mut runs = Vec::new();
    db.query(
        "SELECT seq, source, started, finished, ok, records, message FROM import_run \
         WHERE seq IN (SELECT MAX(seq) FROM import_run GROUP BY source) \
         OR seq IN (SELECT MAX(seq) FROM import_run WHERE ok = 1 GROUP BY source) \
         OR seq IN (SELECT MAX(seq) FROM import_run WHERE ok = 0 GROUP BY source) \
         ORDER BY seq",
        &[],
        &mut |row| {
            runs.push(Run {
                seq: row.req_int(0)?,
                source: row.req_text(1)?,
                started: row.req_int(2)?,
                finished: row.int(3)?,
                ok: row.int(4)?.map(|v| v != 0),
                records: row.int(5)?,
                message: row.text(6)?,
            });
            Ok(())
        },
    )?;
    // In order of sequence, so each slot ends with the newest run of its kind.
    for run in runs {
        let Some(s) = sources.iter_mut().find(|s| s.source == run.source) else {
            continue;
        };
        match run.ok {
            Some(true) => s.last_success = Some(run.clone()),
            Some(false) => s.last_error = Some(run.clone()),
            None => {}
        }
        s.last_run = Some(run);
    }
    let mut counts = Vec::new();
    for (what, sql) in [
        ("repository tags", "SELECT COUNT(*) FROM repo"),
        (
            "binary packages listed",
            "SELECT COUNT(*) FROM package WHERE last_seen IS NULL",
        ),
        (
            "origin versions published",
            "SELECT COUNT(*) FROM origin_version WHERE published = 1",
        ),
        ("recorded fixes", "SELECT COUNT(*) FROM fix"),
        ("rejections", "SELECT COUNT(*) FROM rejection"),
        ("states", "SELECT COUNT(*) FROM state"),
        ("state changes", "SELECT COUNT(*) FROM state_event"),
    ] {
        counts.push((what.to_owned(), db::query_int(db, sql, &[])?.unwrap_or(0)));
    }
    let mut by_source = Vec::new();
    db.query(
        "SELECT source, COUNT(*) FROM cve_record GROUP BY source ORDER BY source",
        &[],
        &mut |row| {
            by_source.push((
                format!("CVE records from {}", row.req_text(0)?),
                row.req_int(1)?,
            ));
            Ok(())
        },
    )?;
    counts.extend(by_source);
    let last_update = db::get_meta(db, "last_update")?.and_then(|v| v.parse().ok());
    Ok(Health {
        sources,
        counts,
        last_update,
        deliveries: crate::federation::delivery::health(db, DEAD_LETTERS)?,
    })
}

//! The sync's high-water mark, kept in a small JSON file.
//!
//! `last_modified` moves only when a whole `lastModified` window has been handed over;
//! `cursor` remembers the pages of the current window already handed over, so that an
//! interrupted sync resumes there. The file is written to a temporary file in the same
//! directory and renamed over the old one, so a crash never leaves half a state.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use secfixes_apk::{Error, ErrorKind, Result};

use crate::clock::Timestamp;

/// Where an NVD sync stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    /// Every CVE modified before this instant has been handed over. `None`: nothing yet,
    /// the next sync fetches everything.
    #[serde(default)]
    pub last_modified: Option<Timestamp>,
    /// The window being synced and how far into it, when a sync stopped half-way.
    #[serde(default)]
    pub cursor: Option<Cursor>,
}

/// A window of `lastModified` times and the first `startIndex` not yet handed over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// `None` for the first, full download (no date filter).
    pub start: Option<Timestamp>,
    pub end: Timestamp,
    pub next_index: u64,
}

impl SyncState {
    /// Reads the state file; a missing file is a fresh state.
    pub fn load(path: &Path) -> Result<SyncState> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Ok(SyncState::default());
            }
            Err(err) => return Err(Error::io(path, err)),
        };
        serde_json::from_slice(&bytes).map_err(|err| {
            Error::new(ErrorKind::Json, format!("sync state: {err}"))
                .in_file(path)
                .at_line(err.line())
                .caused_by(err)
        })
    }

    /// Writes the state atomically: a temporary file beside `path`, then a rename.
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut json = serde_json::to_vec_pretty(self).map_err(|err| {
            Error::new(ErrorKind::Json, format!("sync state: {err}")).in_file(path)
        })?;
        json.push(b'\n');
        write_atomically(path, &json)
    }
}

/// Writes `bytes` to a temporary file in `path`'s directory, syncs it, and renames it
/// over `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(|err| Error::io(dir, err))?;
    temp.write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|err| Error::io(path, err))?;
    temp.persist(path)
        .map_err(|err| Error::io(path, err.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn missing_is_fresh_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        assert_eq!(SyncState::load(&path).unwrap(), SyncState::default());
        let state = SyncState {
            last_modified: Some(Timestamp(1_700_000_000_000)),
            cursor: Some(Cursor {
                start: None,
                end: Timestamp(1_700_000_001_000),
                next_index: 4000,
            }),
        };
        state.save(&path).unwrap();
        assert_eq!(SyncState::load(&path).unwrap(), state);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"2023-11-14T22:13:20.000+00:00\""), "{text}");
        std::fs::write(&path, "{").unwrap();
        let err = SyncState::load(&path).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Json);
    }
}

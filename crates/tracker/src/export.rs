//! Exports: what the store knows, written in formats other tools read.
//!
//! - [`rejections`]: the rejections (imported and made through triage) as
//!   security-rejections YAML per repository, and as JSON with every field.
//! - [`osv`]: one OSV record per (CVE, branch), with osv.dev's `all.zip` and
//!   `modified_id.csv` per ecosystem.
//! - [`openvex`]: one OpenVEX document per branch.
//! - [`secdb`]: the fixes of one repository as secdb JSON.
//! - [`all`]: every format for every branch from one snapshot of the store, into one
//!   directory.
//!
//! Every export reads the store once and is a pure function of what it read, so that the
//! same store gives byte-for-byte the same output (snapshots, diffs between runs). The
//! helpers here are shared by the exports: times as RFC 3339, the order of vulnerability
//! ids, and writing a published file.

pub mod all;
pub mod openvex;
pub mod osv;
pub mod rejections;
pub mod secdb;
mod states;

use std::io::Write as _;
use std::path::Path;

/// Writes `bytes` to a temporary file beside `path`, syncs it and renames it over `path`,
/// so a reader never sees half a file. The file is readable by everyone (0644; a
/// temporary file would be 0600): what is published is served by a web server or mirror
/// running as another user.
pub fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut temp = temp_builder(".secfixes-", 0o644).tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Fails unless `name` (a branch or repository, named `what` in the message) is one plain
/// file name: not empty, not hidden, no path separator, no `:` (which some file systems
/// and URLs refuse).
pub fn check_file_name(what: &str, name: &str) -> crate::Result<()> {
    let plain =
        !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\', '\0', ':']);
    if plain {
        Ok(())
    } else {
        Err(crate::Error::new(
            crate::ErrorKind::Config,
            format!("{what} {name:?} cannot be used as a file name"),
        ))
    }
}

/// A temporary file or directory named `<prefix>…`, made with `mode` where the platform
/// has modes.
pub(crate) fn temp_builder(prefix: &str, mode: u32) -> tempfile::Builder<'_, 'static> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    builder
}

/// Unix seconds as RFC 3339 in UTC, to the second: `2026-03-01T12:00:00Z`.
pub fn rfc3339(secs: i64) -> String {
    let (date, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        civil_date(date),
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

/// The UTC date of Unix seconds: `2026-03-01`.
pub fn date(secs: i64) -> String {
    civil_date(secs.div_euclid(86_400))
}

/// `YYYY-MM-DD` of a day number since 1970-01-01.
fn civil_date(days: i64) -> String {
    let (y, m, d) = secfixes_fetch::clock::civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The order of vulnerability ids in exports (and everywhere else ids are listed).
pub use secfixes_apk::vuln_id::id_order;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_772_366_400), "2026-03-01T12:00:00Z");
        assert_eq!(rfc3339(951_868_799), "2000-02-29T23:59:59Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(date(1_772_366_400), "2026-03-01");
    }
}

//! The ignore file: findings an administrator has looked at and accepted, each with a
//! reason and, usually, a date until which it holds.
//!
//! TOML (`.toml`) or YAML (`.yaml`, `.yml`; other names are tried as TOML, then YAML):
//!
//! ```toml
//! [[ignore]]
//! id = "CVE-2023-42366"
//! package = "busybox"          # optional: a binary package or an origin; any if absent
//! reason = "awk is not used on this host"
//! expires = 2026-06-30         # optional; a TOML date or "YYYY-MM-DD"
//! ```
//!
//! ```yaml
//! ignore:
//!   - id: CVE-2023-42366
//!     package: busybox
//!     reason: awk is not used on this host
//!     expires: 2026-06-30
//! ```
//!
//! An entry holds through its `expires` day (UTC) and has expired from the day after: an
//! expired entry ignores nothing, and the finding it matched is reported again with a note
//! that its ignore entry expired. Unknown keys, a missing `id` or `reason`, and a date
//! that is not a real `YYYY-MM-DD` are errors naming the file and the entry.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize, Serializer};

use secfixes_apk::{Error, ErrorKind, Result};

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD`, checking that the day exists.
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.split('-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if !(all_digits(y) && all_digits(m) && all_digits(d)) {
            return None;
        }
        let date = Date {
            year: y.parse().ok()?,
            month: m.parse().ok()?,
            day: d.parse().ok()?,
        };
        let leap = date.year % 4 == 0 && (date.year % 100 != 0 || date.year % 400 == 0);
        let days = match date.month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days).contains(&date.day).then_some(date)
    }

    /// Today in UTC.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_unix(i64::try_from(secs).unwrap_or(i64::MAX))
    }

    /// The UTC date of Unix seconds.
    pub fn from_unix(secs: i64) -> Date {
        let (y, m, d) = secfixes_fetch::clock::civil_from_days(secs.div_euclid(86_400));
        Date {
            year: i32::try_from(y).unwrap_or(i32::MAX),
            month: u8::try_from(m).unwrap_or(1),
            day: u8::try_from(d).unwrap_or(1),
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One entry of the ignore file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The vulnerability id (`CVE-2023-42366`).
    pub id: String,
    /// The binary package or origin it applies to; every package when `None`.
    pub package: Option<String>,
    pub reason: String,
    /// The last day it holds.
    pub expires: Option<Date>,
}

impl Entry {
    /// Whether it names this finding (`id` of binary package `name` from `origin`).
    pub fn matches(&self, id: &str, name: &str, origin: &str) -> bool {
        self.id == id
            && self
                .package
                .as_deref()
                .is_none_or(|p| p == name || p == origin)
    }

    /// Whether it has expired on `today`.
    pub fn expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|last| today > last)
    }
}

/// A read ignore file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IgnoreFile {
    pub path: Option<PathBuf>,
    pub entries: Vec<Entry>,
}

/// What an ignore file says about one finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict<'a> {
    /// No entry names it.
    None,
    /// An entry in force: the finding is not reported.
    Ignored(&'a Entry),
    /// Only expired entries name it: it is reported again, with the entry.
    Expired(&'a Entry),
}

impl IgnoreFile {
    /// What the entries say about `id` of `name` (from `origin`) on `today`: the first
    /// entry in force, else the first expired one.
    pub fn verdict(&self, id: &str, name: &str, origin: &str, today: Date) -> Verdict<'_> {
        let mut expired = None;
        for entry in self.entries.iter().filter(|e| e.matches(id, name, origin)) {
            if !entry.expired(today) {
                return Verdict::Ignored(entry);
            }
            expired.get_or_insert(entry);
        }
        expired.map_or(Verdict::None, Verdict::Expired)
    }

    /// Reads an ignore file (TOML or YAML, see the module documentation).
    pub fn read(path: &Path) -> Result<IgnoreFile> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let raw = match ext.as_deref() {
            Some("toml") => from_toml(&text),
            Some("yaml" | "yml") => from_yaml(&text),
            _ => from_toml(&text).or_else(|toml_err| {
                from_yaml(&text).map_err(|_| {
                    Error::new(
                        toml_err.kind(),
                        format!("neither TOML nor YAML; as TOML: {}", toml_err.message()),
                    )
                })
            }),
        }
        .map_err(|e| e.in_file(path))?;
        let mut entries = Vec::with_capacity(raw.ignore.len());
        for (i, entry) in raw.ignore.into_iter().enumerate() {
            let here = |what: String| {
                Error::new(ErrorKind::Config, format!("ignore entry {}: {what}", i + 1))
                    .in_file(path)
            };
            if entry.id.trim().is_empty() {
                return Err(here("`id` is empty".to_owned()));
            }
            if entry.reason.trim().is_empty() {
                return Err(here(format!("`reason` of {} is empty", entry.id)));
            }
            let expires = match entry.expires {
                None => None,
                Some(text) => Some(Date::parse(text.trim()).ok_or_else(|| {
                    here(format!(
                        "`expires` of {} is `{text}`, not a date YYYY-MM-DD",
                        entry.id
                    ))
                })?),
            };
            entries.push(Entry {
                id: entry.id,
                package: entry.package,
                reason: entry.reason,
                expires,
            });
        }
        Ok(IgnoreFile {
            path: Some(path.to_path_buf()),
            entries,
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    ignore: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: String,
    #[serde(default)]
    package: Option<String>,
    reason: String,
    #[serde(default, deserialize_with = "date_text")]
    expires: Option<String>,
}

/// A date as text, from a TOML date, a YAML scalar or a string.
fn date_text<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Toml(toml::value::Datetime),
        Text(String),
    }
    Ok(Option::<Either>::deserialize(d)?.map(|v| match v {
        Either::Toml(date) => date.to_string(),
        Either::Text(text) => text,
    }))
}

fn from_toml(text: &str) -> Result<RawFile> {
    toml::from_str(text).map_err(|err| {
        let line = err
            .span()
            .map(|span| 1 + text.get(..span.start).unwrap_or("").matches('\n').count());
        let message = err.message().to_owned();
        let e = Error::new(ErrorKind::Config, message);
        match line {
            Some(line) => e.at_line(line),
            None => e,
        }
    })
}

fn from_yaml(text: &str) -> Result<RawFile> {
    serde_yaml_ng::from_str(text).map_err(|err| {
        let line = err.location().map(|l| l.line());
        let e = Error::new(ErrorKind::Yaml, err.to_string());
        match line {
            Some(line) => e.at_line(line),
            None => e,
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn write(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn dates() {
        assert_eq!(
            Date::parse("2024-02-29"),
            Some(Date {
                year: 2024,
                month: 2,
                day: 29
            })
        );
        assert_eq!(Date::parse("2023-02-29"), None);
        assert_eq!(Date::parse("2023-13-01"), None);
        assert_eq!(Date::parse("2023-1-01"), None);
        assert_eq!(Date::from_unix(1_772_366_400).to_string(), "2026-03-01");
    }

    #[test]
    fn toml_and_yaml_read_the_same() {
        let (_a, toml_path) = write(
            "ignore.toml",
            "[[ignore]]\nid = \"CVE-1\"\npackage = \"busybox\"\nreason = \"r\"\nexpires = 2026-06-30\n\n\
             [[ignore]]\nid = \"CVE-2\"\nreason = \"always\"\nexpires = \"2020-01-01\"\n",
        );
        let (_b, yaml_path) = write(
            "ignore.yaml",
            "ignore:\n  - id: CVE-1\n    package: busybox\n    reason: r\n    expires: 2026-06-30\n  \
             - id: CVE-2\n    reason: always\n    expires: \"2020-01-01\"\n",
        );
        let a = IgnoreFile::read(&toml_path).unwrap();
        let b = IgnoreFile::read(&yaml_path).unwrap();
        assert_eq!(a.entries, b.entries);
        assert_eq!(a.entries[0].expires.unwrap().to_string(), "2026-06-30");
        let day = |s| Date::parse(s).unwrap();
        assert!(matches!(
            a.verdict("CVE-1", "busybox-binsh", "busybox", day("2026-06-30")),
            Verdict::Ignored(_)
        ));
        assert!(matches!(
            a.verdict("CVE-1", "busybox", "busybox", day("2026-07-01")),
            Verdict::Expired(_)
        ));
        assert_eq!(
            a.verdict("CVE-1", "zlib", "zlib", day("2026-01-01")),
            Verdict::None
        );
        assert!(matches!(
            a.verdict("CVE-2", "zlib", "zlib", day("2026-01-01")),
            Verdict::Expired(_)
        ));
    }

    #[test]
    fn bad_entries_name_file_and_entry() {
        let (_a, path) = write(
            "i.toml",
            "[[ignore]]\nid = \"CVE-1\"\nreason = \"r\"\nexpires = \"2026-02-30\"\n",
        );
        let err = IgnoreFile::read(&path).unwrap_err().to_string();
        assert!(
            err.contains("i.toml") && err.contains("ignore entry 1"),
            "{err}"
        );
        let (_b, path) = write("i.yaml", "ignore:\n  - id: CVE-1\n    reson: typo\n");
        let err = IgnoreFile::read(&path).unwrap_err();
        assert!(err.to_string().contains("reson"), "{err}");
        assert_eq!(err.location().line, Some(3));
        let (_c, path) = write("i.toml", "[[ignore]]\nid = \"CVE-1\"\n");
        let err = IgnoreFile::read(&path).unwrap_err().to_string();
        assert!(err.contains("reason"), "{err}");
    }
}

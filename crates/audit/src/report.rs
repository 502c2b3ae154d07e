//! What `secfixes audit` reports: one [`Report`], written as a table for people or as a
//! stable JSON document for scripts.
//!
//! The JSON document (`"format": "secfixes-audit"`, `"version": 1`) always has every key
//! below, `null` when a value is unknown; findings are sorted by package name, their
//! vulnerabilities by id (natural order):
//!
//! ```json
//! {
//!   "format": "secfixes-audit", "version": 1, "mode": "security-upgrades",
//!   "root": "/", "arch": "x86_64", "installed": 14,
//!   "repositories": [{"url": "https://dl-cdn.alpinelinux.org/alpine/v3.17/main", "tag": null,
//!     "index": "https://…/aarch64/APKINDEX.tar.gz", "description": "v3.17.5-…",
//!     "signed_by": "alpine-devel@….rsa.pub", "packages": 5004, "annotated": true,
//!     "source": "network", "stale": false, "cached_at": null}],
//!   "findings": [{"package": "busybox", "origin": "busybox", "installed": "1.35.0-r17",
//!     "available": "1.35.0-r29", "repository": "https://…/v3.17/main", "severity": "high",
//!     "vulnerabilities": [{"id": "CVE-2023-42366", "fixed_in": "1.35.0-r18",
//!       "fixed_by_upgrade": true, "severity": "high", "score": 7.5, "ignore_expired": null}]}],
//!   "ignored": [{"package": "zlib", "id": "CVE-…", "reason": "…", "expires": "2026-06-30"}],
//!   "warnings": []
//! }
//! ```
//!
//! `mode` is `vulnerable` (installed packages with unfixed vulnerabilities),
//! `upgradable` (every pending upgrade) or `security-upgrades`. `source` is `file`,
//! `network` or `cache` (the repository was unreachable: `stale` is true and `cached_at`
//! says when the copy was fetched). `ignore_expired` is `{"reason", "expired"}` when only
//! an expired ignore entry named the finding.

use std::fmt::Write as _;

use serde::Serialize;

use crate::check::Mode;
use crate::ignore::Date;
use crate::load::{Loaded, Source};

/// The value of the document's `format` key and its version.
pub const FORMAT: &str = "secfixes-audit";
pub const VERSION: u32 = 1;

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub format: &'static str,
    pub version: u32,
    pub mode: &'static str,
    pub root: String,
    pub arch: String,
    /// How many packages are installed.
    pub installed: usize,
    pub repositories: Vec<RepositoryReport>,
    pub findings: Vec<Finding>,
    pub ignored: Vec<Ignored>,
    pub warnings: Vec<String>,
}

/// A repository that was read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RepositoryReport {
    pub url: String,
    pub tag: Option<String>,
    pub index: String,
    pub description: Option<String>,
    pub signed_by: Option<String>,
    pub packages: usize,
    /// Whether the index carries security data (the `SECFIXES` member).
    pub annotated: bool,
    pub source: &'static str,
    pub stale: bool,
    /// RFC 3339, for a cached copy.
    pub cached_at: Option<String>,
}

impl RepositoryReport {
    pub fn of(loaded: &Loaded) -> RepositoryReport {
        let (source, cached_at) = match &loaded.source {
            Source::File => ("file", None),
            Source::Network => ("network", None),
            Source::Cache { fetched_at, .. } => ("cache", fetched_at.map(rfc3339)),
        };
        RepositoryReport {
            url: loaded.repository.url.clone(),
            tag: loaded.repository.tag.clone(),
            index: loaded.repository.index.display(),
            description: loaded.description.clone(),
            signed_by: loaded.signed_by.clone(),
            packages: loaded.packages.len(),
            annotated: loaded.annotation.is_some(),
            source,
            stale: source == "cache",
            cached_at,
        }
    }
}

/// One installed package that is listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub package: String,
    pub origin: String,
    pub installed: String,
    /// The version an upgrade would install, if there is one.
    pub available: Option<String>,
    /// The repository the upgrade comes from.
    pub repository: Option<String>,
    /// The worst severity of its vulnerabilities, if any is known.
    pub severity: Option<String>,
    pub vulnerabilities: Vec<Vulnerability>,
}

/// One vulnerability of a finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Vulnerability {
    pub id: String,
    /// The first version newer than the installed one that fixes it.
    pub fixed_in: String,
    /// Whether the available upgrade fixes it.
    pub fixed_by_upgrade: bool,
    pub severity: Option<String>,
    pub score: Option<f64>,
    pub ignore_expired: Option<ExpiredIgnore>,
}

/// An ignore entry that matched but has expired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpiredIgnore {
    pub reason: String,
    /// Its last day.
    pub expired: Option<Date>,
}

/// A vulnerability that an ignore entry in force left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ignored {
    pub package: String,
    pub id: String,
    pub reason: String,
    pub expires: Option<Date>,
}

impl Report {
    /// Whether anything was found (exit status 1).
    pub fn found(&self) -> bool {
        !self.findings.is_empty()
    }

    /// The JSON document, pretty-printed, ending in a newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The table for people: one line per finding, then the notes (expired ignore
    /// entries, ignored findings) and a summary line.
    pub fn to_table(&self) -> String {
        let upgrades = self.mode != Mode::Vulnerable.as_str();
        let mut rows: Vec<[String; 5]> = Vec::new();
        rows.push(if upgrades {
            [
                "PACKAGE".into(),
                "INSTALLED".into(),
                "AVAILABLE".into(),
                "SEVERITY".into(),
                "FIXES".into(),
            ]
        } else {
            [
                "PACKAGE".into(),
                "INSTALLED".into(),
                "FIXED IN".into(),
                "SEVERITY".into(),
                "VULNERABILITIES".into(),
            ]
        });
        let mut notes = Vec::new();
        for finding in &self.findings {
            let ids: Vec<String> = finding
                .vulnerabilities
                .iter()
                .map(|v| {
                    let mut id = v.id.clone();
                    if let Some(expired) = &v.ignore_expired {
                        id.push('*');
                        let when = expired
                            .expired
                            .map_or(String::new(), |d| format!(" on {d}"));
                        notes.push(format!(
                            "* {} {}: the ignore entry expired{when} ({})",
                            finding.package, v.id, expired.reason
                        ));
                    }
                    id
                })
                .collect();
            let third = if upgrades {
                finding.available.clone().unwrap_or_else(|| "-".into())
            } else {
                // The version that fixes every listed vulnerability.
                finding
                    .vulnerabilities
                    .iter()
                    .map(|v| v.fixed_in.as_str())
                    .max_by(|a, b| secfixes_apk::version::compare(a, b))
                    .unwrap_or("-")
                    .to_owned()
            };
            rows.push([
                finding.package.clone(),
                if upgrades {
                    format!("{} ->", finding.installed)
                } else {
                    finding.installed.clone()
                },
                third,
                finding.severity.clone().unwrap_or_else(|| "-".into()),
                if ids.is_empty() {
                    "-".into()
                } else {
                    ids.join(", ")
                },
            ]);
        }
        let mut out = String::new();
        if !self.findings.is_empty() {
            let mut widths = [0usize; 4];
            for row in &rows {
                for (w, cell) in widths.iter_mut().zip(row.iter()) {
                    *w = (*w).max(cell.chars().count());
                }
            }
            for row in &rows {
                for (w, cell) in widths.iter().zip(row.iter()) {
                    let _ = write!(out, "{cell:<w$}  ");
                }
                out.push_str(row.get(4).map_or("", String::as_str));
                out.push('\n');
            }
        }
        for note in notes {
            out.push_str(&note);
            out.push('\n');
        }
        let ids: usize = self.findings.iter().map(|f| f.vulnerabilities.len()).sum();
        let what = match self.mode {
            "vulnerable" => format!(
                "{} with {} unfixed",
                counted(
                    self.findings.len(),
                    "vulnerable package",
                    "vulnerable packages"
                ),
                counted(ids, "vulnerability", "vulnerabilities")
            ),
            "upgradable" => format!(
                "{}, fixing {}",
                counted(
                    self.findings.len(),
                    "upgradable package",
                    "upgradable packages"
                ),
                counted(ids, "vulnerability", "vulnerabilities")
            ),
            _ => format!(
                "{} fixing {}",
                counted(self.findings.len(), "security upgrade", "security upgrades"),
                counted(ids, "vulnerability", "vulnerabilities")
            ),
        };
        let ignored = if self.ignored.is_empty() {
            String::new()
        } else {
            format!(
                "; {} ignored",
                counted(self.ignored.len(), "vulnerability", "vulnerabilities")
            )
        };
        let _ = writeln!(
            out,
            "{what} among {} installed packages{ignored}",
            self.installed
        );
        out
    }
}

/// `1 package`, `2 packages`.
fn counted(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Unix seconds as RFC 3339 in UTC.
pub fn rfc3339(secs: i64) -> String {
    let date = Date::from_unix(secs);
    let rest = secs.rem_euclid(86_400);
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

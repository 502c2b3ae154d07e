//! The tracker's verdicts for one branch as an OpenVEX document
//! (<https://github.com/openvex/spec>, v0.2.0): one statement per CVE and published
//! package version.
//!
//! ```json
//! {
//!   "@context": "https://openvex.dev/ns/v0.2.0",
//!   "@id": "https://security.alpinelinux.org/openvex/v3.16",
//!   "author": "Alpine Linux",
//!   "timestamp": "2026-03-01T12:00:00Z",
//!   "version": 42,
//!   "tooling": "secfixes 0.1.0",
//!   "statements": [{
//!     "vulnerability": {"@id": "https://security.alpinelinux.org/vuln/CVE-2022-37434", "name": "CVE-2022-37434"},
//!     "timestamp": "2026-02-27T09:30:00Z",
//!     "products": [{"@id": "pkg:apk/alpine/zlib@1.2.12-r3?arch=source&distro=alpine-3.16"}],
//!     "status": "fixed",
//!     "status_notes": "fixed in 1.2.12-r2 (secdb); 1.2.12-r3 is published"
//!   }]
//! }
//! ```
//!
//! # Statements
//!
//! | tracker state | OpenVEX `status` | also |
//! |---|---|---|
//! | `fixed` | `fixed` | |
//! | `not-affected` | `not_affected` | `justification` when a rejection's reason code is an OpenVEX justification (its rationale as `impact_statement`); otherwise an `impact_statement`: the rationale, or why the tracker decided (`the secdb lists it under version 0`, `outside every affected range`) |
//! | `vulnerable` | `affected` | `action_statement`: upgrade to the recorded fix when it is published, or that no fix is recorded yet |
//! | `possibly-vulnerable`, `unknown` | `under_investigation` | |
//!
//! Every statement has the explanation's summary as `status_notes` and, as `timestamp`,
//! when the state (or a rejection of it) last changed. Products are purls (type `apk`,
//! namespace `alpine`, the origin lowercased, the version percent-encoded, qualifiers
//! `arch=source` and `distro=alpine-<branch without the v>`), one per statement.
//! Statements are in CVE order ([`id_order`]), then origin, repository and version.
//!
//! # The document
//!
//! - `@id`: `<[distribution] url>/openvex/<branch>` when a URL is configured, else
//!   `https://openvex.dev/docs/public/vex-<sha256 of author and branch>` (the namespace
//!   vexctl gives documents without one); the same for every version of the document.
//! - `author`: the distribution's name (`[distribution] name`).
//! - `timestamp`: the latest change of anything it says, so that the same store gives
//!   the same document.
//! - `version`: the store's generation, which every import and update commit moves
//!   forward; a later export of a changed store has a higher version.
//!
//! A branch without states has nothing to say and is an error (the schema wants at
//! least one statement).

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::osv::purl_encode;
use super::rfc3339;
use super::states::{self, StateRow};
use crate::db::{self, Db};
use crate::engine::State;
use crate::triage::Reason;
use crate::{Error, ErrorKind, Result};

/// The JSON-LD context of OpenVEX 0.2.0.
pub const CONTEXT: &str = "https://openvex.dev/ns/v0.2.0";

/// What to export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// `v3.16`.
    pub branch: String,
    /// The document's author: the distribution (`Alpine Linux`).
    pub author: String,
    /// The tracker's public base URL, no trailing `/`.
    pub tracker_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Document {
    #[serde(rename = "@context")]
    pub context: &'static str,
    #[serde(rename = "@id")]
    pub id: String,
    pub author: String,
    /// RFC 3339.
    pub timestamp: String,
    pub version: u64,
    pub tooling: String,
    pub statements: Vec<Statement>,
}

impl Document {
    /// Pretty-printed JSON (2-space indent) with a final newline.
    pub fn to_json(&self) -> Result<String> {
        let mut text = serde_json::to_string_pretty(self)
            .map_err(|e| Error::new(ErrorKind::Json, e.to_string()))?;
        text.push('\n');
        Ok(text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    pub vulnerability: Vulnerability,
    /// RFC 3339: when the state last changed.
    pub timestamp: String,
    pub products: Vec<Product>,
    pub status: Status,
    pub status_notes: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact_statement: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_statement: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vulnerability {
    /// The CVE's page on the tracker, when its URL is configured.
    #[serde(rename = "@id", skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Product {
    /// The purl.
    #[serde(rename = "@id")]
    pub id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    NotAffected,
    Affected,
    Fixed,
    UnderInvestigation,
}

/// The purl of a published package version on a branch:
/// `pkg:apk/alpine/<origin>@<version>?arch=source&distro=alpine-3.16`.
pub fn purl(origin: &str, version: &str, branch: &str) -> String {
    let distro = format!("alpine-{}", branch.strip_prefix('v').unwrap_or(branch));
    format!(
        "pkg:apk/alpine/{}@{}?arch=source&distro={}",
        purl_encode(&origin.to_lowercase()),
        purl_encode(version),
        purl_encode(&distro)
    )
}

/// Reads the branch's states and makes its document.
pub fn document(db: &mut dyn Db, options: &Options) -> Result<Document> {
    let branch = states::branches(db, std::slice::from_ref(&options.branch))?
        .into_iter()
        .next()
        .ok_or_else(|| Error::new(ErrorKind::Config, "no branch given"))?;
    let rows = states::read(db, &branch)?;
    let generation = db::generation(db)?;
    from_states(&branch.name, &rows, generation, options)
}

/// The document of `branch` from its states ([`states::read`]) and the store's
/// generation: what [`document`] reads, for exports that read the states once for
/// several formats.
pub fn from_states(
    branch: &str,
    rows: &[StateRow],
    generation: i64,
    options: &Options,
) -> Result<Document> {
    if rows.is_empty() {
        return Err(Error::new(
            ErrorKind::Config,
            format!(
                "branch {:?} has no states: nothing to export (run `secfixes update`)",
                branch
            ),
        ));
    }
    let generation = u64::try_from(generation).unwrap_or(0).max(1);
    let statements: Vec<Statement> = rows.iter().map(|r| statement(r, branch, options)).collect();
    let latest = rows.iter().map(StateRow::latest_change).max().unwrap_or(0);
    let id = match &options.tracker_url {
        Some(url) => format!("{url}/openvex/{}", purl_encode(branch)),
        None => {
            let mut hash = Sha256::new();
            hash.update(options.author.as_bytes());
            hash.update([0]);
            hash.update(branch.as_bytes());
            let hex: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
            format!("https://openvex.dev/docs/public/vex-{hex}")
        }
    };
    Ok(Document {
        context: CONTEXT,
        id,
        author: options.author.clone(),
        timestamp: rfc3339(latest),
        version: generation,
        tooling: concat!("secfixes ", env!("CARGO_PKG_VERSION")).to_owned(),
        statements,
    })
}

fn statement(row: &StateRow, branch: &str, options: &Options) -> Statement {
    let mut s = Statement {
        vulnerability: Vulnerability {
            id: options
                .tracker_url
                .as_ref()
                .map(|url| format!("{url}/vuln/{}", purl_encode(&row.vuln_id))),
            name: row.vuln_id.clone(),
        },
        timestamp: rfc3339(row.latest_change()),
        products: vec![Product {
            id: purl(&row.origin, &row.version, branch),
        }],
        status: Status::UnderInvestigation,
        status_notes: row.summary.clone(),
        justification: None,
        impact_statement: None,
        action_statement: None,
    };
    let rationale = |r: &states::Rejection| {
        r.rationale
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    match row.state {
        State::Fixed => s.status = Status::Fixed,
        State::PossiblyVulnerable | State::Unknown => s.status = Status::UnderInvestigation,
        State::Vulnerable => {
            s.status = Status::Affected;
            let repo = format!("{branch}/{}", row.repo);
            s.action_statement = Some(match &row.fixed_version {
                Some(fix) => format!(
                    "Upgrade to {fix} or later: the fix is recorded{} but not published in {repo} yet.",
                    row.fix_source
                        .as_deref()
                        .map(|src| format!(" ({src})"))
                        .unwrap_or_default()
                ),
                None => format!(
                    "No fix is recorded for {repo} yet; upgrade when one is published{}.",
                    options
                        .tracker_url
                        .as_ref()
                        .map(|url| format!(" (see {url}/vuln/{})", purl_encode(&row.vuln_id)))
                        .unwrap_or_default()
                ),
            });
        }
        State::NotAffected => {
            s.status = Status::NotAffected;
            let justified = row.rejections.iter().find_map(|r| {
                let reason = r.reason.as_deref().and_then(Reason::parse)?;
                (reason != Reason::DifferentSoftware).then(|| (reason.as_str(), r))
            });
            if let Some((code, r)) = justified {
                s.justification = Some(code);
                s.impact_statement = rationale(r);
            } else {
                let why = row.rejections.first().map(|r| {
                    let different = r.reason.as_deref().and_then(Reason::parse)
                        == Some(Reason::DifferentSoftware);
                    match (different, rationale(r)) {
                        (true, Some(text)) => {
                            format!("{}: {text}", Reason::DifferentSoftware.label())
                        }
                        (true, None) => Reason::DifferentSoftware.label().to_owned(),
                        (false, Some(text)) => text,
                        (false, None) => row.summary.clone(),
                    }
                });
                let why = why.unwrap_or_else(|| row.summary.clone());
                s.impact_statement = Some(if why.trim().is_empty() {
                    "not affected".to_owned()
                } else {
                    why
                });
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls() {
        assert_eq!(
            purl("zlib", "1.2.12-r3", "v3.16"),
            "pkg:apk/alpine/zlib@1.2.12-r3?arch=source&distro=alpine-3.16"
        );
        assert_eq!(
            purl("libstdc++", "14.3.0+git-r2", "edge"),
            "pkg:apk/alpine/libstdc%2B%2B@14.3.0%2Bgit-r2?arch=source&distro=alpine-edge"
        );
    }
}

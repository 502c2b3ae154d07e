//! What peers said: the latest verdict of each peer about (vulnerability, its package,
//! its branch), kept from the inbox in `ldn_evidence`, and the suggestions it makes.
//!
//! Evidence never changes a local state. The local package a verdict is about is the
//! first of its `package`, its `upstream` and the name in its purl `product` that this
//! tracker publishes; a verdict about none of them is shown on the CVE page only. A
//! peer's `not_affected` or `fixed` verdict about a package that is locally vulnerable
//! (or possibly so, or unknown) and not rejected by triage is a [`Suggestion`]; a
//! maintainer who accepts it makes an ordinary, attributed triage action that names the
//! notification.

use secfixes_ldn::vocabulary::{Justification, Notification, Status};

use crate::Result;
use crate::db::{Db, Value};
use crate::engine::State;

/// One peer's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// The sender's key id.
    pub sender: String,
    pub vuln_id: String,
    /// The sender's package, distribution and branch.
    pub package: String,
    pub distribution: String,
    pub branch: String,
    /// The local package it is about, when one matches.
    pub origin: Option<String>,
    pub product: String,
    pub upstream: Option<String>,
    pub status: Status,
    pub fixed_version: Option<String>,
    pub justification: Option<Justification>,
    pub rationale: Option<String>,
    /// When the verdict changed at the sender, as sent (RFC 3339) and in Unix seconds.
    pub changed: String,
    pub changed_at: i64,
    /// The notification it came from: its number in the inbox and the sender's id.
    pub notification_seq: i64,
    pub notification_id: String,
}

impl Evidence {
    /// The verdict alone: `fixed in 1.2.4`, `not affected — vulnerable_code_not_present`.
    pub fn verdict(&self) -> String {
        match (self.status, &self.fixed_version, self.justification) {
            (Status::Fixed, Some(version), _) => format!("fixed in {version}"),
            (Status::NotAffected, _, Some(code)) => format!("not affected — {}", code.as_str()),
            (status, _, _) => status.label().to_owned(),
        }
    }

    /// `Debian bookworm: not affected — vulnerable_code_not_present, 2026-11-02`.
    pub fn summary(&self) -> String {
        format!(
            "{} {}: {}, {}",
            self.distribution,
            self.branch,
            self.verdict(),
            self.changed.get(..10).unwrap_or(&self.changed)
        )
    }
}

/// Keeps a verdict that arrived in the inbox as notification `seq` from `sender`,
/// unless the evidence already holds a newer one for the same key.
pub fn record(db: &mut dyn Db, sender: &str, seq: i64, notification: &Notification) -> Result<()> {
    let v = &notification.object;
    let changed_at = secfixes_fetch::clock::Timestamp::parse(&v.changed)
        .map(|t| t.millis().div_euclid(1000))
        .unwrap_or(0);
    let origin = local_origin(db, notification)?;
    db.execute(
        "INSERT INTO ldn_evidence (sender, vuln_id, package, branch, origin, product, upstream, \
         distribution, status, fixed_version, justification, rationale, changed, changed_at, \
         notification_seq, notification_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
         ON CONFLICT (sender, vuln_id, package, branch) DO UPDATE SET \
         origin = excluded.origin, product = excluded.product, upstream = excluded.upstream, \
         distribution = excluded.distribution, status = excluded.status, \
         fixed_version = excluded.fixed_version, justification = excluded.justification, \
         rationale = excluded.rationale, changed = excluded.changed, \
         changed_at = excluded.changed_at, notification_seq = excluded.notification_seq, \
         notification_id = excluded.notification_id \
         WHERE excluded.changed_at >= ldn_evidence.changed_at",
        &[
            sender.into(),
            v.vulnerability.as_str().into(),
            v.package.as_str().into(),
            v.branch.as_str().into(),
            origin.as_deref().into(),
            v.product.as_str().into(),
            v.upstream.as_deref().into(),
            v.distribution.as_str().into(),
            v.status.as_str().into(),
            v.fixed_version.as_deref().into(),
            v.justification.map(Justification::as_str).into(),
            v.rationale.as_deref().into(),
            v.changed.as_str().into(),
            Value::Int(changed_at),
            Value::Int(seq),
            notification.id.as_str().into(),
        ],
    )?;
    Ok(())
}

/// The first of the verdict's names that this tracker has a package of.
fn local_origin(db: &mut dyn Db, notification: &Notification) -> Result<Option<String>> {
    let v = &notification.object;
    let purl_name = v
        .product
        .strip_prefix("pkg:")
        .and_then(|rest| rest.split(['@', '?', '#']).next())
        .and_then(|path| path.rsplit('/').next())
        .map(str::to_owned);
    let candidates = [Some(v.package.clone()), v.upstream.clone(), purl_name];
    for name in candidates.into_iter().flatten() {
        let known = crate::db::query_int(
            db,
            "SELECT 1 FROM origin_version WHERE origin = $1 LIMIT 1",
            &[name.as_str().into()],
        )?;
        if known.is_some() {
            return Ok(Some(name));
        }
    }
    Ok(None)
}

const COLUMNS: &str = "sender, vuln_id, package, distribution, branch, origin, product, upstream, \
     status, fixed_version, justification, rationale, changed, changed_at, notification_seq, \
     notification_id FROM ldn_evidence";

fn read(db: &mut dyn Db, filter: &str, params: &[Value]) -> Result<Vec<Evidence>> {
    let mut out = Vec::new();
    db.query(
        &format!("SELECT {COLUMNS} WHERE {filter} ORDER BY distribution, branch, package, sender"),
        params,
        &mut |row| {
            out.push(Evidence {
                sender: row.req_text(0)?,
                vuln_id: row.req_text(1)?,
                package: row.req_text(2)?,
                distribution: row.req_text(3)?,
                branch: row.req_text(4)?,
                origin: row.text(5)?,
                product: row.req_text(6)?,
                upstream: row.text(7)?,
                status: Status::parse(&row.req_text(8)?).unwrap_or(Status::UnderInvestigation),
                fixed_version: row.text(9)?,
                justification: row.text(10)?.as_deref().and_then(Justification::parse),
                rationale: row.text(11)?,
                changed: row.req_text(12)?,
                changed_at: row.req_int(13)?,
                notification_seq: row.req_int(14)?,
                notification_id: row.req_text(15)?,
            });
            Ok(())
        },
    )?;
    Ok(out)
}

/// What peers said about a vulnerability.
pub fn for_vuln(db: &mut dyn Db, vuln_id: &str) -> Result<Vec<Evidence>> {
    read(db, "vuln_id = $1", &[vuln_id.into()])
}

/// What peers said about a local package.
pub fn for_origin(db: &mut dyn Db, origin: &str) -> Result<Vec<Evidence>> {
    read(db, "origin = $1", &[origin.into()])
}

/// The evidence a notification left, by the sender's notification id.
pub fn by_notification(db: &mut dyn Db, notification_id: &str) -> Result<Option<Evidence>> {
    Ok(read(db, "notification_id = $1", &[notification_id.into()])?
        .into_iter()
        .next())
}

/// A peer's verdict a maintainer may want to adopt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub evidence: Evidence,
    /// The local package.
    pub origin: String,
    /// The repository tags where its published version is vulnerable, possibly so or
    /// unknown.
    pub tags: Vec<String>,
}

impl Suggestion {
    /// The rationale a triage action taken on it starts from.
    pub fn rationale(&self) -> String {
        let e = &self.evidence;
        let said = e
            .rationale
            .as_deref()
            .map(|r| format!(": {}", r.trim()))
            .unwrap_or_default();
        format!("{}{said} ({})", e.summary(), e.notification_id)
    }

    /// The reason code a rejection taken on it starts from.
    pub fn reason(&self) -> Justification {
        self.evidence
            .justification
            .unwrap_or(Justification::VulnerableCodeNotPresent)
    }
}

/// The suggestions among `evidence`: each `not_affected` or `fixed` verdict about a local
/// package whose published versions are not known to be fixed or not affected.
pub fn suggestions(db: &mut dyn Db, evidence: &[Evidence]) -> Result<Vec<Suggestion>> {
    let mut out = Vec::new();
    for e in evidence {
        let Some(origin) = &e.origin else { continue };
        if !matches!(e.status, Status::NotAffected | Status::Fixed) {
            continue;
        }
        let mut tags = Vec::new();
        db.query(
            "SELECT DISTINCT s.repo_tag, s.state FROM state s \
             JOIN origin_version o ON o.repo_tag = s.repo_tag AND o.origin = s.origin \
             AND o.version = s.version AND o.published = 1 \
             WHERE s.vuln_id = $1 AND s.origin = $2 ORDER BY s.repo_tag",
            &[e.vuln_id.as_str().into(), origin.as_str().into()],
            &mut |row| {
                let open = matches!(
                    State::parse(&row.req_text(1)?),
                    Some(State::Vulnerable | State::PossiblyVulnerable | State::Unknown)
                );
                if open {
                    tags.push(row.req_text(0)?);
                }
                Ok(())
            },
        )?;
        if !tags.is_empty() {
            out.push(Suggestion {
                evidence: e.clone(),
                origin: origin.clone(),
                tags,
            });
        }
    }
    Ok(out)
}

//! Queuing verdict changes for the peers.
//!
//! [`enqueue`] reads the `state_event`s after the cursor `ldn_cursor` in `meta`, groups
//! them by (vulnerability, origin, branch) and turns each group into one verdict of the
//! branch's published version: `fixed` with the fixed version, `not_affected` with the
//! rejection's reason code and rationale, `affected`, or `under_investigation` for a
//! possible or unknown match. A verdict equal to the last one sent for the same key is
//! not sent again. The notifications, their deliveries and the cursor commit together.
//!
//! The first time federation runs on a store, the cursor starts at the newest event:
//! peers hear of changes from then on, not of the store's whole history.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use secfixes_ldn::vocabulary::{
    Activity, CONTEXT_IRI, Justification, Notification, Status, Verdict, VerdictType,
};

use crate::config::{Config, Federation, Peer};
use crate::db::{self, Db, Value};
use crate::engine::State;
use crate::export::rfc3339;
use crate::import::now;
use crate::{Error, ErrorKind, Result, browse};

/// The `meta` key of the last `state_event` queued.
const CURSOR: &str = "ldn_cursor";

/// The path under the tracker's URL where sent notifications live: `<url>/outbox/<seq>`.
pub const PATH: &str = "/outbox";

/// What [`enqueue`] queued.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Queued {
    /// State events read.
    pub events: usize,
    /// Notifications written.
    pub notifications: usize,
    /// Deliveries written (one per notification and following peer).
    pub deliveries: usize,
}

/// Queues the verdict changes since the last call for every peer that follows them.
pub fn enqueue(db: &mut dyn Db, config: &Config) -> Result<Queued> {
    let Some(federation) = &config.federation else {
        return Ok(Queued::default());
    };
    let base = tracker_url(config)?;
    let distribution = config.distribution.name.clone();
    db::transaction(db, |db| {
        let newest = db::query_int(db, "SELECT MAX(seq) FROM state_event", &[])?.unwrap_or(0);
        let Some(cursor) = db::get_meta(db, CURSOR)?.and_then(|v| v.parse::<i64>().ok()) else {
            db::set_meta(db, CURSOR, &newest.to_string())?;
            return Ok(Queued::default());
        };
        let branch_of: HashMap<String, String> = browse::repos(db)?
            .into_iter()
            .map(|(tag, branch, _)| (tag, branch))
            .collect();
        let mut keys: BTreeSet<(String, String, String)> = BTreeSet::new();
        let mut events = 0;
        db.query(
            "SELECT vuln_id, repo_tag, origin FROM state_event WHERE seq > $1 AND seq <= $2",
            &[Value::Int(cursor), Value::Int(newest)],
            &mut |row| {
                events += 1;
                let tag = row.req_text(1)?;
                if let Some(branch) = branch_of.get(&tag) {
                    keys.insert((row.req_text(0)?, row.req_text(2)?, branch.clone()));
                }
                Ok(())
            },
        )?;
        let mut queued = Queued {
            events,
            ..Queued::default()
        };
        let tags_of = tags_by_branch(&branch_of);
        let time = now();
        let next_attempt = time.saturating_mul(1000);
        for (vuln_id, origin, branch) in &keys {
            let peers = followers(federation, origin, &purl(&distribution, origin));
            if peers.is_empty() {
                continue;
            }
            let tags = tags_of.get(branch.as_str()).map_or(&[][..], Vec::as_slice);
            let Some(verdict) = current_verdict(db, vuln_id, origin, branch, tags, &distribution)?
            else {
                continue;
            };
            let digest = verdict_digest(&verdict);
            let previous = last_digest(db, vuln_id, origin, branch)?;
            if previous.as_deref() == Some(digest.as_str()) {
                continue;
            }
            let seq = db::query_int(
                db,
                "INSERT INTO ldn_outbox (created_at, vuln_id, origin, branch, digest, body) \
                 VALUES ($1, $2, $3, $4, $5, '') RETURNING seq",
                &[
                    Value::Int(time),
                    vuln_id.into(),
                    origin.into(),
                    branch.into(),
                    digest.as_str().into(),
                ],
            )?
            .ok_or_else(|| Error::new(ErrorKind::Database, "a notification got no number"))?;
            let notification = Notification {
                context: CONTEXT_IRI.to_owned(),
                id: format!("{base}{PATH}/{seq}"),
                activity: if previous.is_some() {
                    Activity::Update
                } else {
                    Activity::Announce
                },
                actor: base.clone(),
                published: rfc3339(time),
                object: verdict,
            };
            db.execute(
                "UPDATE ldn_outbox SET body = $1 WHERE seq = $2",
                &[notification.to_json().into(), Value::Int(seq)],
            )?;
            for peer in peers {
                db.execute(
                    "INSERT INTO ldn_delivery (outbox_seq, peer, state, attempts, \
                     next_attempt_at) VALUES ($1, $2, 'pending', 0, $3)",
                    &[
                        Value::Int(seq),
                        peer.name.as_str().into(),
                        Value::Int(next_attempt),
                    ],
                )?;
                queued.deliveries += 1;
            }
            queued.notifications += 1;
        }
        db::set_meta(db, CURSOR, &newest.to_string())?;
        Ok(queued)
    })
}

/// The tracker's public URL, which names it to peers (`actor`) and its notifications.
pub fn tracker_url(config: &Config) -> Result<String> {
    config.distribution.url.clone().ok_or_else(|| {
        Error::new(
            ErrorKind::Config,
            "federation needs the tracker's public URL: set [distribution] url",
        )
        .in_field("distribution.url")
    })
}

/// The peers that follow `origin`: by its name, or by the product its verdicts name
/// (`pkg:apk/alpine/openssl`).
pub fn followers<'a>(federation: &'a Federation, origin: &str, product: &str) -> Vec<&'a Peer> {
    federation
        .peers
        .iter()
        .filter(|p| p.follows.is_empty() || p.follows.iter().any(|f| f == origin || f == product))
        .collect()
}

fn tags_by_branch(branch_of: &HashMap<String, String>) -> HashMap<&str, Vec<String>> {
    let mut out: HashMap<&str, Vec<String>> = HashMap::new();
    for (tag, branch) in branch_of {
        out.entry(branch.as_str()).or_default().push(tag.clone());
    }
    for tags in out.values_mut() {
        tags.sort();
    }
    out
}

/// The verdict about the branch's published version of `origin`, from its state in the
/// first of the branch's tags that publishes it; `None` when none does.
fn current_verdict(
    db: &mut dyn Db,
    vuln_id: &str,
    origin: &str,
    branch: &str,
    tags: &[String],
    distribution: &str,
) -> Result<Option<Verdict>> {
    let mut rows: BTreeMap<String, (String, State, Option<String>, i64)> = BTreeMap::new();
    db.query(
        "SELECT s.repo_tag, s.version, s.state, s.fixed_version, s.changed_at FROM state s \
         JOIN origin_version o ON o.repo_tag = s.repo_tag AND o.origin = s.origin \
         AND o.version = s.version AND o.published = 1 \
         WHERE s.vuln_id = $1 AND s.origin = $2",
        &[vuln_id.into(), origin.into()],
        &mut |row| {
            let tag = row.req_text(0)?;
            if tags.contains(&tag) {
                let state = browse::states::parse_state(&row.req_text(2)?)?;
                rows.insert(
                    tag,
                    (row.req_text(1)?, state, row.text(3)?, row.req_int(4)?),
                );
            }
            Ok(())
        },
    )?;
    let Some((tag, (version, state, fixed_version, changed_at))) = rows.into_iter().next() else {
        return Ok(None);
    };
    let mut changed = changed_at;
    let status = match state {
        State::Fixed => Status::Fixed,
        State::NotAffected => Status::NotAffected,
        State::Vulnerable => Status::Affected,
        State::PossiblyVulnerable | State::Unknown => Status::UnderInvestigation,
    };
    let mut justification = None;
    let mut rationale = None;
    if status == Status::NotAffected {
        let mut rejections = Vec::new();
        db.query(
            &format!(
                "SELECT {} WHERE repo_tag = $1 AND origin = $2 AND vuln_id = $3",
                browse::REJECTION_COLUMNS
            ),
            &[tag.as_str().into(), origin.into(), vuln_id.into()],
            &mut |row| {
                rejections.push(browse::rejection_row(row)?);
                Ok(())
            },
        )?;
        // Triage's (with a reason code) before the YAML's.
        rejections.sort_by_key(|r| r.reason.is_none());
        if let Some(r) = rejections.first() {
            justification = r.reason.as_deref().and_then(Justification::parse);
            rationale = r.rationale.clone().filter(|t| !t.trim().is_empty());
            if let Some(at) = r.created_at {
                changed = changed.max(at);
            }
            if justification.is_none() && rationale.is_none() {
                rationale = Some(format!("rejected in {}", r.source));
            }
        } else {
            // A secdb `0` entry: the distribution says the version was never affected.
            rationale = Some("recorded as never affected (a secfixes `0` entry)".to_owned());
        }
    }
    let fixed_version = match status {
        Status::Fixed => Some(fixed_version.unwrap_or(version)),
        _ => None,
    };
    Ok(Some(Verdict {
        kind: VerdictType::Verdict,
        vulnerability: vuln_id.to_owned(),
        product: purl(distribution, origin),
        upstream: None,
        package: origin.to_owned(),
        distribution: distribution.to_owned(),
        branch: branch.to_owned(),
        status,
        fixed_version,
        justification,
        rationale,
        changed: rfc3339(changed),
    }))
}

/// `pkg:apk/alpine/openssl`: the source package in the distribution's apk namespace (the
/// first word of its name, lower case).
fn purl(distribution: &str, origin: &str) -> String {
    let namespace = distribution
        .split_whitespace()
        .next()
        .unwrap_or("apk")
        .to_ascii_lowercase();
    format!("pkg:apk/{namespace}/{origin}")
}

/// A digest of the verdict without its time.
fn verdict_digest(verdict: &Verdict) -> String {
    let mut timeless = verdict.clone();
    timeless.changed = String::new();
    crate::import::digest(
        serde_json::to_string(&timeless)
            .unwrap_or_default()
            .as_bytes(),
    )
}

fn last_digest(
    db: &mut dyn Db,
    vuln_id: &str,
    origin: &str,
    branch: &str,
) -> Result<Option<String>> {
    let mut out = None;
    db.query(
        "SELECT digest FROM ldn_outbox WHERE vuln_id = $1 AND origin = $2 AND branch = $3 \
         ORDER BY seq DESC LIMIT 1",
        &[vuln_id.into(), origin.into(), branch.into()],
        &mut |row| {
            out = Some(row.req_text(0)?);
            Ok(())
        },
    )?;
    Ok(out)
}

/// One sent notification's body, for `GET /outbox/<seq>`.
pub fn get(db: &mut dyn Db, seq: i64) -> Result<Option<String>> {
    let mut out = None;
    db.query(
        "SELECT body FROM ldn_outbox WHERE seq = $1",
        &[Value::Int(seq)],
        &mut |row| {
            out = Some(row.req_text(0)?);
            Ok(())
        },
    )?;
    Ok(out)
}

//! Triage: a maintainer or the security team says that a CVE does not apply to a
//! package (a rejection with a reason code and a rationale), or withdraws that.
//!
//! Every action is an append-only `triage_event`; the rejections in force are rows of
//! `rejection` with source [`SOURCE`], which the state engine reads like the imported
//! ones. An action, the rows it changes and the recomputed states of the CVE commit in one
//! transaction, so the pages show the new states at once and a refused action writes
//! nothing.

use std::collections::BTreeSet;

use indicatif::ProgressBar;
use serde::Serialize;

use crate::config::Config;
use crate::db::{self, Db, Value};
use crate::import::{mark_cves, now};
use crate::update::{UpdateSummary, update_within};

/// The `source` of rejections made through triage.
pub const SOURCE: &str = "triage";

/// The longest rationale kept, in characters.
pub const MAX_RATIONALE: usize = 4000;

/// Why a CVE does not apply: the OpenVEX justifications, and `different_software` for a
/// CPE or product name that names other software than the package. The same codes travel
/// between trackers, so they are the notification vocabulary's.
pub use secfixes_ldn::vocabulary::Justification as Reason;

/// Whom an actor acts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Acts on every package, and overrides maintainers.
    Security,
    /// Acts on the packages they maintain or were granted.
    Maintainer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Security => "security",
            Role::Maintainer => "maintainer",
        }
    }
}

/// Someone who is logged in, as far as triage is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// A stable name for the history (`jane`, or the provider's subject).
    pub id: String,
    /// A display name (`Jane Doe`).
    pub name: Option<String>,
    /// In a security-team group.
    pub security: bool,
    /// Verified e-mail addresses, matched against the packages' maintainer addresses.
    pub emails: Vec<String>,
    /// Origins granted in the configuration besides the maintained ones.
    pub grants: Vec<String>,
}

impl Actor {
    pub fn role(&self) -> Role {
        if self.security {
            Role::Security
        } else {
            Role::Maintainer
        }
    }

    /// Whether the actor may triage `origin`: the security team always; anyone else for
    /// a granted origin or one whose published versions name one of their verified
    /// addresses as maintainer (`m:` in the index).
    pub fn may_act(&self, db: &mut dyn Db, origin: &str) -> crate::Result<bool> {
        if self.security || self.grants.iter().any(|g| g == origin) {
            return Ok(true);
        }
        if self.emails.is_empty() {
            return Ok(false);
        }
        let mut allowed = false;
        db.query(
            "SELECT DISTINCT maintainer FROM origin_version \
             WHERE origin = $1 AND published = 1 AND maintainer IS NOT NULL",
            &[origin.into()],
            &mut |row| {
                let maintainer = row.req_text(0)?;
                if let Some(address) = maintainer_address(&maintainer) {
                    allowed |= self.emails.iter().any(|e| e.eq_ignore_ascii_case(address));
                }
                Ok(())
            },
        )?;
        Ok(allowed)
    }

    /// `jane (maintainer)`, as rejections name their author.
    pub fn label(&self) -> String {
        format!("{} ({})", self.id, self.role().as_str())
    }
}

/// The address of an APKINDEX maintainer field: `Jane Doe <jane@example.org>` gives
/// `jane@example.org`; a bare address is itself.
pub fn maintainer_address(maintainer: &str) -> Option<&str> {
    let address = match (maintainer.rfind('<'), maintainer.rfind('>')) {
        (Some(open), Some(close)) if open < close => &maintainer[open + 1..close],
        _ => maintainer,
    }
    .trim();
    address.contains('@').then_some(address)
}

/// Why an action was refused. Nothing is written when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum TriageError {
    /// A field of the request is missing or wrong.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// The CVE or the package is not in the store.
    #[error("{0}")]
    Unknown(String),
    /// The actor may not do this.
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Store(#[from] crate::Error),
}

fn invalid(field: &'static str, message: impl Into<String>) -> TriageError {
    TriageError::Invalid {
        field,
        message: message.into(),
    }
}

/// What an action did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The event's number in the history.
    pub seq: i64,
    /// The repository tags it applied to.
    pub tags: Vec<String>,
    pub update: UpdateSummary,
}

/// A rejection or a withdrawal, as asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<'a> {
    pub vuln_id: &'a str,
    pub origin: &'a str,
    /// The repository tags; empty means every tag the action can apply to (where the
    /// package is published, or for a withdrawal, where it is rejected).
    pub tags: &'a [String],
    /// Required for a rejection; an optional note for a withdrawal.
    pub rationale: &'a str,
    /// The peer's notification (its id) the action adopts, when it is a suggestion's.
    pub evidence: Option<&'a str>,
}

/// Rejects `request.vuln_id` for `request.origin` on the requested tags.
pub fn reject(
    db: &mut dyn Db,
    config: &Config,
    actor: &Actor,
    request: &Request<'_>,
    reason: Reason,
) -> Result<Outcome, TriageError> {
    let rationale = checked_rationale(request.rationale, true)?;
    let published = check_target(db, actor, request)?;
    let tags = chosen_tags(
        request.tags,
        &published,
        "the package is not published there",
    )?;
    if actor.role() == Role::Maintainer {
        refuse_over_security(db, request, &tags, "replace")?;
    }
    let time = now();
    let result = db::transaction(db, |db| {
        let seq = record(
            db,
            actor,
            "reject",
            request,
            &tags,
            Some(reason),
            rationale,
            time,
        )?;
        for tag in &tags {
            remove(db, request, tag)?;
            db.execute(
                "INSERT INTO rejection (repo_tag, origin, vuln_id, source, reason, rationale, \
                 actor, actor_role, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                &[
                    tag.into(),
                    request.origin.into(),
                    request.vuln_id.into(),
                    SOURCE.into(),
                    reason.as_str().into(),
                    rationale.into(),
                    actor.id.as_str().into(),
                    actor.role().as_str().into(),
                    Value::Int(time),
                ],
            )?;
        }
        finish(db, config, request.vuln_id, seq, &tags)
    })?;
    Ok(result)
}

/// Withdraws the triage rejections of `request.vuln_id` for `request.origin` on the
/// requested tags, restoring what the other facts say.
pub fn withdraw(
    db: &mut dyn Db,
    config: &Config,
    actor: &Actor,
    request: &Request<'_>,
) -> Result<Outcome, TriageError> {
    let note = checked_rationale(request.rationale, false)?;
    check_target(db, actor, request)?;
    let rejected = triage_tags(db, request.vuln_id, request.origin)?;
    if rejected.is_empty() {
        return Err(invalid(
            "tag",
            format!(
                "{} has no triage rejection for {}",
                request.origin, request.vuln_id
            ),
        ));
    }
    let tags = chosen_tags(
        request.tags,
        &rejected,
        "there is no triage rejection there",
    )?;
    if actor.role() == Role::Maintainer {
        refuse_over_security(db, request, &tags, "withdraw")?;
    }
    let time = now();
    let note = (!note.is_empty()).then_some(note);
    let result = db::transaction(db, |db| {
        let seq = record(
            db,
            actor,
            "withdraw",
            request,
            &tags,
            None,
            note.unwrap_or(""),
            time,
        )?;
        for tag in &tags {
            remove(db, request, tag)?;
        }
        finish(db, config, request.vuln_id, seq, &tags)
    })?;
    Ok(result)
}

/// Removes the triage rejection of the request's pair on `tag`.
fn remove(db: &mut dyn Db, request: &Request<'_>, tag: &str) -> crate::Result<()> {
    db.execute(
        "DELETE FROM rejection WHERE repo_tag = $1 AND origin = $2 AND vuln_id = $3 \
         AND source = $4",
        &[
            tag.into(),
            request.origin.into(),
            request.vuln_id.into(),
            SOURCE.into(),
        ],
    )?;
    Ok(())
}

/// The trimmed rationale: required for a rejection, at most [`MAX_RATIONALE`] characters.
fn checked_rationale(text: &str, required: bool) -> Result<&str, TriageError> {
    let text = text.trim();
    if required && text.is_empty() {
        return Err(invalid(
            "rationale",
            "say why the CVE does not apply to the package",
        ));
    }
    if text.chars().count() > MAX_RATIONALE {
        return Err(invalid(
            "rationale",
            format!("at most {MAX_RATIONALE} characters"),
        ));
    }
    Ok(text)
}

/// Checks that the CVE and the package exist and that the actor may act on the package;
/// returns the tags where the package is published.
fn check_target(
    db: &mut dyn Db,
    actor: &Actor,
    request: &Request<'_>,
) -> Result<BTreeSet<String>, TriageError> {
    if !known_vuln(db, request.vuln_id)? {
        return Err(TriageError::Unknown(format!(
            "no vulnerability {} in this tracker",
            request.vuln_id
        )));
    }
    let published = published_tags(db, request.origin)?;
    if published.is_empty() {
        return Err(TriageError::Unknown(format!(
            "no published package {}",
            request.origin
        )));
    }
    if let Some(id) = request.evidence {
        let found = crate::federation::evidence::by_notification(db, id)?;
        if found.is_none_or(|e| e.vuln_id != request.vuln_id) {
            return Err(invalid(
                "evidence",
                format!("{id} is no peer's verdict about {}", request.vuln_id),
            ));
        }
    }
    if !actor.may_act(db, request.origin)? {
        return Err(TriageError::Forbidden(format!(
            "{} does not maintain {} (only its maintainers and the security team can triage it)",
            actor.id, request.origin
        )));
    }
    Ok(published)
}

/// The repository tags where `origin` is published: where it can be triaged.
pub fn published_tags(db: &mut dyn Db, origin: &str) -> crate::Result<BTreeSet<String>> {
    let mut tags = BTreeSet::new();
    db.query(
        "SELECT DISTINCT repo_tag FROM origin_version WHERE origin = $1 AND published = 1",
        &[origin.into()],
        &mut |row| {
            tags.insert(row.req_text(0)?);
            Ok(())
        },
    )?;
    Ok(tags)
}

fn known_vuln(db: &mut dyn Db, vuln_id: &str) -> crate::Result<bool> {
    for sql in [
        "SELECT 1 FROM cve_record WHERE cve_id = $1 LIMIT 1",
        "SELECT 1 FROM state WHERE vuln_id = $1 LIMIT 1",
        "SELECT 1 FROM fix WHERE vuln_id = $1 LIMIT 1",
    ] {
        if db::query_int(db, sql, &[vuln_id.into()])?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The requested tags, each one of `allowed`; all of `allowed` when none are requested.
fn chosen_tags(
    requested: &[String],
    allowed: &BTreeSet<String>,
    why_not: &str,
) -> Result<Vec<String>, TriageError> {
    if requested.is_empty() {
        return Ok(allowed.iter().cloned().collect());
    }
    let mut tags = BTreeSet::new();
    for tag in requested {
        if !allowed.contains(tag) {
            return Err(invalid("tag", format!("{tag}: {why_not}")));
        }
        tags.insert(tag.clone());
    }
    Ok(tags.into_iter().collect())
}

/// The tags where the pair has a triage rejection.
fn triage_tags(db: &mut dyn Db, vuln_id: &str, origin: &str) -> crate::Result<BTreeSet<String>> {
    let mut tags = BTreeSet::new();
    db.query(
        "SELECT repo_tag FROM rejection WHERE vuln_id = $1 AND origin = $2 AND source = $3",
        &[vuln_id.into(), origin.into(), SOURCE.into()],
        &mut |row| {
            tags.insert(row.req_text(0)?);
            Ok(())
        },
    )?;
    Ok(tags)
}

/// A maintainer cannot replace or withdraw what the security team decided.
fn refuse_over_security(
    db: &mut dyn Db,
    request: &Request<'_>,
    tags: &[String],
    verb: &str,
) -> Result<(), TriageError> {
    let mut held = Vec::new();
    db.query(
        "SELECT repo_tag, actor FROM rejection WHERE vuln_id = $1 AND origin = $2 \
         AND source = $3 AND actor_role = $4 ORDER BY repo_tag",
        &[
            request.vuln_id.into(),
            request.origin.into(),
            SOURCE.into(),
            Role::Security.as_str().into(),
        ],
        &mut |row| {
            let tag = row.req_text(0)?;
            if tags.contains(&tag) {
                held.push(format!("{tag} (by {})", row.req_text(1)?));
            }
            Ok(())
        },
    )?;
    if held.is_empty() {
        return Ok(());
    }
    Err(TriageError::Forbidden(format!(
        "the security team's rejection on {} stands: a maintainer cannot {verb} it",
        held.join(", ")
    )))
}

/// Appends the event and returns its number.
#[allow(clippy::too_many_arguments)]
fn record(
    db: &mut dyn Db,
    actor: &Actor,
    action: &str,
    request: &Request<'_>,
    tags: &[String],
    reason: Option<Reason>,
    rationale: &str,
    time: i64,
) -> crate::Result<i64> {
    db::query_int(
        db,
        "INSERT INTO triage_event (at, actor, actor_name, actor_role, action, vuln_id, origin, \
         repo_tags, reason, rationale, evidence) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING seq",
        &[
            Value::Int(time),
            actor.id.as_str().into(),
            actor.name.as_deref().into(),
            actor.role().as_str().into(),
            action.into(),
            request.vuln_id.into(),
            request.origin.into(),
            tags.join(" ").into(),
            reason.map(Reason::as_str).into(),
            (!rationale.is_empty()).then_some(rationale).into(),
            request.evidence.into(),
        ],
    )?
    .ok_or_else(|| crate::Error::new(crate::ErrorKind::Database, "the triage event got no number"))
}

/// Recomputes the CVE's states in the same transaction and marks the store changed.
fn finish(
    db: &mut dyn Db,
    config: &Config,
    vuln_id: &str,
    seq: i64,
    tags: &[String],
) -> crate::Result<Outcome> {
    mark_cves(db, &[vuln_id])?;
    let update = update_within(db, config, &ProgressBar::hidden())?;
    db::bump_generation(db)?;
    Ok(Outcome {
        seq,
        tags: tags.to_vec(),
        update,
    })
}

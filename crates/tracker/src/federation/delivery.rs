//! Posting queued notifications to the peers' inboxes: at least once, in the order they
//! were queued per peer, with `connections` requests in flight to each peer.
//!
//! A peer's inbox is discovered from the `Link: <…>; rel="http://www.w3.org/ns/ldp#inbox"`
//! header of its front page (or, failing that, the `inbox` of its JSON-LD), as LDN
//! section 3 asks, and remembered until a post to it fails. Each post carries
//! `Content-Digest` (RFC 9530) and an RFC 9421 signature by this tracker's key.
//!
//! The answer decides the delivery: 201 or 200 (stored already) → `delivered`; 429 →
//! waits the peer's `Retry-After` without counting an attempt; a refusal (another 4xx) →
//! `dead` at once, since sending the same bytes again cannot help; a network error or
//! 5xx → retried after `retry_after`, doubled per attempt up to `retry_max`, and `dead`
//! after `max_attempts`. Dead deliveries are listed in importer health.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::mpsc;
use std::time::Duration;

use secfixes_ldn::content_digest;
use secfixes_ldn::signature::{self, Signer};

use crate::config::{Delivery, Federation, Peer};
use crate::db::{self, Db, Value};
use crate::{Error, ErrorKind, Result};

/// The relation that names an inbox (LDN section 3.1).
pub const INBOX_REL: &str = "http://www.w3.org/ns/ldp#inbox";

/// How many due deliveries one pass reads at a time.
const BATCH: i64 = 2000;

/// Delivers queued notifications for one tracker.
#[derive(Debug)]
pub struct Sender {
    signer: Signer,
    peers: Vec<Peer>,
    settings: Delivery,
    agent: ureq::Agent,
    /// Discovered inboxes by peer name.
    inboxes: Mutex<HashMap<String, String>>,
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    pub delivered: usize,
    /// Failed this time; retried later.
    pub retrying: usize,
    /// Given up.
    pub dead: usize,
}

/// The answer to one post.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    Delivered {
        location: Option<String>,
    },
    /// Try again no sooner than this many milliseconds from now; `counts` unless the
    /// peer only asked to slow down.
    Retry {
        error: String,
        wait_ms: Option<i64>,
        counts: bool,
    },
    Refused {
        error: String,
    },
}

impl Sender {
    pub fn new(federation: &Federation, signer: Signer) -> Sender {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(concat!("secfixes/", env!("CARGO_PKG_VERSION")))
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_global(Some(Duration::from_secs(60)))
            .build();
        Sender {
            signer,
            peers: federation.peers.clone(),
            settings: federation.delivery.clone(),
            agent: config.into(),
            inboxes: Mutex::new(HashMap::new()),
        }
    }

    /// How often the sender looks for new work.
    pub fn poll_interval(&self) -> Duration {
        self.settings.poll_interval
    }

    /// Delivers every pending delivery due at `now_ms` (Unix milliseconds), batch after
    /// batch, until none is due. Deliveries to peers that are no longer configured wait.
    pub fn deliver_due(&self, db: &mut dyn Db, now_ms: i64) -> Result<Pass> {
        let mut pass = Pass::default();
        loop {
            let due = due(db, now_ms, &self.peers)?;
            if due.is_empty() {
                return Ok(pass);
            }
            let results = self.post_all(&due);
            db::transaction(db, |db| {
                for (item, answer) in due.iter().zip(&results) {
                    self.record(db, item, answer, now_ms, &mut pass)?;
                }
                Ok(())
            })?;
            if results
                .iter()
                .all(|a| !matches!(a, Answer::Delivered { .. }))
            {
                // Nothing got through: the rest of the due work waits for the next pass.
                return Ok(pass);
            }
        }
    }

    /// When the next pending delivery to a configured peer is due (Unix milliseconds).
    pub fn next_due(&self, db: &mut dyn Db) -> Result<Option<i64>> {
        let mut next: Option<i64> = None;
        db.query(
            "SELECT peer, MIN(next_attempt_at) FROM ldn_delivery WHERE state = 'pending' \
             GROUP BY peer",
            &[],
            &mut |row| {
                let peer = row.req_text(0)?;
                if self.peers.iter().any(|p| p.name == peer) {
                    let at = row.req_int(1)?;
                    next = Some(next.map_or(at, |n| n.min(at)));
                }
                Ok(())
            },
        )?;
        Ok(next)
    }

    /// Posts every item, `connections` at a time per peer; the answers in item order.
    fn post_all(&self, due: &[Due]) -> Vec<Answer> {
        let mut by_peer: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, item) in due.iter().enumerate() {
            by_peer.entry(item.peer.as_str()).or_default().push(i);
        }
        let mut answers: Vec<Option<Answer>> = vec![None; due.len()];
        let (tx, rx) = mpsc::channel();
        std::thread::scope(|scope| {
            for (name, items) in &by_peer {
                let Some(peer) = self.peers.iter().find(|p| p.name == *name) else {
                    continue;
                };
                let lanes = self.settings.connections.min(items.len()).max(1);
                for lane in 0..lanes {
                    let tx = tx.clone();
                    let mine: Vec<usize> =
                        items.iter().copied().skip(lane).step_by(lanes).collect();
                    scope.spawn(move || {
                        for i in mine {
                            let answer = self.post(peer, &due[i].body);
                            let failed = !matches!(answer, Answer::Delivered { .. });
                            let _ = tx.send((i, answer));
                            if failed {
                                // The peer is down or refusing: leave its other items for
                                // later instead of failing each of them now.
                                break;
                            }
                        }
                    });
                }
            }
            drop(tx);
            for (i, answer) in rx {
                answers[i] = Some(answer);
            }
        });
        answers
            .into_iter()
            .map(|a| {
                a.unwrap_or(Answer::Retry {
                    error: "not tried: an earlier post to the peer failed".to_owned(),
                    wait_ms: None,
                    counts: false,
                })
            })
            .collect()
    }

    /// Posts one notification to the peer's inbox.
    fn post(&self, peer: &Peer, body: &str) -> Answer {
        let inbox = match self.inbox(peer) {
            Ok(inbox) => inbox,
            Err(error) => {
                return Answer::Retry {
                    error,
                    wait_ms: None,
                    counts: true,
                };
            }
        };
        let digest = content_digest::sha256(body.as_bytes());
        let request = signature::Request {
            method: "POST".to_owned(),
            target_uri: inbox.clone(),
            headers: vec![
                ("content-type".to_owned(), "application/ld+json".to_owned()),
                ("content-digest".to_owned(), digest.clone()),
            ],
        };
        let signed = match self.signer.sign(&request, crate::import::now()) {
            Ok(signed) => signed,
            Err(e) => {
                return Answer::Refused {
                    error: e.to_string(),
                };
            }
        };
        let sent = self
            .agent
            .post(&inbox)
            .header("content-type", "application/ld+json")
            .header("content-digest", &digest)
            .header("signature-input", &signed.signature_input)
            .header("signature", &signed.signature)
            .send(body.as_bytes());
        let mut response = match sent {
            Ok(response) => response,
            Err(e) => {
                self.forget_inbox(peer);
                return Answer::Retry {
                    error: format!("{inbox}: {e}"),
                    wait_ms: None,
                    counts: true,
                };
            }
        };
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let location = header("location");
        let retry_after = header("retry-after").and_then(|v| v.trim().parse::<i64>().ok());
        let text = response
            .body_mut()
            .with_config()
            .limit(4096)
            .read_to_string()
            .unwrap_or_default();
        let error = format!("{inbox}: HTTP {status}: {}", text.trim());
        match status {
            200 | 201 => Answer::Delivered { location },
            429 => Answer::Retry {
                error,
                wait_ms: Some(retry_after.unwrap_or(1).max(0).saturating_mul(1000)),
                counts: false,
            },
            400..=499 if status != 404 && status != 408 => Answer::Refused { error },
            _ => {
                self.forget_inbox(peer);
                Answer::Retry {
                    error,
                    wait_ms: None,
                    counts: true,
                }
            }
        }
    }

    /// The peer's inbox, discovered once.
    fn inbox(&self, peer: &Peer) -> std::result::Result<String, String> {
        if let Some(found) = self.lock().get(&peer.name) {
            return Ok(found.clone());
        }
        let found = self.discover(peer)?;
        self.lock().insert(peer.name.clone(), found.clone());
        Ok(found)
    }

    fn forget_inbox(&self, peer: &Peer) {
        self.lock().remove(&peer.name);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.inboxes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// LDN discovery: `GET` the peer's front page for its inbox link.
    fn discover(&self, peer: &Peer) -> std::result::Result<String, String> {
        let front = format!("{}/", peer.url);
        let mut response = self
            .agent
            .get(&front)
            .header("accept", "application/ld+json")
            .call()
            .map_err(|e| format!("discovering the inbox of {front}: {e}"))?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(format!("discovering the inbox of {front}: HTTP {status}"));
        }
        let links: Vec<String> = response
            .headers()
            .get_all("link")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        if let Some(target) = links.iter().find_map(|l| inbox_link(l)) {
            return Ok(resolve(&front, &target));
        }
        let text = response
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_string()
            .unwrap_or_default();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        ["inbox", "ldp:inbox", INBOX_REL]
            .iter()
            .find_map(|key| match &doc[*key] {
                serde_json::Value::String(s) => Some(s.clone()),
                v => v["@id"].as_str().map(str::to_owned),
            })
            .map(|target| resolve(&front, &target))
            .ok_or_else(|| format!("{front} advertises no LDN inbox (no Link rel=\"{INBOX_REL}\")"))
    }

    /// Writes what the answer means for the delivery.
    fn record(
        &self,
        db: &mut dyn Db,
        item: &Due,
        answer: &Answer,
        now_ms: i64,
        pass: &mut Pass,
    ) -> Result<()> {
        let key = [Value::Int(item.outbox_seq), item.peer.as_str().into()];
        match answer {
            Answer::Delivered { location } => {
                pass.delivered += 1;
                db.execute(
                    "UPDATE ldn_delivery SET state = 'delivered', attempts = attempts + 1, \
                     delivered_at = $3, location = $4, last_error = NULL \
                     WHERE outbox_seq = $1 AND peer = $2",
                    &[
                        key[0].clone(),
                        key[1].clone(),
                        Value::Int(now_ms / 1000),
                        location.as_deref().into(),
                    ],
                )?;
            }
            Answer::Refused { error } => {
                pass.dead += 1;
                db.execute(
                    "UPDATE ldn_delivery SET state = 'dead', attempts = attempts + 1, \
                     last_error = $3 WHERE outbox_seq = $1 AND peer = $2",
                    &[key[0].clone(), key[1].clone(), error.as_str().into()],
                )?;
            }
            Answer::Retry {
                error,
                wait_ms,
                counts,
            } => {
                let attempts = item.attempts + i64::from(*counts);
                if attempts >= i64::from(self.settings.max_attempts) {
                    pass.dead += 1;
                    db.execute(
                        "UPDATE ldn_delivery SET state = 'dead', attempts = $3, last_error = $4 \
                         WHERE outbox_seq = $1 AND peer = $2",
                        &[
                            key[0].clone(),
                            key[1].clone(),
                            Value::Int(attempts),
                            format!("{error} (gave up after {attempts} attempts)").into(),
                        ],
                    )?;
                    return Ok(());
                }
                pass.retrying += 1;
                let wait = wait_ms.unwrap_or_else(|| backoff_ms(&self.settings, attempts));
                db.execute(
                    "UPDATE ldn_delivery SET attempts = $3, last_error = $4, \
                     next_attempt_at = $5 WHERE outbox_seq = $1 AND peer = $2",
                    &[
                        key[0].clone(),
                        key[1].clone(),
                        Value::Int(attempts),
                        error.as_str().into(),
                        Value::Int(now_ms.saturating_add(wait)),
                    ],
                )?;
            }
        }
        Ok(())
    }
}

/// The wait after the `attempts`-th failure: `retry_after` doubled per earlier failure,
/// at most `retry_max`.
pub fn backoff_ms(settings: &Delivery, attempts: i64) -> i64 {
    let first = i64::try_from(settings.retry_after.as_millis()).unwrap_or(i64::MAX);
    let max = i64::try_from(settings.retry_max.as_millis()).unwrap_or(i64::MAX);
    let doublings = u32::try_from((attempts - 1).clamp(0, 40)).unwrap_or(40);
    first.saturating_mul(1_i64 << doublings.min(40)).min(max)
}

/// A due delivery.
#[derive(Debug, Clone)]
struct Due {
    outbox_seq: i64,
    peer: String,
    attempts: i64,
    body: String,
}

fn due(db: &mut dyn Db, now_ms: i64, peers: &[Peer]) -> Result<Vec<Due>> {
    let mut out = Vec::new();
    if peers.is_empty() {
        return Ok(out);
    }
    let list: Vec<String> = (0..peers.len()).map(|i| format!("${}", i + 3)).collect();
    let mut params = vec![Value::Int(now_ms), Value::Int(BATCH)];
    params.extend(peers.iter().map(|p| Value::from(p.name.as_str())));
    db.query(
        &format!(
            "SELECT d.outbox_seq, d.peer, d.attempts, o.body FROM ldn_delivery d \
             JOIN ldn_outbox o ON o.seq = d.outbox_seq \
             WHERE d.state = 'pending' AND d.next_attempt_at <= $1 AND d.peer IN ({}) \
             ORDER BY d.outbox_seq LIMIT $2",
            list.join(", ")
        ),
        &params,
        &mut |row| {
            out.push(Due {
                outbox_seq: row.req_int(0)?,
                peer: row.req_text(1)?,
                attempts: row.req_int(2)?,
                body: row.req_text(3)?,
            });
            Ok(())
        },
    )?;
    Ok(out)
}

/// The target of a `Link` field value whose `rel` is the inbox relation.
fn inbox_link(value: &str) -> Option<String> {
    value.split(',').find_map(|link| {
        let link = link.trim();
        let end = link.find('>')?;
        let target = link.strip_prefix('<')?.get(..end - 1)?;
        let params = &link[end + 1..];
        params
            .split(';')
            .filter_map(|p| p.trim().split_once('='))
            .any(|(name, value)| {
                name.trim().eq_ignore_ascii_case("rel")
                    && value
                        .trim()
                        .trim_matches('"')
                        .split_whitespace()
                        .any(|rel| rel == INBOX_REL)
            })
            .then(|| target.to_owned())
    })
}

/// `target` resolved against `base` (absolute, or absolute-path on the same origin).
fn resolve(base: &str, target: &str) -> String {
    if target.starts_with("http://") || target.starts_with("https://") {
        return target.to_owned();
    }
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let origin_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    if target.starts_with('/') {
        format!("{}{target}", &base[..origin_end])
    } else {
        let dir_end = base
            .rfind('/')
            .filter(|&i| i >= origin_end)
            .map_or(base.len(), |i| i + 1);
        format!("{}{target}", &base[..dir_end])
    }
}

/// Deliveries by state, and the dead ones, for importer health.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Health {
    pub pending: i64,
    /// Pending after a failed attempt: waiting to be retried.
    pub retrying: i64,
    pub delivered: i64,
    pub dead: Vec<DeadLetter>,
}

/// A delivery given up.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeadLetter {
    pub outbox_seq: i64,
    pub peer: String,
    pub vuln_id: String,
    pub origin: String,
    pub branch: String,
    pub attempts: i64,
    pub error: String,
}

/// The deliveries' state, with the newest `limit` dead letters.
pub fn health(db: &mut dyn Db, limit: i64) -> Result<Health> {
    let mut out = Health::default();
    db.query(
        "SELECT state, COUNT(*) FROM ldn_delivery GROUP BY state",
        &[],
        &mut |row| {
            let n = row.req_int(1)?;
            match row.req_text(0)?.as_str() {
                "pending" => out.pending = n,
                "delivered" => out.delivered = n,
                _ => {}
            }
            Ok(())
        },
    )?;
    out.retrying = db::query_int(
        db,
        "SELECT COUNT(*) FROM ldn_delivery WHERE state = 'pending' AND attempts > 0",
        &[],
    )?
    .unwrap_or(0);
    db.query(
        "SELECT d.outbox_seq, d.peer, o.vuln_id, o.origin, o.branch, d.attempts, d.last_error \
         FROM ldn_delivery d JOIN ldn_outbox o ON o.seq = d.outbox_seq \
         WHERE d.state = 'dead' ORDER BY d.outbox_seq DESC LIMIT $1",
        &[Value::Int(limit)],
        &mut |row| {
            out.dead.push(DeadLetter {
                outbox_seq: row.req_int(0)?,
                peer: row.req_text(1)?,
                vuln_id: row.req_text(2)?,
                origin: row.req_text(3)?,
                branch: row.req_text(4)?,
                attempts: row.req_int(5)?,
                error: row.text(6)?.unwrap_or_default(),
            });
            Ok(())
        },
    )?;
    Ok(out)
}

/// Queues the dead deliveries again (to `peer`, or to every peer), due now; returns how
/// many. For after a peer fixed what made it refuse.
pub fn retry_dead(db: &mut dyn Db, peer: Option<&str>, now_ms: i64) -> Result<usize> {
    let changed = db.execute(
        "UPDATE ldn_delivery SET state = 'pending', attempts = 0, next_attempt_at = $1 \
         WHERE state = 'dead' AND ($2 = '' OR peer = $2)",
        &[Value::Int(now_ms), peer.unwrap_or("").into()],
    )?;
    usize::try_from(changed).map_err(|_| Error::new(ErrorKind::Database, "a negative count"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inbox_links() {
        let rel = format!("<https://peer.example/inbox>; rel=\"{INBOX_REL}\"");
        assert_eq!(
            inbox_link(&rel).as_deref(),
            Some("https://peer.example/inbox")
        );
        let two = format!(
            "<https://x.example/a>; rel=\"alternate\", </inbox>; rel=\"{INBOX_REL} other\""
        );
        assert_eq!(inbox_link(&two).as_deref(), Some("/inbox"));
        assert_eq!(inbox_link("<https://x.example/a>; rel=\"alternate\""), None);
        assert_eq!(inbox_link("garbage"), None);
    }

    #[test]
    fn resolving() {
        assert_eq!(
            resolve("https://p.example/", "/inbox"),
            "https://p.example/inbox"
        );
        assert_eq!(
            resolve("https://p.example/t/", "inbox"),
            "https://p.example/t/inbox"
        );
        assert_eq!(
            resolve("https://p.example/", "https://q.example/i"),
            "https://q.example/i"
        );
    }

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        let settings = Delivery {
            retry_after: Duration::from_secs(30),
            retry_max: Duration::from_secs(300),
            ..Delivery::default()
        };
        let waits: Vec<i64> = (1..=6).map(|a| backoff_ms(&settings, a)).collect();
        assert_eq!(waits, [30_000, 60_000, 120_000, 240_000, 300_000, 300_000]);
    }
}

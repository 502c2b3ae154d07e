//! The Linked Data Notifications inbox in the store: notifications other trackers sent,
//! kept as they were sent, each once.

use sha2::{Digest as _, Sha256};

use crate::Result;
use crate::db::{self, Db, Value};

/// What a notification is, for listing and for what uses it later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A verdict in secfixes' vocabulary.
    Verdict,
    /// Any other JSON-LD notification.
    Other,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Verdict => "verdict",
            Kind::Other => "other",
        }
    }
}

/// A notification to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming<'a> {
    /// The key id its signature was checked with.
    pub sender: &'a str,
    pub received_at: i64,
    pub kind: Kind,
    /// The sender's id of the notification (a verdict's `id`): with the sender, what makes
    /// two posts the same notification. `None`: the body's digest does.
    pub notification_id: Option<&'a str>,
    pub body: &'a [u8],
    /// The verdict the body holds, kept as evidence when the notification is new.
    pub verdict: Option<&'a secfixes_ldn::vocabulary::Notification>,
}

/// Where a notification is, and whether this post stored it (`false`: it was there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    pub seq: i64,
    pub new: bool,
}

/// A stored notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub seq: i64,
    pub sender: String,
    pub received_at: i64,
    pub kind: String,
    pub body: Vec<u8>,
}

/// Stores `incoming` unless the same notification is stored already.
pub fn store(db: &mut dyn Db, incoming: &Incoming<'_>) -> Result<Stored> {
    let dedup = match incoming.notification_id {
        Some(id) => format!("id {} {id}", incoming.sender),
        None => {
            let digest: String = Sha256::digest(incoming.body)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            format!("sha256 {digest}")
        }
    };
    db::transaction(db, |db| {
        let inserted = db.execute(
            "INSERT INTO ldn_notification (dedup, sender, received_at, kind, body) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (dedup) DO NOTHING",
            &[
                Value::from(dedup.as_str()),
                incoming.sender.into(),
                Value::Int(incoming.received_at),
                incoming.kind.as_str().into(),
                Value::Blob(incoming.body.to_vec()),
            ],
        )?;
        let seq = db::query_int(
            db,
            "SELECT seq FROM ldn_notification WHERE dedup = $1",
            &[dedup.as_str().into()],
        )?
        .ok_or_else(|| {
            crate::Error::new(crate::ErrorKind::Database, "a stored notification vanished")
        })?;
        if inserted > 0 {
            if let Some(verdict) = incoming.verdict {
                crate::federation::evidence::record(db, incoming.sender, seq, verdict)?;
            }
            db::bump_generation(db)?;
        }
        Ok(Stored {
            seq,
            new: inserted > 0,
        })
    })
}

/// The sequence numbers of the stored notifications, oldest first.
pub fn list(db: &mut dyn Db) -> Result<Vec<i64>> {
    let mut out = Vec::new();
    db.query(
        "SELECT seq FROM ldn_notification ORDER BY seq",
        &[],
        &mut |row| {
            out.push(row.req_int(0)?);
            Ok(())
        },
    )?;
    Ok(out)
}

/// One stored notification.
pub fn get(db: &mut dyn Db, seq: i64) -> Result<Option<Notification>> {
    let mut out = None;
    db.query(
        "SELECT seq, sender, received_at, kind, body FROM ldn_notification WHERE seq = $1",
        &[Value::Int(seq)],
        &mut |row| {
            out = Some(Notification {
                seq: row.req_int(0)?,
                sender: row.req_text(1)?,
                received_at: row.req_int(2)?,
                kind: row.req_text(3)?,
                body: row.req_blob(4)?,
            });
            Ok(())
        },
    )?;
    Ok(out)
}

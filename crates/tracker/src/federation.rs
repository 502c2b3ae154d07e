//! Tracker-to-tracker exchange over Linked Data Notifications, the store's side.
//!
//! - [`outbox`]: every verdict change of a package a peer follows becomes a notification
//!   in `ldn_outbox` and one pending `ldn_delivery` per such peer. The changes are read
//!   from `state_event` after a cursor kept in `meta`, in the same transaction that
//!   writes the notifications, so a change is queued exactly once whoever made it (an
//!   import, a triage action) and whether or not the sender was running.
//! - [`delivery`]: posts the due deliveries to each peer's inbox (discovered from the
//!   `Link` header of the peer's front page, LDN section 3), signed with this tracker's
//!   key; a failure waits longer each time, and a refused or exhausted delivery is dead.
//! - [`evidence`]: what peers said, kept from the inbox's verdicts, and the suggestions
//!   it makes for locally vulnerable packages.
//! - [`key`]: the signing key in `[federation] key_file`.

pub mod delivery;
pub mod evidence;
pub mod key;
pub mod outbox;

use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use crate::config::Config;
use crate::db::Db;

/// Tells a running sender to look for work now, or to stop.
#[derive(Debug, Default)]
pub struct Signal {
    flags: Mutex<Flags>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct Flags {
    wake: bool,
    stop: bool,
}

impl Signal {
    /// Something changed (a triage action): queue and deliver without waiting.
    pub fn wake(&self) {
        self.flags
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .wake = true;
        self.changed.notify_all();
    }

    pub fn stop(&self) {
        self.flags
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .stop = true;
        self.changed.notify_all();
    }

    /// Waits up to `timeout` for a wake-up; `false` once stopped.
    fn wait(&self, timeout: Duration) -> bool {
        let flags = self.flags.lock().unwrap_or_else(PoisonError::into_inner);
        let (mut flags, _) = self
            .changed
            .wait_timeout_while(flags, timeout, |f| !f.wake && !f.stop)
            .unwrap_or_else(PoisonError::into_inner);
        flags.wake = false;
        !flags.stop
    }
}

/// The sender's loop: queue the new verdict changes, deliver what is due, then wait for
/// the poll interval, the next due retry or a wake-up, until stopped. A failed round
/// (the store busy, say) is reported on stderr and tried again next round.
pub fn run(db: &mut dyn Db, config: &Config, sender: &delivery::Sender, signal: &Signal) {
    loop {
        let round = (|| -> crate::Result<Option<i64>> {
            outbox::enqueue(db, config)?;
            sender.deliver_due(db, now_ms())?;
            sender.next_due(db)
        })();
        let mut wait = sender.poll_interval();
        match round {
            Ok(Some(next)) => {
                let until = u64::try_from(next.saturating_sub(now_ms())).unwrap_or(0);
                wait = wait.min(Duration::from_millis(until.max(10)));
            }
            Ok(None) => {}
            Err(e) => eprintln!("secfixes: federation: {e}"),
        }
        if !signal.wait(wait) {
            return;
        }
    }
}

/// The wall clock in Unix milliseconds, as deliveries are scheduled.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

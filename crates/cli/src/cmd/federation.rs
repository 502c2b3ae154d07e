//! `secfixes federation`: the tracker-to-tracker exchange outside the server.
//!
//! - `keygen FILE`: a new signing key for `[federation] key_file`; prints its public key.
//! - `send`: queues the verdict changes since the last run and delivers everything due,
//!   as the server's sender does each round (for a tracker that does not serve, from cron).
//! - `status`: deliveries pending and delivered, and the dead letters.
//! - `retry [--peer NAME]`: queues the dead letters again.

use std::io::Write as _;
use std::path::PathBuf;

use secfixes_tracker::federation::{self, delivery, key, outbox};

use crate::exit::Status;
use crate::store::{Need, StoreArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Write a new ed25519 signing key to FILE (never overwritten) and print its public key.
    Keygen { file: PathBuf },
    /// Queue the verdict changes since the last run and deliver everything due.
    Send {
        #[command(flatten)]
        store: StoreArgs,
        /// Keep delivering until nothing is pending (retries included), not only what is
        /// due now.
        #[arg(long)]
        until_done: bool,
    },
    /// Deliveries pending and delivered, and the dead letters.
    Status {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Queue the dead letters again (to one peer, or to every peer).
    Retry {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long, value_name = "NAME")]
        peer: Option<String>,
    },
}

pub fn run(args: Args) -> Result<Status, Box<dyn std::error::Error>> {
    match args.command {
        Command::Keygen { file } => {
            let public = key::generate(&file)?;
            writeln!(std::io::stdout().lock(), "{public}")?;
            Ok(Status::Success)
        }
        Command::Send { store, until_done } => {
            let (config, mut db) = store.open(Need::Config)?;
            let Some(fed) = &config.federation else {
                return Err("the configuration has no [federation] section".into());
            };
            let sender = delivery::Sender::new(fed, key::load(fed)?);
            let started = std::time::Instant::now();
            let queued = outbox::enqueue(db.as_mut(), &config)?;
            let mut total = delivery::Pass::default();
            loop {
                let pass = sender.deliver_due(db.as_mut(), federation::now_ms())?;
                total.delivered += pass.delivered;
                total.dead += pass.dead;
                total.retrying = pass.retrying;
                let next = sender.next_due(db.as_mut())?;
                match next {
                    Some(at) if until_done => {
                        let wait = at.saturating_sub(federation::now_ms()).max(0);
                        std::thread::sleep(std::time::Duration::from_millis(
                            u64::try_from(wait).unwrap_or(0),
                        ));
                    }
                    _ => break,
                }
            }
            let pending = delivery::health(db.as_mut(), 0)?.pending;
            eprintln!(
                "queued {} notifications ({} deliveries) from {} state changes; delivered {}, \
                 {} dead, {} pending in {:.2} s",
                queued.notifications,
                queued.deliveries,
                queued.events,
                total.delivered,
                total.dead,
                pending,
                started.elapsed().as_secs_f64()
            );
            Ok(if total.dead == 0 && (pending == 0 || !until_done) {
                Status::Success
            } else {
                Status::Failure
            })
        }
        Command::Status { store } => {
            let (_, mut db) = store.open(Need::DatabaseOnly)?;
            let health = delivery::health(db.as_mut(), 1000)?;
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{} delivered, {} pending, {} dead",
                health.delivered,
                health.pending,
                health.dead.len()
            )?;
            for l in &health.dead {
                writeln!(
                    out,
                    "dead {} to {}: {} {} {} after {} attempts: {}",
                    l.outbox_seq, l.peer, l.vuln_id, l.origin, l.branch, l.attempts, l.error
                )?;
            }
            Ok(if health.dead.is_empty() {
                Status::Success
            } else {
                Status::Failure
            })
        }
        Command::Retry { store, peer } => {
            let (_, mut db) = store.open(Need::DatabaseOnly)?;
            let n = delivery::retry_dead(db.as_mut(), peer.as_deref(), federation::now_ms())?;
            eprintln!("queued {n} dead deliveries again");
            Ok(Status::Success)
        }
    }
}

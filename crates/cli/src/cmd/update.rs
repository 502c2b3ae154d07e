//! `secfixes update [--full]`: recompute the states of what changed since the last
//! update, or of everything.

use secfixes_tracker::sync::Reporter;
use secfixes_tracker::update;

use crate::exit::Status;
use crate::progress::Terminal;
use crate::store::{Need, StoreArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    store: StoreArgs,
    /// Recompute every state, not only those whose inputs changed (the result is the
    /// same; this is the check that it is).
    #[arg(long)]
    full: bool,
}

pub fn run(args: Args) -> Result<Status, Box<dyn std::error::Error>> {
    let (config, mut db) = args.store.open(Need::Config)?;
    let reporter = Terminal::new();
    let bar = reporter.step("update", 0);
    let started = std::time::Instant::now();
    let u = update::update(db.as_mut(), &config, args.full, &bar)?;
    bar.finish_and_clear();
    reporter.line(&format!("{u} in {:.2} s", started.elapsed().as_secs_f64()));
    Ok(Status::Success)
}

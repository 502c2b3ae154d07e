//! `secfixes export osv --output DIR [--branch v3.16 …]`: OSV records per CVE and branch,
//! with osv.dev's `all.zip` and `modified_id.csv` per ecosystem; see
//! [`secfixes_tracker::export::osv`].

use std::path::PathBuf;

use secfixes_tracker::export::osv::{self, Options};
use secfixes_tracker::sync::Reporter as _;

use crate::exit::Status;
use crate::progress::Terminal;
use crate::store::{Need, StoreArgs};

#[derive(Debug, clap::Args)]
pub(super) struct Osv {
    #[command(flatten)]
    store: StoreArgs,
    /// The directory to write into (created if missing): `<branch>/ALPINE-CVE-….json`,
    /// `Alpine:<branch>/all.zip` and `Alpine:<branch>/modified_id.csv`. Each branch's
    /// records directory is written beside the old one and renamed into place.
    #[arg(long, value_name = "DIR")]
    output: PathBuf,
    /// A branch to export (`v3.16`, `edge`); repeat for several. Default: every branch
    /// of the store.
    #[arg(long = "branch", value_name = "BRANCH")]
    branches: Vec<String>,
}

pub(super) fn run(args: Osv) -> Result<Status, Box<dyn std::error::Error>> {
    let (config, mut db) = args.store.open(Need::DatabaseOnly)?;
    let options = Options {
        branches: args.branches,
        tracker_url: config.distribution.url.clone(),
    };
    let progress = Terminal::new().step("export osv", 0);
    let written = osv::write_dir(db.as_mut(), &args.output, &options, &progress)?;
    progress.finish_and_clear();
    drop(db);
    if written.is_empty() {
        eprintln!("secfixes: warning: the store has no branches; nothing to export");
    }
    report(&written);
    Ok(Status::Success)
}

/// A line per branch written, and a warning naming the ids left out.
pub(super) fn report(written: &[osv::Written]) {
    for w in written {
        if !w.skipped.is_empty() {
            eprintln!(
                "secfixes: warning: {}: {} with states that cannot name an OSV record, left out: {}",
                w.branch,
                super::counted(w.skipped.len(), "id"),
                w.skipped.join(", ")
            );
        }
        eprintln!(
            "secfixes: {}: {}; {} and modified_id.csv",
            w.records_dir.display(),
            super::counted(w.records, "record"),
            w.zip.display(),
        );
    }
}

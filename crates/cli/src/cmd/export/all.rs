//! `secfixes export all --output DIR [--branch v3.16 …]`: every format from one snapshot
//! of the store; see [`secfixes_tracker::export::all`].

use std::path::PathBuf;

use secfixes_tracker::export::all;
use secfixes_tracker::sync::Reporter as _;

use crate::exit::Status;
use crate::progress::Terminal;
use crate::store::{Need, StoreArgs};

#[derive(Debug, clap::Args)]
pub(super) struct All {
    #[command(flatten)]
    store: StoreArgs,
    /// The directory to write into (created if missing): `secdb/<branch>/<repo>.json`,
    /// `osv/` (as `export osv` writes it), `openvex/<branch>.json`,
    /// `rejections/<repo>.yaml`.
    #[arg(long, value_name = "DIR")]
    output: PathBuf,
    /// A branch to export (`v3.16`, `edge`); repeat for several. Default: every branch
    /// of the store.
    #[arg(long = "branch", value_name = "BRANCH")]
    branches: Vec<String>,
}

pub(super) fn run(args: All) -> Result<Status, Box<dyn std::error::Error>> {
    let (config, mut db) = args.store.open(Need::DatabaseOnly)?;
    let progress = Terminal::new().step("export all", 0);
    let written = all::write_dir(
        db.as_mut(),
        &config,
        &args.output,
        &args.branches,
        &progress,
    )?;
    progress.finish_and_clear();
    drop(db);
    if written.osv.is_empty() {
        eprintln!("secfixes: warning: the store has no branches; nothing to export");
    }
    let files = |what: &str, list: &[(PathBuf, usize)], unit: &str| {
        let total: usize = list.iter().map(|(_, n)| n).sum();
        eprintln!(
            "secfixes: {what}: {}, {}",
            super::counted(list.len(), "file"),
            super::counted(total, unit)
        );
    };
    files("secdb", &written.secdb, "package");
    super::osv::report(&written.osv);
    files("openvex", &written.openvex, "statement");
    files("rejections", &written.rejections, "package");
    eprintln!("secfixes: {}: every export written", args.output.display());
    Ok(Status::Success)
}

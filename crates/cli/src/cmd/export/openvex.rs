//! `secfixes export openvex --branch v3.16 [--output FILE]`: one OpenVEX document for a
//! branch; see [`secfixes_tracker::export::openvex`].

use std::io::Write;
use std::path::PathBuf;

use secfixes_tracker::export::openvex::{self, Options, Status as VexStatus};

use crate::exit::Status;
use crate::store::{Need, StoreArgs};
use secfixes_tracker::export::write_file;

#[derive(Debug, clap::Args)]
pub(super) struct Openvex {
    #[command(flatten)]
    store: StoreArgs,
    /// The branch: `v3.16`, `edge`.
    #[arg(long)]
    branch: String,
    /// The file to write (through a temporary file beside it, renamed when complete).
    /// Default: standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub(super) fn run(args: Openvex) -> Result<Status, Box<dyn std::error::Error>> {
    let (config, mut db) = args.store.open(Need::DatabaseOnly)?;
    let options = Options {
        branch: args.branch,
        author: config.distribution.name.clone(),
        tracker_url: config.distribution.url.clone(),
    };
    let doc = openvex::document(db.as_mut(), &options)?;
    drop(db);
    let text = doc.to_json()?;
    match &args.output {
        Some(path) => {
            write_file(path, text.as_bytes()).map_err(|e| secfixes_tracker::Error::io(path, e))?;
            let count = |status| doc.statements.iter().filter(|s| s.status == status).count();
            eprintln!(
                "secfixes: {}: {} version {}: {} ({} affected, {} under investigation, {} fixed, {} not affected)",
                path.display(),
                options.branch,
                doc.version,
                super::counted(doc.statements.len(), "statement"),
                count(VexStatus::Affected),
                count(VexStatus::UnderInvestigation),
                count(VexStatus::Fixed),
                count(VexStatus::NotAffected),
            );
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
    }
    Ok(Status::Success)
}

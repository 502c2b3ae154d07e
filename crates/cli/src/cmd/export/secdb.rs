//! `secfixes export secdb --branch v3.16 --repo main [--output FILE]`: the fixes of one
//! repository as secdb JSON in secdb.alpinelinux.org's shape; see
//! [`secfixes_tracker::export::secdb`].

use std::io::Write;
use std::path::PathBuf;

use secfixes_apk::secdb as secdb_json;
use secfixes_tracker::export::secdb::{self, Defaults};

use crate::exit::Status;
use crate::store::{Need, StoreArgs};
use secfixes_tracker::export::write_file;

#[derive(Debug, clap::Args)]
pub(super) struct Secdb {
    #[command(flatten)]
    store: StoreArgs,
    /// The branch, as the secdb's `distroversion` names it: `v3.16`, `edge`.
    #[arg(long)]
    branch: String,
    /// The repository: `main`, `community`.
    #[arg(long)]
    repo: String,
    /// The file to write (through a temporary file beside it, renamed when complete).
    /// Default: standard output. Either way the bytes are those of secdb.alpinelinux.org's
    /// files: 2-space indent, no newline at the end.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub(super) fn run(args: Secdb) -> Result<Status, Box<dyn std::error::Error>> {
    let (config, mut db) = args.store.open(Need::DatabaseOnly)?;
    let defaults = Defaults::from_config(&config, &args.branch, &args.repo);
    let doc = secdb::export(db.as_mut(), &args.branch, &args.repo, &defaults)?;
    drop(db);
    let text = secdb_json::to_json(&doc);
    match &args.output {
        Some(path) => {
            write_file(path, text.as_bytes()).map_err(|e| secfixes_tracker::Error::io(path, e))?;
            let ids: usize = doc
                .packages
                .iter()
                .flat_map(|p| p.secfixes.values())
                .map(Vec::len)
                .sum();
            eprintln!(
                "secfixes: {}: {} {}: {}, {}",
                path.display(),
                args.branch,
                args.repo,
                super::counted(doc.packages.len(), "package"),
                super::counted(ids, "id"),
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

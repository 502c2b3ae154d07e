//! `secfixes report branch TAG`: the open verdicts of a repository's published packages,
//! as a table or JSON.

use std::io::Write;

use secfixes_tracker::report;

use crate::exit::Status;
use crate::store::{Need, StoreArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Every (origin, version, CVE, state) of a repository (`3.16-main`) that is
    /// vulnerable, possibly vulnerable or unknown, with severity and maintainer.
    Branch(Branch),
}

#[derive(Debug, clap::Args)]
struct Branch {
    #[command(flatten)]
    store: StoreArgs,
    /// The repository tag, e.g. `3.16-main` or `edge-community`.
    tag: String,
    /// Also list fixed and not-affected rows.
    #[arg(long)]
    all: bool,
    /// JSON rows (`origin`, `version`, `cve`, `state`, `fixed_version`, `severity`,
    /// `maintainer`) instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<Status, Box<dyn std::error::Error>> {
    let Command::Branch(args) = args.command;
    let (_, mut db) = args.store.open(Need::DatabaseOnly)?;
    let rows = report::branch(db.as_mut(), &args.tag, args.all)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
        return Ok(Status::Success);
    }
    writeln!(
        out,
        "{:<28} {:<22} {:<18} {:<20} {:<16} {:<9} MAINTAINER",
        "ORIGIN", "VERSION", "CVE", "STATE", "FIXED IN", "SEVERITY"
    )?;
    for r in &rows {
        writeln!(
            out,
            "{:<28} {:<22} {:<18} {:<20} {:<16} {:<9} {}",
            r.origin,
            r.version,
            r.cve,
            r.state.as_str(),
            r.fixed_version.as_deref().unwrap_or("-"),
            r.severity.as_deref().unwrap_or("-"),
            r.maintainer.as_deref().unwrap_or("-")
        )?;
    }
    Ok(Status::Success)
}

//! The subcommands of `secfixes`, one module each.

use clap::{Parser, Subcommand};

use crate::exit::Status;

pub mod apkbuild;
pub mod apkindex;
pub mod audit;
pub mod buildinfo;
pub mod cpe;
pub mod demo;
pub mod explain;
pub mod export;
pub mod federation;
pub mod import;
pub mod index;
pub mod installed;
pub mod report;
pub mod secdb;
pub mod serve;
pub mod sync;
pub mod update;
pub mod version;

/// Security tracker for apk-based Linux distributions.
#[derive(Debug, Parser)]
#[command(name = "secfixes", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate and compare apk version strings exactly as apk-tools 3 does.
    Version(version::Args),
    /// Verify, dump and write signed APKINDEX.tar.gz files.
    Apkindex(apkindex::Args),
    /// Add the CVEs each version fixes to a signed APKINDEX.tar.gz: `index annotate`.
    Index(index::Args),
    /// Installed packages with unfixed vulnerabilities; with --upgradable --security, the
    /// upgrades that fix vulnerabilities.
    Audit(audit::Args),
    /// Read, check and write BUILDINFO files: `buildinfo fmt`, `buildinfo generate`.
    Buildinfo(buildinfo::Args),
    /// Read an installed database (lib/apk/db/installed).
    Installed(installed::Args),
    /// Check and normalise secdb JSON documents.
    Secdb(secdb::Args),
    /// Read the `# secfixes:` block of APKBUILDs (never executed).
    Apkbuild(apkbuild::Args),
    /// Import one kind of source into the store: indexes, secdb, rejections, aports, NVD, CVE 5.
    Import(import::Args),
    /// Import every configured source, then update the states.
    Sync(sync::Args),
    /// Recompute the states of what changed since the last update (`--full`: everything).
    Update(update::Args),
    /// Reports from the store: `report branch 3.16-main [--json] [--all]`.
    Report(report::Args),
    /// Explain the state of a CVE for a package in a repository.
    Explain(explain::Args),
    /// Export from the store: `export rejections`, `secdb`, `osv`, `openvex`, `all`.
    Export(export::Args),
    /// Exchange verdicts with other trackers: `federation keygen`, `send`, `status`, `retry`.
    Federation(federation::Args),
    /// Parse CPE 2.3 names and match them (NISTIR 7695/7696).
    Cpe(cpe::Args),
    /// Serve the web UI and JSON-LD API (default 127.0.0.1:8080).
    Serve(serve::Args),
    /// Serve a bundled example distribution from a temporary SQLite database.
    Demo(demo::Args),
}

/// Runs the parsed command line. `Err` is reported on stderr with exit status 2.
pub fn run(cli: Cli) -> Result<Status, Box<dyn std::error::Error>> {
    match cli.command {
        Command::Version(args) => version::run(args),
        Command::Apkindex(args) => apkindex::run(args),
        Command::Index(args) => index::run(args),
        Command::Audit(args) => audit::run(args),
        Command::Buildinfo(args) => buildinfo::run(args),
        Command::Installed(args) => installed::run(args),
        Command::Secdb(args) => secdb::run(args),
        Command::Apkbuild(args) => apkbuild::run(args),
        Command::Import(args) => import::run(args),
        Command::Sync(args) => sync::run(args),
        Command::Update(args) => update::run(args),
        Command::Report(args) => report::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Export(args) => export::run(args),
        Command::Federation(args) => federation::run(args),
        Command::Cpe(args) => cpe::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Demo(args) => demo::run(args),
    }
}

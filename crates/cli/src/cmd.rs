//! The subcommands of `secfixes`, one module each.

use clap::{Parser, Subcommand};

use crate::exit::Status;

pub mod apkbuild;
pub mod apkindex;
pub mod cpe;
pub mod import;
pub mod installed;
pub mod secdb;
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
    /// Read an installed database (lib/apk/db/installed).
    Installed(installed::Args),
    /// Check and normalise secdb JSON documents.
    Secdb(secdb::Args),
    /// Read the `# secfixes:` block of APKBUILDs (never executed).
    Apkbuild(apkbuild::Args),
    /// Import CVE records (NVD API 2.0, NVD 1.1 feeds, CVE JSON 5) into the normalised model.
    Import(import::Args),
    /// Parse CPE 2.3 names and match them (NISTIR 7695/7696).
    Cpe(cpe::Args),
}

/// Runs the parsed command line. `Err` is reported on stderr with exit status 2.
pub fn run(cli: Cli) -> Result<Status, Box<dyn std::error::Error>> {
    match cli.command {
        Command::Version(args) => version::run(args),
        Command::Apkindex(args) => apkindex::run(args),
        Command::Installed(args) => installed::run(args),
        Command::Secdb(args) => secdb::run(args),
        Command::Apkbuild(args) => apkbuild::run(args),
        Command::Import(args) => import::run(args),
        Command::Cpe(args) => cpe::run(args),
    }
}

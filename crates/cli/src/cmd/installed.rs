//! `secfixes installed`: read an installed database (`lib/apk/db/installed`).

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use secfixes_apk::{Error, installed};

use crate::exit::Status;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Print the installed packages as JSON lines, one package per line: every package
    /// field (absent ones null), `replaces`, `replaces_priority`, `repository_tag`,
    /// `flags`, `tags`, and `dirs` with their `files` (name, acl, checksum).
    ///
    /// Versions that apk-tools 3 rejects are reported on stderr as warnings.
    Dump {
        /// The database, usually /lib/apk/db/installed.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

pub fn run(args: Args) -> Result<Status, Box<dyn std::error::Error>> {
    match args.command {
        Command::Dump { file } => {
            let text = std::fs::read_to_string(&file).map_err(|err| Error::io(&file, err))?;
            let mut warnings = Vec::new();
            let db = installed::parse_with_warnings(&text, &mut warnings)
                .map_err(|err| err.in_file(&file))?;
            for warning in warnings {
                eprintln!("secfixes: warning: {}", warning.in_file(&file));
            }
            let stdout = std::io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            for package in &db.packages {
                serde_json::to_writer(&mut out, package)?;
                out.write_all(b"\n")?;
            }
            out.flush()?;
            Ok(Status::Success)
        }
    }
}

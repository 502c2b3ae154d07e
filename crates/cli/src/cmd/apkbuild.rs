//! `secfixes apkbuild`: read APKBUILDs as text (never executed).

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use secfixes_apk::apkbuild::{self, Apkbuild, Var};
use serde_json::{Map, Value};

use crate::exit::Status;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Print the `# secfixes:` block of each APKBUILD as one JSON object per line.
    ///
    /// {"file", "pkgname", "pkgver", "pkgrel", "secfixes": {version: [ids]}}; a variable
    /// is null when it is not assigned or needs shell expansion, and then its text is in
    /// "unresolved". The block is read by abuild's rules: it starts at `# secfixes:` and
    /// ends at the first line not starting with `#`. Malformed lines are skipped and
    /// reported on stderr as `file:line: message`. Exit 0 when no line is malformed, 1
    /// when some are, 2 when a file cannot be read (the others are still read).
    Secfixes {
        /// APKBUILD files, or aport directories holding one.
        #[arg(required = true, value_name = "APKBUILD")]
        files: Vec<PathBuf>,
    },
}

pub fn run(args: Args) -> Result<Status, Box<dyn std::error::Error>> {
    match args.command {
        Command::Secfixes { files } => secfixes(&files),
    }
}

fn secfixes(files: &[PathBuf]) -> Result<Status, Box<dyn std::error::Error>> {
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut status = Status::Success;
    for arg in files {
        let path = if arg.is_dir() {
            arg.join("APKBUILD")
        } else {
            arg.clone()
        };
        let parsed = match apkbuild::read(&path) {
            Ok(parsed) => parsed,
            Err(err) => {
                out.flush()?;
                eprintln!("secfixes: error: {err}");
                status = Status::Error;
                continue;
            }
        };
        serde_json::to_writer(&mut out, &record(&path, &parsed.value)?)?;
        writeln!(out)?;
        if !parsed.is_clean() {
            out.flush()?;
            for d in &parsed.diagnostics {
                eprintln!("{d}");
            }
            if status == Status::Success {
                status = Status::Failure;
            }
        }
    }
    out.flush()?;
    Ok(status)
}

/// The JSON line for one APKBUILD.
fn record(path: &Path, apk: &Apkbuild) -> serde_json::Result<Value> {
    let mut unresolved = Map::new();
    let mut var = |name: &str, v: &Option<Var>| -> Value {
        match v {
            Some(Var {
                value: Some(value), ..
            }) => Value::from(value.as_str()),
            Some(Var { raw, .. }) => {
                unresolved.insert(name.to_string(), Value::from(raw.as_str()));
                Value::Null
            }
            None => Value::Null,
        }
    };
    let pkgname = var("pkgname", &apk.pkgname);
    let pkgver = var("pkgver", &apk.pkgver);
    let pkgrel = var("pkgrel", &apk.pkgrel);
    let mut record = Map::new();
    record.insert("file".into(), Value::from(path.display().to_string()));
    record.insert("pkgname".into(), pkgname);
    record.insert("pkgver".into(), pkgver);
    record.insert("pkgrel".into(), pkgrel);
    record.insert("secfixes".into(), serde_json::to_value(&apk.secfixes)?);
    if !unresolved.is_empty() {
        record.insert("unresolved".into(), Value::Object(unresolved));
    }
    Ok(Value::Object(record))
}

//! `secfixes export …`: what the store knows, in formats other tools read.
//!
//! `export rejections` writes the rejections (imported from the security-rejections YAML
//! and made through triage) as one security-rejections YAML per repository, or as JSON
//! with every field (reason codes, authors, dates); see
//! [`secfixes_tracker::export::rejections`]. `export secdb`, `export osv` and `export openvex`
//! write the fixes and states as secdb JSON, OSV records and OpenVEX documents; `export
//! all` writes every format from one snapshot (one module each under `export/`).

use std::io::Write;
use std::path::{Path, PathBuf};

use secfixes_tracker::Error;
use secfixes_tracker::export::check_file_name;
use secfixes_tracker::export::rejections::{self, RepoFile};

use crate::exit::Status;
use crate::store::{Need, StoreArgs};
use secfixes_tracker::export::write_file;

mod all;
mod openvex;
mod osv;
mod secdb;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// The rejections: `{repo}.yaml` per repository (security-rejections YAML; a pair
    /// rejected on only some branches is listed in a comment, not as an entry), or JSON
    /// with reason codes, authors and dates.
    Rejections(Rejections),
    /// The fixes of one repository as secdb JSON in secdb.alpinelinux.org's shape: the
    /// imported secdb as it was, with the fixes from APKBUILDs added.
    Secdb(secdb::Secdb),
    /// OSV records, one per CVE and branch (main and community, every state), with
    /// osv.dev's bulk files: DIR/<branch>/ALPINE-CVE-….json, DIR/Alpine:<branch>/all.zip
    /// and modified_id.csv.
    Osv(osv::Osv),
    /// One OpenVEX document for a branch: a statement per CVE and published package.
    Openvex(openvex::Openvex),
    /// Every export from one snapshot of the store, into one directory: secdb per
    /// repository, OSV, OpenVEX per branch and the rejections (a publishing job's run).
    All(all::All),
}

#[derive(Debug, clap::Args)]
struct Rejections {
    #[command(flatten)]
    store: StoreArgs,
    /// `yaml`: one security-rejections document per repository; `json`: every rejection
    /// with all its fields.
    #[arg(long, value_enum, default_value_t = Format::Yaml)]
    format: Format,
    /// YAML: a directory to write `<repo>.yaml` files into (created if missing); JSON: the
    /// file to write. Default: standard output (YAML documents separated by `---`, each
    /// after a `# <repo>.yaml` line).
    #[arg(long, value_name = "PATH")]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Yaml,
    Json,
}

pub fn run(args: Args) -> Result<Status, Box<dyn std::error::Error>> {
    let args = match args.command {
        Command::Rejections(args) => args,
        Command::Secdb(args) => return secdb::run(args),
        Command::Osv(args) => return osv::run(args),
        Command::Openvex(args) => return openvex::run(args),
        Command::All(args) => return all::run(args),
    };
    let (_, mut db) = args.store.open(Need::DatabaseOnly)?;
    let export = rejections::read(db.as_mut())?;
    drop(db);
    let unplaced = export
        .rejections
        .iter()
        .filter(|r| r.repo.is_none())
        .count();
    match args.format {
        Format::Json => {
            let text = export.to_json()?;
            match &args.output {
                Some(path) => write_file(path, text.as_bytes()).map_err(|e| Error::io(path, e))?,
                None => std::io::stdout().lock().write_all(text.as_bytes())?,
            }
        }
        Format::Yaml => {
            if unplaced > 0 {
                eprintln!(
                    "secfixes: warning: {unplaced} rejections are on repository tags the store \
                     does not know a repository for; they are only in the JSON export"
                );
            }
            let files = export.yaml_files();
            if files.is_empty() {
                eprintln!("secfixes: warning: the store has no repositories; nothing to export");
            }
            match &args.output {
                Some(dir) => write_dir(dir, &files)?,
                None => {
                    let mut out = std::io::stdout().lock();
                    for (i, file) in files.iter().enumerate() {
                        if i > 0 {
                            writeln!(out, "---")?;
                        }
                        writeln!(out, "# {}", file.file_name())?;
                        out.write_all(file.to_yaml().as_bytes())?;
                    }
                    out.flush()?;
                }
            }
        }
    }
    Ok(Status::Success)
}

/// Writes every file into `dir` (created if missing), each through a temporary file.
fn write_dir(dir: &Path, files: &[RepoFile]) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    for file in files {
        check_file_name("repository name", &file.repo)?;
        let path = dir.join(file.file_name());
        write_file(&path, file.to_yaml().as_bytes()).map_err(|e| Error::io(&path, e))?;
        let ids: usize = file.rejections.packages.values().map(|r| r.ids.len()).sum();
        eprintln!(
            "secfixes: {}: {}, {}; {} on some branches only (not exported)",
            path.display(),
            counted(file.rejections.packages.len(), "package"),
            counted(ids, "id"),
            counted(file.partial.len(), "pair"),
        );
    }
    Ok(())
}

/// `1 package`, `2 packages`.
fn counted(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

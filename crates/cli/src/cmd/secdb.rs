//! `secfixes secdb`: check secdb documents and write them in the canonical form.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use secfixes_apk::Error;
use secfixes_apk::secdb::{self, Format, Parsed, SecDb};

use crate::exit::Status;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Read each FILE and print every problem as `file: package: key: message`.
    ///
    /// Problems are entries that are read but wrong: version keys apk-tools 3 rejects,
    /// malformed CVE ids, a package or version listed twice. Exit 0 when there is none,
    /// 1 when there are some, 2 when a file cannot be read or is not a secdb document
    /// (the other files are still checked).
    Check {
        #[command(flatten)]
        input: Input,
        /// secdb files (JSON, or YAML for `.yaml`/`.yml`).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Read FILE (`-` for stdin) and write it to stdout as secdb JSON.
    ///
    /// The output keeps the keys, their order and every value of the input, in the
    /// layout of secdb.alpinelinux.org: 2-space indent, `"key": value`. It ends with a
    /// newline when the input did (so a canonical file comes back byte for byte). YAML
    /// and vuln-list input are converted. Problems are printed on stderr as warnings
    /// and do not change the exit status.
    Fmt {
        #[command(flatten)]
        input: Input,
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

#[derive(Debug, clap::Args)]
struct Input {
    /// Input format; by default YAML for `.yaml`/`.yml` files, JSON otherwise.
    #[arg(long, value_enum, default_value_t = InputFormat::Auto)]
    format: InputFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum InputFormat {
    /// By file name.
    Auto,
    /// secdb JSON (secdb.alpinelinux.org, Wolfi, Chainguard).
    Json,
    /// The historical secdb YAML (alpine-secdb v3.3 to v3.11).
    Yaml,
    /// One package per file, with the header fields (aquasecurity vuln-list).
    VulnList,
}

impl Input {
    fn format(&self, path: &Path) -> Format {
        match self.format {
            InputFormat::Auto => Format::from_path(path),
            InputFormat::Json => Format::Json,
            InputFormat::Yaml => Format::Yaml,
            InputFormat::VulnList => Format::VulnList,
        }
    }
}

pub fn run(args: Args) -> Result<Status, Box<dyn std::error::Error>> {
    match args.command {
        Command::Check { input, files } => check(&input, &files),
        Command::Fmt { input, file } => fmt(&input, &file),
    }
}

/// The text of `path`, or of stdin for `-`.
fn read_text(path: &Path) -> Result<String, Error> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Error::io(path, e))?;
        return Ok(text);
    }
    std::fs::read_to_string(path).map_err(|e| Error::io(path, e))
}

fn load(input: &Input, path: &Path) -> Result<(String, Parsed<SecDb>), Error> {
    let text = read_text(path)?;
    let parsed = secdb::parse(&text, input.format(path))
        .map_err(|e| e.in_file(path))?
        .in_file(path);
    Ok((text, parsed))
}

fn check(input: &Input, files: &[PathBuf]) -> Result<Status, Box<dyn std::error::Error>> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut status = Status::Success;
    for path in files {
        match load(input, path) {
            Ok((_, parsed)) => {
                for d in &parsed.diagnostics {
                    writeln!(out, "{d}")?;
                }
                if !parsed.is_clean() && status == Status::Success {
                    status = Status::Failure;
                }
            }
            Err(err) => {
                eprintln!("secfixes: error: {err}");
                status = Status::Error;
            }
        }
    }
    Ok(status)
}

fn fmt(input: &Input, path: &Path) -> Result<Status, Box<dyn std::error::Error>> {
    let (text, parsed) = load(input, path)?;
    for d in &parsed.diagnostics {
        eprintln!("secfixes: warning: {d}");
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    secdb::write_json(&parsed.value, &mut out)?;
    let yaml = input.format(path) == Format::Yaml;
    if yaml || text.ends_with('\n') {
        writeln!(out)?;
    }
    out.flush()?;
    Ok(Status::Success)
}

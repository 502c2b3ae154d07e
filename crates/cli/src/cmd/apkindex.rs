//! `secfixes apkindex`: verify, dump and write signed `APKINDEX.tar.gz` files.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use secfixes_apk::Error;
use secfixes_apk::apkindex::{self, Algorithm, ApkIndex, Keys, SigningKey, Trust};

use crate::exit::Status;
use secfixes_tracker::export::write_file;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

/// Where trust comes from, shared by `verify` and `dump`.
#[derive(Debug, clap::Args)]
struct TrustArgs {
    /// Directory of trusted RSA public keys, laid out like /etc/apk/keys: a signature
    /// `.SIGN.RSA.<name>` is checked with the key in the file `<name>`.
    #[arg(long, value_name = "DIR", required_unless_present = "allow_untrusted")]
    keys_dir: Option<PathBuf>,
    /// Accept an index that is unsigned or signed only by unknown keys (as apk's
    /// --allow-untrusted). Corruption, and a bad signature by a key in --keys-dir, are
    /// still errors.
    #[arg(long)]
    allow_untrusted: bool,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Check the gzip/tar integrity and the signature of each FILE and parse every
    /// package. Prints one line per good file: `FILE: OK, N packages, signed by KEY`.
    ///
    /// Exits 0 when every file is good; otherwise says on stderr which file failed and
    /// how (unsigned, unknown key, bad signature, truncated, corrupt compression, corrupt
    /// archive, syntax error) and exits 2. Versions that apk-tools 3 rejects but that apk
    /// keeps in an index are reported on stderr as warnings (errors with --strict).
    Verify {
        #[command(flatten)]
        trust: TrustArgs,
        /// Treat versions that apk-tools 3 rejects as errors.
        #[arg(long)]
        strict: bool,
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Print the packages of an index as JSON lines, one package per line, with every
    /// field (absent ones null).
    ///
    /// Like apk, dump verifies the signature first: give --keys-dir, or
    /// --allow-untrusted to skip the check. With --allow-untrusted FILE may also be
    /// plain APKINDEX text.
    Dump {
        #[command(flatten)]
        trust: TrustArgs,
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Write a signed APKINDEX.tar.gz from plain APKINDEX text, as `apk index` and
    /// abuild-sign do: the packages in the order given, each with its fields in
    /// apk-tools' order.
    ///
    /// The tar members get the modification time $SOURCE_DATE_EPOCH, or now.
    Write {
        /// RSA private key in PEM (PKCS#8 or PKCS#1). The signature is named after it
        /// plus `.pub`, as abuild-sign does, unless --key-name is given.
        #[arg(long, value_name = "PRIVATE_KEY")]
        key: PathBuf,
        /// The name of the public key in /etc/apk/keys (abuild-sign's -p).
        #[arg(long, value_name = "NAME")]
        key_name: Option<String>,
        /// Signature type: RSA (SHA-1, what Alpine uses), RSA256 or RSA512.
        #[arg(long = "type", value_name = "TYPE", default_value = "RSA", value_parser = parse_algorithm)]
        algorithm: Algorithm,
        /// The DESCRIPTION member (for example `v3.16.9-6-g1d3cf1d6b9`).
        #[arg(long, value_name = "TEXT")]
        description: Option<String>,
        #[arg(value_name = "APKINDEX_TEXT")]
        input: PathBuf,
        #[arg(value_name = "OUT")]
        output: PathBuf,
    },
}

pub(super) fn parse_algorithm(text: &str) -> Result<Algorithm, String> {
    match text {
        "RSA" => Ok(Algorithm::RsaSha1),
        "RSA256" => Ok(Algorithm::RsaSha256),
        "RSA512" => Ok(Algorithm::RsaSha512),
        _ => Err("the signature types are RSA, RSA256 and RSA512".to_owned()),
    }
}

pub fn run(args: Args) -> Result<Status, Box<dyn std::error::Error>> {
    match args.command {
        Command::Verify {
            trust,
            strict,
            files,
        } => verify(&trust, strict, &files),
        Command::Dump { trust, file } => dump(&trust, &file),
        Command::Write {
            key,
            key_name,
            algorithm,
            description,
            input,
            output,
        } => write(
            &key,
            key_name,
            algorithm,
            description.as_deref(),
            &input,
            &output,
        ),
    }
}

fn load_keys(trust: &TrustArgs) -> Result<Keys, Error> {
    match &trust.keys_dir {
        Some(dir) => Keys::from_dir(dir),
        None => Ok(Keys::new()),
    }
}

fn verify(
    trust: &TrustArgs,
    strict: bool,
    files: &[PathBuf],
) -> Result<Status, Box<dyn std::error::Error>> {
    let keys = load_keys(trust)?;
    let trust = Trust {
        keys: &keys,
        allow_untrusted: trust.allow_untrusted,
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut status = Status::Success;
    for file in files {
        match verify_one(file, trust, strict) {
            Ok(line) => writeln!(out, "{line}")?,
            Err(err) => {
                eprintln!("secfixes: error: {}", with_file(err, file));
                status = Status::Error;
            }
        }
    }
    Ok(status)
}

/// Reads, checks and parses one index; the line to print on success.
fn verify_one(file: &Path, trust: Trust<'_>, strict: bool) -> Result<String, Error> {
    let index = apkindex::read_file(file, trust)?;
    let mut warnings = Vec::new();
    let count = index.packages_with_warnings(&mut warnings)?.len();
    if strict && !warnings.is_empty() {
        return Err(warnings.swap_remove(0));
    }
    for warning in &warnings {
        eprintln!("secfixes: warning: {warning}");
    }
    let how = match index.signed_by() {
        Some(key) => format!("signed by {key}"),
        None if index.signatures().is_empty() => "unsigned (allowed)".to_owned(),
        None => "signature not checked: no trusted key (allowed)".to_owned(),
    };
    Ok(format!("{}: OK, {count} packages, {how}", file.display()))
}

/// Makes sure a message names the file, even when the error is about a member inside it.
fn with_file(err: Error, file: &Path) -> String {
    match &err.location().file {
        Some(named) if named == file => err.to_string(),
        _ => format!("{}: {err}", file.display()),
    }
}

fn dump(trust: &TrustArgs, file: &Path) -> Result<Status, Box<dyn std::error::Error>> {
    let keys = load_keys(trust)?;
    let bytes = std::fs::read(file).map_err(|err| Error::io(file, err))?;
    let index = if bytes.starts_with(&[0x1f, 0x8b]) {
        let trust = Trust {
            keys: &keys,
            allow_untrusted: trust.allow_untrusted,
        };
        apkindex::read(&bytes, trust).map_err(|err| with_file(err, file))?
    } else if trust.allow_untrusted {
        let text = String::from_utf8(bytes)
            .map_err(|_| format!("{}: neither gzip nor UTF-8 APKINDEX text", file.display()))?;
        ApkIndex::from_text(text)
    } else {
        return Err(format!(
            "{}: not gzip, so not a signed index (plain APKINDEX text needs --allow-untrusted)",
            file.display()
        )
        .into());
    };
    let index = index.with_source(file);
    let mut warnings = Vec::new();
    let packages = index.packages_with_warnings(&mut warnings)?;
    for warning in &warnings {
        eprintln!("secfixes: warning: {warning}");
    }
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for package in &packages {
        serde_json::to_writer(&mut out, package)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(Status::Success)
}

fn write(
    key: &Path,
    key_name: Option<String>,
    algorithm: Algorithm,
    description: Option<&str>,
    input: &Path,
    output: &Path,
) -> Result<Status, Box<dyn std::error::Error>> {
    let mut key = SigningKey::from_pem_file(key)?;
    if let Some(name) = key_name {
        key = key.with_name(name);
    }
    let text = std::fs::read_to_string(input).map_err(|err| Error::io(input, err))?;
    let packages = apkindex::parse_text(&text).map_err(|err| err.in_file(input))?;
    let mtime = build_time()?;
    let unsigned = apkindex::write_unsigned(&apkindex::write_text(&packages), description, mtime)?;
    let signed = apkindex::sign(&unsigned, &key, algorithm, mtime)?;
    write_file(output, &signed).map_err(|e| Error::io(output, e))?;
    let stdout = std::io::stdout();
    writeln!(
        stdout.lock(),
        "{}: {} packages, signed by {}",
        output.display(),
        packages.len(),
        key.name()
    )?;
    Ok(Status::Success)
}

/// `$SOURCE_DATE_EPOCH` if set (reproducible builds, as apk-tools honours it), else now.
fn build_time() -> Result<u64, String> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(value) => value
            .trim()
            .parse()
            .map_err(|_| format!("SOURCE_DATE_EPOCH `{value}` is not a number of seconds")),
        Err(_) => Ok(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)),
    }
}

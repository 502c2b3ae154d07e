//! `secfixes index annotate`: a repository's signed `APKINDEX.tar.gz` with the CVEs each
//! version fixes added as the `SECFIXES` member, signed anew (docs/EXPORTS.md, "Security
//! data in APKINDEX").
//!
//! The fixes come from secdb documents given with `--secdb`, or from the store (`fix`
//! rows and the severities of the states of `--repo TAG`). Only the origins of the
//! index's packages are kept.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;

use secfixes_apk::annotation::{self, Annotation};
use secfixes_apk::apkindex::{self, Algorithm, Keys, SigningKey, Trust};
use secfixes_apk::secdb::{self, Format};
use secfixes_apk::{Error, ErrorKind};

use crate::exit::Status;
use crate::store::{Need, StoreArgs};
use secfixes_tracker::export::write_file;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Write IN again as OUT with the CVEs each version of its packages fixes, as a
    /// `SECFIXES` tar member that apk-tools skips, signed by --key.
    ///
    /// The fixes come from --secdb FILE, repeatable (secdb JSON or the historical YAML), or from
    /// the store's fixes and severities for --repo TAG. DESCRIPTION and APKINDEX are
    /// copied byte for byte; the old signatures are replaced by one by --key. IN is
    /// verified first (--keys-dir, or --allow-untrusted).
    Annotate(Annotate),
}

#[derive(Debug, clap::Args)]
struct Annotate {
    /// RSA private key in PEM; the signature is named after it plus `.pub`, as
    /// abuild-sign does, unless --key-name is given.
    #[arg(long, value_name = "PRIVATE_KEY")]
    key: PathBuf,
    /// The name of the public key in /etc/apk/keys (abuild-sign's -p).
    #[arg(long, value_name = "NAME")]
    key_name: Option<String>,
    /// Signature type: RSA (SHA-1, what Alpine uses), RSA256 or RSA512.
    #[arg(long = "type", value_name = "TYPE", default_value = "RSA", value_parser = super::apkindex::parse_algorithm)]
    algorithm: Algorithm,
    /// Directory of trusted public keys to verify IN with.
    #[arg(long, value_name = "DIR", required_unless_present = "allow_untrusted")]
    keys_dir: Option<PathBuf>,
    /// Accept an IN that is not signed by a trusted key.
    #[arg(long)]
    allow_untrusted: bool,
    /// A secdb document to take fixes from instead of the store (repeat for more: the
    /// fixes of all are joined).
    #[arg(long, value_name = "FILE", conflicts_with = "repo")]
    secdb: Vec<PathBuf>,
    /// The store's repository tag to take fixes and severities from (`3.16-main`).
    #[arg(long, value_name = "TAG", required_unless_present = "secdb")]
    repo: Option<String>,
    #[command(flatten)]
    store: StoreArgs,
    #[arg(value_name = "IN")]
    input: PathBuf,
    #[arg(value_name = "OUT")]
    output: PathBuf,
}

pub fn run(args: Args) -> Result<Status, Box<dyn std::error::Error>> {
    let Command::Annotate(args) = args.command;
    let mut key = SigningKey::from_pem_file(&args.key)?;
    if let Some(name) = &args.key_name {
        key = key.with_name(name.clone());
    }
    let keys = match &args.keys_dir {
        Some(dir) => Keys::from_dir(dir)?,
        None => Keys::new(),
    };
    let trust = Trust {
        keys: &keys,
        allow_untrusted: args.allow_untrusted,
    };
    let input = &args.input;
    let bytes = std::fs::read(input).map_err(|e| Error::io(input, e))?;
    let index = apkindex::read(&bytes, trust).map_err(|e| e.in_file(input))?;
    let packages = index.with_source(input.clone()).packages().map(|ps| {
        ps.iter()
            .map(|p| p.origin.as_deref().unwrap_or(&p.name).to_owned())
            .collect::<BTreeSet<String>>()
    })?;
    let annotation = if args.secdb.is_empty() {
        from_store(&args, &packages)?
    } else {
        from_secdb(&args.secdb, &packages)?
    };
    let member = annotation.to_json();
    let out = apkindex::add_members(
        &bytes,
        trust,
        &[(annotation::MEMBER, member.as_bytes())],
        &key,
        args.algorithm,
    )
    .map_err(|e| e.in_file(input))?;
    write_file(&args.output, &out).map_err(|e| Error::io(&args.output, e))?;
    writeln!(
        std::io::stdout().lock(),
        "{}: {} of {} origins annotated with {} fixes ({} severities), signed by {}",
        args.output.display(),
        annotation.packages.len(),
        packages.len(),
        annotation.len(),
        annotation.severities.len(),
        key.name()
    )?;
    Ok(Status::Success)
}

fn from_secdb(files: &[PathBuf], origins: &BTreeSet<String>) -> Result<Annotation, Error> {
    let mut docs = Vec::new();
    for file in files {
        let parsed = secdb::read(file, Format::from_path(file))?;
        for diagnostic in &parsed.diagnostics {
            eprintln!("secfixes: warning: {diagnostic}");
        }
        docs.push(parsed.value);
    }
    Ok(Annotation::from_secdb(&docs, |name| origins.contains(name)))
}

fn from_store(
    args: &Annotate,
    origins: &BTreeSet<String>,
) -> Result<Annotation, Box<dyn std::error::Error>> {
    let tag = args
        .repo
        .as_deref()
        .ok_or("give --repo TAG (the store's repository tag) or --secdb FILE")?;
    let (_, mut db) = args.store.open(Need::DatabaseOnly)?;
    let tags = secfixes_tracker::annotation::tags(db.as_mut())?;
    if !tags.iter().any(|t| t == tag) {
        return Err(Error::new(
            ErrorKind::Config,
            format!(
                "the store has no repository tag `{tag}` (it has: {})",
                if tags.is_empty() {
                    "none".to_owned()
                } else {
                    tags.join(", ")
                }
            ),
        )
        .in_field("--repo")
        .into());
    }
    Ok(secfixes_tracker::annotation::read(
        db.as_mut(),
        tag,
        |origin| origins.contains(origin),
    )?)
}

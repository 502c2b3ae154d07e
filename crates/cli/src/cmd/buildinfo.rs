//! `secfixes buildinfo`: read, check and write BUILDINFO files (docs/BUILDINFO.md).
//!
//! - `fmt FILE`: reads the file and prints it back; a file makepkg or secfixes wrote comes
//!   back byte for byte. Unknown keys are warnings on stderr; a malformed file exits 2
//!   naming the line and key.
//! - `generate`: writes the BUILDINFO of an apk build from the build root's installed
//!   database, the APKBUILD and the build's parameters.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use secfixes_apk::Error;
use secfixes_apk::buildinfo::{self, BuildInfo, Fields};

use crate::exit::Status;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Read FILE (`-` for stdin) and print it back in the format's form.
    Fmt {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Write the BUILDINFO of an apk build (format 2, the apk meaning of each key).
    Generate(Box<Generate>),
}

#[derive(Debug, clap::Args)]
struct Generate {
    /// The build root: its `lib/apk/db/installed` lists what was installed.
    #[arg(long, value_name = "DIR")]
    root: PathBuf,
    /// The APKBUILD that was built: its SHA-256 (`pkgbuild_sha256sum`), `options=` and
    /// directory (the default `startdir`).
    #[arg(long, value_name = "FILE")]
    apkbuild: PathBuf,
    /// The package (a subpackage's own name).
    #[arg(long)]
    pkgname: String,
    /// The origin; by default `pkgname`.
    #[arg(long)]
    pkgbase: Option<String>,
    /// `pkgver-rN`.
    #[arg(long)]
    pkgver: String,
    /// The package's architecture (`x86_64`, `noarch`).
    #[arg(long)]
    pkgarch: String,
    #[arg(long, default_value = "")]
    packager: String,
    /// SOURCE_DATE_EPOCH of the build (by default the environment's).
    #[arg(long, env = "SOURCE_DATE_EPOCH", value_name = "SECONDS")]
    builddate: i64,
    /// The directory the build ran in; by default `startdir/src`.
    #[arg(long, value_name = "DIR")]
    builddir: Option<String>,
    /// The directory of the APKBUILD; by default the one `--apkbuild` names.
    #[arg(long, value_name = "DIR")]
    startdir: Option<String>,
    #[arg(long, default_value = "abuild")]
    buildtool: String,
    /// The build tool's version (`3.14.1-r0`).
    #[arg(long)]
    buildtoolver: String,
    /// A build environment setting (repeat): `!ccache`, `color`.
    #[arg(long)]
    buildenv: Vec<String>,
    /// Where to write it; by default stdout.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<Status, Box<dyn std::error::Error>> {
    match args.command {
        Command::Fmt { file } => {
            let bytes = if file == Path::new("-") {
                let mut buf = Vec::new();
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)?;
                buf
            } else {
                std::fs::read(&file).map_err(|e| Error::io(&file, e))?
            };
            let parsed = BuildInfo::parse(&bytes).map_err(|e| e.in_file(&file))?;
            for d in &parsed.diagnostics {
                eprintln!("secfixes: warning: {}: {d}", file.display());
            }
            std::io::stdout()
                .lock()
                .write_all(parsed.value.to_text().as_bytes())?;
            Ok(Status::Success)
        }
        Command::Generate(g) => generate(&g),
    }
}

fn generate(g: &Generate) -> Result<Status, Box<dyn std::error::Error>> {
    let db_path = g.root.join("lib/apk/db/installed");
    let db_text = std::fs::read_to_string(&db_path).map_err(|e| Error::io(&db_path, e))?;
    let installed = secfixes_apk::installed::parse(&db_text).map_err(|e| e.in_file(&db_path))?;
    let apkbuild_bytes = std::fs::read(&g.apkbuild).map_err(|e| Error::io(&g.apkbuild, e))?;
    let apkbuild = secfixes_apk::apkbuild::parse(&String::from_utf8_lossy(&apkbuild_bytes)).value;
    let options = apkbuild.options().ok_or_else(|| {
        Error::new(
            secfixes_apk::ErrorKind::Syntax,
            "options= is not a plain literal (it needs the shell)",
        )
        .in_file(&g.apkbuild)
        .in_field("options")
    })?;
    let startdir = match &g.startdir {
        Some(dir) => dir.clone(),
        None => std::path::absolute(&g.apkbuild)?
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "/".to_owned()),
    };
    let fields = Fields {
        pkgname: g.pkgname.clone(),
        pkgbase: g.pkgbase.clone().unwrap_or_else(|| g.pkgname.clone()),
        pkgver: g.pkgver.clone(),
        pkgarch: g.pkgarch.clone(),
        pkgbuild_sha256sum: Sha256::digest(&apkbuild_bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        packager: g.packager.clone(),
        builddate: g.builddate,
        builddir: g
            .builddir
            .clone()
            .unwrap_or_else(|| format!("{startdir}/src")),
        startdir,
        buildtool: g.buildtool.clone(),
        buildtoolver: g.buildtoolver.clone(),
        buildenv: g.buildenv.clone(),
        options,
        installed: buildinfo::installed_entries(&installed),
    };
    let text = BuildInfo::v2(&fields)?.to_text();
    match &g.output {
        Some(path) => std::fs::write(path, text).map_err(|e| Error::io(path, e))?,
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    Ok(Status::Success)
}

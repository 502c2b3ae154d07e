//! `secfixes audit`: the installed packages of a system against the security data in its
//! repositories' indexes (see [`secfixes_audit`]).
//!
//! Exit status 0 when nothing is listed, 1 when something is, 2 on bad input (a missing or
//! corrupt installed database, a bad repositories or ignore file, an index with a bad
//! signature, an unreachable repository without a cached index).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};

use secfixes_audit::{Date, Mode, Options};

use crate::exit::Status;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The root of the system to audit.
    #[arg(long, value_name = "DIR", default_value = "/")]
    root: PathBuf,
    /// The repositories file (default: <root>/etc/apk/repositories and
    /// <root>/etc/apk/repositories.d/*.list).
    #[arg(long, value_name = "FILE")]
    repositories_file: Option<PathBuf>,
    /// List pending upgrades (with --security: only those that fix vulnerabilities)
    /// instead of installed packages with unfixed vulnerabilities.
    #[arg(long)]
    upgradable: bool,
    /// Only what concerns vulnerabilities (with --upgradable: the upgrades that fix
    /// some; alone, the default listing of vulnerable packages).
    #[arg(long)]
    security: bool,
    /// Print the stable JSON document instead of a table.
    #[arg(long)]
    json: bool,
    /// Findings to leave out (TOML or YAML: id, optional package, reason, expiry date).
    #[arg(long, value_name = "FILE")]
    ignore: Option<PathBuf>,
    /// Where downloaded indexes are cached (default: <root>/var/cache/secfixes).
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// The trusted keys (default: <root>/etc/apk/keys).
    #[arg(long, value_name = "DIR")]
    keys_dir: Option<PathBuf>,
    /// Accept indexes not signed by a trusted key (a bad signature by a trusted key is
    /// still an error).
    #[arg(long)]
    allow_untrusted: bool,
    /// The architecture (default: <root>/etc/apk/arch, else this machine's).
    #[arg(long, value_name = "ARCH")]
    arch: Option<String>,
}

pub fn run(args: Args) -> Result<Status, Box<dyn std::error::Error>> {
    let mode = match (args.upgradable, args.security) {
        (true, true) => Mode::SecurityUpgrades,
        (true, false) => Mode::Upgradable,
        (false, _) => Mode::Vulnerable,
    };
    let options = Options {
        root: args.root,
        repositories_file: args.repositories_file,
        arch: args.arch,
        cache_dir: args.cache_dir,
        keys_dir: args.keys_dir,
        allow_untrusted: args.allow_untrusted,
        mode,
        ignore_file: args.ignore,
        today: Date::today(),
    };
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
            bar.set_style(style);
        }
        bar.set_message("reading the repositories' indexes");
        bar.enable_steady_tick(std::time::Duration::from_millis(100));
        bar
    } else {
        ProgressBar::hidden()
    };
    let result = secfixes_audit::run(&options, &|url| bar.set_message(format!("read {url}")));
    bar.finish_and_clear();
    let report = result?;
    for warning in &report.warnings {
        eprintln!("secfixes: warning: {warning}");
    }
    let text = if args.json {
        report.to_json()
    } else {
        report.to_table()
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(if report.found() {
        Status::Failure
    } else {
        Status::Success
    })
}

//! `secfixes explain CVE PACKAGE BRANCH`: why a package version has the state it has.

use std::io::Write;

use secfixes_tracker::report;

use crate::exit::Status;
use crate::store::{Need, StoreArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    store: StoreArgs,
    /// The vulnerability id, e.g. `CVE-2022-37434`.
    cve: String,
    /// The origin (source package) name.
    package: String,
    /// The repository tag, e.g. `3.16-main`.
    branch: String,
}

/// Exits 1 when there is no verdict for the package (nothing ties the CVE to it).
pub fn run(args: Args) -> Result<Status, Box<dyn std::error::Error>> {
    let (_, mut db) = args.store.open(Need::DatabaseOnly)?;
    let verdicts = report::explain(db.as_mut(), &args.cve, &args.package, &args.branch)?;
    let mut out = std::io::stdout().lock();
    if verdicts.is_empty() {
        writeln!(
            out,
            "{} {} in {}: no verdict (no rule, fix or rejection ties them, or the package is not published)",
            args.cve, args.package, args.branch
        )?;
        return Ok(Status::Failure);
    }
    for v in verdicts {
        write!(
            out,
            "{} {} {} in {}: {}",
            args.cve, args.package, v.version, args.branch, v.state
        )?;
        if let Some(fix) = &v.fixed_version {
            write!(out, " (fix {fix}")?;
            if let Some(source) = &v.fix_source {
                write!(out, " from {source}")?;
            }
            if let Some(t) = v.fix_shipped {
                write!(out, ", shipped {}", date(t))?;
            }
            write!(out, ")")?;
        }
        if let (Some(sev), Some(score)) = (&v.severity, v.score) {
            write!(out, ", severity {sev} ({score:.1})")?;
        }
        writeln!(out)?;
        write!(out, "{}", v.explanation)?;
    }
    Ok(Status::Success)
}

/// A Unix time as an ISO 8601 UTC date (days since the epoch → civil date).
fn date(t: i64) -> String {
    let days = t.div_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    format!("{:04}-{:02}-{:02}", if m <= 2 { y + 1 } else { y }, m, d)
}

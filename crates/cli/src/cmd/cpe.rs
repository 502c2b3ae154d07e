//! `secfixes cpe`: parse CPE 2.3 names and match them (NISTIR 7695/7696).

use std::io::Write;

use secfixes_cve::cpe::{Attribute, Cpe, Value};

use crate::exit::Status;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Print `true` (exit 0) when PATTERN matches NAME (every attribute of PATTERN is a
    /// superset of or equal to NAME's), `false` (exit 1) otherwise. An invalid CPE is an
    /// error (exit 2).
    Match { pattern: String, name: String },
    /// Print the attributes of a CPE 2.3 formatted string as JSON: the unescaped text of
    /// each value, `ANY` for `*`, `NA` for `-`, `{"pattern": …}` for a value with wildcards.
    Parse { cpe: String },
}

fn parse(s: &str) -> Result<Cpe, secfixes_apk::Error> {
    s.parse::<Cpe>()
}

fn value_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Any => "ANY".into(),
        Value::Na => "NA".into(),
        v => match v.literal() {
            Some(text) => text.into(),
            None => serde_json::json!({ "pattern": v.to_string() }),
        },
    }
}

pub fn run(args: Args) -> Result<Status, Box<dyn std::error::Error>> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.command {
        Command::Match { pattern, name } => {
            let pattern = parse(&pattern)?;
            let name = parse(&name)?;
            let holds = pattern.matches(&name);
            writeln!(out, "{holds}")?;
            Ok(if holds {
                Status::Success
            } else {
                Status::Failure
            })
        }
        Command::Parse { cpe } => {
            let cpe = parse(&cpe)?;
            let mut map = serde_json::Map::new();
            map.insert("cpe".into(), cpe.to_string().into());
            for a in Attribute::ALL {
                map.insert(a.as_str().into(), value_json(cpe.get(a)));
            }
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&serde_json::Value::Object(map))?
            )?;
            Ok(Status::Success)
        }
    }
}

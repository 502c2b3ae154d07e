//! `secfixes version`: validate and compare apk versions (the forms scripts rely on).

use std::io::{BufRead, BufWriter, Write};

use secfixes_apk::version::{self, Op};

use crate::exit::Status;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Print `<`, `=` or `>` for A compared with B. An invalid version is an error (exit 2).
    ///
    /// With --batch, read lines `A B` from stdin and print one result per line, in order:
    /// `<`, `=`, `>`, or `!` when a line does not hold two valid versions.
    Compare {
        /// Read pairs from stdin instead of the arguments.
        #[arg(long, conflicts_with_all = ["a", "b"])]
        batch: bool,
        #[arg(required_unless_present = "batch")]
        a: Option<String>,
        #[arg(required_unless_present = "batch")]
        b: Option<String>,
    },
    /// Exit 0 when every version is valid; otherwise print each invalid one and exit 1.
    Check {
        #[arg(required = true)]
        versions: Vec<String>,
    },
    /// Print `true` (exit 0) when `A OP B` holds, `false` (exit 1) otherwise.
    ///
    /// OP is one of < <= = >= > ~ <~ >~, optionally negated with a leading `!`.
    Match {
        a: String,
        #[arg(allow_hyphen_values = true)]
        op: String,
        b: String,
    },
}

pub fn run(args: Args) -> Result<Status, Box<dyn std::error::Error>> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.command {
        Command::Compare { batch: true, .. } => {
            compare_batch(std::io::stdin().lock(), &mut BufWriter::new(out))?;
            Ok(Status::Success)
        }
        Command::Compare { a, b, .. } => {
            let (a, b) = (a.unwrap_or_default(), b.unwrap_or_default());
            version::validate(&a)?;
            version::validate(&b)?;
            writeln!(out, "{}", symbol(version::compare(&a, &b)))?;
            Ok(Status::Success)
        }
        Command::Check { versions } => {
            let mut status = Status::Success;
            for v in &versions {
                if let Err(err) = version::validate(v) {
                    writeln!(out, "{}", err.message())?;
                    status = Status::Failure;
                }
            }
            Ok(status)
        }
        Command::Match { a, op, b } => {
            let op = Op::parse(&op)?;
            version::validate(&a)?;
            version::validate(&b)?;
            let holds = op.matches(&a, &b);
            writeln!(out, "{holds}")?;
            Ok(if holds {
                Status::Success
            } else {
                Status::Failure
            })
        }
    }
}

fn symbol(ordering: std::cmp::Ordering) -> &'static str {
    match ordering {
        std::cmp::Ordering::Less => "<",
        std::cmp::Ordering::Equal => "=",
        std::cmp::Ordering::Greater => ">",
    }
}

/// Compares each `A B` line; never stops on bad input (a line that is not two valid
/// versions gives `!`, including lines that are not UTF-8).
fn compare_batch(mut input: impl BufRead, out: &mut impl Write) -> std::io::Result<()> {
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        let text = std::str::from_utf8(&line).unwrap_or("");
        let text = text.strip_suffix('\n').unwrap_or(text);
        let text = text.strip_suffix('\r').unwrap_or(text);
        let mut fields = text.split_ascii_whitespace();
        let result = match (fields.next(), fields.next(), fields.next()) {
            (Some(a), Some(b), None) if version::is_valid(a) && version::is_valid(b) => {
                symbol(version::compare(a, b))
            }
            _ => "!",
        };
        out.write_all(result.as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn batch_answers_every_line_in_order() {
        let input: &[u8] = b"1.0 1.1\n2.0-r1 2.0-r1\n1.10 1.9\n5.1p1-r0 5.1\nonly-one\n\n1 2 3\n\xff 1\n1.0 1.0\r\n";
        let mut out = Vec::new();
        compare_batch(input, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<\n=\n>\n!\n!\n!\n!\n!\n=\n"
        );
    }
}

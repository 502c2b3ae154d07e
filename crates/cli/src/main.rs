//! The `secfixes` command. Each subcommand lives in its own module under `cmd/`; this file
//! only parses the command line and turns results into exit codes.

use std::process::ExitCode;

use clap::Parser;

/// See the workspace Cargo.toml for why.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cmd;
mod exit;
mod progress;
mod store;

fn main() -> ExitCode {
    let cli = cmd::Cli::parse();
    match cmd::run(cli) {
        Ok(code) => code.into(),
        Err(err) => {
            eprintln!("secfixes: error: {err}");
            exit::Status::Error.into()
        }
    }
}

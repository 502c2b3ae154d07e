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
        // The reader went away (`secfixes report … | head`): it has all it wanted.
        Err(err) if broken_pipe(err.as_ref()) => exit::Status::Success.into(),
        Err(err) => {
            eprintln!("secfixes: error: {err}");
            exit::Status::Error.into()
        }
    }
}

/// Whether `err`, or an error it was caused by, is a write to a closed pipe.
fn broken_pipe(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(err);
    while let Some(err) = next {
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::BrokenPipe
        {
            return true;
        }
        // serde_json keeps its I/O error out of the `source` chain.
        if let Some(json) = err.downcast_ref::<serde_json::Error>()
            && json.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe)
        {
            return true;
        }
        // secfixes_apk::Error keeps its I/O error as its source, reached next.
        next = err.source();
    }
    false
}

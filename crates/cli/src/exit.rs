//! Exit statuses shared by every subcommand, so that scripts can rely on them.

use std::process::ExitCode;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The command did what was asked and the answer is "yes" (valid, verified, nothing found).
    Success,
    /// The command ran, and the answer is "no" (an invalid version, a finding).
    Failure,
    /// The input could not be used: a bad argument, an unreadable or malformed file.
    Error,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        match status {
            Status::Success => ExitCode::SUCCESS,
            Status::Failure => ExitCode::from(1),
            Status::Error => ExitCode::from(2),
        }
    }
}

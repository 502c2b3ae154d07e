//! `secfixes secdb`: TODO.

use crate::exit::Status;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> Result<Status, Box<dyn std::error::Error>> {
    Err("not implemented yet".into())
}

//! `mbx serve`: the sandbox as a standalone server.

use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {}

pub fn run(_args: ServeArgs) -> ExitCode {
    eprintln!("mbx serve: the sandbox is being built");
    ExitCode::from(1)
}

//! The headless commands: one answer on stdout, errors on stderr, a meaningful exit code.

use super::{Command, ConnArgs, UiArgs};
use std::process::ExitCode;

pub fn run(_command: Command, _conn: &ConnArgs, _ui: &UiArgs) -> ExitCode {
    eprintln!("mbx: headless commands are being built");
    ExitCode::from(1)
}

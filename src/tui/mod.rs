//! The explorer: state, messages, update, effects and views (ratatui).

use crate::cli::{ConnArgs, UiArgs};
use std::process::ExitCode;

/// Opens the explorer (no subcommand).
pub fn run(_conn: &ConnArgs, _ui: &UiArgs) -> ExitCode {
    eprintln!("mbx: the explorer is being built");
    ExitCode::from(1)
}

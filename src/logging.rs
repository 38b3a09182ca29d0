//! `--log-file PATH`: tracing to a file, never to the terminal (the explorer owns the screen).
//! Without the flag nothing is logged. `MBX_LOG` sets the filter (default `mbx=info`).

use std::fs::OpenOptions;
use std::path::Path;
use std::sync::Mutex;

#[derive(Debug, thiserror::Error)]
#[error("cannot open log file {path}: {source}")]
pub struct LogFileError {
    path: String,
    source: std::io::Error,
}

/// Starts logging to `path` (appending). Call once, before anything logs.
pub fn init(path: &Path) -> Result<(), LogFileError> {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|source| LogFileError {
            path: path.display().to_string(),
            source,
        })?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("MBX_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("mbx=info"));
    // A second init (tests) keeps the first subscriber; that is fine.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init();
    Ok(())
}

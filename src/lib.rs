//! mbx: a terminal explorer for the Metabase Agent API, with a built-in sandbox server.

pub mod api;
pub mod cli;
pub mod compare;
pub mod config;
pub mod data;
pub mod export;
pub mod grid;
pub mod history;
pub mod logging;
pub mod portable;
pub mod printable;
pub mod query;
pub mod sandbox;
pub mod tui;

//! Feeling at home: config profiles and secrets end to end (`mbx config check` as a process
//! against a real sandbox), user themes and NO_COLOR on a rendered buffer, keys.toml overrides,
//! and shell completions sourced in bash.

#[path = "config/common.rs"]
mod common;
#[path = "config/completions.rs"]
mod completions;
#[path = "config/keys.rs"]
mod keys;
#[path = "config/profiles.rs"]
mod profiles;
#[path = "config/themes.rs"]
mod themes;

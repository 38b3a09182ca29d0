//! The client's integration tests: hostile fake servers for every transport failure, the real
//! sandbox over HTTP for every endpoint and auth mode, and the headless commands as a process.

#[path = "client/common.rs"]
mod common;
#[path = "client/compare.rs"]
mod compare;
#[path = "client/endpoints.rs"]
mod endpoints;
#[path = "client/headless.rs"]
mod headless;
#[path = "client/hostile.rs"]
mod hostile;
#[path = "client/redaction.rs"]
mod redaction;
#[path = "client/sandbox.rs"]
mod sandbox;

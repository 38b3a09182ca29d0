//! Integration tests of the sandbox: each starts the real server on an ephemeral loopback port
//! and talks to it over HTTP with JWTs signed here.

#[path = "sandbox/auth.rs"]
mod auth;
#[path = "sandbox/common.rs"]
mod common;
#[path = "sandbox/e3.rs"]
mod e3;
#[path = "sandbox/queries.rs"]
mod queries;
#[path = "sandbox/read.rs"]
mod read;
#[path = "sandbox/serve.rs"]
mod serve;

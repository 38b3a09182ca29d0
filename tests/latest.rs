//! Integration tests of `--profile latest`: each starts the real sandbox on an ephemeral
//! loopback port and talks to it over HTTP with JWTs signed here.

#[path = "latest/browse.rs"]
mod browse;
#[path = "latest/construct.rs"]
mod construct;
#[path = "latest/content.rs"]
mod content;
#[path = "latest/resources.rs"]
mod resources;
#[path = "latest/routing.rs"]
mod routing;
#[path = "latest/running.rs"]
mod running;
#[path = "latest/search.rs"]
mod search;
#[path = "latest/support.rs"]
mod support;

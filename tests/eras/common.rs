//! Helpers: a sandbox per profile and a client that detects its era.

use mbx::api::types::{ApiEra, ItemKind, SearchRequest};
use mbx::api::{AuthConfig, Client, ClientConfig, JwtConfig, Secret};
use mbx::sandbox::{self, Profile, Sandbox, SandboxConfig};
use std::time::Duration;

pub const SECRET: &str = "eras-test-secret-0123456789abcdef";
pub const PROFILES: [Profile; 3] = [Profile::E2, Profile::E3, Profile::Latest];

pub async fn start(profile: Profile) -> Sandbox {
    sandbox::start(SandboxConfig {
        port: 0,
        profile,
        secret: Some(SECRET.into()),
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts")
}

/// A JWT client for `email`; `era` forces a surface, `None` detects it.
pub fn client(url: &str, email: &str, era: Option<ApiEra>) -> Client {
    Client::new(ClientConfig {
        timeout: Duration::from_secs(20),
        era,
        ..ClientConfig::new(
            url,
            AuthConfig::Jwt(JwtConfig::new(Secret::new(SECRET), email)),
        )
    })
    .expect("client")
}

/// The id of the table or metric called `name`, found by search.
pub async fn find(c: &Client, kind: ItemKind, name: &str) -> i64 {
    let hits = c
        .search(&SearchRequest {
            term_queries: vec![name.to_lowercase()],
            ..SearchRequest::default()
        })
        .await
        .expect("search");
    hits.data
        .iter()
        .find(|h| h.kind == kind && h.name.eq_ignore_ascii_case(name))
        .unwrap_or_else(|| panic!("no {kind:?} {name} in {:?}", hits.data))
        .id
}

//! Helpers shared by the client tests.

use mbx::api::{AuthConfig, Client, ClientConfig, JwtConfig, Secret};
use std::time::Duration;

pub const TEST_SECRET: &str = "client-test-secret-0123456789abcdef";

/// A JWT-mode config for `email` against `url`, with a short timeout.
pub fn jwt_config(url: &str, email: &str) -> ClientConfig {
    ClientConfig {
        timeout: Duration::from_secs(5),
        ..ClientConfig::new(
            url,
            AuthConfig::Jwt(JwtConfig::new(Secret::new(TEST_SECRET), email)),
        )
    }
}

pub fn jwt_client(url: &str, email: &str) -> Client {
    Client::new(jwt_config(url, email)).expect("client")
}

/// Fails if any credential text appears in `text`.
pub fn assert_no_secret(text: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(
            !s.is_empty() && !text.contains(s),
            "a secret leaked into: {text}"
        );
    }
}

/// Serves `app` on a free loopback port; the server lives as long as the test's runtime.
pub async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

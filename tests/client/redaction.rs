//! No credential — shared secret, JWT, session token, API key — appears in the request log,
//! copy-as-curl (unless inlined), error messages or Debug output. A recording server keeps
//! every credential it was sent, so the test knows exactly what to look for.

use crate::common::*;
use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use mbx::api::types::{ApiEra, SearchRequest};
use mbx::api::{AuthConfig, Client, ClientConfig, JwtConfig, Secret};
use std::sync::{Arc, Mutex};

const SESSION: &str = "5e55-10n-70k3n-0123456789";

#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<String>>>);

impl Seen {
    fn add(&self, s: &str) {
        if let Ok(mut v) = self.0.lock() {
            v.push(s.to_string());
        }
    }
    fn all(&self) -> Vec<String> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

/// Answers search with the credentials echoed back (a hostile server), and refuses table reads
/// with an error text that echoes them too.
async fn recording_server(seen: Seen) -> String {
    let echo = |seen: Seen| {
        move |headers: HeaderMap, body: String| {
            let seen = seen.clone();
            async move {
                let mut creds = Vec::new();
                for h in ["authorization", "x-metabase-session", "x-api-key"] {
                    if let Some(v) = headers.get(h).and_then(|v| v.to_str().ok()) {
                        let v = v.trim_start_matches("Bearer ").to_string();
                        seen.add(&v);
                        creds.push(v);
                    }
                }
                if let Ok(serde_json::Value::Object(m)) = serde_json::from_str(&body)
                    && let Some(jwt) = m.get("jwt").and_then(|v| v.as_str())
                {
                    seen.add(jwt);
                }
                creds.join(" ")
            }
        }
    };
    let app = Router::new()
        .route(
            "/auth/sso/to_session",
            post({
                let e = echo(seen.clone());
                move |h: HeaderMap, b: String| async move {
                    e(h, b).await;
                    axum::Json(serde_json::json!({ "session_token": SESSION }))
                }
            }),
        )
        .route(
            "/api/agent/v1/search",
            post({
                let e = echo(seen.clone());
                move |h: HeaderMap, b: String| async move {
                    let creds = e(h, b).await;
                    axum::Json(serde_json::json!({
                        "data": [{"id": 1, "type": "table", "name": creds}],
                        "total_count": 1
                    }))
                }
            }),
        )
        .route(
            "/api/agent/v1/table/{id}",
            get({
                let e = echo(seen.clone());
                move |h: HeaderMap| async move {
                    let creds = e(h, String::new()).await;
                    (
                        StatusCode::FORBIDDEN,
                        [(header::CONTENT_TYPE, "text/plain")],
                        format!("no access for {creds}"),
                    )
                        .into_response()
                }
            }),
        )
        .route(
            "/api/agent/v1/ping",
            get(|| async { (StatusCode::OK, "not json {") }),
        );
    serve(app).await
}

async fn exercise(client: &Client) -> String {
    let mut seen_text = String::new();
    client
        .search(&SearchRequest {
            term_queries: vec!["x".into()],
            ..SearchRequest::default()
        })
        .await
        .expect("search answers");
    let e = client
        .table(1, Default::default())
        .await
        .expect_err("forbidden");
    seen_text.push_str(&format!("{e} {e:?}\n"));
    let e = client.ping().await.expect_err("not json");
    seen_text.push_str(&format!("{e} {e:?}\n"));
    for entry in client.log().entries() {
        seen_text.push_str(&format!("{entry:?}\n{}\n", entry.to_curl(None)));
    }
    seen_text.push_str(&format!("{client:?} {:?}", client.auth_status()));
    seen_text
}

fn forced(config: ClientConfig) -> ClientConfig {
    ClientConfig {
        era: Some(ApiEra::E2),
        ..config
    }
}

#[tokio::test]
async fn jwt_mode_never_shows_the_secret_or_a_token() {
    let seen = Seen::default();
    let url = recording_server(seen.clone()).await;
    let client = Client::new(forced(jwt_config(&url, "analyst@example.com"))).expect("client");
    let text = exercise(&client).await;
    let tokens = seen.all();
    assert!(
        !tokens.is_empty() && tokens.iter().all(|t| t.len() > 20),
        "{tokens:?}"
    );
    let mut secrets: Vec<&str> = tokens.iter().map(String::as_str).collect();
    secrets.push(TEST_SECRET);
    assert_no_secret(&text, &secrets);
    assert!(text.contains("<redacted>"), "the echoed token was replaced");
    // Inlining is the one way to see it, and only when asked.
    let last = client.log().entries()[0].to_curl(Some(&tokens[0]));
    assert!(last.contains(&tokens[0]));
}

#[tokio::test]
async fn session_mode_never_shows_the_jwt_or_the_session() {
    let seen = Seen::default();
    let url = recording_server(seen.clone()).await;
    let config = forced(ClientConfig::new(
        &url,
        AuthConfig::Session(JwtConfig::new(Secret::new(TEST_SECRET), "a@x")),
    ));
    let client = Client::new(config).expect("client");
    let text = exercise(&client).await;
    let mut secrets: Vec<String> = seen.all();
    assert!(secrets.iter().any(|s| s == SESSION), "the session was used");
    secrets.push(TEST_SECRET.into());
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    assert_no_secret(&text, &secrets);
    let exchange = &client.log().entries()[0];
    assert_eq!(
        exchange.request_body.as_deref(),
        Some(r#"{"jwt":"<redacted>"}"#)
    );
    assert!(exchange.response_preview.contains("<redacted>"));
    assert!(exchange.to_curl(None).contains("$MBX_TOKEN"));
}

#[tokio::test]
async fn api_key_mode_never_shows_the_key() {
    let seen = Seen::default();
    let url = recording_server(seen.clone()).await;
    let key = "mb_KeyThatMustStayHidden0123";
    let config = forced(ClientConfig::new(
        &url,
        AuthConfig::ApiKey {
            key: Secret::new(key),
            label: "key".into(),
        },
    ));
    let client = Client::new(config).expect("client");
    let text = exercise(&client).await;
    assert_eq!(seen.all().first().map(String::as_str), Some(key));
    assert_no_secret(&text, &[key]);
}

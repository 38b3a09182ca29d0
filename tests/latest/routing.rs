//! Auth around the whole namespace, the removed v1 endpoints, and API keys.

use crate::support::*;
use serde_json::json;

#[tokio::test]
async fn unknown_paths_are_401_without_credentials_and_404_with_them() {
    let env = start().await;
    let anonymous = env.send(env.http.get(env.url("/v1/nope"))).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.json()["error"], "missing_authorization");
    let known = env.get_as(ADMIN, "/v1/nope").await;
    assert_eq!(known.status, 404);
    assert!(known.is_plain());
    assert_eq!(known.text, "API endpoint does not exist.");
}

#[tokio::test]
async fn removed_v1_endpoints_answer_404() {
    let env = start().await;
    for path in [
        "/v1/table/2",
        "/v1/table/0",
        "/v1/metric/101",
        "/v1/table/2/field/1/values",
        "/v1/metric/101/field/1/values",
        "/v1/database",
        "/v1/database/1",
    ] {
        let a = env.get_as(ADMIN, path).await;
        assert_eq!(
            (a.status.as_u16(), a.text.as_str()),
            (404, "API endpoint does not exist."),
            "{path}"
        );
        assert!(a.is_plain(), "{path}");
    }
    for path in ["/v1/construct-query", "/v1/query"] {
        let a = env.post(path, json!({"table_id": ORDERS})).await;
        assert_eq!(
            (a.status.as_u16(), a.text.as_str()),
            (404, "API endpoint does not exist."),
            "{path}"
        );
    }
}

#[tokio::test]
async fn ping_answers_and_api_keys_authenticate() {
    let env = start().await;
    let pong = env.get_as(ANALYST, "/v1/ping").await;
    assert_eq!(pong.status, 200);
    assert_eq!(pong.json(), json!({"message": "pong"}));
    let keyed = env
        .send(
            env.http
                .post(env.url("/v1/read-resource"))
                .header("X-API-Key", API_KEY)
                .json(&json!({"uris": ["metabase://databases"]})),
        )
        .await;
    assert_eq!(keyed.status, 200, "{}", keyed.text);
    let total = &keyed.json()["resources"][0]["content"]["structured-output"]["total"];
    assert_eq!(total, 2, "the analyst reads both databases");
}

#[tokio::test]
async fn the_probe_ladder_sees_the_newest_surface() {
    let env = start().await;
    let probe = env.post("/v2/execute-query", json!({})).await;
    assert_eq!(probe.status, 400);
    assert!(
        probe.text.starts_with("Provide exactly one of"),
        "{}",
        probe.text
    );
    let construct = env.post("/v2/construct-query", json!({})).await;
    assert_eq!(construct.status, 400);
    assert!(construct.json()["errors"].get("query").is_some());
}

#[tokio::test]
async fn scopes_guard_the_new_endpoints() {
    let env = start().await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()).expect("key");
    let scoped = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({"email": ADMIN, "iat": now, "scope": "agent:search agent:discover:read"}),
        &key,
    )
    .expect("sign");
    let post = |path: &str, body: serde_json::Value| {
        env.http
            .post(env.url(path))
            .bearer_auth(scoped.clone())
            .json(&body)
    };
    let denied = env
        .send(post(
            "/v1/read-resource",
            json!({"uris": ["metabase://databases"]}),
        ))
        .await;
    assert_eq!(denied.status, 403);
    assert_eq!(denied.json()["error"], "unsupported_scope");
    let query = env
        .send(post(
            "/v2/execute-query",
            json!({"query": orders(json!({}))}),
        ))
        .await;
    assert_eq!(query.status, 403);
    let allowed = env
        .send(post("/v2/search", json!({"type": ["metric"]})))
        .await;
    assert_eq!(allowed.status, 200, "{}", allowed.text);
    let res = env
        .http
        .get(env.url("/v1/ping"))
        .bearer_auth(token(ADMIN))
        .send()
        .await
        .expect("ping");
    assert!(res.headers().get("x-metabase-version").is_some());
}

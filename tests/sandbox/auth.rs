//! §2: gating order, Bearer JWT rules, sessions, API keys, scopes.

use crate::common::*;
use serde_json::json;

const MISSING: &str =
    "Authentication required. Use X-Metabase-Session header or Authorization: Bearer <jwt>.";

#[tokio::test]
async fn ping_answers_pong_with_a_version_header() {
    let env = start().await;
    let res = env
        .http
        .get(env.url("/v1/ping"))
        .bearer_auth(env.token("analyst@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("x-metabase-version").is_some());
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap(),
        json!({"message": "pong"})
    );
}

#[tokio::test]
async fn gating_order_and_texts() {
    let env = start().await;
    let a = env.send(env.http.get(env.url("/v1/ping"))).await;
    assert_auth(&a, 401, "missing_authorization");
    assert_eq!(a.json()["message"], MISSING);
    for bad in ["Basic xyz", "Bearer", "Token abc"] {
        let a = env
            .send(
                env.http
                    .get(env.url("/v1/ping"))
                    .header("Authorization", bad),
            )
            .await;
        assert_auth(&a, 401, "invalid_authorization_format");
        assert_eq!(
            a.json()["message"],
            "Authorization header must use Bearer scheme: Authorization: Bearer <jwt>"
        );
    }
    for bad in ["Bearer    ", "Bearer garbage", "Bearer a.b.c"] {
        let a = env
            .send(
                env.http
                    .get(env.url("/v1/ping"))
                    .header("Authorization", bad),
            )
            .await;
        if bad.trim() == "Bearer" {
            // trailing spaces are stripped by HTTP parsing: a bare scheme
            assert_auth(&a, 401, "invalid_authorization_format");
        } else {
            assert_auth(&a, 401, "invalid_jwt");
            assert_eq!(a.json()["message"], "Invalid or expired JWT token.");
        }
    }
    let token = env.token("admin@example.com");
    for scheme in ["BEARER", "bearer", "BeArEr"] {
        let a = env
            .send(
                env.http
                    .get(env.url("/v1/ping"))
                    .header("Authorization", format!("{scheme}    {token}")),
            )
            .await;
        assert_eq!(a.status, 200, "{scheme}: {}", a.text);
    }
    // auth runs before routing
    let a = env.send(env.http.get(env.url("/v1/nope"))).await;
    assert_auth(&a, 401, "missing_authorization");
    let a = env.get("/v1/nope").await;
    assert_plain(&a, 404, "API endpoint does not exist.");
    assert_plain(
        &env.get("/v1/table/abc").await,
        404,
        "API endpoint does not exist.",
    );
    assert_invalid(&env.get("/v1/table/0").await, "id");
    // another method on a known path is an unknown endpoint too, after auth
    let a = env.post("/v1/ping", json!({})).await;
    assert_plain(&a, 404, "API endpoint does not exist.");
    let a = env.send(env.http.delete(env.url("/v1/table/2"))).await;
    assert_auth(&a, 401, "missing_authorization");
}

#[tokio::test]
async fn jwt_time_rules_and_algorithms() {
    let env = start().await;
    let now = env.now();
    let ping = |token: String| {
        let env = &env;
        async move {
            env.send(env.http.get(env.url("/v1/ping")).bearer_auth(token))
                .await
        }
    };
    let ok = |claims| sign(SECRET, &claims);
    let admin = "admin@example.com";
    assert_eq!(
        ping(ok(json!({"email": admin, "iat": now - 180})))
            .await
            .status,
        200
    );
    assert_auth(
        &ping(ok(json!({"email": admin, "iat": now - 181}))).await,
        401,
        "invalid_jwt",
    );
    assert_eq!(
        ping(ok(json!({"email": admin, "iat": now + 3600})))
            .await
            .status,
        200
    );
    assert_eq!(ping(ok(json!({"email": admin}))).await.status, 200);
    assert_auth(
        &ping(ok(json!({"email": admin, "exp": now}))).await,
        401,
        "invalid_jwt",
    );
    assert_eq!(
        ping(ok(json!({"email": admin, "exp": now + 60})))
            .await
            .status,
        200
    );
    assert_auth(
        &ping(ok(json!({"email": admin, "nbf": now + 60}))).await,
        401,
        "invalid_jwt",
    );
    assert_auth(
        &ping(ok(json!({"email": admin, "iat": "yesterday"}))).await,
        401,
        "invalid_jwt",
    );
    // case-insensitive email; unknown and deactivated users look the same
    assert_eq!(
        ping(ok(json!({"email": "ADMIN@Example.COM"}))).await.status,
        200
    );
    let unknown = ping(ok(json!({"email": "who@example.com"}))).await;
    let inactive = ping(ok(json!({"email": "inactive@example.com"}))).await;
    assert_auth(&unknown, 401, "invalid_jwt");
    assert_eq!(unknown.text, inactive.text);
    assert_auth(&ping(ok(json!({"sub": admin}))).await, 401, "invalid_jwt");
    // wrong secret, other algorithms, alg none
    assert_auth(
        &ping(sign("other", &json!({"email": admin}))).await,
        401,
        "invalid_jwt",
    );
    for alg in [
        jsonwebtoken::Algorithm::HS384,
        jsonwebtoken::Algorithm::HS512,
    ] {
        let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()).unwrap();
        let t = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(alg),
            &json!({"email": admin}),
            &key,
        )
        .unwrap();
        assert_auth(&ping(t).await, 401, "invalid_jwt");
    }
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let none = format!(
        "{}.{}.",
        b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
        b64.encode(format!(r#"{{"email":"{admin}"}}"#))
    );
    assert_auth(&ping(none).await, 401, "invalid_jwt");
}

#[tokio::test]
async fn the_age_window_follows_the_clock_and_the_setting() {
    let env = start_with(|c| c.jwt_max_age_secs = 5).await;
    let token = env.token("admin@example.com");
    let ping = || env.send(env.http.get(env.url("/v1/ping")).bearer_auth(&token));
    assert_eq!(ping().await.status, 200);
    env.clock.advance(5);
    assert_eq!(ping().await.status, 200);
    env.clock.advance(1);
    assert_auth(&ping().await, 401, "invalid_jwt");
}

#[tokio::test]
async fn email_claim_name_is_configurable() {
    let env = start_with(|c| c.jwt_email_claim = "mail".into()).await;
    let t = sign(SECRET, &json!({"mail": "analyst@example.com"}));
    let a = env
        .send(env.http.get(env.url("/v1/ping")).bearer_auth(t))
        .await;
    assert_eq!(a.status, 200);
    let t = sign(SECRET, &json!({"email": "analyst@example.com"}));
    let a = env
        .send(env.http.get(env.url("/v1/ping")).bearer_auth(t))
        .await;
    assert_auth(&a, 401, "invalid_jwt");
}

#[tokio::test]
async fn without_jwt_bearer_tokens_are_not_configured() {
    let blank = start_with(|c| c.secret = Some("  ".into())).await;
    assert_auth(&blank.get("/v1/ping").await, 401, "jwt_not_configured");
    let env = start_with(|c| c.secret = None).await;
    assert!(env.sb.secret().is_none());
    let a = env.get("/v1/ping").await;
    assert_auth(&a, 401, "jwt_not_configured");
    assert_eq!(
        a.json()["message"],
        "JWT authentication is not configured. Set the JWT shared secret in admin settings."
    );
    let s = env
        .send(
            env.http
                .post(env.url("/auth/sso/to_session"))
                .json(&json!({"jwt": "x.y.z"})),
        )
        .await;
    assert_plain(&s, 400, "JWT authentication is not enabled");
}

async fn session(env: &Env, claims: serde_json::Value) -> String {
    let a = env
        .send(
            env.http
                .post(env.url("/auth/sso/to_session"))
                .json(&json!({"jwt": sign(SECRET, &claims)})),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    a.json()["session_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn sessions_work_expire_and_beat_a_bad_authorization() {
    let env = start_with(|c| c.session_max_age_secs = 60).await;
    let key = session(
        &env,
        json!({"email": "analyst@example.com", "iat": env.now()}),
    )
    .await;
    let with = |h: Option<&str>| {
        let mut r = env
            .http
            .get(env.url("/v1/ping"))
            .header("X-Metabase-Session", &key);
        if let Some(h) = h {
            r = r.header("Authorization", h);
        }
        env.send(r)
    };
    assert_eq!(with(None).await.status, 200);
    assert_eq!(with(Some("Basic nonsense")).await.status, 200);
    env.clock.advance(60);
    assert_eq!(with(None).await.status, 200, "exactly at max age is valid");
    env.clock.advance(1);
    assert_auth(&with(None).await, 401, "missing_authorization");
    // an invalid session with a valid Bearer token succeeds through the token
    let a = env
        .send(
            env.http
                .get(env.url("/v1/ping"))
                .header("X-Metabase-Session", "not-a-session")
                .bearer_auth(env.token("analyst@example.com")),
        )
        .await;
    assert_eq!(a.status, 200);
}

#[tokio::test]
async fn session_exchange_errors_and_provisioning() {
    let env = start().await;
    let post = |path: &'static str, body: serde_json::Value| {
        env.send(env.http.post(env.url(path)).json(&body))
    };
    assert_invalid(&post("/auth/sso/to_session", json!({})).await, "jwt");
    assert_invalid(
        &post("/auth/sso/to_session", json!({"jwt": "  "})).await,
        "jwt",
    );
    let old = sign(
        SECRET,
        &json!({"email": "admin@example.com", "iat": env.now() - 500}),
    );
    assert_plain(
        &post("/auth/sso/to_session", json!({"jwt": old})).await,
        401,
        "Token is older than max-age (180)",
    );
    let forged = sign("nope", &json!({"email": "admin@example.com"}));
    assert_plain(
        &post("/auth/sso/to_session", json!({"jwt": forged})).await,
        401,
        "Message seems corrupt or manipulated.",
    );
    let no_email = sign(SECRET, &json!({"sub": "x"}));
    assert_plain(
        &post("/auth/sso/to_session", json!({"jwt": no_email})).await,
        401,
        "JWT token missing email claim",
    );
    // A new user is created with the groups the claim names; Bearer then works for them.
    let claims = json!({"email": "new.analyst@example.com", "first_name": "New",
                        "last_name": "Person", "groups": ["Analysts"]});
    let a = post("/auth/sso", json!({"jwt": sign(SECRET, &claims)})).await;
    assert_eq!(
        a.status, 200,
        "POST /auth/sso acts like to_session: {}",
        a.text
    );
    assert!(a.json()["session_token"].is_string());
    let u = env
        .sb
        .users()
        .into_iter()
        .find(|u| u.email == "new.analyst@example.com")
        .expect("provisioned");
    assert!(u.groups.iter().any(|g| g == "Analysts"));
    let t = env.get_as("new.analyst@example.com", "/v1/table/3").await;
    assert_eq!(t.status, 200, "{}", t.text);
    // A provisioned user with no groups sees nothing.
    let key = session(&env, json!({"email": "plain@example.com"})).await;
    let t = env
        .send(
            env.http
                .get(env.url("/v1/table/2"))
                .header("X-Metabase-Session", key),
        )
        .await;
    assert_plain(&t, 403, "You don't have permissions to do that.");
}

#[tokio::test]
async fn strict_sso_answers_the_html_page() {
    let env = start_with(|c| c.strict_sso = true).await;
    let claims = json!({"email": "admin@example.com"});
    let a = env
        .send(
            env.http
                .post(env.url("/auth/sso"))
                .json(&json!({"jwt": sign(SECRET, &claims)})),
        )
        .await;
    assert_eq!(a.status, 501);
    assert!(a.content_type.starts_with("text/html"));
    assert!(a.text.contains("POST not valid for JWT SSO requests"));
    let s = env
        .send(
            env.http
                .post(env.url("/auth/sso/to_session"))
                .json(&json!({"jwt": sign(SECRET, &claims)})),
        )
        .await;
    assert_eq!(s.status, 200);
}

#[tokio::test]
async fn api_keys_act_as_their_user_without_scopes() {
    let env = start_with(|c| {
        c.api_keys = vec![("k-sales".into(), "sales@example.com".into())];
    })
    .await;
    let get =
        |key: &str, path: &str| env.send(env.http.get(env.url(path)).header("X-API-Key", key));
    assert_eq!(get("k-sales", "/v1/table/2").await.status, 200);
    assert_plain(
        &get("k-sales", "/v1/table/3").await,
        403,
        "You don't have permissions to do that.",
    );
    assert_auth(
        &get("wrong", "/v1/ping").await,
        401,
        "missing_authorization",
    );
}

#[tokio::test]
async fn scopes_limit_endpoints() {
    let env = start().await;
    let admin = "admin@example.com";
    let with = |scope: &str, path: &str| {
        env.send(
            env.http
                .get(env.url(path))
                .bearer_auth(env.scoped(admin, scope)),
        )
    };
    assert_eq!(with("agent:table:read", "/v1/table/2").await.status, 200);
    assert_eq!(with("agent:*", "/v1/metric/101").await.status, 200);
    assert_eq!(
        with("", "/v1/ping").await.status,
        200,
        "ping is never scoped"
    );
    let a = with("agent:metric:read", "/v1/table/2").await;
    assert_auth(&a, 403, "unsupported_scope");
    assert_eq!(
        a.json()["message"],
        "Insufficient scope for this operation."
    );
    assert_auth(&with("  ", "/v1/table/2").await, 403, "unsupported_scope");
    let search = env
        .send(
            env.http
                .post(env.url("/v1/search"))
                .bearer_auth(env.scoped(admin, "agent:query:construct"))
                .json(&json!({"term_queries": ["orders"]})),
        )
        .await;
    assert_auth(&search, 403, "unsupported_scope");
    // sessions are unrestricted
    let claims = json!({"email": admin, "scope": "agent:search"});
    let a = env
        .send(
            env.http
                .post(env.url("/auth/sso/to_session"))
                .json(&json!({"jwt": sign(SECRET, &claims)})),
        )
        .await;
    let key = a.json()["session_token"].as_str().unwrap().to_string();
    let t = env
        .send(
            env.http
                .get(env.url("/v1/table/2"))
                .header("X-Metabase-Session", key),
        )
        .await;
    assert_eq!(t.status, 200);
}

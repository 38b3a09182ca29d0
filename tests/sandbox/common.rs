//! Shared helpers: start a sandbox, sign tokens, make requests.

use mbx::sandbox::{self, Clock, Profile, Sandbox, SandboxConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub const SECRET: &str = "test-secret-for-the-sandbox-suite";

pub struct Env {
    pub sb: Sandbox,
    pub http: reqwest::Client,
    pub clock: Clock,
}

pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

pub async fn start_with(f: impl FnOnce(&mut SandboxConfig)) -> Env {
    let clock = Clock::default();
    let mut config = SandboxConfig {
        secret: Some(SECRET.into()),
        clock: clock.clone(),
        ..SandboxConfig::default()
    };
    f(&mut config);
    let sb = sandbox::start(config).await.expect("sandbox starts");
    Env {
        sb,
        http: reqwest::Client::new(),
        clock,
    }
}

pub async fn start() -> Env {
    start_with(|_| {}).await
}

pub async fn start_e3() -> Env {
    start_with(|c| c.profile = Profile::E3).await
}

pub fn sign(secret: &str, claims: &Value) -> String {
    let key = jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()).expect("key");
    jsonwebtoken::encode(&jsonwebtoken::Header::default(), claims, &key).expect("sign")
}

impl Env {
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("/auth") {
            format!("{}{path}", self.sb.url())
        } else {
            format!("{}/api/agent{path}", self.sb.url())
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// A fresh token for `email`, signed with the test secret.
    pub fn token(&self, email: &str) -> String {
        sign(SECRET, &json!({"email": email, "iat": self.now()}))
    }

    pub fn scoped(&self, email: &str, scope: &str) -> String {
        sign(
            SECRET,
            &json!({"email": email, "iat": self.now(), "scope": scope}),
        )
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Answer {
        let res = req.send().await.expect("request");
        let status = res.status();
        let content_type = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let text = res.text().await.expect("body");
        Answer {
            status,
            content_type,
            text,
        }
    }

    pub async fn get_as(&self, email: &str, path: &str) -> Answer {
        let req = self.http.get(self.url(path)).bearer_auth(self.token(email));
        self.send(req).await
    }

    pub async fn post_as(&self, email: &str, path: &str, body: Value) -> Answer {
        let req = self
            .http
            .post(self.url(path))
            .bearer_auth(self.token(email))
            .json(&body);
        self.send(req).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.get_as("admin@example.com", path).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.post_as("admin@example.com", path, body).await
    }

    /// construct-query then execute, as `email`; returns the execute body.
    pub async fn run_as(&self, email: &str, body: Value) -> Value {
        let c = self.post_as(email, "/v1/construct-query", body).await;
        assert_eq!(c.status, 200, "construct: {}", c.text);
        let q = c.json()["query"].as_str().expect("query").to_string();
        let e = self
            .post_as(email, "/v1/execute", json!({"query": q}))
            .await;
        assert_eq!(e.status, 202, "execute: {}", e.text);
        e.json()
    }

    pub async fn run(&self, body: Value) -> Value {
        self.run_as("admin@example.com", body).await
    }
}

/// Asserts a plain-text error body.
pub fn assert_plain(a: &Answer, status: u16, text: &str) {
    assert_eq!(a.status.as_u16(), status, "body: {}", a.text);
    assert!(
        a.content_type.starts_with("text/plain"),
        "content type {}",
        a.content_type
    );
    assert_eq!(a.text, text);
}

/// Asserts a kind-3 validation body naming `param`.
pub fn assert_invalid(a: &Answer, param: &str) {
    assert_eq!(a.status, 400, "body: {}", a.text);
    let v = a.json();
    assert!(v["errors"].get(param).is_some(), "no {param} in {v}");
    assert!(
        v["specific-errors"].get(param).is_some(),
        "no {param} in {v}"
    );
}

/// Asserts a kind-1 auth error.
pub fn assert_auth(a: &Answer, status: u16, code: &str) {
    assert_eq!(a.status.as_u16(), status, "body: {}", a.text);
    assert!(a.content_type.starts_with("application/json"));
    assert_eq!(a.json()["error"], code, "body: {}", a.text);
}

/// The index of a table's field named `name` in `GET /v1/table/{id}` (its `t{id}-N` id).
pub async fn field_id(env: &Env, table: i64, name: &str) -> String {
    let t = env.get(&format!("/v1/table/{table}")).await.json();
    t["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .chain(
            t["related_tables"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|r| r["fields"].as_array().into_iter().flatten()),
        )
        .find(|f| f["name"] == name)
        .map(|f| f["field_id"].as_str().expect("id").to_string())
        .unwrap_or_else(|| panic!("no field {name} in table {table}"))
}

pub const ORDERS: i64 = 2;
pub const PRODUCTS: i64 = 1;
pub const PEOPLE: i64 = 3;
pub const REVIEWS: i64 = 4;
pub const REVENUE: i64 = 101;
pub const ORDER_COUNT: i64 = 102;

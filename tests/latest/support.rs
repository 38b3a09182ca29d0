//! Shared helpers: start a latest-profile sandbox, sign tokens, make requests.

use base64::Engine;
use mbx::sandbox::{self, Profile, Sandbox, SandboxConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub const SECRET: &str = "test-secret-for-the-latest-suite";
pub const ADMIN: &str = "admin@example.com";
pub const ANALYST: &str = "analyst@example.com";
pub const SALES: &str = "sales@example.com";
pub const NODATA: &str = "nodata@example.com";
pub const API_KEY: &str = "mbx_test_key";

pub const PRODUCTS: i64 = 1;
pub const ORDERS: i64 = 2;
pub const PEOPLE: i64 = 3;

pub struct Env {
    pub sb: Sandbox,
    pub http: reqwest::Client,
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

    pub fn is_plain(&self) -> bool {
        self.content_type.starts_with("text/plain")
    }
}

pub async fn start() -> Env {
    let config = SandboxConfig {
        secret: Some(SECRET.into()),
        profile: Profile::Latest,
        api_keys: vec![(API_KEY.into(), ANALYST.into())],
        ..SandboxConfig::default()
    };
    let sb = sandbox::start(config).await.expect("sandbox starts");
    Env {
        sb,
        http: reqwest::Client::new(),
    }
}

pub fn token(email: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()).expect("key");
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({"email": email, "iat": now}),
        &key,
    )
    .expect("sign")
}

pub fn decode(b64: &str) -> Value {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("standard base64");
    serde_json::from_slice(&bytes).expect("JSON")
}

pub fn col(table: &str, column: &str) -> Value {
    json!(["field", {}, ["Sample Database", "PUBLIC", table, column]])
}

/// A one-stage query on ORDERS with extra stage keys.
pub fn orders(extra: Value) -> Value {
    let mut stage = json!({"lib/type": "mbql.stage/mbql",
                           "source-table": ["Sample Database", "PUBLIC", "ORDERS"]});
    if let (Some(s), Some(e)) = (stage.as_object_mut(), extra.as_object()) {
        s.extend(e.clone());
    }
    json!({"lib/type": "mbql/query", "stages": [stage]})
}

impl Env {
    pub fn url(&self, path: &str) -> String {
        format!("{}/api/agent{path}", self.sb.url())
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
        self.send(self.http.get(self.url(path)).bearer_auth(token(email)))
            .await
    }

    pub async fn post_as(&self, email: &str, path: &str, body: Value) -> Answer {
        let req = self
            .http
            .post(self.url(path))
            .bearer_auth(token(email))
            .json(&body);
        self.send(req).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.post_as(ADMIN, path, body).await
    }

    /// The `structured-output` (or error) of each URI, read as `email`.
    pub async fn read_as(&self, email: &str, uris: &[&str]) -> Vec<Value> {
        let a = self
            .post_as(email, "/v1/read-resource", json!({"uris": uris}))
            .await;
        assert_eq!(a.status, 200, "{}", a.text);
        a.json()["resources"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub async fn read(&self, uri: &str) -> Value {
        self.read_as(ADMIN, &[uri]).await.remove(0)
    }

    /// The id of a column, as read-resource lists it.
    pub async fn field_id(&self, table: i64, column: &str) -> i64 {
        let r = self.read(&format!("metabase://table/{table}/fields")).await;
        r["content"]["structured-output"]["fields"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["name"] == column))
            .and_then(|f| f["field_id"].as_i64())
            .unwrap_or_else(|| panic!("no column {column} in {r}"))
    }
}

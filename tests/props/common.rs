//! One in-process sandbox per test, driven from proptest's synchronous closures through a
//! runtime the test owns.

use base64::Engine;
use mbx::sandbox::{self, Clock, Sandbox, SandboxConfig};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

pub const SECRET: &str = "props-secret-0123456789abcdef0123456789";

/// The five sandbox users.
pub const USERS: [&str; 5] = [
    "admin@example.com",
    "analyst@example.com",
    "sales@example.com",
    "nodata@example.com",
    "inactive@example.com",
];

pub const ORDERS: i64 = 2;
pub const PEOPLE: i64 = 3;
pub const REVIEWS: i64 = 4;

/// Which tables a user may read, from the sandbox's documented groups (not from its code):
/// admins and analysts everything, sales ORDERS and PRODUCTS, nodata and inactive nothing.
pub fn may_read(user: &str, table_id: i64) -> bool {
    match user {
        "admin@example.com" | "analyst@example.com" => true,
        "sales@example.com" => table_id == 1 || table_id == ORDERS,
        _ => false,
    }
}

pub struct Env {
    pub rt: tokio::runtime::Runtime,
    pub sb: Sandbox,
    pub http: reqwest::Client,
}

pub fn start() -> Env {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let sb = rt
        .block_on(sandbox::start(SandboxConfig {
            secret: Some(SECRET.into()),
            clock: Clock::default(),
            ..SandboxConfig::default()
        }))
        .expect("sandbox starts");
    Env {
        rt,
        sb,
        http: reqwest::Client::new(),
    }
}

pub fn token(email: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let key = jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()).expect("key");
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({"email": email, "iat": now}),
        &key,
    )
    .expect("sign")
}

pub struct Answer {
    pub status: u16,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.text).ok()
    }
}

impl Env {
    /// POSTs raw bytes as JSON to `/api/agent{path}` as `user`; Err when the connection
    /// breaks (a server may answer a too-big body early and close while it is still sent).
    pub fn try_post_raw(&self, user: &str, path: &str, body: Vec<u8>) -> Result<Answer, String> {
        let url = format!("{}/api/agent{path}", self.sb.url());
        self.rt.block_on(async {
            let resp = self
                .http
                .post(url)
                .bearer_auth(token(user))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let status = resp.status().as_u16();
            let text = resp.text().await.map_err(|e| e.to_string())?;
            Ok(Answer { status, text })
        })
    }

    pub fn post_raw(&self, user: &str, path: &str, body: Vec<u8>) -> Answer {
        self.try_post_raw(user, path, body)
            .unwrap_or_else(|e| panic!("the sandbox did not answer: {e}"))
    }

    pub fn post(&self, user: &str, path: &str, body: &Value) -> Answer {
        self.post_raw(user, path, serde_json::to_vec(body).expect("json"))
    }

    /// Runs an MBQL query (as a client would craft it) through `/v1/execute`.
    pub fn execute(&self, user: &str, mbql: &Value) -> Answer {
        let query = base64::engine::general_purpose::STANDARD
            .encode(serde_json::to_vec(mbql).expect("json"));
        self.post(user, "/v1/execute", &json!({ "query": query }))
    }

    pub fn stop(self) {
        let Env { rt, sb, .. } = self;
        rt.block_on(sb.shutdown());
    }
}

/// The case count `PROPTEST_CASES` asks for (proptest's default otherwise), never shrinking
/// for long: a failing case is reported as found.
pub fn runner() -> TestRunner {
    TestRunner::new(Config {
        max_shrink_iters: 64,
        ..Config::default()
    })
}

/// Arbitrary JSON, nested up to `depth` levels.
pub fn any_json(depth: u32) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(depth, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_-]{0,10}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// `v` wrapped in `depth` arrays: deep nesting without a big body.
pub fn nested(v: Value, depth: usize) -> Value {
    (0..depth).fold(v, |acc, _| Value::Array(vec![acc]))
}

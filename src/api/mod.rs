//! The Agent API client: one async method per endpoint, typed answers, typed errors, the auth
//! modes, and a log of every request. It knows no screen and no sandbox.
//!
//! The public signatures here are the contract the explorer and the headless commands code
//! against; the per-era request shapes live in `surface/`.

pub mod auth;
pub mod detect;
pub mod error;
pub mod log;
mod request;
pub mod secret;
mod surface;
mod transport;
pub mod types;

pub use auth::{Clock, ManualClock, SystemClock};
pub use error::ApiError;
pub use log::{LogAuth, LogEntry, RequestLog};
pub use secret::Secret;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use types::*;

use crate::query::{FieldId, QueryRequest};
use auth::{JwtCache, SessionSlot};
use request::Req;
use serde_json::Value;
use surface::Surface;
use transport::Ctx;

/// The largest response body accepted unless configured otherwise.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024 * 1024;
/// The per-request timeout unless configured otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How requests authenticate.
#[derive(Clone, Debug)]
pub enum AuthConfig {
    /// A fresh HS256 JWT on every request (`Authorization: Bearer`), renewed by age.
    Jwt(JwtConfig),
    /// A session exchanged from a JWT at `/auth/sso/to_session` (`X-Metabase-Session`).
    Session(JwtConfig),
    /// `X-API-Key`; `label` is what the status bar shows as "who".
    ApiKey { key: Secret, label: String },
}

#[derive(Clone, Debug)]
pub struct JwtConfig {
    pub secret: Secret,
    pub email: String,
    /// The claim that carries the email (Metabase's `jwt-attribute-email`, default `email`).
    pub email_claim: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub groups: Vec<String>,
    /// Re-sign once a token is this old (default 120 s); never older than the 180 s window.
    pub renewal_age: Duration,
}

impl JwtConfig {
    /// A config for `email` with the defaults: claim `email`, no names or groups, 120 s renewal.
    pub fn new(secret: Secret, email: impl Into<String>) -> JwtConfig {
        JwtConfig {
            secret,
            email: email.into(),
            email_claim: "email".into(),
            first_name: None,
            last_name: None,
            groups: Vec::new(),
            renewal_age: auth::DEFAULT_RENEWAL_AGE,
        }
    }
}

#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// The server's base URL, without `/api/agent` (`https://metabase.example`).
    pub base_url: String,
    pub auth: AuthConfig,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Force an API surface instead of detecting it.
    pub era: Option<ApiEra>,
    /// Refuse response bodies larger than this many bytes.
    pub max_body_bytes: usize,
}

impl ClientConfig {
    /// A config with the default timeout and body limit, detecting the era.
    pub fn new(base_url: impl Into<String>, auth: AuthConfig) -> ClientConfig {
        ClientConfig {
            base_url: base_url.into(),
            auth,
            timeout: DEFAULT_TIMEOUT,
            era: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

/// Who the client acts as and how, for the status bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub email: String,
    pub mode: &'static str,
}

/// The credential's lifecycle right now, for the status bar.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuthStatus {
    /// Age of the JWT that the next request would send (JWT mode).
    pub token_age: Option<Duration>,
    /// When the current JWT or session was obtained.
    pub renewed_at: Option<SystemTime>,
    /// Age of the current session (session mode).
    pub session_age: Option<Duration>,
}

/// What `ping` learned.
#[derive(Clone, Debug, PartialEq)]
pub struct PingInfo {
    pub identity: Identity,
    /// The `x-metabase-version` header, when the server sent one.
    pub server_version: Option<String>,
    pub round_trip: Duration,
}

/// What every clone and `as_user` sibling share: one server, one pool, one log, one era.
struct Shared {
    http: reqwest::Client,
    base: String,
    timeout: Duration,
    max_body_bytes: usize,
    forced_era: Option<ApiEra>,
    era: tokio::sync::OnceCell<ApiEra>,
    log: RequestLog,
    clock: Arc<dyn Clock>,
    /// Portable names per query source, for read-resource servers.
    books: surface::Books,
}

/// One user's credentials and their state; shared by clones, not by `as_user` siblings.
#[derive(Debug, Default)]
struct Credentials {
    jwt: JwtCache,
    session: SessionSlot,
}

/// A cheap-to-clone handle; clones share the connection pool, the credentials and the log.
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
    auth: AuthConfig,
    creds: Arc<Credentials>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.shared.base)
            .field("auth", &self.auth)
            .field("era", &self.shared.era.get())
            .finish_non_exhaustive()
    }
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Client, ApiError> {
        Client::with_clock(config, Arc::new(SystemClock))
    }

    /// A client whose token ages are measured with `clock` (tests move it instead of sleeping).
    pub fn with_clock(config: ClientConfig, clock: Arc<dyn Clock>) -> Result<Client, ApiError> {
        let base = config.base_url.trim().trim_end_matches('/').to_string();
        let parsed = reqwest::Url::parse(&base).map_err(|e| {
            // whatever stands before an `@` may be a password
            let shown = match base.rsplit_once('@') {
                Some((_, host)) => format!("…@{host}"),
                None => base.clone(),
            };
            ApiError::Config(format!("invalid server URL {shown:?}: {e}"))
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ApiError::Config(format!(
                "invalid server URL {base:?}: use http:// or https://"
            )));
        }
        // Credentials in the URL would be echoed in every error, log line and curl command,
        // and the Authorization header they stand for is the one a JWT uses.
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(ApiError::Config(format!(
                "invalid server URL {}: remove the user name and password from it \
                 (mbx signs in with the JWT secret, a session or an API key)",
                without_credentials(&parsed)
            )));
        }
        match &config.auth {
            AuthConfig::Jwt(j) | AuthConfig::Session(j) if j.secret.is_empty() => {
                return Err(ApiError::Config("the JWT shared secret is empty".into()));
            }
            AuthConfig::ApiKey { key, .. } if key.is_empty() => {
                return Err(ApiError::Config("the API key is empty".into()));
            }
            _ => {}
        }
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT,
            reqwest::header::HeaderValue::from_static("application/json"),
        );
        let http = reqwest::Client::builder()
            .user_agent(concat!("mbx/", env!("CARGO_PKG_VERSION")))
            .default_headers(headers)
            // Metabase answers API calls directly; a redirect means the URL is wrong.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .build()
            .map_err(|e| ApiError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client {
            shared: Arc::new(Shared {
                http,
                base,
                timeout: config.timeout,
                max_body_bytes: config.max_body_bytes,
                forced_era: config.era,
                era: tokio::sync::OnceCell::new(),
                log: RequestLog::default(),
                clock,
                books: surface::Books::default(),
            }),
            auth: config.auth,
            creds: Arc::new(Credentials::default()),
        })
    }

    /// The same server as another user (switch user, compare). Shares the request log.
    pub fn as_user(&self, email: &str, groups: &[String]) -> Client {
        let mut auth = self.auth.clone();
        match &mut auth {
            AuthConfig::Jwt(j) | AuthConfig::Session(j) => {
                j.email = email.to_string();
                j.groups = groups.to_vec();
            }
            AuthConfig::ApiKey { .. } => {}
        }
        Client {
            shared: self.shared.clone(),
            auth,
            creds: Arc::new(Credentials::default()),
        }
    }

    pub fn identity(&self) -> Identity {
        match &self.auth {
            AuthConfig::Jwt(j) => Identity {
                email: j.email.clone(),
                mode: "jwt",
            },
            AuthConfig::Session(j) => Identity {
                email: j.email.clone(),
                mode: "session",
            },
            AuthConfig::ApiKey { label, .. } => Identity {
                email: label.clone(),
                mode: "api-key",
            },
        }
    }

    pub fn base_url(&self) -> &str {
        &self.shared.base
    }

    /// The request log shared by this client, its clones and its `as_user` siblings.
    pub fn log(&self) -> &RequestLog {
        &self.shared.log
    }

    /// A newly signed JWT for this user, for a person to paste into a command on purpose (copy
    /// as curl with the token inlined). `None` with an API key, which has no token.
    pub fn fresh_token(&self) -> Result<Option<Secret>, ApiError> {
        match &self.auth {
            AuthConfig::Jwt(j) | AuthConfig::Session(j) => {
                auth::sign(j, self.shared.clock.now()).map(Some)
            }
            AuthConfig::ApiKey { .. } => Ok(None),
        }
    }

    pub fn auth_status(&self) -> AuthStatus {
        let now = self.shared.clock.now();
        match &self.auth {
            AuthConfig::Jwt(cfg) => self.creds.jwt.status(cfg, now),
            AuthConfig::Session(_) => self.creds.session.status(now),
            AuthConfig::ApiKey { .. } => AuthStatus::default(),
        }
    }

    /// `GET /v1/ping`.
    pub async fn ping(&self) -> Result<(), ApiError> {
        self.ping_info().await.map(|_| ())
    }

    /// `GET /v1/ping`, with the server's version header and the round-trip time.
    pub async fn ping_info(&self) -> Result<PingInfo, ApiError> {
        let raw = self
            .call_raw(Req::get("/v1/ping", Ctx::new("ping", "the Agent API")))
            .await?;
        // The ping itself, not the session exchange or token retry that may precede it.
        let round_trip = raw.elapsed;
        let url = self.url_for("/api/agent/v1/ping");
        let _: Value = raw.json(&url)?;
        Ok(PingInfo {
            identity: self.identity(),
            server_version: raw.version.clone(),
            round_trip,
        })
    }

    /// Which surface the server offers (detected once, then cached), or the forced one.
    pub async fn era(&self) -> Result<ApiEra, ApiError> {
        if let Some(era) = self.shared.forced_era {
            return Ok(era);
        }
        self.shared
            .era
            .get_or_try_init(|| surface::detect(self))
            .await
            .copied()
    }

    fn books(&self) -> &surface::Books {
        &self.shared.books
    }

    async fn surface(&self) -> Result<Surface, ApiError> {
        Surface::for_era(self.era().await?)
    }

    /// `POST /v1/search`.
    pub async fn search(&self, req: &SearchRequest) -> Result<SearchResults, ApiError> {
        self.surface().await?.search(self, req).await
    }

    /// `GET /v1/table/{id}` (or its read-resource equivalent).
    pub async fn table(&self, id: i64, opts: TableOptions) -> Result<TableDetails, ApiError> {
        self.surface().await?.table(self, id, opts).await
    }

    /// `GET /v1/metric/{id}`.
    pub async fn metric(&self, id: i64, opts: MetricOptions) -> Result<MetricDetails, ApiError> {
        self.surface().await?.metric(self, id, opts).await
    }

    /// `GET /v1/{table|metric}/{id}/field/{field-id}/values`.
    pub async fn field_values(
        &self,
        entity: Entity,
        field: &FieldId,
        limit: Option<u32>,
    ) -> Result<FieldValues, ApiError> {
        self.surface()
            .await?
            .field_values(self, entity, field, limit)
            .await
    }

    /// `GET /v1/database` (E3 and later; `ApiError::Unsupported` where the server has none).
    pub async fn databases(&self) -> Result<Vec<Database>, ApiError> {
        self.surface().await?.databases(self).await
    }

    /// `GET /v1/database/{id}?with-tables=true`.
    pub async fn database(&self, id: i64) -> Result<DatabaseDetails, ApiError> {
        self.surface().await?.database(self, id).await
    }

    /// `POST /v1/construct-query` → the opaque base64 query.
    pub async fn construct_query(&self, q: &QueryRequest) -> Result<String, ApiError> {
        self.surface().await?.construct_query(self, q).await
    }

    /// `POST /v1/execute` of a constructed query.
    pub async fn execute(&self, query: &str) -> Result<QueryResult, ApiError> {
        self.surface().await?.execute(self, query).await
    }

    /// Runs a query the way this server does best (construct + execute, `/v1/query`, …); the
    /// first page, with `next` set when more can be fetched.
    pub async fn run_query(&self, q: &QueryRequest) -> Result<QueryResult, ApiError> {
        self.surface().await?.run_query(self, q).await
    }

    /// The page after a result that carried `next`.
    pub async fn next_page(&self, cursor: &PageCursor) -> Result<QueryResult, ApiError> {
        self.surface().await?.next_page(self, cursor).await
    }
}

/// Decodes an execute or `/v1/query` answer body (status, columns, rows) the way the client
/// does: rows go straight into cells, with no intermediate JSON tree. For benchmarks and tools
/// that hold a saved answer.
pub fn decode_query_result(body: &[u8]) -> Result<QueryResult, ApiError> {
    surface::decode_execute(body)
}

/// `url` as text with its user name and password left out.
fn without_credentials(url: &reqwest::Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_can_move_into_tasks() {
        fn movable<T: Clone + Send + Sync + 'static>() {}
        movable::<Client>();
    }

    #[test]
    fn bad_configs_are_refused_with_a_reason() {
        let auth = AuthConfig::Jwt(JwtConfig::new(Secret::new("s3cret-value"), "a@x"));
        let e = Client::new(ClientConfig::new("ftp://x", auth.clone())).expect_err("scheme");
        assert!(e.to_string().contains("use http:// or https://"), "{e}");
        let empty = AuthConfig::Jwt(JwtConfig::new(Secret::new(""), "a@x"));
        assert!(Client::new(ClientConfig::new("http://x", empty)).is_err());
        let e = Client::new(ClientConfig::new(
            "https://me:PW-SECRET@metabase.example/",
            auth.clone(),
        ))
        .expect_err("credentials in the URL");
        assert_eq!(
            e.to_string(),
            "invalid server URL https://metabase.example/: remove the user name and password \
             from it (mbx signs in with the JWT secret, a session or an API key)"
        );
        let e = Client::new(ClientConfig::new(
            "http://me:PW-SECRET@x:99999",
            auth.clone(),
        ))
        .expect_err("bad port");
        assert!(!e.to_string().contains("PW-SECRET"), "{e}");
        let c = Client::new(ClientConfig::new("http://x/", auth)).expect("client");
        assert_eq!(c.base_url(), "http://x");
        assert!(!format!("{c:?}").contains("s3cret-value"));
    }

    #[test]
    fn saved_answers_decode_and_cut_ones_say_so() {
        let body =
            br#"{"status":"completed","row_count":1,"data":{"cols":[{"name":"n"}],"rows":[[1]]}}"#;
        let r = decode_query_result(body).expect("decodes");
        assert_eq!(r.result.rows.len(), 1);
        let cut = &body[..body.len() - 10];
        assert!(matches!(
            decode_query_result(cut),
            Err(ApiError::Truncated { .. })
        ));
    }
}

//! The Agent API client: one async method per endpoint, typed answers, typed errors, the auth
//! modes, and a log of every request. It knows no screen and no sandbox.
//!
//! The public signatures here are the contract the explorer and the headless commands code
//! against; the per-era request shapes live in `surface/`.

pub mod auth;
pub mod detect;
pub mod error;
pub mod log;
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
use std::time::{Duration, Instant, SystemTime};
use types::*;

use crate::query::{FieldId, QueryRequest};
use auth::{JwtCache, SessionSlot};
use serde::de::DeserializeOwned;
use serde_json::Value;
use surface::Surface;
use transport::{Ctx, Raw};

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

/// A request: method, path from the server root, query, JSON body, and what it is for.
struct Req {
    method: reqwest::Method,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Value>,
    ctx: Ctx,
}

impl Req {
    fn get(path: impl Into<String>, ctx: Ctx) -> Req {
        Req {
            method: reqwest::Method::GET,
            path: format!("/api/agent{}", path.into()),
            query: Vec::new(),
            body: None,
            ctx,
        }
    }

    fn post(path: impl Into<String>, body: Value, ctx: Ctx) -> Req {
        Req {
            method: reqwest::Method::POST,
            path: format!("/api/agent{}", path.into()),
            query: Vec::new(),
            body: Some(body),
            ctx,
        }
    }

    fn param(mut self, key: &str, value: impl ToString) -> Req {
        self.query.push((key.to_string(), value.to_string()));
        self
    }
}

/// The credential one attempt carries.
#[derive(Clone, Copy)]
enum Cred<'a> {
    Bearer(&'a Secret),
    Session(&'a Secret),
    ApiKey(&'a Secret),
    JwtInBody,
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Client, ApiError> {
        Client::with_clock(config, Arc::new(SystemClock))
    }

    /// A client whose token ages are measured with `clock` (tests move it instead of sleeping).
    pub fn with_clock(config: ClientConfig, clock: Arc<dyn Clock>) -> Result<Client, ApiError> {
        let base = config.base_url.trim().trim_end_matches('/').to_string();
        let parsed = reqwest::Url::parse(&base)
            .map_err(|e| ApiError::Config(format!("invalid server URL {base:?}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ApiError::Config(format!(
                "invalid server URL {base:?}: use http:// or https://"
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
        let started = Instant::now();
        let raw = self
            .call_raw(Req::get("/v1/ping", Ctx::new("ping", "the Agent API")))
            .await?;
        let round_trip = started.elapsed();
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

    // ----- the request path -----

    fn url_for(&self, path: &str) -> String {
        format!("{}{}", self.shared.base, path)
    }

    fn user(&self) -> String {
        self.identity().email
    }

    /// A JSON answer to `req`, authenticated, with errors typed.
    async fn call<T: DeserializeOwned>(&self, req: Req) -> Result<T, ApiError> {
        let url = self.url_for(&req.path);
        let raw = self.call_raw(req).await?;
        raw.json(&url)
    }

    /// A successful raw answer to `req`, after the auth mode's renewals and one retry.
    async fn call_raw(&self, req: Req) -> Result<Raw, ApiError> {
        let raw = match &self.auth {
            AuthConfig::ApiKey { key, .. } => self.send(&req, Cred::ApiKey(key)).await?,
            AuthConfig::Jwt(cfg) => {
                let token = self.creds.jwt.token(cfg, self.shared.clock.now())?;
                let raw = self.send(&req, Cred::Bearer(&token)).await?;
                if is_invalid_jwt(&raw) {
                    // A token we thought fresh was refused: sign anew once before reporting.
                    self.creds.jwt.forget();
                    let token = self.creds.jwt.token(cfg, self.shared.clock.now())?;
                    let raw = self.send(&req, Cred::Bearer(&token)).await?;
                    if is_invalid_jwt(&raw) {
                        self.creds.jwt.forget();
                        return Err(ApiError::JwtRejected {
                            status: 401,
                            code: "invalid_jwt".into(),
                            user: cfg.email.clone(),
                        });
                    }
                    raw
                } else {
                    raw
                }
            }
            AuthConfig::Session(cfg) => {
                let now = self.shared.clock.now();
                let token = self
                    .creds
                    .session
                    .get(None, now, || self.exchange(cfg))
                    .await?;
                let raw = self.send(&req, Cred::Session(&token)).await?;
                if raw.status == 401 {
                    // The session expired or was revoked: exchange again and retry once.
                    let now = self.shared.clock.now();
                    let fresh = self
                        .creds
                        .session
                        .get(Some(&token), now, || self.exchange(cfg))
                        .await?;
                    self.send(&req, Cred::Session(&fresh)).await?
                } else {
                    raw
                }
            }
        };
        if raw.is_success() {
            Ok(raw)
        } else {
            Err(raw.error(&req.ctx, &self.user()))
        }
    }

    /// Exchanges a fresh JWT for a session at `/auth/sso/to_session` (`POST /auth/sso` if that
    /// path does not exist).
    async fn exchange(&self, cfg: &JwtConfig) -> Result<Secret, ApiError> {
        let jwt = auth::sign(cfg, self.shared.clock.now())?;
        let ctx = Ctx::new("exchange a JWT for a session", "the session endpoint");
        let body = serde_json::json!({ "jwt": jwt.expose() });
        let mut req = Req {
            method: reqwest::Method::POST,
            path: "/auth/sso/to_session".into(),
            query: Vec::new(),
            body: Some(body),
            ctx,
        };
        let mut raw = self.send_with(&req, Cred::JwtInBody, &[&jwt]).await?;
        if raw.status == 404 {
            req.path = "/auth/sso".into();
            raw = self.send_with(&req, Cred::JwtInBody, &[&jwt]).await?;
        }
        if !raw.is_success() {
            return Err(match raw.error(&req.ctx, &cfg.email) {
                ApiError::Auth {
                    status, message, ..
                }
                | ApiError::Forbidden {
                    status, message, ..
                }
                | ApiError::BadRequest {
                    status, message, ..
                }
                | ApiError::NotFound {
                    status, message, ..
                }
                | ApiError::Status {
                    status, message, ..
                } => ApiError::SessionRefused {
                    status,
                    message,
                    user: cfg.email.clone(),
                },
                other => other,
            });
        }
        let url = self.url_for(&req.path);
        let v: Value = raw.json(&url)?;
        v.get("session_token")
            .or_else(|| v.get("id"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(Secret::new)
            .ok_or_else(|| ApiError::NotJson {
                status: raw.status,
                preview: "the session answer carries no session_token".into(),
            })
    }

    async fn send(&self, req: &Req, cred: Cred<'_>) -> Result<Raw, ApiError> {
        self.send_with(req, cred, &[]).await
    }

    /// One attempt, recorded in the log with every credential redacted.
    async fn send_with(
        &self,
        req: &Req,
        cred: Cred<'_>,
        extra: &[&Secret],
    ) -> Result<Raw, ApiError> {
        let sh = &self.shared;
        let mut url = reqwest::Url::parse(&self.url_for(&req.path))
            .map_err(|e| ApiError::Config(format!("invalid request URL: {e}")))?;
        if !req.query.is_empty() {
            url.query_pairs_mut().extend_pairs(req.query.iter());
        }
        let path_and_query = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        let url_text = url.to_string();
        let mut redactions: Vec<Secret> = extra.iter().map(|s| (*s).clone()).collect();
        match &self.auth {
            AuthConfig::Jwt(j) | AuthConfig::Session(j) => redactions.push(j.secret.clone()),
            AuthConfig::ApiKey { key, .. } => redactions.push(key.clone()),
        }
        let mut builder = sh.http.request(req.method.clone(), url);
        let log_auth = match cred {
            Cred::Bearer(t) => {
                redactions.push(t.clone());
                builder = builder.header("Authorization", format!("Bearer {}", t.expose()));
                LogAuth::Bearer
            }
            Cred::Session(t) => {
                redactions.push(t.clone());
                builder = builder.header("X-Metabase-Session", t.expose());
                LogAuth::Session
            }
            Cred::ApiKey(k) => {
                builder = builder.header("X-API-Key", k.expose());
                LogAuth::ApiKey
            }
            Cred::JwtInBody => LogAuth::JwtInBody,
        };
        let body_text = req.body.as_ref().map(Value::to_string);
        if let Some(b) = &body_text {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(b.clone());
        }
        let at = sh.clock.now();
        let started = Instant::now();
        let result = self.receive(builder, &url_text).await;
        let result = result.map(|(status, content_type, version, body)| Raw {
            status,
            content_type,
            version,
            body,
            redactions: redactions.clone(),
        });
        // A session answer carries a credential of its own.
        if let (LogAuth::JwtInBody, Ok(raw)) = (log_auth, &result)
            && let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(&raw.body)
        {
            for key in ["session_token", "id"] {
                if let Some(s) = m.get(key).and_then(Value::as_str) {
                    redactions.push(Secret::new(s));
                }
            }
        }
        let secrets: Vec<&str> = redactions.iter().map(Secret::expose).collect();
        let (status, bytes, preview, error) = match &result {
            Ok(raw) => (
                Some(raw.status),
                raw.body.len(),
                log::redact(&log::preview(&raw.body, log::PREVIEW_BYTES), &secrets),
                None,
            ),
            Err(e) => (e.status(), 0, String::new(), Some(e.to_string())),
        };
        sh.log.push(LogEntry {
            id: 0,
            at,
            method: req.method.to_string(),
            base_url: sh.base.clone(),
            path: path_and_query,
            user: self.user(),
            auth: log_auth,
            status,
            duration: started.elapsed(),
            bytes,
            request_body: body_text.map(|b| log::redact(&b, &secrets)),
            response_preview: preview,
            error,
        });
        result
    }

    /// Sends and reads the answer; a redirect is an error naming where it points.
    async fn receive(
        &self,
        builder: reqwest::RequestBuilder,
        url: &str,
    ) -> Result<(u16, String, Option<String>, bytes::Bytes), ApiError> {
        let sh = &self.shared;
        let mut resp = builder
            .send()
            .await
            .map_err(|e| transport::send_error(&e, &sh.base, sh.timeout))?;
        let status = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        if resp.status().is_redirection() {
            return Err(ApiError::Redirect {
                status,
                location: header("location").unwrap_or_else(|| "nowhere".into()),
            });
        }
        let content_type = header("content-type")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let version = header("x-metabase-version");
        let body = transport::read_body(&mut resp, sh.max_body_bytes, url, sh.timeout).await?;
        Ok((status, content_type, version, body))
    }
}

fn is_invalid_jwt(raw: &Raw) -> bool {
    raw.status == 401
        && serde_json::from_slice::<Value>(&raw.body)
            .ok()
            .and_then(|v| {
                v.get("error")
                    .and_then(Value::as_str)
                    .map(|c| c == "invalid_jwt")
            })
            .unwrap_or(false)
}

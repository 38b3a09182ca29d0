//! The Agent API client: one async method per endpoint, typed answers, typed errors, the auth
//! modes, and a log of every request. It knows no screen and no sandbox.
//!
//! CONTRACT FOR THE REST OF THE CODE (the explorer and the headless commands are written against
//! these signatures; the client task fills in the bodies and may add methods, not change these).

pub mod detect;
pub mod error;
pub mod secret;
pub mod types;

pub use error::ApiError;
pub use secret::Secret;
use std::time::{Duration, SystemTime};
use types::*;

use crate::query::{FieldId, QueryRequest};

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

/// A cheap-to-clone handle; clones share the connection pool, the credentials and the log.
#[derive(Clone, Debug)]
pub struct Client {
    config: ClientConfig,
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Client, ApiError> {
        Ok(Client { config })
    }

    /// The same server as another user (switch user, compare). Shares the request log.
    pub fn as_user(&self, email: &str, groups: &[String]) -> Client {
        let mut config = self.config.clone();
        match &mut config.auth {
            AuthConfig::Jwt(j) | AuthConfig::Session(j) => {
                j.email = email.to_string();
                j.groups = groups.to_vec();
            }
            AuthConfig::ApiKey { .. } => {}
        }
        Client { config }
    }

    pub fn identity(&self) -> Identity {
        match &self.config.auth {
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
        &self.config.base_url
    }

    pub fn auth_status(&self) -> AuthStatus {
        AuthStatus::default()
    }

    /// `GET /v1/ping`.
    pub async fn ping(&self) -> Result<(), ApiError> {
        Err(ApiError::NotBuilt)
    }

    /// Which surface the server offers (detected once, then cached), or the forced one.
    pub async fn era(&self) -> Result<ApiEra, ApiError> {
        Err(ApiError::NotBuilt)
    }

    /// `POST /v1/search`.
    pub async fn search(&self, _req: &SearchRequest) -> Result<SearchResults, ApiError> {
        Err(ApiError::NotBuilt)
    }

    /// `GET /v1/table/{id}` (or its read-resource equivalent).
    pub async fn table(&self, _id: i64, _opts: TableOptions) -> Result<TableDetails, ApiError> {
        Err(ApiError::NotBuilt)
    }

    /// `GET /v1/metric/{id}`.
    pub async fn metric(&self, _id: i64, _opts: MetricOptions) -> Result<MetricDetails, ApiError> {
        Err(ApiError::NotBuilt)
    }

    /// `GET /v1/{table|metric}/{id}/field/{field-id}/values`.
    pub async fn field_values(
        &self,
        _entity: Entity,
        _field: &FieldId,
        _limit: Option<u32>,
    ) -> Result<FieldValues, ApiError> {
        Err(ApiError::NotBuilt)
    }

    /// `GET /v1/database` (E3 and later; `ApiError::Unsupported` where the server has none).
    pub async fn databases(&self) -> Result<Vec<Database>, ApiError> {
        Err(ApiError::NotBuilt)
    }

    /// `GET /v1/database/{id}?with-tables=true`.
    pub async fn database(&self, _id: i64) -> Result<DatabaseDetails, ApiError> {
        Err(ApiError::NotBuilt)
    }

    /// `POST /v1/construct-query` → the opaque base64 query.
    pub async fn construct_query(&self, _q: &QueryRequest) -> Result<String, ApiError> {
        Err(ApiError::NotBuilt)
    }

    /// `POST /v1/execute` of a constructed query.
    pub async fn execute(&self, _query: &str) -> Result<QueryResult, ApiError> {
        Err(ApiError::NotBuilt)
    }

    /// Runs a query the way this server does best (construct + execute, `/v1/query`, …); the
    /// first page, with `next` set when more can be fetched.
    pub async fn run_query(&self, _q: &QueryRequest) -> Result<QueryResult, ApiError> {
        Err(ApiError::NotBuilt)
    }

    /// The page after a result that carried `next`.
    pub async fn next_page(&self, _cursor: &PageCursor) -> Result<QueryResult, ApiError> {
        Err(ApiError::NotBuilt)
    }
}

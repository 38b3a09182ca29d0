//! The request path every endpoint shares: credentials attached per auth mode (renewal, one
//! retry on a refused JWT or an expired session), the session exchange, one HTTP attempt with a
//! bounded body, and the log entry each attempt leaves (credentials redacted).

use super::auth;
use super::error::ApiError;
use super::log::{self, LogAuth, LogEntry};
use super::secret::Secret;
use super::transport::{self, Ctx, Raw};
use super::{AuthConfig, Client, JwtConfig};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::time::Instant;

/// A session token longer than this is not one (Metabase's are 36-character UUIDs).
const MAX_SESSION_TOKEN: usize = 1024;

/// A request: method, path from the server root, query, JSON body, and what it is for.
pub(super) struct Req {
    method: reqwest::Method,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Value>,
    pub(super) ctx: Ctx,
}

impl Req {
    pub(super) fn get(path: impl Into<String>, ctx: Ctx) -> Req {
        Req {
            method: reqwest::Method::GET,
            path: format!("/api/agent{}", path.into()),
            query: Vec::new(),
            body: None,
            ctx,
        }
    }

    pub(super) fn post(path: impl Into<String>, body: Value, ctx: Ctx) -> Req {
        Req {
            method: reqwest::Method::POST,
            path: format!("/api/agent{}", path.into()),
            query: Vec::new(),
            body: Some(body),
            ctx,
        }
    }

    pub(super) fn param(mut self, key: &str, value: impl ToString) -> Req {
        self.query.push((key.to_string(), value.to_string()));
        self
    }
}

/// The credential one attempt carries.
#[derive(Clone, Copy)]
pub(super) enum Cred<'a> {
    Bearer(&'a Secret),
    Session(&'a Secret),
    ApiKey(&'a Secret),
    JwtInBody,
}

impl Client {
    pub(super) fn url_for(&self, path: &str) -> String {
        format!("{}{}", self.shared.base, path)
    }

    pub(super) fn user(&self) -> String {
        self.identity().email
    }

    /// A JSON answer to `req`, authenticated, with errors typed.
    pub(super) async fn call<T: DeserializeOwned>(&self, req: Req) -> Result<T, ApiError> {
        let url = self.url_for(&req.path);
        let raw = self.call_raw(req).await?;
        raw.json(&url)
    }

    /// A successful raw answer to `req`, after the auth mode's renewals and one retry.
    pub(super) async fn call_raw(&self, req: Req) -> Result<Raw, ApiError> {
        let raw = self.call_any(&req).await?;
        if raw.is_success() {
            Ok(raw)
        } else {
            Err(raw.error(&req.ctx, &self.user()))
        }
    }

    /// Whatever the server answered to `req` (any status), after the auth mode's renewals and
    /// one retry; a JWT refused even when fresh is already an error.
    pub(super) async fn call_any(&self, req: &Req) -> Result<Raw, ApiError> {
        let raw = match &self.auth {
            AuthConfig::ApiKey { key, .. } => self.send(req, Cred::ApiKey(key)).await?,
            AuthConfig::Jwt(cfg) => {
                let token = self.creds.jwt.token(cfg, self.shared.clock.now())?;
                let raw = self.send(req, Cred::Bearer(&token)).await?;
                if is_invalid_jwt(&raw) {
                    // A token we thought fresh was refused: sign anew once before reporting.
                    self.creds.jwt.forget();
                    let token = self.creds.jwt.token(cfg, self.shared.clock.now())?;
                    let raw = self.send(req, Cred::Bearer(&token)).await?;
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
                let raw = self.send(req, Cred::Session(&token)).await?;
                if raw.status == 401 {
                    // The session expired or was revoked: exchange again and retry once.
                    let now = self.shared.clock.now();
                    let fresh = self
                        .creds
                        .session
                        .get(Some(&token), now, || self.exchange(cfg))
                        .await?;
                    self.send(req, Cred::Session(&fresh)).await?
                } else {
                    raw
                }
            }
        };
        Ok(raw)
    }

    /// Exchanges a fresh JWT for a session at `/auth/sso/to_session` (`POST /auth/sso` if that
    /// path does not exist).
    pub(super) async fn exchange(&self, cfg: &JwtConfig) -> Result<Secret, ApiError> {
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
        let token = v
            .get("session_token")
            .or_else(|| v.get("id"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ApiError::NotJson {
                status: raw.status,
                preview: "the session answer carries no session_token".into(),
            })?;
        // Metabase's session ids are UUIDs; the token goes into a header on every request, so
        // one that could not be a header value, or is absurdly long, is refused here, once.
        if token.len() > MAX_SESSION_TOKEN || !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ApiError::Shape {
                status: raw.status,
                detail: format!(
                    "the session token is not a header-safe value of at most \
                     {MAX_SESSION_TOKEN} characters"
                ),
            });
        }
        Ok(Secret::new(token))
    }

    pub(super) async fn send(&self, req: &Req, cred: Cred<'_>) -> Result<Raw, ApiError> {
        self.send_with(req, cred, &[]).await
    }

    /// One attempt, recorded in the log with every credential redacted.
    pub(super) async fn send_with(
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
        let elapsed = started.elapsed();
        let result = result.map(|(status, content_type, version, body)| Raw {
            status,
            content_type,
            version,
            body,
            elapsed,
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
            duration: elapsed,
            bytes,
            request_body: body_text.map(|b| log::redact(&b, &secrets)),
            response_preview: preview,
            error,
        });
        result
    }

    /// Sends and reads the answer; a redirect is an error naming where it points.
    pub(super) async fn receive(
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

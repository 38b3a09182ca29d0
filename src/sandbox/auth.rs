//! Authentication (`agent-api.md` §2): sessions, API keys and Bearer JWTs, in Metabase's order,
//! plus per-endpoint scopes and the JWT → session exchange.

use super::errors::ApiError;
use super::state::AppState;
use super::users::User;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::sync::Arc;

pub const SESSION_HEADER: &str = "x-metabase-session";
pub const API_KEY_HEADER: &str = "x-api-key";
const SESSION_COOKIE: &str = "metabase.SESSION";

const MISSING: &str =
    "Authentication required. Use X-Metabase-Session header or Authorization: Bearer <jwt>.";
const BAD_FORMAT: &str = "Authorization header must use Bearer scheme: Authorization: Bearer <jwt>";
const INVALID_JWT: &str = "Invalid or expired JWT token.";
const NOT_CONFIGURED: &str =
    "JWT authentication is not configured. Set the JWT shared secret in admin settings.";
const INSUFFICIENT_SCOPE: &str = "Insufficient scope for this operation.";

/// Who is asking, and what their token may do (None = unrestricted).
#[derive(Clone, Debug)]
pub struct Identity {
    pub user: User,
    pub scopes: Option<BTreeSet<String>>,
}

impl Identity {
    /// §2.4: the endpoint's scope must be covered by one of the token's scopes.
    pub fn require_scope(&self, scope: &str) -> Result<(), ApiError> {
        self.check_scope(scope, INSUFFICIENT_SCOPE)
    }

    /// Like `require_scope`, with the message Metabase's later scope middleware gives.
    pub fn require_scope_named(&self, scope: &str) -> Result<(), ApiError> {
        self.check_scope(
            scope,
            &format!("Token does not have required scope: {scope}"),
        )
    }

    fn check_scope(&self, scope: &str, message: &str) -> Result<(), ApiError> {
        match &self.scopes {
            None => Ok(()),
            Some(granted) if granted.iter().any(|g| covers(g, scope)) => Ok(()),
            Some(_) => Err(ApiError::auth(
                StatusCode::FORBIDDEN,
                "unsupported_scope",
                message,
            )),
        }
    }
}

/// `agent:*` covers `agent:table:read`; `agent:query:construct` does not cover `agent:query`.
fn covers(granted: &str, required: &str) -> bool {
    if granted == required || granted == "*" {
        return true;
    }
    granted
        .strip_suffix('*')
        .is_some_and(|prefix| prefix.ends_with(':') && required.starts_with(prefix))
}

/// The middleware around every `/api/agent` route, run before routing.
pub async fn enforce(State(state): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    match authenticate(&state, req.headers()) {
        Ok(identity) => {
            req.extensions_mut().insert(identity);
            next.run(req).await
        }
        Err(e) => e.into_response(),
    }
}

fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Identity, ApiError> {
    let unrestricted = |user: User| Identity { user, scopes: None };
    if let Some(user) = session_key(headers).and_then(|key| state.session_user(&key)) {
        return Ok(unrestricted(user));
    }
    if let Some(user) = headers
        .get(API_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|key| state.api_key_user(key))
    {
        return Ok(unrestricted(user));
    }
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(ApiError::auth(
            StatusCode::UNAUTHORIZED,
            "missing_authorization",
            MISSING,
        ));
    };
    let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
    if !value.to_lowercase().starts_with("bearer ") {
        return Err(ApiError::auth(
            StatusCode::UNAUTHORIZED,
            "invalid_authorization_format",
            BAD_FORMAT,
        ));
    }
    let token = value.get(7..).unwrap_or("").trim();
    let Some(secret) = state.config.secret.as_deref() else {
        return Err(ApiError::auth(
            StatusCode::UNAUTHORIZED,
            "jwt_not_configured",
            NOT_CONFIGURED,
        ));
    };
    let invalid = || ApiError::auth(StatusCode::UNAUTHORIZED, "invalid_jwt", INVALID_JWT);
    let claims = verify_jwt(
        token,
        secret,
        state.config.jwt_max_age_secs,
        state.config.clock.now(),
    )
    .map_err(|_| invalid())?;
    let email = claims
        .get(&state.config.jwt_email_claim)
        .and_then(Value::as_str)
        .ok_or_else(invalid)?;
    let user = state.active_user(email).ok_or_else(invalid)?;
    let scopes = claims.get("scope").map(|s| match s.as_str() {
        Some(text) => text.split_whitespace().map(String::from).collect(),
        None => BTreeSet::new(),
    });
    Ok(Identity { user, scopes })
}

fn session_key(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers.get(SESSION_HEADER).and_then(|v| v.to_str().ok()) {
        return Some(v.trim().to_string());
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_string())
}

const B64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

const CORRUPT: &str = "Message seems corrupt or manipulated.";

/// Verifies an HS256 JWT like buddy-sign's `unsign` with `{max-age N}`: the secret is raw UTF-8
/// bytes, `alg` must be HS256 (any case), no leeway, `exp <= now` and `nbf > now` are refused,
/// an `iat` older than `max_age` is refused, a missing `iat` is not. Errors carry buddy's text.
pub fn verify_jwt(
    token: &str,
    secret: &str,
    max_age: u64,
    now: i64,
) -> Result<Map<String, Value>, String> {
    let mut parts = token.split('.');
    let (Some(head), Some(body), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(CORRUPT.into());
    };
    let header: Value = B64URL
        .decode(head)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(CORRUPT)?;
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    if !alg.eq_ignore_ascii_case("hs256") {
        return Err(CORRUPT.into());
    }
    let message = format!("{head}.{body}");
    let key = DecodingKey::from_secret(secret.as_bytes()).map_err(|_| CORRUPT.to_string())?;
    match jsonwebtoken::crypto::verify(sig, message.as_bytes(), &key, Algorithm::HS256) {
        Ok(true) => {}
        _ => return Err(CORRUPT.into()),
    }
    let claims: Map<String, Value> = B64URL
        .decode(body)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(CORRUPT)?;
    let now = now as f64;
    let number = |name: &str| -> Result<Option<f64>, String> {
        match claims.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| format!("Claim `{name}` is not a number")),
        }
    };
    if let Some(exp) = number("exp")?
        && exp <= now
    {
        return Err("Token is expired (exp)".into());
    }
    if let Some(nbf) = number("nbf")?
        && nbf > now
    {
        return Err("Token is not yet valid (nbf)".into());
    }
    if let Some(iat) = number("iat")?
        && now - iat > max_age as f64
    {
        return Err(format!("Token is older than max-age ({max_age})"));
    }
    Ok(claims)
}

/// `POST /auth/sso/to_session` (and `POST /auth/sso` unless strict): a JWT for a session key.
/// Unlike the Bearer path this provisions unknown users and applies names and groups.
pub async fn to_session(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    match exchange(&state, &headers, &body) {
        Ok(token) => axum::Json(serde_json::json!({ "session_token": token })).into_response(),
        Err(e) => e.into_response(),
    }
}

fn exchange(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<String, ApiError> {
    let body = super::handlers::json_body(headers, body)?;
    let jwt = body
        .get("jwt")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ApiError::invalid("jwt", "value must be a non-blank string."))?;
    let Some(secret) = state.config.secret.as_deref() else {
        return Err(ApiError::plain(
            StatusCode::BAD_REQUEST,
            "JWT authentication is not enabled",
        ));
    };
    let claims = verify_jwt(
        jwt,
        secret,
        state.config.jwt_max_age_secs,
        state.config.clock.now(),
    )
    .map_err(|m| ApiError::plain(StatusCode::UNAUTHORIZED, m))?;
    let email = claims
        .get(&state.config.jwt_email_claim)
        .and_then(Value::as_str)
        .filter(|e| !e.trim().is_empty())
        .ok_or_else(|| {
            ApiError::plain(StatusCode::UNAUTHORIZED, "JWT token missing email claim")
        })?;
    let user = state.provision(email, &claims);
    Ok(state.new_session(user.id))
}

/// Metabase's answer to `POST /auth/sso` when JWT is the SSO backend (`--strict-sso`).
pub async fn strict_sso_page() -> Response {
    let page = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Metabase</title></head>\
                <body><h1>Something went wrong</h1><p>POST not valid for JWT SSO requests</p>\
                </body></html>";
    let mut res = (StatusCode::NOT_IMPLEMENTED, page).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(claims: &Value, secret: &str, alg: Algorithm) -> String {
        let key = jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()).unwrap();
        jsonwebtoken::encode(&jsonwebtoken::Header::new(alg), claims, &key).unwrap()
    }

    #[test]
    fn iat_window_is_inclusive_and_future_iat_passes() {
        let now = 1_000_000;
        let ok = sign(
            &serde_json::json!({"email": "a", "iat": now - 180}),
            "s",
            Algorithm::HS256,
        );
        assert!(verify_jwt(&ok, "s", 180, now).is_ok());
        let old = sign(
            &serde_json::json!({"email": "a", "iat": now - 181}),
            "s",
            Algorithm::HS256,
        );
        assert_eq!(
            verify_jwt(&old, "s", 180, now).unwrap_err(),
            "Token is older than max-age (180)"
        );
        let future = sign(
            &serde_json::json!({"email": "a", "iat": now + 9999}),
            "s",
            Algorithm::HS256,
        );
        assert!(verify_jwt(&future, "s", 180, now).is_ok());
    }

    #[test]
    fn only_hs256_with_the_right_secret_passes() {
        let claims = serde_json::json!({"email": "a"});
        assert!(verify_jwt(&sign(&claims, "s", Algorithm::HS256), "s", 180, 0).is_ok());
        assert!(verify_jwt(&sign(&claims, "s", Algorithm::HS384), "s", 180, 0).is_err());
        assert!(verify_jwt(&sign(&claims, "t", Algorithm::HS256), "s", 180, 0).is_err());
    }

    #[test]
    fn exp_and_nbf_have_no_leeway() {
        let now = 5000;
        let at_exp = sign(&serde_json::json!({"exp": now}), "s", Algorithm::HS256);
        assert!(verify_jwt(&at_exp, "s", 180, now).is_err());
        let before_exp = sign(&serde_json::json!({"exp": now + 1}), "s", Algorithm::HS256);
        assert!(verify_jwt(&before_exp, "s", 180, now).is_ok());
        let nbf_later = sign(&serde_json::json!({"nbf": now + 1}), "s", Algorithm::HS256);
        assert!(verify_jwt(&nbf_later, "s", 180, now).is_err());
        let nbf_now = sign(&serde_json::json!({"nbf": now}), "s", Algorithm::HS256);
        assert!(verify_jwt(&nbf_now, "s", 180, now).is_ok());
    }

    #[test]
    fn wildcard_scopes_are_hierarchical() {
        assert!(covers("agent:*", "agent:table:read"));
        assert!(covers("agent:table:read", "agent:table:read"));
        assert!(!covers("agent:query:construct", "agent:query"));
        assert!(!covers("agent:table:*", "agent:metric:read"));
    }
}

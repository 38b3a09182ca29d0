//! The HTTP surface: the router, request parsing helpers shared by the endpoints, and the
//! endpoints that only read the catalog.

use super::Profile;
use super::auth::{self, Identity};
use super::errors::ApiError;
use super::state::AppState;
use super::{construct, execute, read, search};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

pub const METABASE_VERSION: &str = "v1.58.0";
/// Request bodies above this size are refused before parsing.
const BODY_LIMIT: usize = 1024 * 1024;

pub fn router(state: Arc<AppState>) -> Router {
    let agent = Router::new()
        .route("/v1/ping", get(ping))
        .route("/v1/table/{id}", get(read::table))
        .route("/v1/metric/{id}", get(read::metric))
        .route(
            "/v1/table/{id}/field/{field_id}/values",
            get(read::table_values),
        )
        .route(
            "/v1/metric/{id}/field/{field_id}/values",
            get(read::metric_values),
        )
        .route("/v1/search", post(search::search))
        .route("/v1/construct-query", post(construct::construct))
        .route("/v1/execute", post(execute::execute));
    let agent = if state.config.profile == Profile::E3 {
        agent
            .route("/v1/database", get(read::databases))
            .route("/v1/database/{id}", get(read::database))
            .route("/v1/query", post(execute::query))
    } else {
        agent
    };
    let agent = match state.config.profile {
        Profile::Latest => super::latest::routes(),
        _ => agent,
    };
    // Metabase's router has no 405: a path matched with another method is simply unknown.
    let agent = agent
        .fallback(no_endpoint)
        .method_not_allowed_fallback(no_endpoint)
        .layer(middleware::from_fn_with_state(state.clone(), auth::enforce));
    let sso = if state.config.strict_sso {
        post(auth::strict_sso_page)
    } else {
        post(auth::to_session)
    };
    Router::new()
        .nest("/api/agent", agent)
        .route("/auth/sso/to_session", post(auth::to_session))
        .route("/auth/sso", sso)
        .fallback(no_endpoint)
        .method_not_allowed_fallback(no_endpoint)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(version_header))
        .with_state(state)
}

async fn version_header(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    res.headers_mut().insert(
        "x-metabase-version",
        HeaderValue::from_static(METABASE_VERSION),
    );
    res
}

async fn no_endpoint() -> Response {
    ApiError::no_endpoint().into_response()
}

async fn ping(_: State<Arc<AppState>>, _who: axum::Extension<Identity>) -> Response {
    axum::Json(json!({"message": "pong"})).into_response()
}

/// The JSON body of a POST; without `Content-Type: application/json` it counts as empty (§1).
pub fn json_body(headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if !is_json || body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(ApiError::invalid("body", "value must be a map")),
        Err(e) => Err(ApiError::invalid(
            "body",
            format!("malformed JSON in request body: {e}"),
        )),
    }
}

/// A route's `:id`: digits only (else the route does not match), and positive.
pub fn path_id(raw: &str, param: &str) -> Result<i64, ApiError> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::no_endpoint());
    }
    match raw.parse::<i64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(ApiError::invalid(
            param,
            "value must be an integer greater than zero.",
        )),
    }
}

/// An optional boolean query parameter: `true`/`false`, anything else is a 400.
pub fn flag(query: &HashMap<String, String>, name: &str, default: bool) -> Result<bool, ApiError> {
    match query.get(name).map(String::as_str) {
        None => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(_) => Err(ApiError::invalid(name, "value must be a boolean.")),
    }
}

/// An optional positive integer query parameter such as `limit`.
pub fn count_param(
    query: &HashMap<String, String>,
    name: &str,
    default: usize,
) -> Result<usize, ApiError> {
    match query.get(name) {
        None => Ok(default),
        Some(v) => match v.trim().parse::<u64>() {
            Ok(n) => Ok(usize::try_from(n).unwrap_or(usize::MAX)),
            Err(_) => Err(ApiError::invalid(
                name,
                "value must be a valid integer greater than or equal to zero.",
            )),
        },
    }
}

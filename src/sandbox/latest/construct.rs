//! `POST /v2/construct-query`: a closed-map body `{"query": {...}, "prompt"?}` whose query is
//! resolved and answered as standard base64 of the numeric-id MBQL 5 (no default limit).

use super::errors::LatestError;
use super::portable::resolve;
use super::present::View;
use super::{reply, view};
use crate::sandbox::auth::Identity;
use crate::sandbox::errors::ApiError;
use crate::sandbox::handlers::json_body;
use crate::sandbox::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use base64::Engine;
use serde_json::{Map, Value, json};
use std::sync::Arc;

const MAX_PROMPT: usize = 10_000;

pub async fn construct_query(
    State(state): State<Arc<AppState>>,
    axum::Extension(who): axum::Extension<Identity>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    reply((|| {
        who.require_scope("agent:query:construct")?;
        let body = json_body(&headers, &body)?;
        construct(&view(&state, &who), &body)
    })())
}

pub fn construct(view: &View<'_>, body: &Value) -> Result<Value, LatestError> {
    let map = body.as_object().cloned().unwrap_or_default();
    check_closed(&map, &["query", "prompt"])?;
    let query = match map.get("query") {
        Some(q @ Value::Object(_)) => q,
        Some(_) => return Err(ApiError::invalid("query", "map").into()),
        None => return Err(ApiError::invalid("query", "missing required key").into()),
    };
    let prompt = match map.get("prompt") {
        None | Some(Value::Null) => None,
        Some(Value::String(p)) if p.chars().count() <= MAX_PROMPT => Some(p.clone()),
        Some(_) => {
            return Err(ApiError::invalid(
                "prompt",
                format!("nullable string with length <= {MAX_PROMPT}"),
            )
            .into());
        }
    };
    let resolved = resolve(view, query)?;
    let mut out = Map::new();
    out.insert("query".into(), json!(encode(&resolved)));
    if let Some(p) = prompt {
        out.insert("prompt".into(), json!(p));
    }
    Ok(Value::Object(out))
}

/// A nullable `limit`-like parameter: an integer from 1 to `max`, refused (kind 3) with
/// malli's wording otherwise.
pub fn limit_param(v: Option<&Value>, key: &str, max: u64) -> Result<Option<u64>, ApiError> {
    v.map(|v| {
        v.as_u64().filter(|n| (1..=max).contains(n)).ok_or_else(|| {
            ApiError::invalid(
                key,
                format!("nullable integer between 1 and {max} inclusive"),
            )
        })
    })
    .transpose()
}

/// A nullable `offset`: an integer ≥ 0.
pub fn offset_param(v: Option<&Value>) -> Result<Option<u64>, ApiError> {
    v.map(|v| {
        v.as_u64().ok_or_else(|| {
            ApiError::invalid("offset", "nullable integer greater than or equal to 0")
        })
    })
    .transpose()
}

/// Closed-map bodies: every key not in `allowed` is a kind-3 "disallowed key".
pub fn check_closed(map: &Map<String, Value>, allowed: &[&str]) -> Result<(), LatestError> {
    let extra: Vec<(String, String)> = map
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .map(|k| (k.clone(), "disallowed key".to_string()))
        .collect();
    if extra.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(extra).into())
    }
}

/// Standard base64 (with padding) of the query's JSON.
pub fn encode(query: &Value) -> String {
    base64::engine::general_purpose::STANDARD.encode(query.to_string())
}

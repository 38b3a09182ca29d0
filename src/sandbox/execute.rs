//! `POST /v1/execute` (§4.7) and, in the E3 profile, `POST /v1/query` (§4.8): decode the
//! query, compile it for the caller, run it, and answer 202 with `completed` or `failed`.

use super::auth::Identity;
use super::compile::{Compiled, Failure, Page, compile};
use super::construct;
use super::db::RunError;
use super::errors::ApiError;
use super::handlers::json_body;
use super::state::AppState;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use rusqlite::types::Value as Sql;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Instant;

/// Integers beyond this are sent as strings (JavaScript's safe range).
const JS_SAFE: i64 = 9_007_199_254_740_991;

pub(super) fn accepted(body: Value) -> Response {
    let mut res = (StatusCode::ACCEPTED, body.to_string()).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    res
}

/// Metabase reads the query with Jackson, whose default nesting limit is 1000 levels: deeper
/// is a parse error (500, like any JSON that does not parse).
const JACKSON_MAX_DEPTH: usize = 1000;

/// Deeper than this, no query compiles (`compile` stops at 32 levels) and serde_json's own
/// recursion limit (128) would turn valid JSON into a parse error Metabase would not raise.
const DEEPEST_PARSED: usize = 100;

/// What a query token holds.
enum Decoded {
    Query(Value),
    /// JSON Metabase would parse but that nests too deeply to be a query: it fails as a run
    /// (202 `failed`) without being parsed here.
    TooDeep(usize),
}

fn decode(token: &str) -> Result<Decoded, ApiError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .map_err(|e| ApiError::Server(format!("Invalid base64 query: {e}")))?;
    match json_depth(&bytes) {
        d if d > JACKSON_MAX_DEPTH => Err(ApiError::Server(format!(
            "The query is not valid JSON: its nesting depth ({d}) exceeds the maximum allowed \
             ({JACKSON_MAX_DEPTH})"
        ))),
        d if d > DEEPEST_PARSED => Ok(Decoded::TooDeep(d)),
        _ => serde_json::from_slice::<Value>(&bytes)
            .map(Decoded::Query)
            .map_err(|e| ApiError::Server(format!("The query is not valid JSON: {e}"))),
    }
}

/// The deepest nesting of arrays and objects in JSON text, counted without parsing it (and
/// without recursion): brackets inside strings do not count. Malformed text gets some number;
/// the parser reports what is wrong with it.
fn json_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for &b in bytes {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

fn started_at() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

pub async fn execute(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Identity>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let query = (|| {
        who.require_scope("agent:query:execute")?;
        let body = json_body(&headers, &body)?;
        let token = body
            .get("query")
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| ApiError::invalid("query", "value must be a non-blank string."))?;
        decode(token)
    })();
    match query {
        Ok(Decoded::Query(query)) => accepted(run(&state, &who, query, None).await),
        Ok(Decoded::TooDeep(depth)) => {
            let f = Failure {
                message: format!("The query is nested too deeply ({depth} levels)."),
                error_type: "invalid-query",
            };
            accepted(failed(f, &Value::Null, started_at(), 0))
        }
        Err(e) => e.into_response(),
    }
}

/// Runs a decoded query and builds the 202 body (`completed` or `failed`).
pub(super) async fn run(
    state: &AppState,
    who: &Identity,
    query: Value,
    page: Option<Page>,
) -> Value {
    let started = started_at();
    let clock = Instant::now();
    let perms = who.user.perms();
    let compiled = compile(&query, &state.catalog, &perms, state.config.profile, page);
    let result = match compiled {
        Ok(c) => {
            let outcome = state
                .db
                .query(
                    who.user.id,
                    c.sql.clone(),
                    c.params.clone(),
                    state.config.query_timeout_ms,
                )
                .await;
            match outcome {
                Ok(rows) => Ok((c, rows.rows)),
                Err(e) => Err(Failure {
                    message: match e {
                        RunError::Timeout(_) => e.to_string(),
                        other => format!("The query could not run: {other}"),
                    },
                    error_type: "query-execution",
                }),
            }
        }
        Err(f) => Err(f),
    };
    let running_time = clock.elapsed().as_millis() as u64;
    match result {
        Ok((c, rows)) => completed(c, rows, query, started, running_time),
        Err(f) => failed(f, &query, started, running_time),
    }
}

/// The 202 body of a run that failed.
fn failed(f: Failure, query: &Value, started: String, running_time: u64) -> Value {
    json!({
        "status": "failed", "error": f.message, "error_type": f.error_type,
        "class": "clojure.lang.ExceptionInfo", "via": [], "stacktrace": [],
        // Echoing a query nested near the JSON parsers' depth limit (128) would make the
        // answer itself undecodable for clients; such a query never compiles anyway.
        "json_query": if nesting(query) <= ECHO_DEPTH { query.clone() } else { Value::Null },
        "row_count": 0, "running_time": running_time,
        "data": {"rows": [], "cols": []},
        "database_id": query.get("database").cloned().unwrap_or(Value::Null),
        "started_at": started, "context": "agent",
    })
}

const ECHO_DEPTH: usize = 64;

fn nesting(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(nesting).max().unwrap_or(0),
        Value::Object(m) => 1 + m.values().map(nesting).max().unwrap_or(0),
        _ => 0,
    }
}

pub(super) fn cell(v: Sql) -> Value {
    match v {
        Sql::Null => Value::Null,
        Sql::Integer(i) if i.abs() > JS_SAFE => Value::from(i.to_string()),
        Sql::Integer(i) => Value::from(i),
        Sql::Real(f) => serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        Sql::Text(s) => Value::from(s),
        Sql::Blob(b) => Value::from(base64::engine::general_purpose::STANDARD.encode(b)),
    }
}

fn completed(
    c: Compiled,
    rows: Vec<Vec<Sql>>,
    query: Value,
    started: String,
    running_time: u64,
) -> Value {
    let cols: Vec<Value> = c.cols.iter().map(|c| c.to_json()).collect();
    let row_count = rows.len();
    let rows: Vec<Value> = rows
        .into_iter()
        .map(|r| Value::Array(r.into_iter().map(cell).collect()))
        .collect();
    let params: Vec<Value> = c.params.into_iter().map(cell).collect();
    let mut data = Map::new();
    data.insert("cols".into(), Value::Array(cols.clone()));
    data.insert("rows".into(), Value::Array(rows));
    data.insert(
        "native_form".into(),
        json!({"query": c.sql, "params": params}),
    );
    data.insert("results_timezone".into(), json!("UTC"));
    data.insert("results_metadata".into(), json!({"columns": cols}));
    data.insert("insights".into(), Value::Null);
    json!({
        "status": "completed", "row_count": row_count, "running_time": running_time,
        "data": Value::Object(data), "database_id": c.database_id, "started_at": started,
        "json_query": query, "context": "agent", "average_execution_time": null,
    })
}

/// E3 `POST /v1/query`: a construct-query body (page 1) or a `continuation_token`.
pub async fn query(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Identity>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let prepared = (|| {
        who.require_scope_named("agent:query")?;
        let body = json_body(&headers, &body)?;
        match body.get("continuation_token") {
            Some(Value::String(token)) if !token.trim().is_empty() => continuation(token),
            Some(Value::Null) | None => {
                let query = construct::build(&state, &who, &body)?;
                let size = construct::parse_request(&body)?
                    .limit
                    .unwrap_or(200)
                    .min(200);
                Ok((query, Page { size, number: 1 }))
            }
            Some(_) => Err(ApiError::invalid(
                "continuation_token",
                "value must be a non-blank string.",
            )),
        }
    })();
    let (query, page) = match prepared {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let mut answer = run(&state, &who, query.clone(), Some(page)).await;
    let full = answer.get("row_count").and_then(Value::as_u64) == Some(page.size)
        && answer.get("status").and_then(Value::as_str) == Some("completed");
    let token = if full {
        let next = json!({"query": query,
                          "pagination": {"limit": page.size, "page": page.number + 1}});
        Value::from(construct::encode(&next))
    } else {
        Value::Null
    };
    if let Some(obj) = answer.as_object_mut() {
        obj.insert("continuation_token".into(), token);
    }
    accepted(answer)
}

fn continuation(token: &str) -> Result<(Value, Page), ApiError> {
    let bad = || ApiError::invalid("continuation_token", "invalid continuation token");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    let query = v.get("query").cloned().ok_or_else(bad)?;
    let pagination = v.get("pagination").ok_or_else(bad)?;
    let size = pagination
        .get("limit")
        .and_then(Value::as_u64)
        .filter(|n| (1..=200).contains(n))
        .ok_or_else(bad)?;
    let number = pagination
        .get("page")
        .and_then(Value::as_u64)
        .filter(|n| *n >= 1)
        .ok_or_else(bad)?;
    Ok((query, Page { size, number }))
}

#[cfg(test)]
mod tests {
    use super::json_depth;

    #[test]
    fn depth_counts_brackets_outside_strings_only() {
        assert_eq!(json_depth(b"1"), 0);
        assert_eq!(json_depth(br#"{"a":[1,{"b":[]}]}"#), 4);
        assert_eq!(json_depth(br#"{"a":"[[[{{{"}"#), 1);
        assert_eq!(json_depth(br#"["\"[[[", [2]]"#), 2);
        assert_eq!(json_depth(br#"["\\", [[3]]]"#), 3);
        assert_eq!(json_depth(&[b'['; 5000]), 5000);
    }
}

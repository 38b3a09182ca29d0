//! `POST /v2/execute-query`: run (or only validate) an external query or a query handle and
//! answer 200 JSON with a page of at most `row_limit` rows from `offset`, the handle, and a
//! truncation note that says how to read on.

use super::checks::{check_mbql, check_shape, check_sources, ordered, own_limit};
use super::construct::{check_closed, limit_param, offset_param};
use super::errors::LatestError;
use super::handles::Handles;
use super::portable::resolve;
use super::{reply, view};
use crate::sandbox::Profile;
use crate::sandbox::auth::Identity;
use crate::sandbox::compile::{Page, compile};
use crate::sandbox::errors::ApiError;
use crate::sandbox::execute::cell;
use crate::sandbox::handlers::json_body;
use crate::sandbox::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value, json};
use std::sync::Arc;

pub const DEFAULT_ROW_LIMIT: u64 = 100;
pub const MAX_ROW_LIMIT: u64 = 2000;
const KEYS: [&str; 6] = [
    "query",
    "query_handle",
    "validate_only",
    "row_limit",
    "offset",
    "response_format",
];

/// A checked request.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub query: Option<Value>,
    pub handle: Option<String>,
    pub validate_only: bool,
    pub row_limit: u64,
    pub offset: u64,
    pub detailed: bool,
}

/// Schema checks (kind 3) and the exactly-one rule (teaching error).
pub fn parse(body: &Value) -> Result<Request, LatestError> {
    let map = body.as_object().cloned().unwrap_or_default();
    check_closed(&map, &KEYS)?;
    let get = |k: &str| map.get(k).filter(|v| !v.is_null());
    let row_limit =
        limit_param(get("row_limit"), "row_limit", MAX_ROW_LIMIT)?.unwrap_or(DEFAULT_ROW_LIMIT);
    let offset = offset_param(get("offset"))?.unwrap_or(0);
    let validate_only = match get("validate_only") {
        None => false,
        Some(v) => v
            .as_bool()
            .ok_or_else(|| ApiError::invalid("validate_only", "nullable boolean"))?,
    };
    let detailed = match get("response_format").map(|v| v.as_str()) {
        None | Some(Some("concise")) => false,
        Some(Some("detailed")) => true,
        Some(_) => {
            return Err(
                ApiError::invalid("response_format", "nullable enum of concise, detailed").into(),
            );
        }
    };
    let query = match get("query") {
        None => None,
        Some(q @ Value::Object(_)) => Some(q.clone()),
        Some(_) => return Err(ApiError::invalid("query", "nullable map").into()),
    };
    let handle = match get("query_handle") {
        None => None,
        Some(Value::String(h)) => Some(h.clone()),
        Some(_) => return Err(ApiError::invalid("query_handle", "nullable string").into()),
    };
    match (&query, &handle) {
        (None, None) => Err(LatestError::teach(
            "Provide exactly one of `query`, `query_handle`.",
        )),
        (Some(_), Some(_)) => Err(LatestError::teach(
            "Provide only one of `query`, `query_handle`, not several together.",
        )),
        _ => Ok(Request {
            query,
            handle,
            validate_only,
            row_limit,
            offset,
            detailed,
        }),
    }
}

/// The offset rules: a multiple of the page size, and before the query's own limit.
pub fn check_offset(query: &Value, offset: u64, page: u64) -> Result<(), LatestError> {
    if !offset.is_multiple_of(page) {
        return Err(LatestError::teach(format!(
            "offset must be a multiple of the page size ({page}); {offset} is not. Continue with \
             the offset the previous response named."
        )));
    }
    if let Some(limit) = own_limit(query)
        && limit <= offset
    {
        return Err(LatestError::teach(format!(
            "This query's own limit of {limit} rows ends before offset {offset}. Raise the \
             query's limit to read further."
        )));
    }
    Ok(())
}

/// The line that ends a truncated page.
pub fn steer(query: &Value, offset: u64, returned: u64) -> String {
    let mut text = format!(
        "Showing {returned} rows from offset {offset}, and more may follow. Call again with the \
         same `query_handle` and `offset: {}`, or add a filter or an aggregation to narrow the \
         result.",
        offset + returned
    );
    if !ordered(query) {
        text.push_str(
            " This query has no `order-by`, so its row order is not guaranteed: add one before \
             paging, or a row can repeat on one page and be missed on the next.",
        );
    }
    text
}

pub async fn execute_query(
    State(state): State<Arc<AppState>>,
    axum::Extension(who): axum::Extension<Identity>,
    axum::Extension(handles): axum::Extension<Arc<Handles>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let prepared = (|| {
        who.require_scope("agent:query:read")?;
        let body = json_body(&headers, &body)?;
        let request = parse(&body)?;
        let now = state.config.clock.now();
        let view = view(&state, &who);
        let query = match (&request.query, &request.handle) {
            (Some(external), _) => {
                check_mbql(external)?;
                resolve(&view, external)?
            }
            (None, Some(h)) => handles.read(who.user.id, h, now).ok_or_else(|| {
                LatestError::Api(ApiError::plain(
                    StatusCode::NOT_FOUND,
                    format!(
                        "No query handle \"{h}\". A handle expires, and it belongs to the user \
                         who minted it — send the query itself in `query`."
                    ),
                ))
            })?,
            (None, None) => {
                return Err(LatestError::teach(
                    "Provide exactly one of `query`, `query_handle`.",
                ));
            }
        };
        check_mbql(&query)?;
        check_shape(&query)?;
        if request.handle.is_some() {
            check_sources(&view, &query)?;
        }
        let handle = match &request.handle {
            Some(h) => h.clone(),
            None => handles.mint(who.user.id, &query, now),
        };
        Ok((request, query, handle))
    })();
    let (request, query, handle) = match prepared {
        Ok(p) => p,
        Err(e) => return reply(Err(e)),
    };
    if request.validate_only {
        return reply(Ok(json!({"query_handle": handle, "validated": true})));
    }
    reply(run(&state, &who, &request, &query, &handle).await)
}

async fn run(
    state: &AppState,
    who: &Identity,
    request: &Request,
    query: &Value,
    handle: &str,
) -> Result<Value, LatestError> {
    // Row limits stay within the instance caps (2000 rows, 10000 aggregated), so a page is
    // always `row_limit` rows.
    let page = request.row_limit;
    check_offset(query, request.offset, page)?;
    let perms = who.user.perms();
    let window = Page {
        size: page,
        number: request.offset / page + 1,
    };
    let compiled = compile(query, &state.catalog, &perms, Profile::E2, Some(window))
        .map_err(|f| failed(&f.message, f.error_type))?;
    let rows = state
        .db
        .query(
            who.user.id,
            compiled.sql.clone(),
            compiled.params.clone(),
            state.config.query_timeout_ms,
        )
        .await
        .map_err(|e| failed(&e.to_string(), "query-execution"))?;
    let mut rows: Vec<Value> = rows
        .rows
        .into_iter()
        .map(|r| Value::Array(r.into_iter().map(cell).collect()))
        .collect();
    let own = own_limit(query);
    if let Some(limit) = own {
        rows.truncate(usize::try_from(limit - request.offset).unwrap_or(usize::MAX));
    }
    let returned = rows.len() as u64;
    let cols: Vec<Value> = compiled
        .cols
        .iter()
        .map(|c| {
            let full = c.to_json();
            if request.detailed {
                full
            } else {
                concise(&full)
            }
        })
        .collect();
    let mut out = Map::new();
    out.insert("query_handle".into(), json!(handle));
    out.insert("cols".into(), Value::Array(cols));
    out.insert("rows".into(), Value::Array(rows));
    out.insert("row_count".into(), json!(returned));
    let more = returned == page && own.is_none_or(|l| request.offset + page < l);
    if more {
        out.insert("truncated".into(), json!(true));
        out.insert(
            "truncation_message".into(),
            json!(steer(query, request.offset, returned)),
        );
    }
    Ok(Value::Object(out))
}

fn failed(message: &str, error_type: &str) -> LatestError {
    let status = if error_type == "missing-required-permissions" {
        StatusCode::FORBIDDEN
    } else {
        StatusCode::BAD_REQUEST
    };
    LatestError::Api(ApiError::plain(
        status,
        format!("The query failed: {message}"),
    ))
}

/// The concise column: name, display name, description and types only.
fn concise(full: &Value) -> Value {
    let mut m = Map::new();
    for key in [
        "name",
        "display_name",
        "description",
        "base_type",
        "effective_type",
        "semantic_type",
    ] {
        match full.get(key) {
            Some(Value::Null) | None => {}
            Some(v) => {
                if key == "effective_type" && full.get("base_type") == Some(v) {
                    continue;
                }
                m.insert(key.into(), v.clone());
            }
        }
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn teach_text(e: LatestError) -> String {
        match e {
            LatestError::Api(ApiError::Plain(_, t)) => t,
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn exactly_one_source() {
        assert_eq!(
            teach_text(parse(&json!({})).unwrap_err()),
            "Provide exactly one of `query`, `query_handle`."
        );
        assert_eq!(
            teach_text(parse(&json!({"query": {}, "query_handle": "x"})).unwrap_err()),
            "Provide only one of `query`, `query_handle`, not several together."
        );
    }

    #[test]
    fn row_limit_is_schema_checked() {
        let err = parse(&json!({"query": {}, "row_limit": 2001})).unwrap_err();
        assert!(
            matches!(err, LatestError::Api(ApiError::Validation(ref v)) if v[0].0 == "row_limit")
        );
        let ok = parse(&json!({"query_handle": "h"})).unwrap();
        assert_eq!((ok.row_limit, ok.offset, ok.validate_only), (100, 0, false));
        assert!(parse(&json!({"query": {}, "extra": 1})).is_err());
    }

    #[test]
    fn offsets_follow_pages_and_own_limits() {
        let q = json!({"stages": [{"limit": 5}]});
        assert_eq!(
            teach_text(check_offset(&q, 3, 4).unwrap_err()),
            "offset must be a multiple of the page size (4); 3 is not. Continue with the offset the previous response named."
        );
        assert_eq!(
            teach_text(check_offset(&q, 5, 5).unwrap_err()),
            "This query's own limit of 5 rows ends before offset 5. Raise the query's limit to read further."
        );
        assert!(check_offset(&q, 4, 4).is_ok());
    }

    #[test]
    fn steering_mentions_missing_order() {
        let unordered = steer(&json!({"stages": [{}]}), 0, 2);
        assert!(unordered.starts_with("Showing 2 rows from offset 0"));
        assert!(unordered.contains("`offset: 2`"));
        assert!(unordered.contains("no `order-by`"));
        let ordered = steer(&json!({"stages": [{"order-by": [["asc", {}, 1]]}]}), 4, 4);
        assert!(!ordered.contains("no `order-by`"));
    }
}

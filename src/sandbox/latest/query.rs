//! `POST /v2/query` (construct + run, pages of 200 within a 2000-row budget, continuation
//! tokens) and `POST /v1/execute` (a base64 query, capped at 200 rows) — both streaming 202
//! answers built by the sandbox's executor.

use super::checks::{check_mbql, check_shape, check_sources, own_limit};
use super::construct::{check_closed, encode};
use super::errors::LatestError;
use super::portable::resolve;
use super::present::View;
use super::view;
use crate::sandbox::auth::Identity;
use crate::sandbox::compile::Page;
use crate::sandbox::errors::ApiError;
use crate::sandbox::execute;
use crate::sandbox::handlers::json_body;
use crate::sandbox::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};
use std::sync::Arc;

pub const PAGE_SIZE: u64 = 200;
pub const BUDGET: u64 = 2000;
const NOT_BASE64_OBJECT: &str = "Invalid request: expected a base64-encoded JSON object.";

/// What one `/v2/query` call reads: the resolved query, the whole budget, and the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub query: Value,
    pub total: u64,
    pub page: u64,
}

impl Plan {
    fn fresh(query: Value) -> Plan {
        let total = own_limit(&query).unwrap_or(BUDGET).min(BUDGET);
        Plan {
            query,
            total,
            page: 1,
        }
    }

    /// Rows this page may hold.
    pub fn items(&self) -> u64 {
        let before = PAGE_SIZE.saturating_mul(self.page - 1);
        self.total.saturating_sub(before).min(PAGE_SIZE)
    }

    /// The token for the next page, when this page came back full and the budget goes on.
    pub fn next_token(&self, row_count: u64) -> Option<String> {
        if row_count == self.items() && PAGE_SIZE.saturating_mul(self.page) < self.total {
            let next = json!({"query": self.query,
                              "pagination": {"limit": self.total, "page": self.page + 1}});
            Some(encode(&next))
        } else {
            None
        }
    }
}

/// Decodes standard base64 into a JSON object.
pub fn decode_object(text: &str) -> Option<Value> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()?;
    serde_json::from_slice::<Value>(&bytes)
        .ok()
        .filter(Value::is_object)
}

/// Reads a `/v2/query` body into a plan, with the contract's errors.
pub fn plan(view: &View<'_>, body: &Value) -> Result<Plan, LatestError> {
    let map = body.as_object().cloned().unwrap_or_default();
    check_closed(&map, &["query", "continuation_token"])?;
    let query = map.get("query").filter(|v| !v.is_null());
    let token = map.get("continuation_token").filter(|v| !v.is_null());
    match (query, token) {
        (Some(Value::Object(_)), None) => {
            let external = query.cloned().unwrap_or_default();
            check_mbql(&external)?;
            check_shape(&external)?;
            Ok(Plan::fresh(resolve(view, &external)?))
        }
        (Some(Value::String(text)), None) => {
            let decoded =
                decode_object(text).ok_or_else(|| LatestError::teach(NOT_BASE64_OBJECT))?;
            check_mbql(&decoded)?;
            check_shape(&decoded)?;
            check_sources(view, &decoded)?;
            Ok(Plan::fresh(decoded))
        }
        (None, Some(Value::String(text))) => {
            let decoded =
                decode_object(text).ok_or_else(|| LatestError::teach(NOT_BASE64_OBJECT))?;
            let query = decoded
                .get("query")
                .filter(|q| q.is_object())
                .cloned()
                .ok_or_else(|| LatestError::teach(NOT_BASE64_OBJECT))?;
            let pagination = decoded.get("pagination");
            let positive = |key: &str| {
                pagination
                    .and_then(|p| p.get(key))
                    .and_then(Value::as_u64)
                    .filter(|n| *n > 0)
                    .ok_or_else(|| {
                        LatestError::teach(format!(
                            "Invalid continuation token: {key} must be a positive integer"
                        ))
                    })
            };
            let total = positive("limit")?.min(BUDGET);
            let page = positive("page")?;
            check_mbql(&query)?;
            check_shape(&query)?;
            check_sources(view, &query)?;
            Ok(Plan { query, total, page })
        }
        (Some(_), None) => Err(ApiError::invalid(
            "query",
            "a query object, or the base64 string construct-query returned",
        )
        .into()),
        (None, Some(_)) => Err(ApiError::invalid("continuation_token", "non-blank string").into()),
        _ => Err(ApiError::Validation(vec![(
            "body".into(),
            "exactly one of `query` or `continuation_token`".into(),
        )])
        .into()),
    }
}

pub async fn v2_query(
    State(state): State<Arc<AppState>>,
    axum::Extension(who): axum::Extension<Identity>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let planned = (|| {
        who.require_scope_named("agent:query")?;
        let body = json_body(&headers, &body)?;
        plan(&view(&state, &who), &body)
    })();
    let plan = match planned {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let page = Page {
        size: PAGE_SIZE,
        number: plan.page,
    };
    let mut answer = execute::run(&state, &who, plan.query.clone(), Some(page)).await;
    let completed = answer.get("status").and_then(Value::as_str) == Some("completed");
    let items = plan.items();
    let mut row_count = 0;
    if let Some(rows) = answer
        .pointer_mut("/data/rows")
        .and_then(Value::as_array_mut)
    {
        rows.truncate(usize::try_from(items).unwrap_or(usize::MAX));
        row_count = rows.len() as u64;
    }
    let token = if completed {
        plan.next_token(row_count)
    } else {
        None
    };
    if let Some(obj) = answer.as_object_mut() {
        if completed {
            obj.insert("row_count".into(), json!(row_count));
        }
        obj.insert("continuation_token".into(), json!(token));
    }
    execute::accepted(answer)
}

/// `/v1/execute` refuses native payloads before handing the query to the executor.
pub async fn v1_execute(
    state: State<Arc<AppState>>,
    who: axum::Extension<Identity>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let native = json_body(&headers, &body)
        .ok()
        .and_then(|b| {
            b.get("query")
                .and_then(Value::as_str)
                .and_then(decode_object)
        })
        .is_some_and(|q| super::checks::is_native(&q));
    if native && who.require_scope("agent:query:execute").is_ok() {
        return LatestError::teach(super::checks::NATIVE).into_response();
    }
    execute::execute(state, who, headers, body).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(total: u64, page: u64) -> Plan {
        Plan {
            query: json!({"stages": []}),
            total,
            page,
        }
    }

    #[test]
    fn pages_follow_the_budget() {
        assert_eq!(plan_of(250, 1).items(), 200);
        assert_eq!(plan_of(250, 2).items(), 50);
        assert_eq!(plan_of(250, 3).items(), 0);
        assert_eq!(plan_of(5, 1).items(), 5);
        assert!(plan_of(250, 1).next_token(200).is_some());
        assert!(plan_of(250, 2).next_token(50).is_none());
        assert!(plan_of(5, 1).next_token(5).is_none());
        assert!(plan_of(2000, 1).next_token(3).is_none());
        assert!(plan_of(2000, 10).next_token(200).is_none());
        assert!(plan_of(2000, 9).next_token(200).is_some());
    }

    #[test]
    fn tokens_carry_the_next_page() {
        let token = plan_of(250, 1).next_token(200).unwrap_or_default();
        let decoded = decode_object(&token).unwrap_or_default();
        assert_eq!(decoded["pagination"], json!({"limit": 250, "page": 2}));
        assert_eq!(decoded["query"], json!({"stages": []}));
    }

    #[test]
    fn fresh_plans_cap_the_budget() {
        let q = |limit: Value| json!({"stages": [{"source-table": 2, "limit": limit}]});
        assert_eq!(Plan::fresh(q(json!(5000))).total, BUDGET);
        assert_eq!(Plan::fresh(q(json!(250))).total, 250);
        assert_eq!(Plan::fresh(json!({"stages": [{}]})).total, BUDGET);
    }
}

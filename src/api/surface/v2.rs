//! Queries on read-resource servers: the explorer's [`QueryRequest`] written in portable MBQL 5
//! (names from the table or metric details, read once per source and cached), run through
//! `/v2/query` (continuation tokens) or, on the v2-tools era, `/v2/execute-query` (query
//! handles); and the errors of that surface (`agent-api-latest.md` §2, §5, §6).

use super::resources;
use crate::api::error::ApiError;
use crate::api::transport::{Ctx, Raw, one_line};
use crate::api::types::*;
use crate::api::{Client, Req};
use crate::data::{Column, ResultSet, Rows};
use crate::portable::{NameBook, to_portable};
use crate::query::{QueryRequest, Source};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// `/v2/query` and `/v1/execute` pages hold at most 200 rows.
pub const PAGE_ROWS: u64 = 200;
/// The page size asked of `/v2/execute-query` (it allows up to 2000; 200 keeps a page within
/// the server's response budget and matches the other surfaces' pages).
pub const HANDLE_ROWS: u64 = 200;

/// The names of each source already read, shared by a client's clones and `as_user` siblings:
/// names do not depend on who asks (permissions are checked by the server on every query).
#[derive(Default)]
pub struct Books(Mutex<HashMap<Source, Arc<NameBook>>>);

impl Books {
    fn get(&self, source: Source) -> Option<Arc<NameBook>> {
        self.0.lock().ok().and_then(|m| m.get(&source).cloned())
    }

    fn forget(&self, source: Source) {
        if let Ok(mut m) = self.0.lock() {
            m.remove(&source);
        }
    }

    fn put(&self, source: Source, book: Arc<NameBook>) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(source, book);
        }
    }
}

fn source_name(q: &QueryRequest) -> String {
    match q.source {
        Source::Table(id) => format!("table {id}"),
        Source::Metric(id) => format!("metric {id}"),
    }
}

/// The names `q`'s source needs: cached, or read through read-resource.
async fn book(c: &Client, source: Source) -> Result<Arc<NameBook>, ApiError> {
    match c.books().get(source) {
        Some(b) => Ok(b),
        None => read_book(c, source).await,
    }
}

/// Reads `source`'s names afresh and caches them.
async fn read_book(c: &Client, source: Source) -> Result<Arc<NameBook>, ApiError> {
    let mut book = NameBook::default();
    match source {
        Source::Table(id) => {
            let what = format!("table {id}");
            let out = resources::read(
                c,
                resources::table_uri(id, true),
                Ctx::new(format!("read {what}"), what),
            )
            .await?;
            book.add_table(&out);
        }
        Source::Metric(id) => {
            let what = format!("metric {id}");
            let ctx = Ctx::new(format!("read {what}"), what);
            let out = resources::read(c, resources::metric_uri(id), ctx.clone()).await?;
            // The base table's segments, measures and related columns may be used too.
            if let Some(base) = out.get("base_table_id").and_then(Value::as_i64) {
                let table = resources::read(c, resources::table_uri(base, true), ctx).await?;
                book.add_table(&table);
            }
            book.add_metric(&out);
        }
    }
    let book = Arc::new(book);
    c.books().put(source, book.clone());
    Ok(book)
}

/// `q` as the external (portable) MBQL 5 object.
async fn portable(c: &Client, q: &QueryRequest) -> Result<Value, ApiError> {
    let cached = c.books().get(q.source).is_some();
    let book = book(c, q.source).await?;
    let written = match to_portable(q, &book) {
        // Names cached from another user's (or an older) read may lack what this query
        // mentions, such as a related table only this user may see: read them again once.
        Err(_) if cached => {
            let fresh = read_book(c, q.source).await?;
            to_portable(q, &fresh)
        }
        other => other,
    };
    written.map_err(|e| {
        ApiError::Config(format!(
            "cannot write the query on {} for this server: {e}",
            source_name(q)
        ))
    })
}

/// Drops `source`'s names when the server says they no longer resolve (a renamed column or
/// table), so the next attempt reads them afresh.
fn forget_if_stale(c: &Client, source: Source, e: &ApiError) {
    if let ApiError::BadRequest { message, .. } = e
        && STALE_CODES.iter().any(|code| message.ends_with(code))
    {
        c.books().forget(source);
    }
}

const STALE_CODES: [&str; 4] = [
    "(unknown-table)",
    "(unknown-field)",
    "(unknown-database)",
    "(unknown-card)",
];

/// The error an unsuccessful answer of this surface stands for: a failed stream's `via[0]`, a
/// representation error's code, a teaching error's text, or the v1 kinds.
pub fn error_of(raw: &Raw, ctx: &Ctx, user: &str) -> ApiError {
    let text = raw.text();
    if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(&text) {
        if let Some(failed) = failure(&Value::Object(m.clone())) {
            return failed;
        }
        let code = m.get("error").and_then(Value::as_str);
        let message = m.get("message").and_then(Value::as_str);
        // Auth (401) and scope (403) bodies keep their v1 meaning.
        if let (Some(code), Some(message), false) = (code, message, matches!(raw.status, 401 | 403))
        {
            let message = format!("{} ({code})", one_line(message, 300));
            return match raw.status {
                404 => ApiError::NotFound {
                    status: 404,
                    message,
                    what: ctx.what.clone(),
                },
                s if s >= 500 => ApiError::Server {
                    status: s,
                    message,
                    action: ctx.action.clone(),
                },
                s => ApiError::BadRequest {
                    status: s,
                    message,
                    action: ctx.action.clone(),
                    query: ctx.query,
                },
            };
        }
    } else if let Some(reason) = text.trim().strip_prefix("The query failed: ")
        && raw.status == 400
    {
        return ApiError::QueryFailed {
            message: one_line(reason, 300),
            error_type: None,
        };
    }
    raw.error(ctx, user)
}

/// A failed query inside a body: top-level `status: failed`, else `via[0]`'s.
fn failure(body: &Value) -> Option<ApiError> {
    let frames = [Some(body), body.get("via").and_then(|v| v.get(0))];
    frames.into_iter().flatten().find_map(|f| {
        if f.get("status").and_then(Value::as_str) != Some("failed") {
            return None;
        }
        let message = match f.get("error") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Object(m)) => m
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("no reason given")
                .to_string(),
            _ => f
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("no reason given")
                .to_string(),
        };
        Some(ApiError::QueryFailed {
            message: one_line(&message, 300),
            error_type: f
                .get("error_type")
                .and_then(Value::as_str)
                .map(str::to_string),
        })
    })
}

/// Sends `req` and returns the successful answer, or this surface's error.
async fn send(c: &Client, req: Req) -> Result<Raw, ApiError> {
    let raw = c.call_any(&req).await?;
    if raw.is_success() {
        Ok(raw)
    } else {
        Err(error_of(&raw, &req.ctx, &c.user()))
    }
}

/// A streaming answer (`/v2/query`, `/v1/execute`), whatever status it came with.
async fn streamed(c: &Client, req: Req) -> Result<QueryResult, ApiError> {
    let raw = send(c, req).await?;
    let mut r = super::v1::decode_execute(&raw.body)?;
    r.row_cap = Some(PAGE_ROWS);
    Ok(r)
}

pub async fn construct_query(c: &Client, q: &QueryRequest) -> Result<String, ApiError> {
    let query = portable(c, q).await?;
    let what = source_name(q);
    #[derive(Deserialize)]
    struct Constructed {
        query: String,
    }
    let url = c.url_for("/api/agent/v2/construct-query");
    let raw = send(
        c,
        Req::post(
            "/v2/construct-query",
            json!({ "query": query }),
            Ctx::query(format!("query {what}"), what),
        ),
    )
    .await
    .inspect_err(|e| forget_if_stale(c, q.source, e))?;
    let r: Constructed = raw.json(&url)?;
    Ok(r.query)
}

pub async fn execute(c: &Client, query: &str) -> Result<QueryResult, ApiError> {
    streamed(
        c,
        Req::post(
            "/v1/execute",
            json!({ "query": query }),
            Ctx::query("run the query", "the query"),
        ),
    )
    .await
}

/// Runs `q`: through `/v2/execute-query` when the server has handles, else `/v2/query`.
pub async fn run_query(
    c: &Client,
    q: &QueryRequest,
    handles: bool,
) -> Result<QueryResult, ApiError> {
    let query = portable(c, q).await?;
    let answer = if handles {
        execute_query(
            c,
            json!({ "query": query, "row_limit": HANDLE_ROWS }),
            0,
            "run the query",
        )
        .await
    } else {
        query_page(c, json!({ "query": query }), "run the query").await
    };
    answer.inspect_err(|e| forget_if_stale(c, q.source, e))
}

pub async fn next_page(c: &Client, cursor: &PageCursor) -> Result<QueryResult, ApiError> {
    match cursor {
        PageCursor::Continuation(token) => {
            query_page(
                c,
                json!({ "continuation_token": token }),
                "fetch the next page",
            )
            .await
        }
        PageCursor::Handle { handle, offset } => execute_query(
            c,
            json!({ "query_handle": handle, "row_limit": page_size_at(*offset), "offset": offset }),
            *offset,
            "fetch the next page",
        )
        .await,
    }
}

async fn query_page(c: &Client, body: Value, action: &str) -> Result<QueryResult, ApiError> {
    streamed(
        c,
        Req::post("/v2/query", body, Ctx::query(action, "the query")),
    )
    .await
}

/// The `row_limit` to read on from `offset`. The server wants the offset to be a multiple of
/// the page size, and it may cut a page over its response budget to a whole fraction of the
/// size asked (or to the instance's row cap): the largest size that divides both the offset
/// and the usual page stays on that grid however the earlier pages were cut.
pub fn page_size_at(offset: u64) -> u64 {
    let (mut a, mut b) = (HANDLE_ROWS, offset);
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// `/v2/execute-query`'s 200 answer.
#[derive(Deserialize)]
struct HandlePage {
    query_handle: Option<String>,
    #[serde(default)]
    cols: Vec<Column>,
    #[serde(default)]
    rows: Rows,
    #[serde(default)]
    row_count: Option<u64>,
    #[serde(default)]
    truncated: bool,
}

async fn execute_query(
    c: &Client,
    body: Value,
    offset: u64,
    action: &str,
) -> Result<QueryResult, ApiError> {
    let url = c.url_for("/api/agent/v2/execute-query");
    let started = std::time::Instant::now();
    let raw = send(
        c,
        Req::post("/v2/execute-query", body, Ctx::query(action, "the query")),
    )
    .await?;
    let page: HandlePage = raw.json(&url)?;
    Ok(handle_result(page, offset, started.elapsed().as_millis()))
}

fn handle_result(page: HandlePage, offset: u64, elapsed_ms: u128) -> QueryResult {
    let rows = page.rows.0;
    let returned = rows.len() as u64;
    let next = match (&page.query_handle, page.truncated && returned > 0) {
        (Some(h), true) => Some(PageCursor::Handle {
            handle: h.clone(),
            offset: offset + returned,
        }),
        _ => None,
    };
    QueryResult {
        row_count: page.row_count.unwrap_or(returned),
        running_time_ms: u64::try_from(elapsed_ms).unwrap_or(u64::MAX),
        // Handles page without a budget: the cursor says whether more follows.
        row_cap: None,
        next,
        native_form: None,
        result: ResultSet {
            columns: page.cols,
            rows,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use std::time::Duration;

    fn raw(status: u16, ct: &str, body: &str) -> Raw {
        Raw {
            status,
            content_type: ct.into(),
            version: None,
            body: Bytes::from(body.to_string()),
            elapsed: Duration::ZERO,
            redactions: Vec::new(),
        }
    }

    fn ctx() -> Ctx {
        Ctx::query("run the query", "the query")
    }

    #[test]
    fn representation_errors_keep_their_code() {
        let body = r#"{"message":"No table ORDERZ in schema PUBLIC. List the database's tables.",
            "error":"unknown-table","agent-error?":true,"via":[{"message":"x"}],"trace":[]}"#;
        let e = error_of(&raw(400, "application/json", body), &ctx(), "a@x");
        assert!(matches!(e, ApiError::BadRequest { query: true, .. }), "{e}");
        assert_eq!(
            e.to_string(),
            "the server refused to run the query (400): No table ORDERZ in schema PUBLIC. \
             List the database's tables. (unknown-table)"
        );
        assert_eq!(e.exit_code(), 5);
    }

    #[test]
    fn teaching_errors_are_their_text() {
        let e = error_of(
            &raw(
                400,
                "text/plain",
                "Provide exactly one of `query`, `query_handle`.",
            ),
            &ctx(),
            "a@x",
        );
        assert_eq!(
            e.to_string(),
            "the server refused to run the query (400): Provide exactly one of `query`, `query_handle`."
        );
        let e = error_of(
            &raw(400, "text/plain", "The query failed: no such column: X"),
            &ctx(),
            "a@x",
        );
        assert_eq!(e.to_string(), "the query failed: no such column: X");
        let e = error_of(
            &raw(403, "text/plain", "You don't have permissions to do that."),
            &ctx(),
            "s@x",
        );
        assert!(matches!(e, ApiError::Forbidden { .. }), "{e}");
    }

    #[test]
    fn failed_streams_read_the_same_either_way() {
        let via = r#"{"message":"boom","via":[{"status":"failed","error":"Syntax error near FROM",
            "error_type":"invalid-query"}]}"#;
        let e = error_of(&raw(400, "application/json", via), &ctx(), "a@x");
        assert_eq!(
            e.to_string(),
            "the query failed: Syntax error near FROM (invalid-query)"
        );
        let top =
            r#"{"status":"failed","error":"Syntax error near FROM","error_type":"invalid-query"}"#;
        assert_eq!(
            error_of(&raw(400, "application/json", top), &ctx(), "a@x"),
            e
        );
        // Auth bodies keep their v1 meaning.
        let auth = r#"{"error":"invalid_jwt","message":"bad token"}"#;
        assert!(matches!(
            error_of(&raw(401, "application/json", auth), &ctx(), "a@x"),
            ApiError::Auth { .. }
        ));
    }

    #[test]
    fn pages_after_a_cut_stay_on_the_offset_grid() {
        assert_eq!(page_size_at(0), 200);
        assert_eq!(page_size_at(400), 200);
        // A 100-row page cut for the budget: read on in hundreds.
        assert_eq!(page_size_at(300), 100);
        assert_eq!(page_size_at(250), 50);
        // An instance cap of 4 rows a page.
        assert_eq!(page_size_at(4), 4);
        for offset in [0, 4, 50, 250, 300, 1234] {
            let size = page_size_at(offset);
            assert!(size > 0 && offset % size == 0, "{offset}");
        }
    }

    #[test]
    fn handle_pages_carry_the_next_offset() {
        let page: HandlePage = serde_json::from_str(
            r#"{"query_handle":"h-1","cols":[{"name":"ID","base_type":"type/Integer"}],
                "rows":[[1],[2]],"row_count":2,"truncated":true,"truncation_message":"…"}"#,
        )
        .expect("decodes");
        let r = handle_result(page, 4, 3);
        assert_eq!(
            r.next,
            Some(PageCursor::Handle {
                handle: "h-1".into(),
                offset: 6
            })
        );
        assert_eq!(r.result.rows.len(), 2);
        let last: HandlePage =
            serde_json::from_str(r#"{"query_handle":"h-1","cols":[],"rows":[[1]],"row_count":1}"#)
                .expect("decodes");
        assert_eq!(handle_result(last, 0, 0).next, None);
    }
}

//! The v1 endpoints of E2 and E3 (`agent-api.md` §4): GETs for tables and metrics,
//! construct-query + execute, and E3's paged `/v1/query`.

use crate::api::error::ApiError;
use crate::api::transport::Ctx;
use crate::api::types::*;
use crate::api::{Client, Req};
use crate::data::{Column, ResultSet, Rows};
use crate::query::{FieldId, QueryRequest, Source};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// E3 caps every execution at 200 rows.
pub const E3_ROW_CAP: u64 = 200;
/// E2's "userland" caps: bare rows, and aggregated results.
const E2_BARE_ROWS: u64 = 2000;
const E2_AGGREGATED_ROWS: u64 = 10000;

/// The cap E2 applies to `q`: metrics and queries with aggregations or breakouts are aggregated.
pub fn e2_row_cap(q: &QueryRequest) -> u64 {
    let aggregated = matches!(q.source, Source::Metric(_))
        || !q.aggregations.is_empty()
        || !q.group_by.is_empty();
    if aggregated {
        E2_AGGREGATED_ROWS
    } else {
        E2_BARE_ROWS
    }
}

fn source_name(q: &QueryRequest) -> String {
    match q.source {
        Source::Table(id) => format!("table {id}"),
        Source::Metric(id) => format!("metric {id}"),
    }
}

/// A path segment with everything but unreserved characters percent-encoded.
fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub async fn search(c: &Client, req: &SearchRequest) -> Result<SearchResults, ApiError> {
    let body = serde_json::to_value(req).unwrap_or_else(|_| json!({}));
    let mut r = Req::post("/v1/search", body, Ctx::new("search", "search"));
    if let Some(limit) = req.limit {
        r = r.param("limit", limit);
    }
    c.call(r).await
}

pub async fn table(c: &Client, id: i64, o: TableOptions) -> Result<TableDetails, ApiError> {
    let what = format!("table {id}");
    let r = Req::get(
        format!("/v1/table/{id}"),
        Ctx::new(format!("read {what}"), what),
    )
    .param("with-fields", o.with_fields)
    .param("with-field-values", o.with_field_values)
    .param("with-related-tables", o.with_related_tables)
    .param("with-metrics", o.with_metrics)
    .param("with-measures", o.with_measures)
    .param("with-segments", o.with_segments);
    let mut t: TableDetails = c.call(r).await?;
    t.fill_types();
    Ok(t)
}

pub async fn metric(c: &Client, id: i64, o: MetricOptions) -> Result<MetricDetails, ApiError> {
    let what = format!("metric {id}");
    let r = Req::get(
        format!("/v1/metric/{id}"),
        Ctx::new(format!("read {what}"), what),
    )
    .param(
        "with-default-temporal-breakout",
        o.with_default_temporal_breakout,
    )
    .param("with-field-values", o.with_field_values)
    .param("with-queryable-dimensions", o.with_queryable_dimensions)
    .param("with-segments", o.with_segments);
    let mut m: MetricDetails = c.call(r).await?;
    m.fill_types();
    Ok(m)
}

pub async fn field_values(
    c: &Client,
    entity: Entity,
    field: &FieldId,
    limit: Option<u32>,
) -> Result<FieldValues, ApiError> {
    let (kind, id) = match entity {
        Entity::Table(id) => ("table", id),
        Entity::Metric(id) => ("metric", id),
    };
    let what = format!("field {field} of {kind} {id}");
    let path = format!(
        "/v1/{kind}/{id}/field/{}/values",
        segment(&field.to_string())
    );
    let mut r = Req::get(path, Ctx::new(format!("read the values of {what}"), what));
    if let Some(limit) = limit {
        r = r.param("limit", limit);
    }
    let v: Value = c.call(r).await?;
    Ok(decode_field_values(&v))
}

/// Reads both field-values shapes: E2's `{statistics, values}` and E3's
/// `{value_metadata: {statistics (kebab-case), field_values}}`.
pub fn decode_field_values(v: &Value) -> FieldValues {
    let (stats, values) = match v.get("value_metadata") {
        Some(meta) => (meta.get("statistics"), meta.get("field_values")),
        None => (v.get("statistics"), v.get("values")),
    };
    let statistics = stats.and_then(Value::as_object).and_then(|m| {
        let normalized: Map<String, Value> = m
            .iter()
            .map(|(k, v)| {
                let key = match k.as_str() {
                    "nil%" => "percent_null".to_string(),
                    other => other.replace('-', "_"),
                };
                (key, v.clone())
            })
            .collect();
        // A statistic of an unexpected type costs the statistics, not the values.
        serde_json::from_value::<FieldStats>(Value::Object(normalized)).ok()
    });
    let values = values
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    FieldValues { statistics, values }
}

/// `GET /v1/database` answers a list; some versions wrap it as `{"data": [...]}`.
#[derive(Deserialize)]
#[serde(untagged)]
enum DatabaseList {
    Plain(Vec<Database>),
    Wrapped { data: Vec<Database> },
}

fn unsupported_if_missing(e: ApiError, what: &str, era: ApiEra) -> ApiError {
    match e {
        ApiError::NotFound { ref message, .. }
            if message.starts_with("API endpoint does not exist") =>
        {
            ApiError::Unsupported {
                what: what.into(),
                era: era.as_str().into(),
            }
        }
        other => other,
    }
}

pub async fn databases(c: &Client, era: ApiEra) -> Result<Vec<Database>, ApiError> {
    let r = Req::get(
        "/v1/database",
        Ctx::new("list databases", "the database list"),
    );
    match c.call::<DatabaseList>(r).await {
        Ok(DatabaseList::Plain(d) | DatabaseList::Wrapped { data: d }) => Ok(d),
        Err(e) => Err(unsupported_if_missing(e, "GET /v1/database", era)),
    }
}

pub async fn database(c: &Client, id: i64, era: ApiEra) -> Result<DatabaseDetails, ApiError> {
    let what = format!("database {id}");
    let r = Req::get(
        format!("/v1/database/{id}"),
        Ctx::new(format!("read {what}"), what),
    )
    .param("with-tables", true);
    c.call(r)
        .await
        .map_err(|e| unsupported_if_missing(e, "GET /v1/database/{id}", era))
}

pub async fn construct_query(c: &Client, q: &QueryRequest) -> Result<String, ApiError> {
    let what = source_name(q);
    let ctx = Ctx::query(format!("query {what}"), what);
    #[derive(Deserialize)]
    struct Constructed {
        query: String,
    }
    let r: Constructed = c
        .call(Req::post("/v1/construct-query", q.to_body(), ctx))
        .await?;
    Ok(r.query)
}

pub async fn execute(c: &Client, query: &str) -> Result<QueryResult, ApiError> {
    let ctx = Ctx::query("run the query", "the query");
    let body: ExecBody = c
        .call(Req::post("/v1/execute", json!({ "query": query }), ctx))
        .await?;
    body.into_result()
}

/// One page of `POST /v1/query` (E3): a query body or a continuation.
pub async fn query_page(c: &Client, body: Value, action: &str) -> Result<QueryResult, ApiError> {
    let ctx = Ctx::query(action, "the query");
    let body: ExecBody = c.call(Req::post("/v1/query", body, ctx)).await?;
    let mut r = body.into_result()?;
    r.row_cap = Some(E3_ROW_CAP);
    Ok(r)
}

/// Decodes a whole execute (or `/v1/query`) answer body.
pub fn decode_execute(body: &[u8]) -> Result<QueryResult, ApiError> {
    let parsed: ExecBody = serde_json::from_slice(body).map_err(|e| {
        if e.is_eof() {
            ApiError::Truncated {
                status: 202,
                bytes: body.len(),
                url: "the query answer".into(),
            }
        } else {
            ApiError::NotJson {
                status: 202,
                preview: e.to_string(),
            }
        }
    })?;
    parsed.into_result()
}

/// A streaming execute answer, decoded straight into rows of cells.
#[derive(Deserialize)]
struct ExecBody {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    row_count: Option<u64>,
    #[serde(default)]
    running_time: Option<u64>,
    #[serde(default)]
    data: Option<ExecData>,
    #[serde(default)]
    error: Option<Value>,
    #[serde(default)]
    error_type: Option<String>,
    #[serde(default)]
    continuation_token: Option<String>,
}

#[derive(Deserialize)]
struct ExecData {
    #[serde(default)]
    cols: Vec<Column>,
    #[serde(default)]
    rows: Rows,
    #[serde(default)]
    native_form: Option<Value>,
}

impl ExecBody {
    fn into_result(self) -> Result<QueryResult, ApiError> {
        if self.status.as_deref() == Some("failed") {
            let message = match self.error {
                Some(Value::String(s)) => s,
                Some(Value::Object(m)) => m
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("no reason given")
                    .to_string(),
                _ => "no reason given".to_string(),
            };
            return Err(ApiError::QueryFailed {
                message: crate::api::transport::one_line(&message, 300),
                error_type: self.error_type,
            });
        }
        let data = self.data.ok_or_else(|| ApiError::NotJson {
            status: 202,
            preview: "the query answer has no data".into(),
        })?;
        let native_form = data.native_form.and_then(|n| match n {
            Value::String(s) => Some(s),
            Value::Object(m) => m.get("query").and_then(Value::as_str).map(str::to_string),
            _ => None,
        });
        let rows = data.rows.0;
        Ok(QueryResult {
            row_count: self.row_count.unwrap_or(rows.len() as u64),
            running_time_ms: self.running_time.unwrap_or(0),
            row_cap: None,
            next: self
                .continuation_token
                .filter(|t| !t.is_empty())
                .map(PageCursor::Continuation),
            native_form,
            result: ResultSet {
                columns: data.cols,
                rows,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Cell;

    #[test]
    fn execute_answers_decode_into_cells_and_failures_into_errors() {
        let text = r#"{"status":"completed","row_count":2,"running_time":7,
            "data":{"cols":[{"name":"ID","base_type":"type/Integer"},{"name":"T","display_name":"T"}],
                    "rows":[[1,"a"],[2,null]],"native_form":{"query":"SELECT 1"}},
            "continuation_token":"abc"}"#;
        let b: ExecBody = serde_json::from_str(text).expect("decodes");
        let r = b.into_result().expect("completed");
        assert_eq!(r.row_count, 2);
        assert_eq!(r.result.cell(1, 1), &Cell::Null);
        assert_eq!(r.result.cell(0, 1), &Cell::Text("a".into()));
        assert_eq!(r.native_form.as_deref(), Some("SELECT 1"));
        assert_eq!(r.next, Some(PageCursor::Continuation("abc".into())));

        let failed = r#"{"status":"failed","error":"Column not found","error_type":"invalid-query",
            "data":{"rows":[],"cols":[]}}"#;
        let b: ExecBody = serde_json::from_str(failed).expect("decodes");
        let e = b.into_result().err();
        assert_eq!(
            e.map(|e| e.to_string()),
            Some("the query failed: Column not found (invalid-query)".to_string())
        );
    }

    #[test]
    fn both_field_value_shapes_read_the_same() {
        let e2 =
            json!({"statistics": {"distinct_count": 49, "percent_null": 0.0}, "values": ["AK"]});
        let e3 = json!({"result_type": "field-metadata", "field_id": "t1-3",
            "value_metadata": {"statistics": {"distinct-count": 49, "nil%": 0.0}, "field_values": ["AK"]}});
        let a = decode_field_values(&e2);
        assert_eq!(a, decode_field_values(&e3));
        assert_eq!(a.statistics.and_then(|s| s.distinct_count), Some(49));
        assert_eq!(a.values, vec![json!("AK")]);
    }

    #[test]
    fn e2_caps_depend_on_aggregation() {
        let mut q = QueryRequest::table(1);
        assert_eq!(e2_row_cap(&q), 2000);
        q.group_by.push(crate::query::GroupBy {
            field_id: "t1-0".into(),
            field_granularity: None,
        });
        assert_eq!(e2_row_cap(&q), 10000);
        assert_eq!(e2_row_cap(&QueryRequest::metric(3)), 10000);
        assert_eq!(segment("t42-3"), "t42-3");
        assert_eq!(segment("a/b c"), "a%2Fb%20c");
    }
}

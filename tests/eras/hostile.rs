//! A fake newest-era server that answers with each error kind of the new surface, so the client
//! shows every one as a clear typed error (the sandbox answers only some of them).

use crate::common::*;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use mbx::api::ApiError;
use mbx::api::types::*;
use mbx::query::{FieldId, QueryRequest};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::net::TcpListener;

/// How often the fake server was asked for table 1's fields.
static TABLE_READS: AtomicUsize = AtomicUsize::new(0);

async fn serve(app: Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

fn json_reply(status: StatusCode, v: Value) -> Response {
    (status, axum::Json(v)).into_response()
}

fn table_one() -> Value {
    json!({"result-type": "entity", "id": 1, "type": "table", "name": "ORDERS",
        "portable_fk": ["Shop", null, "ORDERS"],
        "fields": [{"field_id": 11, "name": "TOTAL", "display_name": "Total", "type": "number",
                    "portable_fk": ["Shop", null, "ORDERS", "TOTAL"]}]})
}

async fn read_resource(axum::Json(body): axum::Json<Value>) -> Response {
    let uris: Vec<String> = body["uris"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| u.as_str().map(str::to_string))
        .collect();
    let resources: Vec<Value> = uris
        .iter()
        .map(|uri| match uri.as_str() {
            "metabase://table/1/fields" | "metabase://table/1" => {
                TABLE_READS.fetch_add(1, Ordering::SeqCst);
                json!({"uri": uri, "content": {"structured-output": table_one()}})
            }
            "metabase://table/2/fields" => {
                json!({"uri": uri, "error": "You don't have permissions to do that."})
            }
            "metabase://databases" => json!({"uri": uri, "content": {"structured-output":
                {"result-type": "metabot-list", "list-type": "databases",
                 "items": [{"type": "database", "id": 1, "name": "Shop"}],
                 "total": 60, "page": 1, "pages": 3}}}),
            _ => json!({"uri": uri, "error": format!("Invalid page in {uri}. This list has 1 page.")}),
        })
        .collect();
    json_reply(
        StatusCode::OK,
        json!({"resources": resources, "output": "<resources/>"}),
    )
}

async fn execute_query(axum::Json(body): axum::Json<Value>) -> Response {
    if body == json!({}) {
        return (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "text/plain")],
            "Provide exactly one of `query`, `query_handle`.",
        )
            .into_response();
    }
    json_reply(
        StatusCode::BAD_REQUEST,
        json!({"error": "unknown-field", "agent-error?": true,
               "message": "No column TOTAL in ORDERS. List the table's columns.",
               "via": [{"message": "x"}], "trace": []}),
    )
}

async fn fake() -> String {
    let app = Router::new()
        .route(
            "/api/agent/v1/ping",
            get(|| async { axum::Json(json!({"message": "pong"})) }),
        )
        .route("/api/agent/v2/execute-query", post(execute_query))
        .route("/api/agent/v1/read-resource", post(read_resource))
        .route(
            "/api/agent/v2/query",
            post(|| async {
                json_reply(
                    StatusCode::BAD_REQUEST,
                    json!({"message": "Query failed", "via": [{"status": "failed",
                           "error": "Table \"ORDERS\" is gone", "error_type": "invalid-query"}]}),
                )
            }),
        )
        .route(
            "/api/agent/v1/execute",
            post(|| async {
                json_reply(
                    StatusCode::ACCEPTED,
                    json!({"status": "failed", "error": "Division by zero", "row_count": 0,
                           "data": {"rows": [], "cols": []}}),
                )
            }),
        );
    serve(app).await
}

#[tokio::test]
async fn each_error_of_the_new_surface_reads_as_one_typed_line() {
    let url = fake().await;
    let c = client(&url, "a@x", None);
    assert_eq!(c.era().await.expect("detected"), ApiEra::Latest);

    // A representation error: 400 JSON with an `error` code.
    let e = c
        .run_query(&QueryRequest::table(1))
        .await
        .expect_err("unknown field");
    assert_eq!(
        e.to_string(),
        "the server refused to run the query (400): No column TOTAL in ORDERS. List the table's \
         columns. (unknown-field)"
    );
    assert_eq!(e.exit_code(), 5);
    // Names that no longer resolve are read afresh on the next attempt, not reused.
    let reads = TABLE_READS.load(Ordering::SeqCst);
    assert!(c.run_query(&QueryRequest::table(1)).await.is_err());
    assert_eq!(TABLE_READS.load(Ordering::SeqCst), reads + 1);

    // A per-URI permission error inside a 200.
    let e = c
        .table(2, TableOptions::default())
        .await
        .expect_err("forbidden");
    assert_eq!(
        e.to_string(),
        "a@x may not read table 2 (403): You don't have permissions to do that."
    );
    // A per-URI error that is neither: a bad request, naming the URI's problem.
    let e = c
        .field_values(Entity::Table(1), &FieldId::Int(11), None)
        .await
        .expect_err("bad page");
    assert!(matches!(e, ApiError::BadRequest { status: 400, .. }), "{e}");
    // A list that claims pages it cannot serve fails on the missing page, not silently.
    let e = c.databases().await.expect_err("page 2 is an error");
    assert!(e.to_string().contains("Invalid page"), "{e}");

    // A failed stream: 400 with `via[0]`, and 202 with `status: failed`.
    let rr = client(&url, "a@x", Some(ApiEra::Rr));
    let e = rr
        .run_query(&QueryRequest::table(1))
        .await
        .expect_err("failed stream");
    assert_eq!(
        e.to_string(),
        "the query failed: Table \"ORDERS\" is gone (invalid-query)"
    );
    let e = rr.execute("e30=").await.expect_err("failed");
    assert_eq!(e.to_string(), "the query failed: Division by zero");
    assert_eq!(e.exit_code(), 5);
}

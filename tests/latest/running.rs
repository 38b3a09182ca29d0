//! `/v2/query` continuation tokens, `/v1/execute` caps, `/v2/execute-query` handles.

use crate::support::*;
use serde_json::{Value, json};

fn ordered(limit: Option<u64>) -> Value {
    let mut extra = json!({"order-by": [["asc", {}, col("ORDERS", "ID")]]});
    if let (Some(l), Some(m)) = (limit, extra.as_object_mut()) {
        m.insert("limit".into(), json!(l));
    }
    orders(extra)
}

fn rows(body: &Value) -> Vec<Value> {
    body["data"]["rows"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn v2_query_pages_with_tokens() {
    let env = start().await;
    let small = env
        .post("/v2/query", json!({"query": ordered(Some(5))}))
        .await;
    assert_eq!(small.status, 202);
    let body = small.json();
    assert_eq!(
        (body["status"].as_str(), body["row_count"].as_u64()),
        (Some("completed"), Some(5))
    );
    assert!(body.get("continuation_token").is_some_and(Value::is_null));

    let first = env
        .post("/v2/query", json!({"query": ordered(Some(250))}))
        .await
        .json();
    assert_eq!(first["row_count"], 200);
    let token = first["continuation_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(!token.is_empty());
    let second = env
        .post("/v2/query", json!({"continuation_token": token}))
        .await
        .json();
    assert_eq!(second["row_count"], 50, "{second}");
    assert!(second["continuation_token"].is_null());
    assert_ne!(rows(&first)[0], rows(&second)[0]);

    let unlimited = env
        .post("/v2/query", json!({"query": ordered(None)}))
        .await
        .json();
    assert_eq!(unlimited["row_count"], 200);
    let next = unlimited["continuation_token"].as_str().unwrap_or_default();
    let page2 = env
        .post("/v2/query", json!({"continuation_token": next}))
        .await
        .json();
    assert_eq!(page2["row_count"], 200);
    assert!(page2["continuation_token"].is_string());

    let count = env
        .post(
            "/v2/query",
            json!({"query": orders(json!({"aggregation": [["count", {}]]}))}),
        )
        .await
        .json();
    assert_eq!(count["row_count"], 1);
    assert!(count["continuation_token"].is_null());
}

#[tokio::test]
async fn v2_query_takes_constructed_queries_and_refuses_bad_ones() {
    let env = start().await;
    let built = env
        .post("/v2/construct-query", json!({"query": ordered(Some(3))}))
        .await
        .json();
    let run = env
        .post("/v2/query", json!({"query": built["query"]}))
        .await
        .json();
    assert_eq!(run["row_count"], 3);

    for junk in [json!("@@@not-base64@@@"), json!("NQ==")] {
        let a = env.post("/v2/query", json!({"query": junk})).await;
        assert_eq!(
            (a.status.as_u16(), a.text.as_str()),
            (
                400,
                "Invalid request: expected a base64-encoded JSON object."
            )
        );
    }
    let lots = env
        .post(
            "/v2/query",
            json!({"query": orders(json!({"limit": "lots"}))}),
        )
        .await;
    assert_eq!(lots.status, 400);
    assert_eq!(
        lots.text,
        "A query's `limit` must be a positive integer; \"lots\" is not. Omit it to read every row."
    );
    let native = json!({"lib/type": "mbql/query", "database": 1, "stages": [{"lib/type": "mbql.stage/native", "native": "SELECT 1"}]});
    let encoded = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        native.to_string(),
    );
    let a = env.post("/v2/query", json!({"query": encoded})).await;
    assert_eq!(a.status, 400);
    assert!(a.text.contains("execute_sql"), "{}", a.text);
    let bad_token = json!({"query": ordered(None), "pagination": {"limit": 250, "page": 0}});
    let bad_token = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        bad_token.to_string(),
    );
    let a = env
        .post("/v2/query", json!({"continuation_token": bad_token}))
        .await;
    assert_eq!(
        a.text,
        "Invalid continuation token: page must be a positive integer"
    );
    let extra = env
        .post("/v2/query", json!({"query": ordered(None), "limit": 5}))
        .await;
    assert_eq!(extra.status, 400);
    assert!(extra.json()["errors"].get("limit").is_some());
    // A token names tables again: the sales user cannot reach PEOPLE through one.
    let people = json!({"query": {"lib/type": "mbql/query", "database": 1, "stages": [{"lib/type": "mbql.stage/mbql", "source-table": PEOPLE}]},
                        "pagination": {"limit": 400, "page": 2}});
    let token = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        people.to_string(),
    );
    let denied = env
        .post_as(SALES, "/v2/query", json!({"continuation_token": token}))
        .await;
    assert_eq!(
        (denied.status.as_u16(), denied.text.as_str()),
        (403, "You don't have permissions to do that.")
    );
}

#[tokio::test]
async fn v1_execute_is_capped_at_200() {
    let env = start().await;
    let built = env
        .post("/v2/construct-query", json!({"query": ordered(Some(300))}))
        .await
        .json();
    let run = env
        .post("/v1/execute", json!({"query": built["query"]}))
        .await;
    assert_eq!(run.status, 202);
    assert_eq!(run.json()["row_count"], 200);
}

#[tokio::test]
async fn execute_query_pages_through_handles() {
    let env = start().await;
    let first = env
        .post("/v2/execute-query", json!({"query": ordered(None)}))
        .await;
    assert_eq!(first.status, 200, "{}", first.text);
    let first = first.json();
    assert_eq!(first["row_count"], 100);
    assert_eq!(first["truncated"], true);
    let message = first["truncation_message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("Showing 100 rows from offset 0"),
        "{message}"
    );
    assert!(message.contains("`offset: 100`") && !message.contains("order-by"));
    let handle = first["query_handle"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(uuid::Uuid::parse_str(&handle).is_ok());
    let cols = first["cols"].as_array().cloned().unwrap_or_default();
    assert!(
        cols.iter()
            .all(|c| c.get("name").is_some() && c.get("base_type").is_some())
    );

    let again = env
        .post(
            "/v2/execute-query",
            json!({"query": ordered(None), "validate_only": true}),
        )
        .await
        .json();
    assert_eq!(again, json!({"query_handle": handle, "validated": true}));

    let next = env
        .post(
            "/v2/execute-query",
            json!({"query_handle": handle, "offset": 100}),
        )
        .await
        .json();
    assert_eq!(next["query_handle"], handle);
    assert_eq!(next["row_count"], 100);
    assert_ne!(next["rows"][0], first["rows"][0]);

    let foreign = env
        .post_as(
            ANALYST,
            "/v2/execute-query",
            json!({"query_handle": handle}),
        )
        .await;
    assert_eq!(foreign.status, 404);
    assert!(
        foreign
            .text
            .starts_with(&format!("No query handle \"{handle}\".")),
        "{}",
        foreign.text
    );

    let own = env
        .post(
            "/v2/execute-query",
            json!({"query": ordered(Some(5)), "row_limit": 4}),
        )
        .await
        .json();
    assert_eq!(own["row_count"], 4);
    assert_eq!(own["truncated"], true);
    let rest = env
        .post(
            "/v2/execute-query",
            json!({"query_handle": own["query_handle"], "row_limit": 4, "offset": 4}),
        )
        .await
        .json();
    assert_eq!(rest["row_count"], 1);
    assert!(rest.get("truncated").is_none(), "{rest}");
}

#[tokio::test]
async fn execute_query_errors() {
    let env = start().await;
    let both = env
        .post(
            "/v2/execute-query",
            json!({"query": ordered(None), "query_handle": "x"}),
        )
        .await;
    assert_eq!(
        both.text,
        "Provide only one of `query`, `query_handle`, not several together."
    );
    let big = env
        .post(
            "/v2/execute-query",
            json!({"query": ordered(None), "row_limit": 2001}),
        )
        .await;
    assert_eq!(big.status, 400);
    assert_eq!(
        big.json()["errors"]["row_limit"],
        "nullable integer between 1 and 2000 inclusive"
    );
    let odd = env
        .post(
            "/v2/execute-query",
            json!({"query": ordered(None), "row_limit": 4, "offset": 3}),
        )
        .await;
    assert_eq!(odd.status, 400);
    assert!(
        odd.text
            .starts_with("offset must be a multiple of the page size (4); 3 is not.")
    );
    let past = env
        .post(
            "/v2/execute-query",
            json!({"query": ordered(Some(5)), "row_limit": 5, "offset": 5}),
        )
        .await;
    assert!(
        past.text
            .starts_with("This query's own limit of 5 rows ends before offset 5."),
        "{}",
        past.text
    );
    let unknown = env
        .post(
            "/v2/execute-query",
            json!({"query": {"stages": [{"source-table": ["Sample Database", "PUBLIC", "NOPE"]}]}}),
        )
        .await;
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.json()["error"], "unknown-table");
    let unordered = env
        .post(
            "/v2/execute-query",
            json!({"query": orders(json!({})), "row_limit": 3}),
        )
        .await
        .json();
    assert!(
        unordered["truncation_message"]
            .as_str()
            .unwrap_or_default()
            .contains("no `order-by`")
    );
}

#[tokio::test]
async fn relative_date_filters_run() {
    let env = start().await;
    let count =
        |filter: Value| orders(json!({"aggregation": [["count", {}]], "filters": [filter]}));
    let created = col("ORDERS", "CREATED_AT");
    let all = env
        .post(
            "/v2/query",
            json!({"query": orders(json!({"aggregation": [["count", {}]]}))}),
        )
        .await
        .json();
    let all = all["data"]["rows"][0][0].as_i64().unwrap_or_default();
    let recent = env
        .post(
            "/v2/query",
            json!({"query": count(json!(["time-interval", {}, created, -5, "year"]))}),
        )
        .await
        .json();
    assert_eq!(recent["status"], "completed", "{recent}");
    let recent = recent["data"]["rows"][0][0].as_i64().unwrap_or_default();
    let march = env
        .post(
            "/v2/query",
            json!({"query": count(json!(["during", {}, created, "2024-03-01", "month"]))}),
        )
        .await
        .json();
    assert_eq!(march["status"], "completed", "{march}");
    let march = march["data"]["rows"][0][0].as_i64().unwrap_or_default();
    assert!(
        0 < march && march < recent && recent <= all,
        "{march} {recent} {all}"
    );
}

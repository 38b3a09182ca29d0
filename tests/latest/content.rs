//! `POST /v2/content`: typed fetches of metrics, measures and segments.

use crate::support::*;
use serde_json::json;

#[tokio::test]
async fn metrics_come_with_dimensions_and_definitions() {
    let env = start().await;
    let body = json!({"items": [{"type": "metric", "id": 101}, {"type": "measure", "id": 1},
                                 {"type": "question", "id": 7}],
                      "include": ["dimensions", "definition", "fields"]});
    let a = env.post("/v2/content", body).await;
    assert_eq!(a.status, 200, "{}", a.text);
    let v = a.json();
    assert_eq!(
        (v["returned"].as_u64(), v["total"].as_u64()),
        (Some(3), Some(3))
    );
    let metric = &v["data"][0];
    assert_eq!(
        (metric["type"].as_str(), metric["id"].as_i64()),
        (Some("metric"), Some(101))
    );
    let dims = metric["dimensions"].as_array().cloned().unwrap_or_default();
    let created = dims
        .iter()
        .find(|d| d["name"] == "CREATED_AT")
        .cloned()
        .unwrap_or_default();
    assert_eq!(created["table_id"], ORDERS);
    assert!(
        dims.iter().any(|d| d["name"] == "CATEGORY"),
        "implicitly joined columns too"
    );
    let stage = &metric["definition"]["stages"][0];
    assert_eq!(
        stage["source-table"],
        json!(["Sample Database", "PUBLIC", "ORDERS"])
    );
    assert_eq!(
        stage["aggregation"][0][2][2],
        json!(["Sample Database", "PUBLIC", "ORDERS", "TOTAL"])
    );
    assert_eq!(metric["fields"][0]["name"], "sum");
    let measure = &v["data"][1];
    assert_eq!(measure["definition"][0][0], "sum");
    let skipped = measure["skipped_includes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(skipped.iter().any(|s| s["include"] == "dimensions"));
    assert_eq!(
        v["data"][2],
        json!({"type": "question", "id": 7, "status": 404, "error": "Not found."})
    );

    // The metric's definition runs as a query.
    let run = env
        .post("/v2/execute-query", json!({"query": metric["definition"]}))
        .await
        .json();
    assert_eq!(run["row_count"], 1, "{run}");
}

#[tokio::test]
async fn entity_ids_permissions_and_limits() {
    let env = start().await;
    let eid = env.read("metabase://metric/102").await["content"]["structured-output"]["portable_entity_id"].clone();
    let by_eid = env
        .post(
            "/v2/content",
            json!({"items": [{"type": "metric", "id": eid}]}),
        )
        .await
        .json();
    assert_eq!(by_eid["data"][0]["id"], 102);
    let denied = env
        .post_as(
            SALES,
            "/v2/content",
            json!({"items": [{"type": "metric", "id": 101}]}),
        )
        .await
        .json();
    assert_eq!(denied["data"][0]["status"], 403);
    let none = env.post("/v2/content", json!({"items": []})).await;
    assert_eq!(none.status, 400);
    assert!(none.text.contains("needs `items`"));
    let items: Vec<_> = (0..11)
        .map(|_| json!({"type": "metric", "id": 101}))
        .collect();
    let many = env.post("/v2/content", json!({"items": items})).await;
    assert!(
        many.text.contains("at most 10 items per call"),
        "{}",
        many.text
    );
    let bad = env
        .post(
            "/v2/content",
            json!({"items": [{"type": "spaceship", "id": 1}]}),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.json()["errors"].get("items").is_some());
}

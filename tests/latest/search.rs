//! `POST /v1/search` and `POST /v2/search` on the newest surface.

use crate::support::*;
use serde_json::{Value, json};

#[tokio::test]
async fn v1_search_coerces_strings_and_enriches_metrics() {
    let env = start().await;
    let a = env
        .post("/v1/search", json!({"term_queries": "Revenue"}))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let body = a.json();
    let metric = body["data"]
        .as_array()
        .and_then(|d| d.iter().find(|i| i["type"] == "metric"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(metric["name"], "Revenue");
    assert_eq!(
        metric["portable_entity_id"].as_str().map(str::len),
        Some(21)
    );
    assert_eq!(
        metric["base_table_portable_fk"],
        json!(["Sample Database", "PUBLIC", "ORDERS"])
    );
    assert_eq!(
        body["total_count"].as_u64(),
        body["data"].as_array().map(|d| d.len() as u64)
    );
    let tables = env
        .post("/v1/search", json!({"term_queries": "[\"ORDERS\"]"}))
        .await
        .json();
    assert_eq!(tables["data"][0]["name"], "ORDERS");
    assert_eq!(tables["data"][0]["database_name"], "Sample Database");
}

#[tokio::test]
async fn v2_search_modes_and_envelope() {
    let env = start().await;
    let none = env.post("/v2/search", json!({})).await;
    assert_eq!(none.status, 400);
    assert!(none.is_plain());
    for word in ["term_queries", "filter", "recent"] {
        assert!(none.text.contains(word), "{}", none.text);
    }
    let mixed = env
        .post(
            "/v2/search",
            json!({"recent": true, "term_queries": ["orders"]}),
        )
        .await;
    assert!(mixed.text.contains("cannot be ranked by a query"));
    let over = env
        .post(
            "/v2/search",
            json!({"term_queries": ["orders"], "limit": 51}),
        )
        .await;
    assert_eq!(over.status, 400);
    assert!(over.json()["errors"].get("limit").is_some());

    let ranked = env
        .post("/v2/search", json!({"term_queries": ["Revenue"]}))
        .await
        .json();
    assert!(ranked.get("total").is_none());
    let hit = ranked["data"][0].clone();
    let keys: Vec<&String> = hit
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        ["id", "name", "type", "description", "collection_path"]
    );
    assert_eq!(hit["collection_path"], "Our analytics / Finance");

    let listed = env
        .post("/v2/search", json!({"type": ["table"], "limit": 10}))
        .await
        .json();
    assert_eq!(listed["returned"], 10);
    let total = listed["total"].as_u64().unwrap_or_default();
    assert!(total >= 34, "{total}");
    assert_eq!(listed["truncated"], true);
    assert!(
        listed["truncation_message"]
            .as_str()
            .unwrap_or_default()
            .contains("`offset: 10`")
    );
    let table: Value = listed["data"][0].clone();
    assert!(table.get("collection_path").is_none());

    let sales = env
        .post_as(SALES, "/v2/search", json!({"type": ["table"]}))
        .await
        .json();
    assert_eq!(sales["total"], 2);
    let recent = env.post("/v2/search", json!({"recent": true})).await.json();
    assert_eq!(recent["returned"], 0);
}

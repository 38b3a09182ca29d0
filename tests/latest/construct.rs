//! `POST /v2/construct-query`: portable MBQL 5 in, numeric-id MBQL 5 (base64) out.

use crate::support::*;
use serde_json::{Value, json};

async fn code_of(env: &Env, query: Value) -> String {
    let a = env
        .post("/v2/construct-query", json!({"query": query}))
        .await;
    assert_eq!(a.status, 400, "{}", a.text);
    a.json()["error"].as_str().unwrap_or("no code").to_string()
}

#[tokio::test]
async fn resolves_names_to_ids_without_a_default_limit() {
    let env = start().await;
    let a = env
        .post(
            "/v2/construct-query",
            json!({"query": orders(json!({"limit": 10})), "prompt": "ten orders"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let body = a.json();
    assert_eq!(body["prompt"], "ten orders");
    let q = decode(body["query"].as_str().unwrap_or_default());
    assert_eq!(q["lib/type"], "mbql/query");
    assert_eq!(q["database"], 1);
    assert_eq!(q["stages"][0]["source-table"], ORDERS);
    assert_eq!(q["stages"][0]["limit"], 10);

    let plain = env
        .post("/v2/construct-query", json!({"query": orders(json!({}))}))
        .await;
    let q = decode(plain.json()["query"].as_str().unwrap_or_default());
    assert!(q["stages"][0].get("limit").is_none(), "{q}");
}

#[tokio::test]
async fn implicit_joins_metrics_and_aggregation_order() {
    let env = start().await;
    let revenue = env.read("metabase://metric/101").await["content"]["structured-output"]["portable_entity_id"].clone();
    let query = orders(json!({
        "aggregation": [["metric", {}, revenue]],
        "breakout": [col("PRODUCTS", "CATEGORY")],
        "order-by": [["desc", {}, ["aggregation", {}, 0]]],
    }));
    let a = env
        .post("/v2/construct-query", json!({"query": query}))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let q = decode(a.json()["query"].as_str().unwrap_or_default());
    let stage = &q["stages"][0];
    assert_eq!(stage["aggregation"][0][0], "metric");
    assert_eq!(stage["aggregation"][0][2], 101);
    let product_id = env.field_id(ORDERS, "PRODUCT_ID").await;
    assert_eq!(stage["breakout"][0][1]["source-field"], product_id);
    assert_eq!(
        stage["order-by"][0][2][2],
        stage["aggregation"][0][1]["lib/uuid"]
    );
    // The constructed query runs.
    let run = env
        .post("/v1/execute", json!({"query": a.json()["query"]}))
        .await;
    assert_eq!(run.status, 202);
    let body = run.json();
    assert_eq!(body["status"], "completed", "{body}");
    assert_eq!(body["row_count"], 4);
}

#[tokio::test]
async fn errors_carry_codes() {
    let env = start().await;
    let src = |path: Value| json!({"lib/type": "mbql/query", "stages": [{"lib/type": "mbql.stage/mbql", "source-table": path}]});
    assert_eq!(
        code_of(&env, src(json!(["Nope", "PUBLIC", "ORDERS"]))).await,
        "unknown-database"
    );
    assert_eq!(
        code_of(&env, src(json!(["Sample Database", "PUBLIC", "NOPE"]))).await,
        "unknown-table"
    );
    assert_eq!(
        code_of(&env, src(json!("metabase://table/2"))).await,
        "uri-in-source-table"
    );
    assert_eq!(
        code_of(&env, json!({"stages": [{"limit": 5}]})).await,
        "missing-source-in-first-stage"
    );
    assert_eq!(
        code_of(&env, orders(json!({"fields": [col("ORDERS", "NOPE")]}))).await,
        "unknown-field"
    );
    assert_eq!(
        code_of(
            &env,
            orders(json!({"aggregation": [col("ORDERS", "TOTAL")]}))
        )
        .await,
        "aggregation-entry-not-aggregation"
    );
    assert_eq!(
        code_of(
            &env,
            orders(json!({"aggregation": [["metric", {}, "AbCdEfGhIjKlMnOpQrStU"]]}))
        )
        .await,
        "unknown-card"
    );
    assert_eq!(
        code_of(&env, orders(json!({"fields": [col("REVIEWS", "RATING")]}))).await,
        "no-fk-path"
    );
    let typo = env
        .post(
            "/v2/construct-query",
            json!({"query": orders(json!({"aggreagation": []}))}),
        )
        .await;
    let body = typo.json();
    assert_eq!(body["error"], "unknown-stage-key");
    assert_eq!(body["unknown-keys"], json!(["aggreagation"]));
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("aggregation")
    );
    assert!(body["via"].is_array());
}

#[tokio::test]
async fn bad_bodies_and_forbidden_sources() {
    let env = start().await;
    for body in [json!({}), json!({"query": ""})] {
        let a = env.post("/v2/construct-query", body).await;
        assert_eq!(a.status, 400);
        assert!(a.json()["errors"].get("query").is_some(), "{}", a.text);
    }
    let extra = env
        .post(
            "/v2/construct-query",
            json!({"query": orders(json!({})), "source_entity": 1}),
        )
        .await;
    assert_eq!(extra.status, 400);
    assert_eq!(
        extra.json()["specific-errors"]["source_entity"],
        json!(["disallowed key"])
    );
    let people = json!({"stages": [{"source-table": ["Sample Database", "PUBLIC", "PEOPLE"]}]});
    let denied = env
        .post_as(SALES, "/v2/construct-query", json!({"query": people}))
        .await;
    assert_eq!(denied.status, 403);
    assert!(denied.is_plain());
    assert_eq!(denied.text, "You don't have permissions to do that.");
}

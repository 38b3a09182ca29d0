//! The E3 profile: default limit 200, 200-row cap, `/v1/query` paging, value_metadata,
//! E3 field shape, databases.

use crate::common::*;
use serde_json::json;

#[tokio::test]
async fn e3_limits_and_field_shapes() {
    let env = start_e3().await;
    let r = env.run(json!({"table_id": ORDERS})).await;
    assert_eq!(r["row_count"], 200);
    let r = env.run(json!({"table_id": ORDERS, "limit": 300})).await;
    assert_eq!(r["row_count"], 200, "E3 caps execute at 200");
    let t = env.get(&format!("/v1/table/{ORDERS}")).await.json();
    let total = &t["fields"][5];
    assert_eq!(total["display_name"], "Total");
    assert_eq!(total["base_type"], "type/Float");
    assert!(total.get("type").is_none());
    assert!(total.get("effective_type").is_none());
    let v = env
        .get(&format!(
            "/v1/table/{PEOPLE}/field/t{PEOPLE}-7/values?limit=2"
        ))
        .await
        .json();
    assert_eq!(v["result_type"], "field-metadata");
    assert_eq!(v["field_id"], format!("t{PEOPLE}-7"));
    assert_eq!(v["value_metadata"]["statistics"]["distinct-count"], 50);
    assert_eq!(v["value_metadata"]["statistics"]["percent-null"], 0.0);
    assert_eq!(v["value_metadata"]["field_values"], json!(["AK", "AL"]));
    assert_plain(
        &env.post("/v1/construct-query", json!({"metric_id": 999999}))
            .await,
        404,
        "Not found.",
    );
}

#[tokio::test]
async fn query_pages_really_advance() {
    let env = start_e3().await;
    let first = env
        .post("/v1/query", json!({"table_id": ORDERS, "limit": 50,
                                  "order_by": [{"field": {"field_id": "t2-0"}, "direction": "asc"}]}))
        .await;
    assert_eq!(first.status, 202, "{}", first.text);
    let first = first.json();
    assert_eq!(first["row_count"], 50);
    assert_eq!(first["data"]["rows"][0][0], 1);
    let token = first["continuation_token"]
        .as_str()
        .expect("a token")
        .to_string();
    let second = env
        .post("/v1/query", json!({"continuation_token": &token}))
        .await
        .json();
    assert_eq!(second["row_count"], 50);
    assert_eq!(second["data"]["rows"][0][0], 51);
    // the last page has no token
    let last = env
        .post(
            "/v1/query",
            json!({"table_id": PRODUCTS, "filters": [
            {"field_id": "t1-0", "operation": "less-than-or-equal", "value": 10}]}),
        )
        .await
        .json();
    assert_eq!(last["row_count"], 10);
    assert!(last["continuation_token"].is_null());
    let scoped = env
        .send(
            env.http
                .post(env.url("/v1/query"))
                .bearer_auth(env.scoped("admin@example.com", "agent:query:construct"))
                .json(&json!({"table_id": ORDERS})),
        )
        .await;
    assert_auth(&scoped, 403, "unsupported_scope");
    assert_eq!(
        scoped.json()["message"],
        "Token does not have required scope: agent:query"
    );
    assert_invalid(
        &env.post("/v1/query", json!({"continuation_token": "bad"}))
            .await,
        "continuation_token",
    );
    // a crafted token far past the end is an empty page, not a crash
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut v: serde_json::Value = serde_json::from_slice(&b64.decode(&token).unwrap()).unwrap();
    v["pagination"]["page"] = json!(u64::MAX);
    let far = b64.encode(v.to_string());
    let r = env
        .post("/v1/query", json!({"continuation_token": far}))
        .await
        .json();
    assert_eq!(r["status"], "completed");
    assert_eq!(r["row_count"], 0);
    assert!(r["continuation_token"].is_null());
}

#[tokio::test]
async fn databases_can_be_browsed() {
    let env = start_e3().await;
    let all = env.get("/v1/database").await.json();
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert_eq!(
        all[0],
        json!({"id": 1, "name": "Sample Database", "engine": "h2"})
    );
    let wh = env.get("/v1/database/2").await.json();
    assert!(wh["tables"].as_array().unwrap().len() >= 30);
    let sales = env.get_as("sales@example.com", "/v1/database").await.json();
    assert_eq!(sales.as_array().unwrap().len(), 1);
    let db = env
        .get_as("sales@example.com", "/v1/database/1")
        .await
        .json();
    assert_eq!(db["tables"].as_array().unwrap().len(), 2);
    assert_plain(
        &env.get_as("sales@example.com", "/v1/database/2").await,
        403,
        "You don't have permissions to do that.",
    );
    assert_eq!(
        env.get_as("nodata@example.com", "/v1/database")
            .await
            .json(),
        json!([])
    );
    assert_plain(&env.get("/v1/database/9").await, 404, "Not found.");
    let with_fields = env.get("/v1/database/1?with-fields=true").await.json();
    assert!(with_fields["tables"][0]["fields"].is_array());
    // E2 has no such endpoint
    let e2 = start().await;
    assert_plain(
        &e2.get("/v1/database").await,
        404,
        "API endpoint does not exist.",
    );
}

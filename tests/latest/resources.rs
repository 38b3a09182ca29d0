//! `POST /v1/read-resource`: the URI catalog, lists of 25, inline errors, entity shapes.

use crate::support::*;
use serde_json::{Value, json};

fn output(r: &Value) -> &Value {
    &r["content"]["structured-output"]
}

#[tokio::test]
async fn lists_page_by_25() {
    let env = start().await;
    let dbs = env.read("metabase://databases").await;
    let dbs = output(&dbs);
    assert_eq!(dbs["result-type"], "metabot-list");
    assert_eq!(dbs["list-type"], "databases");
    let names: Vec<&str> = dbs["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["name"].as_str())
        .collect();
    assert_eq!(names, ["Sample Database", "Warehouse"]);
    let warehouse = dbs["items"][1]["id"].as_i64().unwrap_or_default();

    let first = env
        .read(&format!("metabase://database/{warehouse}/tables"))
        .await;
    let first = output(&first);
    assert_eq!(first["items"].as_array().map(Vec::len), Some(25));
    assert_eq!(
        (first["page"].as_i64(), first["pages"].as_i64()),
        (Some(1), Some(2))
    );
    let total = first["total"].as_u64().unwrap_or_default();
    assert!(total >= 30, "{total}");
    assert_eq!(
        first["items"][0]["uri"],
        format!("metabase://table/{}", first["items"][0]["id"])
    );

    let second = env
        .read(&format!("metabase://database/{warehouse}/tables?page=2"))
        .await;
    let second = output(&second);
    assert_eq!(
        second["items"].as_array().map(|i| i.len() as u64),
        Some(total - 25)
    );
    assert_ne!(first["items"][0], second["items"][0]);

    let third = env
        .read(&format!("metabase://database/{warehouse}/tables?page=3"))
        .await;
    assert_eq!(third["error"], "Invalid page 3. This list has 2 pages.");
    assert!(third.get("content").is_none());

    let schemas = env
        .read(&format!("metabase://database/{warehouse}/schemas"))
        .await;
    let schema = &output(&schemas)["items"][0];
    assert_eq!(schema["type"], "schema");
    let in_schema = env.read(schema["uri"].as_str().unwrap_or_default()).await;
    assert_eq!(output(&in_schema)["total"].as_u64(), Some(total));
}

#[tokio::test]
async fn errors_stay_inside_the_answer() {
    let env = start().await;
    let rs = env
        .read_as(
            SALES,
            &[
                "metabase://nonsense/path",
                "metabase://table/abc",
                "metabase://table/99999",
                &format!("metabase://table/{PEOPLE}"),
                &format!("metabase://table/{ORDERS}"),
            ],
        )
        .await;
    assert_eq!(rs[0]["error"], "Unsupported URI: metabase://nonsense/path");
    assert!(
        rs[1]["error"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Invalid id `abc` in URI.")
    );
    assert_eq!(rs[2]["error"], "Not found.");
    assert_eq!(rs[3]["error"], "You don't have permissions to do that.");
    assert_eq!(output(&rs[4])["name"], "ORDERS");
    // The sales user's table list leaves PEOPLE out silently.
    let tables = env.read_as(SALES, &["metabase://database/1/tables"]).await;
    let names: Vec<&str> = output(&tables[0])["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names, ["ORDERS", "PRODUCTS"]);
}

#[tokio::test]
async fn more_than_five_uris_is_a_400() {
    let env = start().await;
    let uris: Vec<String> = (0..6).map(|_| "metabase://databases".to_string()).collect();
    let a = env.post("/v1/read-resource", json!({"uris": uris})).await;
    assert_eq!(a.status, 400);
    let body = a.json();
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Too many URIs provided (6). Please limit to 5 URIs maximum.")
    );
    assert_eq!(body["uri-count"], 6);
    let missing = env.post("/v1/read-resource", json!({})).await;
    assert_eq!(missing.status, 400);
    assert!(missing.json()["errors"].get("uris").is_some());
}

#[tokio::test]
async fn tables_show_portable_names() {
    let env = start().await;
    let bare = env.read(&format!("metabase://table/{ORDERS}")).await;
    assert_eq!(output(&bare)["fields"], json!([]));
    let plain_related = output(&bare)["related_tables"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        plain_related.len(),
        2,
        "PEOPLE and PRODUCTS, through USER_ID and PRODUCT_ID"
    );
    assert!(plain_related.iter().all(|r| r["fields"] == json!([])));
    let r = env.read(&format!("metabase://table/{ORDERS}/fields")).await;
    let t = output(&r);
    assert_eq!(t["result-type"], "entity");
    assert_eq!(
        t["portable_fk"],
        json!(["Sample Database", "PUBLIC", "ORDERS"])
    );
    let fields = t["fields"].as_array().cloned().unwrap_or_default();
    let product_id = fields
        .iter()
        .find(|f| f["name"] == "PRODUCT_ID")
        .cloned()
        .unwrap_or_default();
    assert!(product_id["field_id"].is_i64());
    assert_eq!(product_id["semantic_type"], "type/FK");
    assert_eq!(
        product_id["fk_target_portable_fk"],
        json!(["Sample Database", "PUBLIC", "PRODUCTS", "ID"])
    );
    let total = fields
        .iter()
        .find(|f| f["name"] == "TOTAL")
        .cloned()
        .unwrap_or_default();
    assert_eq!(total["type"], "number");
    assert!(total.get("fk_target_portable_fk").is_none());
    let revenue = t["metrics"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["name"] == "Revenue"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        revenue["portable_entity_id"].as_str().map(str::len),
        Some(21)
    );
    assert_eq!(revenue["base_table_portable_fk"], t["portable_fk"]);
    let measure = &t["measures"][0];
    assert_eq!(
        measure["portable-entity-id"].as_str().map(str::len),
        Some(21)
    );
    assert!(measure.get("display-name").is_some());
    assert_eq!(measure["definition"][0][0], "sum");
    assert_eq!(
        measure["definition"][0][2][2],
        json!(["Sample Database", "PUBLIC", "ORDERS", "SUBTOTAL"])
    );
    let related = t["related_tables"].as_array().cloned().unwrap_or_default();
    assert!(
        related
            .iter()
            .any(|r| r["related_by"]["name"] == "PRODUCT_ID")
    );
    assert!(env.read_as(ADMIN, &["metabase://table/2/fields"]).await[0]["content"].is_object());
    let entry = &env
        .post("/v1/read-resource", json!({"uris": ["metabase://table/2"]}))
        .await
        .json();
    assert!(
        entry["output"]
            .as_str()
            .unwrap_or_default()
            .starts_with("<resources>")
    );
}

#[tokio::test]
async fn field_values_and_metric_dimensions() {
    let env = start().await;
    let category = env.field_id(PRODUCTS, "CATEGORY").await;
    let r = env
        .read(&format!("metabase://table/{PRODUCTS}/fields/{category}"))
        .await;
    let f = output(&r);
    assert_eq!(f["result-type"], "field-metadata");
    assert_eq!(f["field_id"], category.to_string());
    assert_eq!(
        f["portable_fk"],
        json!(["Sample Database", "PUBLIC", "PRODUCTS", "CATEGORY"])
    );
    let stats = &f["value_metadata"]["statistics"];
    assert!(
        stats.get("distinct-count").is_some() && stats.get("percent-null").is_some(),
        "{stats}"
    );
    let values = f["value_metadata"]["field_values"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        values.len() <= 30 && values.contains(&json!("Gizmo")),
        "{values:?}"
    );
    let missing = env
        .read(&format!("metabase://table/{PRODUCTS}/fields/99999"))
        .await;
    assert_eq!(missing["error"], "Field 99999 not found");

    let metric = env.read("metabase://metric/101/dimensions").await;
    let m = output(&metric);
    assert_eq!(m["name"], "Revenue");
    assert_eq!(
        m["base_table_portable_fk"],
        json!(["Sample Database", "PUBLIC", "ORDERS"])
    );
    let dims = m["queryable-dimensions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let created = dims
        .iter()
        .find(|d| d["name"] == "CREATED_AT")
        .cloned()
        .unwrap_or_default();
    assert_eq!(m["default_time_dimension_field_id"], created["field_id"]);
    let dim = env
        .read(&format!(
            "metabase://metric/101/dimensions/{}",
            created["field_id"]
        ))
        .await;
    assert!(
        output(&dim)["value_metadata"]["statistics"]
            .get("earliest")
            .is_some(),
        "{dim}"
    );
    // Revenue lives in Finance, which the sales user cannot read.
    let denied = env.read_as(SALES, &["metabase://metric/101"]).await;
    assert_eq!(denied[0]["error"], "You don't have permissions to do that.");
    let nodata = env.read_as(NODATA, &["metabase://databases"]).await;
    assert_eq!(output(&nodata[0])["total"], 0);
}

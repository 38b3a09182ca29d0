//! §4.2–4.5: table and metric details, field values, search, and permissions per user.

use crate::common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn orders_table_has_the_sample_shape() {
    let env = start().await;
    let t = env.get(&format!("/v1/table/{ORDERS}")).await;
    assert_eq!(t.status, 200);
    let t = t.json();
    assert_eq!(t["type"], "table");
    assert_eq!(t["name"], "ORDERS");
    assert_eq!(t["display_name"], "Orders");
    assert_eq!(t["database_id"], 1);
    assert_eq!(t["database_engine"], "h2");
    assert_eq!(t["database_schema"], "PUBLIC");
    assert!(t["description"].is_string());
    let names: Vec<&str> = t["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "ID",
            "USER_ID",
            "PRODUCT_ID",
            "SUBTOTAL",
            "TAX",
            "TOTAL",
            "DISCOUNT",
            "CREATED_AT",
            "QUANTITY"
        ]
    );
    let total = &t["fields"][5];
    assert_eq!(total["field_id"], format!("t{ORDERS}-5"));
    assert_eq!(total["type"], "number");
    assert_eq!(t["fields"][7]["type"], "datetime");
    assert_eq!(t["fields"][0]["semantic_type"], "type/PK");
    assert!(
        total.get("field_values").is_none(),
        "values are off by default"
    );
    // defaults: related tables and metrics on, measures and segments off
    let related = t["related_tables"].as_array().unwrap();
    let by: Vec<&str> = related
        .iter()
        .map(|r| r["related_by"].as_str().unwrap())
        .collect();
    assert_eq!(by, ["USER_ID", "PRODUCT_ID"]);
    assert_eq!(related[0]["name"], "PEOPLE");
    let first_people = &related[0]["fields"][0];
    assert_eq!(first_people["field_id"], format!("t{ORDERS}-9"));
    assert_eq!(first_people["table_reference"], "User");
    assert!(related[0].get("metrics").is_none());
    let metrics: Vec<&str> = t["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(metrics, ["Revenue", "Order Count"]);
    assert_eq!(t["metrics"][0]["default_time_dimension_field_id"], "c101-7");
    assert!(t.get("measures").is_none());
    assert!(t.get("segments").is_none());
}

#[tokio::test]
async fn table_flags_follow_the_presence_rules() {
    let env = start().await;
    let t = env
        .get(&format!(
            "/v1/table/{ORDERS}?with-fields=false&with-related-tables=true&with-metrics=false\
             &with-measures=true&with-segments=true"
        ))
        .await
        .json();
    assert_eq!(t["fields"], json!([]), "fields is always present");
    assert!(t["related_tables"][0].get("fields").is_none());
    assert!(t.get("metrics").is_none());
    assert_eq!(t["measures"][0]["name"], "Net Sales");
    assert_eq!(t["segments"].as_array().unwrap().len(), 2);
    let t = env
        .get(&format!(
            "/v1/table/{ORDERS}?with-related-tables=false&with-field-values=true"
        ))
        .await
        .json();
    assert!(t.get("related_tables").is_none());
    assert_eq!(t["fields"][8]["name"], "QUANTITY");
    assert!(t["fields"][8]["field_values"].is_array());
    assert!(
        t["fields"][5].get("field_values").is_none(),
        "TOTAL is not a list field"
    );
    // a table without FKs, metrics or segments omits them all
    let p = env
        .get(&format!(
            "/v1/table/{PEOPLE}?with-measures=true&with-segments=true"
        ))
        .await
        .json();
    for key in ["related_tables", "metrics", "measures", "segments"] {
        assert!(p.get(key).is_none(), "{key} present: {p}");
    }
    assert_invalid(
        &env.get(&format!("/v1/table/{ORDERS}?with-fields=yes"))
            .await,
        "with-fields",
    );
    assert_plain(&env.get("/v1/table/999999").await, 404, "Not found.");
}

#[tokio::test]
async fn metric_details_and_presence() {
    let env = start().await;
    let m = env.get(&format!("/v1/metric/{REVENUE}")).await.json();
    assert_eq!(m["type"], "metric");
    assert_eq!(m["name"], "Revenue");
    assert_eq!(m["verified"], true);
    assert_eq!(m["default_time_dimension_field_id"], "c101-7");
    let dims = m["queryable_dimensions"].as_array().unwrap();
    assert_eq!(dims[7]["name"], "CREATED_AT");
    assert_eq!(dims[7]["type"], "datetime");
    assert!(m.get("segments").is_none());
    let m = env
        .get(&format!(
            "/v1/metric/{ORDER_COUNT}?with-default-temporal-breakout=false\
             &with-queryable-dimensions=false&with-segments=true"
        ))
        .await
        .json();
    assert_eq!(m["default_time_dimension_field_id"], Value::Null);
    assert_eq!(m["verified"], false);
    assert!(m.get("queryable_dimensions").is_none());
    assert_eq!(m["segments"].as_array().unwrap().len(), 2);
    assert_plain(&env.get("/v1/metric/999").await, 404, "Not found.");
    assert_plain(
        &env.get("/v1/metric/abc").await,
        404,
        "API endpoint does not exist.",
    );
}

#[tokio::test]
async fn field_values_statistics_and_errors() {
    let env = start().await;
    let state = field_id(&env, PEOPLE, "STATE").await;
    let v = env
        .get(&format!("/v1/table/{PEOPLE}/field/{state}/values"))
        .await
        .json();
    assert!(v.get("field_id").is_none());
    let s = &v["statistics"];
    assert_eq!(s["distinct_count"], 50);
    assert_eq!(s["percent_null"], 0.0);
    assert_eq!(s["percent_state"], 1.0);
    assert_eq!(s["average_length"], 2.0);
    assert_eq!(
        v["values"].as_array().unwrap().len(),
        30,
        "default limit 30"
    );
    assert_eq!(v["values"][0], "AK");
    let v = env
        .get(&format!("/v1/table/{PEOPLE}/field/{state}/values?limit=3"))
        .await
        .json();
    assert_eq!(v["values"], json!(["AK", "AL", "AR"]));
    let v = env
        .get(&format!(
            "/v1/table/{PEOPLE}/field/{state}/values?limit=2&offset=2"
        ))
        .await
        .json();
    assert_eq!(v["values"], json!(["AR", "AZ"]));
    assert_invalid(
        &env.get(&format!(
            "/v1/table/{PEOPLE}/field/{state}/values?limit=many"
        ))
        .await,
        "limit",
    );
    let total = format!("t{ORDERS}-5");
    let v = env
        .get(&format!("/v1/table/{ORDERS}/field/{total}/values"))
        .await
        .json();
    for k in ["min", "max", "avg", "q1", "q3", "sd"] {
        assert!(v["statistics"][k].is_number(), "{k}: {v}");
    }
    assert!(v.get("values").is_none());
    let created = format!("c{REVENUE}-7");
    let v = env
        .get(&format!("/v1/metric/{REVENUE}/field/{created}/values"))
        .await
        .json();
    assert!(
        v["statistics"]["earliest"].as_str().unwrap() < v["statistics"]["latest"].as_str().unwrap()
    );
    // joined column through the FK: PRODUCTS.CATEGORY via ORDERS
    let category = field_id(&env, ORDERS, "CATEGORY").await;
    let v = env
        .get(&format!("/v1/table/{ORDERS}/field/{category}/values"))
        .await
        .json();
    assert_eq!(
        v["values"],
        json!(["Doohickey", "Gadget", "Gizmo", "Widget"])
    );
    let t = ORDERS;
    assert_plain(
        &env.get(&format!("/v1/table/{t}/field/not-a-valid-id/values"))
            .await,
        400,
        "Invalid field_id format: not-a-valid-id",
    );
    assert_plain(
        &env.get(&format!("/v1/metric/{REVENUE}/field/t123-0/values"))
            .await,
        400,
        "field t123-0 does not match expected prefix c101-",
    );
    assert_plain(
        &env.get(&format!("/v1/table/{t}/field/t{t}-99/values"))
            .await,
        404,
        &format!("field t{t}-99 not found - no column at index 99"),
    );
    assert_plain(
        &env.get("/v1/table/999999/field/t999999-0/values").await,
        404,
        "Not found.",
    );
}

#[tokio::test]
async fn permissions_per_user() {
    let env = start().await;
    let forbidden = "You don't have permissions to do that.";
    // analyst: all four tables, Warehouse, both collections
    for t in [ORDERS, PEOPLE, PRODUCTS, REVIEWS, 5] {
        assert_eq!(
            env.get_as("analyst@example.com", &format!("/v1/table/{t}"))
                .await
                .status,
            200
        );
    }
    assert_eq!(
        env.get_as("analyst@example.com", "/v1/metric/101")
            .await
            .status,
        200
    );
    // sales: ORDERS and PRODUCTS; only the Sales collection
    let sales = "sales@example.com";
    assert_eq!(
        env.get_as(sales, &format!("/v1/table/{ORDERS}"))
            .await
            .status,
        200
    );
    assert_plain(
        &env.get_as(sales, &format!("/v1/table/{PEOPLE}")).await,
        403,
        forbidden,
    );
    assert_plain(&env.get_as(sales, "/v1/table/5").await, 403, forbidden);
    assert_plain(
        &env.get_as(sales, &format!("/v1/metric/{REVENUE}")).await,
        403,
        forbidden,
    );
    assert_eq!(
        env.get_as(sales, &format!("/v1/metric/{ORDER_COUNT}"))
            .await
            .status,
        200
    );
    let t = env
        .get_as(sales, &format!("/v1/table/{ORDERS}"))
        .await
        .json();
    let related: Vec<&str> = t["related_tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(related, ["PRODUCTS"], "unreadable PEOPLE is not listed");
    let metrics: Vec<&str> = t["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(metrics, ["Order Count"]);
    // a PEOPLE column through ORDERS keeps its number but is forbidden
    assert_plain(
        &env.get_as(
            sales,
            &format!("/v1/table/{ORDERS}/field/t{ORDERS}-9/values"),
        )
        .await,
        403,
        forbidden,
    );
    // nodata: nothing at all
    let nodata = "nodata@example.com";
    assert_plain(
        &env.get_as(nodata, &format!("/v1/table/{ORDERS}")).await,
        403,
        forbidden,
    );
    assert_plain(&env.get_as(nodata, "/v1/metric/102").await, 403, forbidden);
    let s = env
        .post_as(nodata, "/v1/search", json!({"term_queries": ["orders"]}))
        .await
        .json();
    assert_eq!(s, json!({"total_count": 0, "data": []}));
    let users = env.sb.users();
    assert_eq!(users.len(), 5);
    assert!(
        users
            .iter()
            .any(|u| u.email == "inactive@example.com" && !u.active)
    );
}

fn names(v: &Value) -> Vec<String> {
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            format!(
                "{}:{}",
                i["type"].as_str().unwrap(),
                i["name"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test]
async fn search_fuses_queries_and_filters_by_permission() {
    let env = start().await;
    let s = env
        .post("/v1/search", json!({"term_queries": ["Orders"]}))
        .await;
    assert_eq!(s.status, 200);
    let s = s.json();
    assert_eq!(names(&s)[0], "table:ORDERS");
    assert_eq!(s["total_count"], s["data"].as_array().unwrap().len());
    let orders = &s["data"][0];
    for k in [
        "id",
        "display_name",
        "description",
        "database_id",
        "database_schema",
        "updated_at",
        "created_at",
    ] {
        assert!(orders.get(k).is_some(), "{k}");
    }
    assert!(orders.get("verified").is_none());
    let r = env
        .post("/v1/search", json!({"semantic_queries": ["revenue"]}))
        .await
        .json();
    let m = &r["data"][0];
    assert_eq!(m["type"], "metric");
    assert_eq!(m["verified"], true);
    assert_eq!(m["collection"]["name"], "Finance");
    // two queries: the fused list is not truncated and holds both results
    let both = env
        .post(
            "/v1/search?limit=1",
            json!({"term_queries": ["people"], "semantic_queries": ["products"]}),
        )
        .await
        .json();
    assert_eq!(
        names(&both),
        ["table:PRODUCTS", "table:PEOPLE"],
        "ties go to the lower id"
    );
    // per-query limit
    let wh = env
        .post("/v1/search?limit=3", json!({"term_queries": ["warehouse"]}))
        .await
        .json();
    assert_eq!(wh["total_count"], 3);
    // multi-word term: every word must appear
    let w = env
        .post("/v1/search", json!({"term_queries": ["order count"]}))
        .await
        .json();
    assert_eq!(names(&w)[0], "metric:Order Count");
    // sales does not find Revenue or PEOPLE
    let s = env
        .post_as(
            "sales@example.com",
            "/v1/search",
            json!({"term_queries": ["revenue", "people"]}),
        )
        .await
        .json();
    assert!(
        !names(&s)
            .iter()
            .any(|n| n == "metric:Revenue" || n == "table:PEOPLE"),
        "{s}"
    );
    assert_eq!(
        env.post("/v1/search", json!({})).await.json(),
        json!({"total_count": 0, "data": []})
    );
    assert_invalid(
        &env.post("/v1/search", json!({"term_queries": [""]})).await,
        "term_queries",
    );
}

#[tokio::test]
async fn a_database_file_holds_the_same_world() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sample.db");
    let env = start_with(|c| c.db_path = Some(path.clone())).await;
    let r = env
        .run(json!({"table_id": ORDERS, "aggregations": [{"function": "count"}]}))
        .await;
    assert_eq!(r["data"]["rows"][0][0], 10_000);
    env.sb.shutdown().await;
    assert!(std::fs::metadata(&path).unwrap().len() > 100_000);
    // starting again over the same file rebuilds it rather than failing
    let again = start_with(|c| c.db_path = Some(path.clone())).await;
    let r = again
        .run(json!({"table_id": PRODUCTS, "aggregations": [{"function": "count"}]}))
        .await;
    assert_eq!(r["data"]["rows"][0][0], 200);
}

//! `POST /v2/browse-data`: databases → schemas → tables → fields.

use crate::support::*;
use serde_json::json;

#[tokio::test]
async fn browses_down_to_fields() {
    let env = start().await;
    let dbs = env
        .post("/v2/browse-data", json!({"action": "list_databases"}))
        .await
        .json();
    assert_eq!(dbs["returned"], 2);
    assert_eq!(dbs["total"], 2);
    assert!(dbs.get("truncated").is_none());
    assert_eq!(
        dbs["data"][0],
        json!({"id": 1, "name": "Sample Database", "engine": "h2", "is_saved_questions": false})
    );

    let schemas = env
        .post(
            "/v2/browse-data",
            json!({"action": "list_schemas", "database_id": 2}),
        )
        .await
        .json();
    assert_eq!(schemas["data"], json!(["PUBLIC"]));

    let tables = env
        .post(
            "/v2/browse-data",
            json!({"action": "list_tables", "database_id": 2, "limit": 10}),
        )
        .await
        .json();
    assert_eq!(tables["returned"], 10);
    assert_eq!(tables["truncated"], true);
    let message = tables["truncation_message"].as_str().unwrap_or_default();
    assert!(
        message.contains("narrow with `schema`, `search` or page with `offset: 10`"),
        "{message}"
    );
    let found = env
        .post(
            "/v2/browse-data",
            json!({"action": "list_tables", "database_id": 1, "search": "ord"}),
        )
        .await
        .json();
    assert_eq!(found["total"], 1);
    assert_eq!(found["data"][0]["name"], "ORDERS");
    let nothing = env
        .post(
            "/v2/browse-data",
            json!({"action": "list_tables", "database_id": 1, "schema": "NOPE"}),
        )
        .await;
    assert_eq!(nothing.status, 404);
    assert!(nothing.text.contains("list_schemas"));

    let fields = env
        .post_as(
            SALES,
            "/v2/browse-data",
            json!({"action": "get_fields", "table_ids": [ORDERS, PEOPLE]}),
        )
        .await
        .json();
    assert_eq!(fields["returned"], 1);
    assert_eq!(
        fields["omitted"],
        json!([{"id": PEOPLE, "reason": "not found, or you do not have access to it"}])
    );
    let row = &fields["data"][0]["fields"][0];
    let keys: Vec<&String> = row
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        [
            "id",
            "name",
            "display_name",
            "description",
            "base_type",
            "semantic_type",
            "table_id",
            "fk_target_field_id"
        ]
    );
}

#[tokio::test]
async fn misdirected_arguments_teach() {
    let env = start().await;
    let cases = [
        (
            json!({"action": "list_schemas", "database_id": 1, "schema": "PUBLIC"}),
            "`schema` only scopes `list_tables`",
        ),
        (
            json!({"action": "list_databases", "search": "x"}),
            "`search` only filters `list_tables`",
        ),
        (json!({"action": "list_tables"}), "requires `database_id`"),
        (
            json!({"action": "get_fields", "table_ids": [1], "limit": 5}),
            "`limit` pages the `list_*` actions",
        ),
        (
            json!({"action": "get_fields", "table_ids": (1..=21).collect::<Vec<i64>>()}),
            "at most 20",
        ),
    ];
    for (body, expected) in cases {
        let a = env.post("/v2/browse-data", body.clone()).await;
        assert_eq!(a.status, 400, "{body}");
        assert!(
            a.is_plain() && a.text.contains(expected),
            "{body}: {}",
            a.text
        );
    }
    let over = env
        .post(
            "/v2/browse-data",
            json!({"action": "list_tables", "database_id": 2, "limit": 201}),
        )
        .await;
    assert_eq!(over.status, 400);
    assert!(over.json()["errors"].get("limit").is_some());
}

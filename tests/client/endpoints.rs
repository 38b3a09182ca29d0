//! Every endpoint against the real sandbox, in both profiles, and what each server error
//! becomes on the client side.

use crate::common::*;
use crate::sandbox::start;
use mbx::api::types::*;
use mbx::api::{ApiError, Client};
use mbx::data::Cell;
use mbx::query::{AggFunction, Aggregation, FieldId, GroupBy, QueryRequest, TemporalUnit};
use mbx::sandbox::Profile;

fn term(t: &str) -> SearchRequest {
    SearchRequest {
        term_queries: vec![t.into()],
        ..SearchRequest::default()
    }
}

async fn orders_id(c: &Client) -> i64 {
    let r = c.search(&term("orders")).await.expect("search");
    r.data
        .iter()
        .find(|i| i.kind == ItemKind::Table && i.name == "ORDERS")
        .map(|i| i.id)
        .expect("ORDERS is found")
}

fn field<'a>(fields: &'a [Field], name: &str) -> &'a Field {
    fields
        .iter()
        .find(|f| f.name == name)
        .expect("field exists")
}

fn count_by_month(table: i64, created_at: &FieldId) -> QueryRequest {
    let mut q = QueryRequest::table(table);
    q.aggregations.push(Aggregation::Function {
        function: AggFunction::Count,
        field_id: None,
        bucket: None,
        sort_order: None,
    });
    q.group_by.push(GroupBy {
        field_id: created_at.clone(),
        field_granularity: Some(TemporalUnit::Month),
    });
    q
}

#[tokio::test]
async fn e2_endpoints_answer_typed() {
    let sb = start(Profile::E2, |_| {}).await;
    let c = jwt_client(&sb.url(), "analyst@example.com");
    assert_eq!(c.era().await.expect("era"), ApiEra::E2);
    let orders = orders_id(&c).await;

    let t = c
        .table(orders, TableOptions::default())
        .await
        .expect("table");
    assert_eq!(t.name, "ORDERS");
    let total = field(&t.fields, "TOTAL");
    assert!(matches!(total.field_id, FieldId::Str(ref s) if s.starts_with('t')));
    assert!(!t.related_tables.is_empty());
    let metric_id = t.metrics.first().map(|m| m.id).expect("a metric on ORDERS");

    let m = c
        .metric(metric_id, MetricOptions::default())
        .await
        .expect("metric");
    assert_eq!(m.id, metric_id);
    assert!(!m.queryable_dimensions.is_empty());

    let qty = field(&t.fields, "QUANTITY").field_id.clone();
    let v = c
        .field_values(Entity::Table(orders), &qty, Some(3))
        .await
        .expect("values");
    assert_eq!(v.values.len(), 3);
    assert!(v.statistics.and_then(|s| s.distinct_count).is_some());
    let dim = m.queryable_dimensions[0].field_id.clone();
    c.field_values(Entity::Metric(metric_id), &dim, None)
        .await
        .expect("metric values");

    // construct + execute, and the caps E2 applies.
    let mut bare = QueryRequest::table(orders);
    bare.limit = Some(5);
    let token = c.construct_query(&bare).await.expect("constructed");
    let r = c.execute(&token).await.expect("executed");
    assert_eq!(r.result.row_count(), 5);
    assert_eq!(r.row_count, 5);
    assert_eq!(r.columns().len(), t.fields.len());
    let r = c.run_query(&bare).await.expect("ran");
    assert_eq!((r.row_cap, r.next.is_none()), (Some(2000), true));
    let created = field(&t.fields, "CREATED_AT").field_id.clone();
    let r = c
        .run_query(&count_by_month(orders, &created))
        .await
        .expect("ran");
    assert_eq!(r.row_cap, Some(10000));
    assert!(
        r.result
            .rows
            .iter()
            .all(|row| matches!(row[1], Cell::Int(n) if n > 0))
    );

    // E2 has no database listing.
    let e = c.databases().await.expect_err("no such endpoint");
    assert!(matches!(e, ApiError::Unsupported { .. }), "{e}");
    sb.shutdown().await;
}

#[tokio::test]
async fn e3_pages_with_continuation_tokens_and_lists_databases() {
    let sb = start(Profile::E3, |_| {}).await;
    let c = jwt_client(&sb.url(), "analyst@example.com");
    assert_eq!(c.era().await.expect("era"), ApiEra::E3);
    let orders = orders_id(&c).await;
    let first = c
        .run_query(&QueryRequest::table(orders))
        .await
        .expect("page 1");
    assert_eq!((first.row_count, first.row_cap), (200, Some(200)));
    assert!(first.maybe_truncated());
    let cursor = first.next.clone().expect("a continuation");
    let second = c.next_page(&cursor).await.expect("page 2");
    assert_eq!(second.result.row_count(), 200);
    assert_ne!(
        first.result.rows[0], second.result.rows[0],
        "a different page"
    );

    let dbs = c.databases().await.expect("databases");
    let db = dbs.first().expect("one database").id;
    let d = c.database(db).await.expect("database");
    assert!(d.tables.iter().any(|t| t.id == orders));

    let t = c
        .table(orders, TableOptions::default())
        .await
        .expect("table");
    let qty = field(&t.fields, "QUANTITY").field_id.clone();
    let v = c
        .field_values(Entity::Table(orders), &qty, None)
        .await
        .expect("E3 values shape");
    assert!(!v.values.is_empty());
    assert!(v.statistics.and_then(|s| s.distinct_count).is_some());
    sb.shutdown().await;
}

#[tokio::test]
async fn server_errors_become_the_right_kind_and_exit_code() {
    let sb = start(Profile::E2, |_| {}).await;
    let c = jwt_client(&sb.url(), "analyst@example.com");
    let orders = orders_id(&c).await;

    let nodata = c.as_user("nodata@example.com", &[]);
    let e = nodata
        .table(orders, TableOptions::default())
        .await
        .expect_err("403");
    assert_eq!(
        e.to_string(),
        format!(
            "nodata@example.com may not read table {orders} (403): You don't have permissions to do that."
        )
    );
    assert_eq!(e.exit_code(), 4);

    let e = c
        .table(999_999, TableOptions::default())
        .await
        .expect_err("404");
    assert_eq!(e.to_string(), "table 999999 not found (404): Not found.");
    assert_eq!(e.exit_code(), 4);

    let e = c
        .construct_query(&QueryRequest::metric(999_999))
        .await
        .expect_err("404");
    assert!(matches!(e, ApiError::NotFound { status: 404, .. }), "{e}");

    let bad = FieldId::Str("not-a-valid-id".into());
    let e = c
        .field_values(Entity::Table(orders), &bad, None)
        .await
        .expect_err("400");
    assert!(
        e.to_string()
            .contains("Invalid field_id format: not-a-valid-id"),
        "{e}"
    );

    let mut zero = QueryRequest::table(orders);
    zero.limit = Some(0);
    let e = c.run_query(&zero).await.expect_err("400 kind 3");
    assert!(
        matches!(&e, ApiError::Validation { params, .. } if params.contains(&"limit".to_string())),
        "{e}"
    );
    assert_eq!(e.exit_code(), 5);

    let e = c.execute("%%% not base64 %%%").await.expect_err("500");
    assert!(matches!(e, ApiError::Server { status: 500, .. }), "{e}");
    sb.shutdown().await;
}

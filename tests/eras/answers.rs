//! One set of explorer questions per profile; every profile must answer them alike.

use crate::common::*;
use mbx::api::types::*;
use mbx::api::{ApiError, Client};
use mbx::data::ResultSet;
use mbx::query::{
    AggFunction, Aggregation, FieldId, Filter, FilterOp, GroupBy, QueryRequest, TemporalUnit,
};
use mbx::sandbox::Profile;
use serde_json::json;

/// What the explorer shows for the questions, with every id left out.
#[derive(Debug, PartialEq)]
struct Answers {
    search: Vec<(String, String)>,
    fields: Vec<String>,
    /// The E3 sandbox reports no simple types; E2 and latest do.
    types: Vec<Option<FieldType>>,
    related: Vec<(String, String, usize)>,
    metrics: Vec<String>,
    values: (Vec<serde_json::Value>, Option<u64>),
    dimensions: Vec<String>,
    metric_segments: Vec<String>,
    /// A metric dimension's values (PRODUCTS.CATEGORY through the metric).
    metric_values: Vec<serde_json::Value>,
    preview: (Vec<String>, usize),
    by_month: Vec<String>,
    revenue_by_quarter: Vec<String>,
    /// Net Sales of Large Orders: a measure and a segment, named by entity id on latest.
    net_sales_of_large_orders: Vec<String>,
    /// Grouped by a related table's column (an implicit join).
    by_category: Vec<String>,
}

fn field_id(t: &TableDetails, name: &str) -> FieldId {
    t.fields
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no field {name}"))
        .field_id
        .clone()
}

fn rows(r: &ResultSet) -> Vec<String> {
    r.rows.iter().map(|row| format!("{row:?}")).collect()
}

async fn ask(c: &Client) -> Answers {
    let hits = c
        .search(&SearchRequest {
            term_queries: vec!["orders".into()],
            ..SearchRequest::default()
        })
        .await
        .expect("search");
    let mut search: Vec<(String, String)> = hits
        .data
        .iter()
        .filter(|h| matches!(h.kind, ItemKind::Table | ItemKind::Metric))
        .map(|h| (format!("{:?}", h.kind), h.name.clone()))
        .collect();
    search.sort();

    let orders = find(c, ItemKind::Table, "ORDERS").await;
    let t = c
        .table(orders, TableOptions::default())
        .await
        .expect("ORDERS");
    let fields = t.fields.iter().map(|f| f.name.clone()).collect();
    let types = t.fields.iter().map(|f| f.field_type).collect();
    let mut related: Vec<(String, String, usize)> = t
        .related_tables
        .iter()
        .map(|r| (r.name.clone(), r.related_by.clone(), r.fields.len()))
        .collect();
    related.sort();
    let mut metrics: Vec<String> = t.metrics.iter().map(|m| m.name.clone()).collect();
    metrics.sort();

    let v = c
        .field_values(Entity::Table(orders), &field_id(&t, "QUANTITY"), Some(5))
        .await
        .expect("values");
    let values = (v.values, v.statistics.and_then(|s| s.distinct_count));

    let revenue = t
        .metrics
        .iter()
        .find(|m| m.name == "Revenue")
        .expect("Revenue on ORDERS")
        .id;
    let m = c
        .metric(revenue, MetricOptions::default())
        .await
        .expect("metric");
    let mut dimensions: Vec<String> = m
        .queryable_dimensions
        .iter()
        .map(|d| d.name.clone())
        .collect();
    dimensions.sort();
    let mut metric_segments: Vec<String> = m.segments.iter().map(|s| s.name.clone()).collect();
    metric_segments.sort();
    let category_dim = m
        .queryable_dimensions
        .iter()
        .find(|d| d.name == "CATEGORY")
        .expect("Revenue has CATEGORY")
        .field_id
        .clone();
    let metric_values = c
        .field_values(Entity::Metric(revenue), &category_dim, None)
        .await
        .expect("metric dimension values")
        .values;
    let mut mq = QueryRequest::metric(revenue);
    mq.group_by.push(GroupBy {
        field_id: m
            .default_time_dimension_field_id
            .clone()
            .expect("Revenue has a time dimension"),
        field_granularity: Some(TemporalUnit::Quarter),
    });
    let revenue_by_quarter = rows(&c.run_query(&mq).await.expect("metric query").result);
    let named = |items: &[NamedItem], name: &str| {
        items
            .iter()
            .find(|i| i.name == name)
            .unwrap_or_else(|| panic!("no {name} in {items:?}"))
            .id
    };
    let mut sq = QueryRequest::table(orders);
    sq.filters.push(Filter::Segment {
        segment_id: named(&t.segments, "Large Orders"),
    });
    sq.aggregations.push(Aggregation::Measure {
        measure_id: named(&t.measures, "Net Sales"),
        sort_order: None,
    });
    let net_sales_of_large_orders =
        rows(&c.run_query(&sq).await.expect("segment and measure").result);
    let category = t
        .related_tables
        .iter()
        .flat_map(|r| r.fields.iter())
        .find(|f| f.name == "CATEGORY")
        .expect("PRODUCTS.CATEGORY through PRODUCT_ID")
        .field_id
        .clone();
    let mut jq = QueryRequest::table(orders);
    jq.aggregations.push(Aggregation::Function {
        function: AggFunction::Count,
        field_id: None,
        bucket: None,
        sort_order: None,
    });
    jq.group_by.push(GroupBy {
        field_id: category,
        field_granularity: None,
    });
    let by_category = rows(&c.run_query(&jq).await.expect("implicit join").result);

    let mut q = QueryRequest::table(orders);
    q.limit = Some(5);
    let p = c.run_query(&q).await.expect("preview");
    let preview = (
        p.columns().iter().map(|c| c.name.clone()).collect(),
        p.result.rows.len(),
    );

    let mut q = QueryRequest::table(orders);
    q.filters.push(Filter::Field {
        field_id: field_id(&t, "TOTAL"),
        operation: FilterOp::GreaterThan,
        value: Some(json!(50)),
        values: None,
        bucket: None,
    });
    q.aggregations.push(Aggregation::Function {
        function: AggFunction::Count,
        field_id: None,
        bucket: None,
        sort_order: None,
    });
    q.group_by.push(GroupBy {
        field_id: field_id(&t, "CREATED_AT"),
        field_granularity: Some(TemporalUnit::Month),
    });
    let r = c.run_query(&q).await.expect("count by month");
    assert!(r.next.is_none(), "an aggregated answer fits one page");
    Answers {
        search,
        fields,
        types,
        related,
        metrics,
        values,
        dimensions,
        metric_segments,
        metric_values,
        preview,
        by_month: rows(&r.result),
        revenue_by_quarter,
        net_sales_of_large_orders,
        by_category,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_profile_answers_the_explorer_alike() {
    let mut seen: Vec<(Profile, Answers)> = Vec::new();
    for profile in PROFILES {
        let sb = start(profile).await;
        let c = client(&sb.url(), "analyst@example.com", None);
        let era = c.era().await.expect("era");
        let expected = match profile {
            Profile::E2 => ApiEra::E2,
            Profile::E3 => ApiEra::E3,
            Profile::Latest => ApiEra::Latest,
        };
        assert_eq!(era, expected, "detected on {profile:?}");
        let a = ask(&c).await;
        assert!(a.search.iter().any(|(_, n)| n == "ORDERS"), "{a:?}");
        assert_eq!(a.preview.1, 5);
        assert!(a.by_month.len() > 12, "{:?}", a.by_month);
        assert!(a.revenue_by_quarter.len() > 4, "{:?}", a.revenue_by_quarter);
        assert_eq!(a.net_sales_of_large_orders.len(), 1);
        assert!(!a.metric_segments.is_empty(), "{profile:?}");
        assert_eq!(
            a.metric_values.len(),
            4,
            "{profile:?}: {:?}",
            a.metric_values
        );
        assert_eq!(a.by_category.len(), 4, "{:?}", a.by_category);
        seen.push((profile, a));
        sb.shutdown().await;
    }
    let [(_, e2), (_, e3), (_, latest)] = &seen[..] else {
        panic!("three profiles");
    };
    // E3 fields carry only base_type; the client derives the same simple types from it.
    assert_eq!(e3, e2, "E3 differs from E2");
    assert_eq!(latest, e2, "latest differs from E2");
    assert!(
        latest.types.iter().all(Option::is_some),
        "{:?}",
        latest.types
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forced_read_resource_era_answers_alike_on_the_latest_server() {
    let sb = start(Profile::Latest).await;
    let detected = ask(&client(&sb.url(), "analyst@example.com", None)).await;
    let rr = client(&sb.url(), "analyst@example.com", Some(ApiEra::Rr));
    assert_eq!(rr.era().await.expect("forced"), ApiEra::Rr);
    assert_eq!(ask(&rr).await, detected);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_is_refused_to_sales_everywhere() {
    for profile in PROFILES {
        let sb = start(profile).await;
        let admin = client(&sb.url(), "admin@example.com", None);
        let people = find(&admin, ItemKind::Table, "PEOPLE").await;
        let t = admin
            .table(people, TableOptions::default())
            .await
            .expect("admin reads PEOPLE");
        let state = field_id(&t, "STATE");

        let sales = admin.as_user("sales@example.com", &[]);
        let e = sales
            .table(people, TableOptions::default())
            .await
            .expect_err("refused");
        assert!(matches!(e, ApiError::Forbidden { .. }), "{profile:?}: {e}");
        assert_eq!(e.exit_code(), 4);
        assert!(
            e.to_string()
                .starts_with("sales@example.com may not read table"),
            "{e}"
        );
        let e = sales
            .field_values(Entity::Table(people), &state, None)
            .await
            .expect_err("refused");
        assert_eq!(e.exit_code(), 4, "{profile:?}: {e}");
        let e = sales
            .run_query(&QueryRequest::table(people))
            .await
            .expect_err("refused");
        assert_eq!(e.exit_code(), 4, "{profile:?}: {e}");

        let orders = find(&sales, ItemKind::Table, "ORDERS").await;
        let t = sales
            .table(orders, TableOptions::default())
            .await
            .expect("sales reads ORDERS");
        assert!(
            t.related_tables.iter().all(|r| r.name != "PEOPLE"),
            "{profile:?}: {:?}",
            t.related_tables
        );
        sb.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_latest_surface_errors_read_clearly() {
    let sb = start(Profile::Latest).await;
    let c = client(&sb.url(), "analyst@example.com", None);
    let e = c
        .table(99_999, TableOptions::default())
        .await
        .expect_err("no such table");
    assert!(matches!(e, ApiError::NotFound { .. }), "{e}");
    assert!(e.to_string().starts_with("table 99999 not found"), "{e}");
    let orders = find(&c, ItemKind::Table, "ORDERS").await;
    let e = c
        .field_values(Entity::Table(orders), &FieldId::Int(987_654), None)
        .await
        .expect_err("no such field");
    assert!(matches!(e, ApiError::NotFound { .. }), "{e}");
    assert!(e.to_string().contains("Field 987654 not found"), "{e}");

    // A field the source does not have cannot be named in portable MBQL 5.
    let mut q = QueryRequest::table(orders);
    q.fields.push(mbx::query::FieldRef {
        field_id: FieldId::Int(987_654),
        bucket: None,
    });
    let e = c.run_query(&q).await.expect_err("unknown field");
    assert!(
        e.to_string().contains("field 987654 has no portable name"),
        "{e}"
    );

    // A constructed query runs through `/v1/execute`, capped at 200 rows.
    let token = c
        .construct_query(&QueryRequest::table(orders))
        .await
        .expect("constructed");
    let r = c.execute(&token).await.expect("executed");
    assert_eq!(r.result.rows.len(), 200);
    assert!(r.maybe_truncated());
    let e = c.execute("@@@not-base64@@@").await.expect_err("garbage");
    assert!(e.status().is_some_and(|s| s >= 400), "{e}");
    let e = c.databases().await.expect("listed");
    assert!(e.iter().any(|d| d.name == "Sample Database"), "{e:?}");
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_are_read_once_per_source_and_shared_with_siblings() {
    let sb = start(Profile::Latest).await;
    let c = client(&sb.url(), "analyst@example.com", None);
    let orders = find(&c, ItemKind::Table, "ORDERS").await;
    let mut q = QueryRequest::table(orders);
    q.limit = Some(3);
    c.run_query(&q).await.expect("first");
    c.run_query(&q).await.expect("second");
    c.as_user("admin@example.com", &[])
        .run_query(&q)
        .await
        .expect("sibling");
    let uri = format!("metabase://table/{orders}/fields");
    let reads = c
        .log()
        .entries()
        .iter()
        .filter(|e| e.path.ends_with("/v1/read-resource"))
        .filter(|e| e.request_body.as_deref().is_some_and(|b| b.contains(&uri)))
        .count();
    assert_eq!(reads, 1);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_with_field_values_attach_them_alike() {
    let mut seen = Vec::new();
    for profile in [Profile::E3, Profile::Latest] {
        let sb = start(profile).await;
        let c = client(&sb.url(), "analyst@example.com", None);
        let products = find(&c, ItemKind::Table, "PRODUCTS").await;
        let t = c
            .table(
                products,
                TableOptions {
                    with_field_values: true,
                    ..TableOptions::default()
                },
            )
            .await
            .expect("PRODUCTS with values");
        let with_values: Vec<(String, Vec<serde_json::Value>)> = t
            .fields
            .iter()
            .filter_map(|f| {
                let v = f.field_values.as_ref()?;
                Some((f.name.clone(), v.iter().take(5).cloned().collect()))
            })
            .collect();
        assert!(
            with_values.iter().any(|(n, _)| n == "CATEGORY"),
            "{profile:?}: {with_values:?}"
        );
        seen.push(with_values);
        sb.shutdown().await;
    }
    assert_eq!(seen[0], seen[1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_cached_for_one_user_do_not_hide_columns_from_another() {
    let sb = start(Profile::Latest).await;
    let sales = client(&sb.url(), "sales@example.com", None);
    let orders = find(&sales, ItemKind::Table, "ORDERS").await;
    // Sales's read of ORDERS has no PEOPLE columns; the names are cached from it.
    sales
        .run_query(&QueryRequest::table(orders))
        .await
        .expect("sales previews ORDERS");
    let admin = sales.as_user("admin@example.com", &[]);
    let t = admin
        .table(orders, TableOptions::default())
        .await
        .expect("admin reads ORDERS");
    let state = t
        .related_tables
        .iter()
        .filter(|r| r.name == "PEOPLE")
        .flat_map(|r| r.fields.iter())
        .find(|f| f.name == "STATE")
        .expect("admin sees PEOPLE.STATE")
        .field_id
        .clone();
    let mut q = QueryRequest::table(orders);
    q.aggregations.push(Aggregation::Function {
        function: AggFunction::Count,
        field_id: None,
        bucket: None,
        sort_order: None,
    });
    q.group_by.push(GroupBy {
        field_id: state,
        field_granularity: None,
    });
    let r = admin.run_query(&q).await.expect("admin groups by STATE");
    assert!(r.result.rows.len() > 10, "{:?}", r.result.rows.len());
    // Sales may not: the server refuses, the client does not guess.
    let e = sales.run_query(&q).await.expect_err("sales may not");
    assert_eq!(e.exit_code(), 4, "{e}");
    sb.shutdown().await;
}

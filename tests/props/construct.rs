//! `POST /v1/construct-query` with random bodies (valid and invalid shapes, random field ids,
//! operations, values, limits, deep nesting) as random users: never a panic or a 500, only the
//! contract's status kinds, and a 200 always carries a base64 MBQL query that executes.

use crate::common::{Env, USERS, any_json, may_read, nested, runner, start};
use base64::Engine;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

pub fn field_id() -> impl Strategy<Value = Value> {
    prop_oneof![
        6 => (1i64..8, 0i64..12).prop_map(|(t, i)| json!(format!("t{t}-{i}"))),
        1 => (100i64..104, 0i64..4).prop_map(|(c, i)| json!(format!("c{c}-{i}"))),
        1 => any::<i64>().prop_map(|n| json!(n.to_string())),
        1 => any::<i64>().prop_map(Value::from),
        1 => "[a-z0-9-]{0,10}".prop_map(Value::from),
        1 => any_json(2),
    ]
}

const OPS: &[&str] = &[
    "equals",
    "not-equals",
    "greater-than",
    "greater-than-or-equal",
    "less-than",
    "less-than-or-equal",
    "string-contains",
    "string-not-contains",
    "string-starts-with",
    "string-ends-with",
    "is-null",
    "is-not-null",
    "string-is-empty",
    "string-is-not-empty",
    "is-true",
    "is-false",
    "year-equals",
    "month-not-equals",
    "day-of-week-equals",
    "hour-equals",
    "between",
    "drop-table",
];

const UNITS: &[&str] = &[
    "minute",
    "hour",
    "day",
    "week",
    "month",
    "quarter",
    "year",
    "day-of-week",
    "month-of-year",
    "millisecond",
    "fortnight",
];

fn pick(list: &'static [&'static str]) -> impl Strategy<Value = Value> {
    prop_oneof![
        8 => prop::sample::select(list).prop_map(Value::from),
        1 => any_json(1),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        Just(json!("2024-01-01")),
        Just(json!("'; DROP TABLE ORDERS; --")),
        any_json(2),
    ]
}

/// An object with some of `keys` set from their strategies, plus maybe a stray key.
fn object(parts: Vec<(&'static str, BoxedStrategy<Value>)>) -> BoxedStrategy<Value> {
    (
        parts
            .into_iter()
            .map(|(k, s)| prop::option::weighted(0.8, s).prop_map(move |v| (k, v)))
            .collect::<Vec<_>>(),
        prop::option::weighted(0.1, ("[a-z_]{1,8}", any_json(1))),
    )
        .prop_map(move |(kvs, stray)| {
            let mut m = Map::new();
            for (k, v) in kvs {
                if let Some(v) = v {
                    m.insert(k.into(), v);
                }
            }
            if let Some((k, v)) = stray {
                m.insert(k, v);
            }
            Value::Object(m)
        })
        .boxed()
}

fn list(item: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    prop_oneof![
        8 => prop::collection::vec(item, 0..4).prop_map(Value::Array),
        1 => any_json(2),
    ]
    .boxed()
}

fn limit() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => (1i64..50).prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        1 => Just(json!(u64::MAX)),
        1 => Just(json!(1e300)),
        1 => Just(json!("10")),
        1 => Just(json!(0)),
    ]
}

fn id() -> impl Strategy<Value = Value> {
    prop_oneof![
        6 => (1i64..8).prop_map(Value::from),
        2 => (101i64..103).prop_map(Value::from),
        1 => prop_oneof![Just(json!(0)), Just(json!(-1)), Just(json!(999_999)), Just(json!("2")), Just(json!(2.5))],
    ]
}

/// A construct-query body: mostly the contract's shape with random parts, sometimes anything.
pub fn body() -> BoxedStrategy<Value> {
    let field = object(vec![
        ("field_id", field_id().boxed()),
        ("bucket", pick(UNITS).boxed()),
    ]);
    let filter = object(vec![
        ("field_id", field_id().boxed()),
        ("operation", pick(OPS).boxed()),
        ("value", value().boxed()),
        ("values", list(value().boxed())),
        ("bucket", pick(UNITS).boxed()),
        ("segment_id", id().boxed()),
    ]);
    let aggregation = object(vec![
        (
            "function",
            pick(&[
                "count",
                "sum",
                "avg",
                "min",
                "max",
                "count-distinct",
                "median",
            ])
            .boxed(),
        ),
        ("field_id", field_id().boxed()),
        ("measure_id", id().boxed()),
        ("sort_order", pick(&["asc", "desc"]).boxed()),
        ("bucket", pick(UNITS).boxed()),
    ]);
    let group_by = object(vec![
        ("field_id", field_id().boxed()),
        ("field_granularity", pick(UNITS).boxed()),
    ]);
    let order_by = object(vec![
        ("field", field.clone()),
        ("direction", pick(&["asc", "desc"]).boxed()),
    ]);
    let shaped = object(vec![
        ("table_id", id().boxed()),
        ("metric_id", id().boxed()),
        ("filters", list(filter)),
        ("fields", list(field)),
        ("aggregations", list(aggregation)),
        ("group_by", list(group_by)),
        ("order_by", list(order_by)),
        ("limit", limit().boxed()),
    ]);
    prop_oneof![
        10 => shaped,
        1 => any_json(4),
        1 => (any_json(1), 0usize..400).prop_map(|(v, d)| json!({"table_id": 2, "filters": [nested(v, d)]})),
    ]
    .boxed()
}

fn check(env: &Env, user: &str, body: &Value) -> Result<(), TestCaseError> {
    let a = env.post(user, "/v1/construct-query", body);
    if user == "inactive@example.com" {
        prop_assert_eq!(a.status, 401, "{}", a.text);
        return Ok(());
    }
    prop_assert!(
        matches!(a.status, 200 | 400 | 403 | 404),
        "{} {} → {} {}",
        user,
        body,
        a.status,
        a.text
    );
    prop_assert!(!a.text.is_empty());
    if a.status != 200 {
        return Ok(());
    }
    // Only a table (or metric) the user may read can be constructed.
    if let Some(t) = body.get("table_id").and_then(Value::as_i64) {
        prop_assert!(
            may_read(user, t),
            "{} constructed a query on table {}",
            user,
            t
        );
    }
    let query = a
        .json()
        .and_then(|v| v["query"].as_str().map(String::from))
        .ok_or_else(|| TestCaseError::fail(format!("200 without a query: {}", a.text)))?;
    let mbql: Value = base64::engine::general_purpose::STANDARD
        .decode(&query)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| TestCaseError::fail(format!("not base64 JSON: {query}")))?;
    let run = env.execute(user, &mbql);
    prop_assert_eq!(run.status, 202, "{}", run.text);
    crate::perms::assert_readable(user, &mbql, &run)?;
    Ok(())
}

#[test]
fn random_bodies_get_the_contracts_status_kinds() {
    let env = start();
    crate::perms::learn_fields(&env);
    runner()
        .run(
            &(prop::sample::select(&USERS[..]), body()),
            |(user, body)| check(&env, user, &body),
        )
        .expect("property holds");
    env.stop();
}

#[test]
fn oversized_and_malformed_bodies_are_refused_cleanly() {
    let env = start();
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    let big = format!(
        r#"{{"table_id":2,"filters":[],"pad":"{}"}}"#,
        "x".repeat(8 << 20)
    );
    for (name, bytes) in [
        ("deep", deep.into_bytes()),
        ("big", big.into_bytes()),
        ("not json", b"{\"table_id\": 2".to_vec()),
        ("binary", vec![0xff, 0xfe, 0x00, 0x01]),
    ] {
        let a = match env.try_post_raw("admin@example.com", "/v1/construct-query", bytes) {
            Ok(a) => a,
            // Refused before the whole body was read: the limit held.
            Err(e) if name == "big" => {
                assert!(e.contains("error"), "{e}");
                continue;
            }
            Err(e) => panic!("{name}: {e}"),
        };
        assert!(
            matches!(a.status, 400 | 413),
            "{name}: {} {}",
            a.status,
            a.text.chars().take(200).collect::<String>()
        );
    }
    env.stop();
}

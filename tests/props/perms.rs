//! Permission invariants: for random users and random programs, neither construct-query nor a
//! hand-crafted base64 MBQL query to `/v1/execute` answers with data from a table the user may
//! not read (sales never gets PEOPLE or REVIEWS, nodata never gets rows).

use crate::common::{
    Answer, Env, ORDERS, PEOPLE, REVIEWS, USERS, any_json, may_read, nested, runner, start,
};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Real field id → its table, learned once by running every table's query as admin.
static FIELDS: OnceLock<HashMap<i64, i64>> = OnceLock::new();

pub fn learn_fields(env: &Env) -> &'static HashMap<i64, i64> {
    FIELDS.get_or_init(|| {
        let mut map = HashMap::new();
        for table in 1..=30 {
            let mbql = json!({"lib/type": "mbql/query", "stages": [
                {"lib/type": "mbql.stage/mbql", "source-table": table, "limit": 1}]});
            let a = env.execute("admin@example.com", &mbql);
            let Some(v) = a.json() else { continue };
            for col in v["data"]["cols"].as_array().into_iter().flatten() {
                if let Some(id) = col["id"].as_i64() {
                    map.insert(id, table);
                }
            }
        }
        assert!(
            map.values().any(|t| *t == PEOPLE) && map.values().any(|t| *t == ORDERS),
            "the sample tables' fields were not found: {map:?}"
        );
        map
    })
}

/// Every field a query names (as a field ref or as the FK of an implicit join).
fn referenced_fields(v: &Value, out: &mut Vec<i64>) {
    match v {
        Value::Array(items) => {
            if items.first().and_then(Value::as_str) == Some("field")
                && let Some(id) = items.get(2).and_then(Value::as_i64)
            {
                out.push(id);
            }
            items.iter().for_each(|i| referenced_fields(i, out));
        }
        Value::Object(m) => {
            if let Some(id) = m.get("source-field").and_then(Value::as_i64) {
                out.push(id);
            }
            m.values().for_each(|i| referenced_fields(i, out));
        }
        _ => {}
    }
}

/// A completed answer for `user` reads only tables `user` may read: its source table, every
/// field it names and every column it returns.
pub fn assert_readable(user: &str, mbql: &Value, a: &Answer) -> Result<(), TestCaseError> {
    let fields = FIELDS
        .get()
        .ok_or_else(|| TestCaseError::fail("learn_fields first"))?;
    let v = a
        .json()
        .ok_or_else(|| TestCaseError::fail(format!("execute answered non-JSON: {}", a.text)))?;
    let status = v["status"].as_str().unwrap_or("");
    prop_assert!(matches!(status, "completed" | "failed"), "{}", a.text);
    if status != "completed" {
        prop_assert!(
            v["data"]["rows"].as_array().is_none_or(Vec::is_empty),
            "a failed answer carries rows: {}",
            a.text
        );
        return Ok(());
    }
    prop_assert!(
        user != "nodata@example.com",
        "nodata got a completed answer: {}",
        a.text
    );
    for stage in mbql["stages"].as_array().into_iter().flatten() {
        if let Some(t) = stage["source-table"].as_i64() {
            prop_assert!(may_read(user, t), "{} read table {}: {}", user, t, mbql);
        }
    }
    let mut named = Vec::new();
    referenced_fields(mbql, &mut named);
    for col in v["data"]["cols"].as_array().into_iter().flatten() {
        if let Some(id) = col["id"].as_i64() {
            named.push(id);
        }
    }
    for id in named {
        if let Some(t) = fields.get(&id) {
            prop_assert!(
                may_read(user, *t),
                "{} got field {} of table {}: {}",
                user,
                id,
                t,
                mbql
            );
        }
    }
    Ok(())
}

fn field_ref(pool: Vec<i64>) -> BoxedStrategy<Value> {
    let id = prop_oneof![
        8 => prop::sample::select(pool.clone()),
        1 => any::<i64>(),
    ];
    (
        id,
        prop::option::weighted(0.3, prop::sample::select(pool)),
        prop::option::weighted(
            0.2,
            prop::sample::select(&["month", "year", "day-of-week", "bogus"][..]),
        ),
    )
        .prop_map(|(id, via, unit)| {
            let mut opts = json!({"lib/uuid": "00000000-0000-4000-8000-000000000000"});
            if let Some(via) = via {
                opts["source-field"] = json!(via);
            }
            if let Some(unit) = unit {
                opts["temporal-unit"] = json!(unit);
            }
            json!(["field", opts, id])
        })
        .boxed()
}

fn expression(field: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        4 => field,
        1 => any::<i64>().prop_map(Value::from),
        1 => ".{0,8}".prop_map(Value::from),
        1 => Just(json!(["expression", {}, "x"])),
        1 => Just(json!(["aggregation", {}, "nope"])),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        (
            prop::sample::select(
                &[
                    "=", "!=", ">", "<", "and", "or", "not", "is-null", "between", "contains", "+",
                    "*", "coalesce", "case", "sum", "count", "metric",
                ][..],
            ),
            prop::collection::vec(inner, 0..3),
        )
            .prop_map(|(op, args)| {
                let mut clause = vec![json!(op), json!({"lib/uuid": "u"})];
                clause.extend(args);
                Value::Array(clause)
            })
    })
    .boxed()
}

/// A field ref's table as the query names it: the target's table, whatever the join.
fn table_of(fields: &HashMap<i64, i64>, f: &Value) -> Option<i64> {
    fields.get(&f.get(2)?.as_i64()?).copied()
}

fn program(fields_map: &'static HashMap<i64, i64>) -> BoxedStrategy<Value> {
    let pool: Vec<i64> = fields_map.keys().copied().collect();
    let field = field_ref(pool);
    let expr = expression(field.clone());
    let table = prop_oneof![
        6 => 1i64..9,
        1 => prop_oneof![Just(0i64), Just(-3), Just(999), Just(i64::MAX)],
    ];
    let stage = (
        table,
        prop::collection::vec(field.clone(), 0..3),
        prop::collection::vec(field.clone(), 0..2),
        prop::collection::vec(expr.clone(), 0..2),
        prop::collection::vec(expr, 0..2),
        prop::option::of(prop_oneof![Just(json!(1)), Just(json!(u64::MAX)), Just(json!(-1)), Just(json!(1e300))]),
        prop::option::weighted(0.2, (1i64..9, field.clone()).prop_map(|(t, f)| {
            json!([{"lib/type": "mbql/join", "stages": [{"source-table": t}], "conditions": [["=", {}, f.clone(), f]], "fields": "all"}])
        })),
        prop::option::weighted(0.1, any_json(3)),
        any::<bool>(),
    )
        .prop_map(move |(table, mut fields, mut breakout, mut aggregation, mut filters, limit, joins, extra, plain)| {
            // Half the programs stay close to what runs (own fields, or others through an FK;
            // a count), so that completed answers are common enough to check.
            if plain {
                let runs = |f: &Value| {
                    f[1].get("source-field").is_some() || table_of(fields_map, f) == Some(table)
                };
                fields.retain(runs);
                breakout.retain(runs);
                aggregation = if breakout.is_empty() {
                    vec![]
                } else {
                    vec![json!(["count", {"lib/uuid": "c"}])]
                };
                filters.clear();
            }
            let mut s = json!({"lib/type": "mbql.stage/mbql", "source-table": table});
            for (k, v) in [("fields", fields), ("breakout", breakout), ("aggregation", aggregation), ("filters", filters)] {
                if !v.is_empty() {
                    s[k] = Value::Array(v);
                }
            }
            if let Some(l) = limit {
                s["limit"] = l;
            }
            if let Some(j) = joins {
                s["joins"] = j;
            }
            if let Some(e) = extra {
                s["expressions"] = e;
            }
            s
        });
    (
        prop::collection::vec(stage, 1..3),
        prop_oneof![
            Just(json!(1)),
            Just(json!(2)),
            Just(json!(3)),
            Just(Value::Null)
        ],
        prop::option::weighted(0.2, 0usize..1200),
    )
        .prop_map(|(stages, db, deep)| {
            let mut q = json!({"lib/type": "mbql/query", "stages": stages});
            if !db.is_null() {
                q["database"] = db;
            }
            if let Some(depth) = deep {
                q["stages"][0]["filters"] = json!([nested(json!(1), depth)]);
            }
            q
        })
        .boxed()
}

/// Jackson's nesting limit, which Metabase parses a query token with: deeper is a parse error.
const JSON_DEPTH_LIMIT: usize = 1000;

fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(m) => 1 + m.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

#[test]
fn crafted_queries_never_read_past_permissions() {
    let env = start();
    let fields = learn_fields(&env);
    let users = prop::sample::select(&USERS[..4]);
    runner()
        .run(&(users, program(fields)), |(user, mbql)| {
            let a = env.execute(user, &mbql);
            if depth(&mbql) > JSON_DEPTH_LIMIT {
                // Too deep to parse: refused before it runs, as the contract's kind 4.
                prop_assert_eq!(a.status, 500, "{}", a.text);
                let v = a.json().unwrap_or_default();
                prop_assert!(
                    v["message"].as_str().is_some_and(|m| !m.contains('\n')),
                    "{}",
                    a.text
                );
                return Ok(());
            }
            prop_assert_eq!(a.status, 202, "{} {} → {}", user, mbql, a.text);
            assert_readable(user, &mbql, &a)
        })
        .expect("property holds");
    env.stop();
}

/// Every implicit join from ORDERS to a PEOPLE or REVIEWS column, as sales: always refused.
#[test]
fn sales_cannot_reach_people_or_reviews_through_any_foreign_key() {
    let env = start();
    let fields = learn_fields(&env);
    let of = |t: i64| {
        fields
            .iter()
            .filter(move |(_, tt)| **tt == t)
            .map(|(f, _)| *f)
    };
    let mut tried = 0;
    for via in of(ORDERS) {
        for target in of(PEOPLE).chain(of(REVIEWS)) {
            let f = json!(["field", {"lib/uuid": "u", "source-field": via}, target]);
            for stage in [
                json!({"source-table": ORDERS, "fields": [f]}),
                json!({"source-table": ORDERS, "breakout": [f], "aggregation": [["count", {}]]}),
                json!({"source-table": ORDERS, "aggregation": [["max", {}, f]]}),
                json!({"source-table": ORDERS, "filters": [["=", {}, f, 1]]}),
            ] {
                let mbql = json!({"lib/type": "mbql/query", "database": 1, "stages": [stage]});
                let a = env.execute("sales@example.com", &mbql);
                let v = a.json().unwrap_or_default();
                assert_eq!(v["status"], "failed", "{mbql} → {}", a.text);
                tried += 1;
            }
        }
    }
    assert!(tried > 0);
    env.stop();
}

/// A clause the sandbox cannot run is refused, never silently dropped (dropping a join would
/// answer another question, from tables the check never saw).
#[test]
fn joins_and_expressions_are_refused_not_ignored() {
    let env = start();
    for (key, value) in [
        (
            "joins",
            json!([{"stages": [{"source-table": PEOPLE}], "fields": "all"}]),
        ),
        ("expressions", json!({"x": ["+", {}, 1, 1]})),
        ("source-card", json!(101)),
    ] {
        let mut stage = json!({"source-table": ORDERS});
        stage[key] = value;
        let mbql = json!({"lib/type": "mbql/query", "database": 1, "stages": [stage]});
        let a = env.execute("admin@example.com", &mbql);
        let v = a.json().unwrap_or_default();
        assert_eq!(v["status"], "failed", "{key}: {}", a.text);
        assert_eq!(v["error_type"], "invalid-query", "{key}: {}", a.text);
    }
    env.stop();
}

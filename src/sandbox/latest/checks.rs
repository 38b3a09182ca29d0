//! Checks every query-running endpoint makes on a query before it runs: MBQL only (native SQL
//! belongs to `execute_sql`), runnable stages, a positive `limit`, and read access to every
//! table the query reaches.

use super::errors::LatestError;
use super::present::View;
use serde_json::Value;

pub const NATIVE: &str =
    "This is a native SQL query. Run it with `execute_sql`, which is scoped for raw SQL.";
pub const NO_STAGES: &str = "This does not name a runnable query: it has no stages.";

/// True if a native-SQL marker sits anywhere in the query's tree.
pub fn is_native(v: &Value) -> bool {
    match v {
        Value::Object(m) => {
            m.contains_key("native")
                || m.get("type").and_then(Value::as_str) == Some("native")
                || m.get("lib/type").and_then(Value::as_str) == Some("mbql.stage/native")
                || m.values().any(is_native)
        }
        Value::Array(items) => items.iter().any(is_native),
        _ => false,
    }
}

pub fn check_mbql(query: &Value) -> Result<(), LatestError> {
    if is_native(query) {
        return Err(LatestError::teach(NATIVE));
    }
    Ok(())
}

/// Stages present and maps; the last stage's `limit`, when written, a positive integer.
pub fn check_shape(query: &Value) -> Result<(), LatestError> {
    let stages = query.get("stages").and_then(Value::as_array);
    let Some(stages) = stages.filter(|s| !s.is_empty() && s.iter().all(Value::is_object)) else {
        return Err(LatestError::teach(NO_STAGES));
    };
    if let Some(limit) = stages.last().and_then(|s| s.get("limit"))
        && own_limit_of(limit).is_none()
    {
        return Err(LatestError::teach(format!(
            "A query's `limit` must be a positive integer; {} is not. Omit it to read every row.",
            pr_str(limit)
        )));
    }
    Ok(())
}

fn own_limit_of(v: &Value) -> Option<u64> {
    v.as_u64().filter(|n| *n > 0)
}

/// The `limit` the caller wrote on the last stage.
pub fn own_limit(query: &Value) -> Option<u64> {
    query
        .get("stages")
        .and_then(Value::as_array)
        .and_then(|s| s.last())
        .and_then(|s| s.get("limit"))
        .and_then(own_limit_of)
}

/// Whether the last stage orders its rows.
pub fn ordered(query: &Value) -> bool {
    query
        .get("stages")
        .and_then(Value::as_array)
        .and_then(|s| s.last())
        .and_then(|s| s.get("order-by"))
        .and_then(Value::as_array)
        .is_some_and(|o| !o.is_empty())
}

/// Clojure's `pr-str` for the JSON values a client can send.
fn pr_str(v: &Value) -> String {
    match v {
        Value::Null => "nil".into(),
        other => other.to_string(),
    }
}

/// Every source table and every field's table must be readable: a stored query outlives the
/// grant it was made under. Unknown ids are left to the executor.
pub fn check_sources(view: &View<'_>, query: &Value) -> Result<(), LatestError> {
    let mut tables = Vec::new();
    collect_tables(view, query, &mut tables);
    if tables.iter().all(|t| view.can_read_table(*t)) {
        Ok(())
    } else {
        Err(LatestError::forbidden())
    }
}

fn collect_tables(view: &View<'_>, v: &Value, out: &mut Vec<i64>) {
    match v {
        Value::Object(m) => {
            if let Some(id) = m.get("source-table").and_then(Value::as_i64) {
                out.push(id);
            }
            m.values().for_each(|x| collect_tables(view, x, out));
        }
        Value::Array(items) => {
            if let [Value::String(h), _, Value::Number(id)] = items.as_slice()
                && h == "field"
                && let Some(f) = id.as_i64().and_then(|id| view.catalog.field(id))
            {
                out.push(f.table_id);
            }
            items.iter().for_each(|x| collect_tables(view, x, out));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(e: LatestError) -> String {
        match e {
            LatestError::Api(crate::sandbox::errors::ApiError::Plain(_, t)) => t,
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn native_markers_are_found_anywhere() {
        assert!(is_native(
            &json!({"stages": [{"lib/type": "mbql.stage/native"}]})
        ));
        assert!(is_native(
            &json!({"type": "native", "native": {"query": "SELECT 1"}})
        ));
        assert!(is_native(
            &json!({"stages": [{"joins": [{"stages": [{"native": "SELECT 1"}]}]}]})
        ));
        assert!(!is_native(&json!({"stages": [{"source-table": 2}]})));
    }

    #[test]
    fn limits_must_be_positive_integers() {
        for (bad, shown) in [
            (json!("lots"), "\"lots\""),
            (json!(0), "0"),
            (json!(-5), "-5"),
            (json!(false), "false"),
            (json!(null), "nil"),
        ] {
            let q = json!({"stages": [{"source-table": 2, "limit": bad}]});
            assert_eq!(
                text(check_shape(&q).unwrap_err()),
                format!(
                    "A query's `limit` must be a positive integer; {shown} is not. Omit it to read every row."
                )
            );
        }
        assert!(check_shape(&json!({"stages": [{"limit": 5}]})).is_ok());
        assert_eq!(
            text(check_shape(&json!({"stages": []})).unwrap_err()),
            NO_STAGES
        );
        assert_eq!(text(check_shape(&json!(5)).unwrap_err()), NO_STAGES);
    }
}

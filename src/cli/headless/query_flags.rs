//! `mbx query`'s flags (`--table`, `--filter`, `--agg`, `--by`, `--order`, `--limit`, `--body`)
//! turned into a construct-query request.

use super::Failure;
use super::lookup::{fields_of, find_field, resolve_id};
use crate::api::Client;
use crate::api::types::ItemKind;
use crate::cli::QuerySpec;
use crate::query::{
    AggFunction, Aggregation, Arity, FieldRef, Filter, FilterOp, GroupBy, OrderBy, QueryRequest,
    SortDir, Source, TemporalUnit,
};
use serde_json::{Value, json};

/// Checks the parts of a query spec that need no server.
pub fn check_spec(spec: &QuerySpec) -> Result<(), Failure> {
    if let Some(body) = &spec.body {
        read_body(body)?;
        return Ok(());
    }
    if spec.table.is_none() && spec.metric.is_none() {
        return Err(Failure::usage(
            "query needs --table, --metric or --body (see mbx query --help)",
        ));
    }
    if spec.metric.is_some()
        && (!spec.aggs.is_empty() || !spec.order.is_empty() || spec.limit.is_some())
    {
        return Err(Failure::usage(
            "a metric query takes only --filter and --by; remove --agg, --order and --limit",
        ));
    }
    for f in &spec.filters {
        let mut words = f.split_whitespace();
        let (Some(_), Some(op)) = (words.next(), words.next()) else {
            return Err(Failure::usage(format!(
                "--filter {f:?}: write FIELD OPERATION [VALUE], e.g. \"TOTAL greater-than 50\""
            )));
        };
        if FilterOp::parse(op).is_none() {
            return Err(Failure::usage(format!(
                "--filter {f:?}: unknown operation {op:?}"
            )));
        }
    }
    Ok(())
}

fn read_body(body: &str) -> Result<QueryRequest, Failure> {
    let text = match body.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| Failure::usage(format!("cannot read --body file {path}: {e}")))?,
        None => body.to_string(),
    };
    QueryRequest::from_json(&text).map_err(|e| Failure::usage(format!("--body: {e}")))
}

/// A filter value as typed: integers, then numbers, else text (quotes removed).
fn literal(text: &str, op: FilterOp) -> Result<Value, Failure> {
    let t = text.trim();
    if op.is_extraction() {
        return t
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| Failure::usage(format!("{op} needs a whole number, not {t:?}")));
    }
    if let Ok(i) = t.parse::<i64>() {
        return Ok(Value::from(i));
    }
    if let Ok(f) = t.parse::<f64>()
        && f.is_finite()
    {
        return Ok(json!(f));
    }
    let unquoted = t
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(t);
    Ok(Value::from(unquoted))
}

pub async fn build_query(c: &Client, spec: &QuerySpec) -> Result<QueryRequest, Failure> {
    if let Some(body) = &spec.body {
        return read_body(body);
    }
    let source = match (&spec.table, &spec.metric) {
        (Some(t), _) => Source::Table(resolve_id(c, t, ItemKind::Table).await?),
        (None, Some(m)) => Source::Metric(resolve_id(c, m, ItemKind::Metric).await?),
        (None, None) => return Err(Failure::usage("query needs --table, --metric or --body")),
    };
    let mut q = QueryRequest::new(source);
    q.limit = spec.limit;
    let needs_fields = !spec.filters.is_empty()
        || spec
            .aggs
            .iter()
            .any(|a| a.contains(':') && !a.starts_with("measure:"))
        || !spec.by.is_empty()
        || !spec.order.is_empty();
    let fields = if needs_fields {
        fields_of(c, source).await?
    } else {
        Vec::new()
    };
    for f in &spec.filters {
        let mut words = f.trim().splitn(3, char::is_whitespace);
        let (Some(name), Some(op)) = (words.next(), words.next()) else {
            return Err(Failure::usage(format!(
                "--filter {f:?}: write FIELD OPERATION [VALUE]"
            )));
        };
        let op = FilterOp::parse(op)
            .ok_or_else(|| Failure::usage(format!("--filter {f:?}: unknown operation {op:?}")))?;
        let field = find_field(&fields, name)?;
        let rest = words.next().unwrap_or("").trim();
        let (value, values) = match op.arity() {
            Arity::None => (None, None),
            Arity::One => (Some(literal(rest, op)?), None),
            Arity::OneOrMany => {
                let parts: Vec<&str> = rest.split(',').collect();
                if parts.len() > 1 {
                    let vs = parts
                        .iter()
                        .map(|p| literal(p, op))
                        .collect::<Result<Vec<_>, _>>()?;
                    (None, Some(vs))
                } else {
                    (Some(literal(rest, op)?), None)
                }
            }
        };
        let value = value.filter(|v| v.as_str() != Some(""));
        q.filters.push(Filter::Field {
            field_id: field.field_id,
            operation: op,
            value,
            values,
            bucket: None,
        });
    }
    for a in &spec.aggs {
        let (func, arg) = match a.split_once(':') {
            Some((f, arg)) => (f.trim(), Some(arg.trim())),
            None => (a.trim(), None),
        };
        if func == "measure" {
            let id = arg
                .and_then(|s| s.parse::<i64>().ok())
                .ok_or_else(|| Failure::usage(format!("--agg {a:?}: write measure:ID")))?;
            q.aggregations.push(Aggregation::Measure {
                measure_id: id,
                sort_order: None,
            });
            continue;
        }
        let function = AggFunction::parse(func).ok_or_else(|| {
            Failure::usage(format!(
                "--agg {a:?}: unknown function (count, sum, avg, min, max, count-distinct, measure)"
            ))
        })?;
        let field_id = match arg {
            Some(name) => Some(find_field(&fields, name)?.field_id),
            None => None,
        };
        q.aggregations.push(Aggregation::Function {
            function,
            field_id,
            bucket: None,
            sort_order: None,
        });
    }
    for b in &spec.by {
        let (name, unit) = split_suffix(b);
        let field_granularity = match unit {
            Some(u) => Some(TemporalUnit::parse(u).ok_or_else(|| {
                Failure::usage(format!(
                    "--by {b:?}: unknown unit {u:?} (day, week, month, …)"
                ))
            })?),
            None => None,
        };
        q.group_by.push(GroupBy {
            field_id: find_field(&fields, name)?.field_id,
            field_granularity,
        });
    }
    for o in &spec.order {
        let (name, dir) = split_suffix(o);
        let direction = match dir.map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") => SortDir::Asc,
            Some("desc") => SortDir::Desc,
            Some(d) => {
                return Err(Failure::usage(format!(
                    "--order {o:?}: {d:?} is not asc or desc"
                )));
            }
        };
        let field_id = find_field(&fields, name)?.field_id;
        // Ordering by a grouped temporal field means ordering by its bucket.
        let bucket = q
            .group_by
            .iter()
            .find(|g| g.field_id == field_id)
            .and_then(|g| g.field_granularity);
        q.order_by.push(OrderBy {
            field: FieldRef { field_id, bucket },
            direction,
        });
    }
    q.validate()
        .map_err(|e| Failure::usage(format!("the query cannot be sent: {e}")))?;
    Ok(q)
}

/// `NAME:suffix` → (NAME, Some(suffix)); a name with no colon has no suffix.
fn split_suffix(s: &str) -> (&str, Option<&str>) {
    match s.rsplit_once(':') {
        Some((name, suffix)) => (name.trim(), Some(suffix.trim())),
        None => (s.trim(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_are_checked_before_connecting() {
        let spec = QuerySpec {
            filters: vec!["TOTAL bigger 5".into()],
            table: Some("1".into()),
            ..QuerySpec::default()
        };
        assert_eq!(check_spec(&spec).err().map(|f| f.code), Some(2));
        assert_eq!(
            check_spec(&QuerySpec::default()).err().map(|f| f.code),
            Some(2)
        );
        let body = QuerySpec {
            body: Some(r#"{"table_id": 3, "limit": 2}"#.into()),
            ..QuerySpec::default()
        };
        assert!(check_spec(&body).is_ok());
        assert_eq!(
            split_suffix("CREATED_AT:month"),
            ("CREATED_AT", Some("month"))
        );
        assert_eq!(literal("12.5", FilterOp::Equals).ok(), Some(json!(12.5)));
        assert_eq!(literal("CA", FilterOp::Equals).ok(), Some(json!("CA")));
        assert!(literal("x", FilterOp::YearEquals).is_err());
    }
}

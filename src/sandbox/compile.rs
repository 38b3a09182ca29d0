//! MBQL 5 (as `construct` writes it, or as a client crafts it) → one parameterized SQLite
//! SELECT. Every identifier comes from the catalog and is quoted; every input value is a bound
//! parameter. Every table the query reaches is checked against the user's permissions.

use super::Profile;
use super::catalog::{Catalog, Field, humanize};
use super::perms::Perms;
use crate::query::TemporalUnit;
use rusqlite::types::Value as Sql;
use serde_json::{Map, Value, json};
use std::collections::{HashMap, HashSet};

/// Why a query cannot run; becomes a 202 `failed` body.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub message: String,
    pub error_type: &'static str,
}

fn invalid(message: impl Into<String>) -> Failure {
    Failure {
        message: message.into(),
        error_type: "invalid-query",
    }
}

fn denied() -> Failure {
    Failure {
        message: "You do not have permissions to run this query.".into(),
        error_type: "missing-required-permissions",
    }
}

/// One output column's metadata.
#[derive(Debug, Clone)]
pub struct Col {
    pub name: String,
    pub display_name: String,
    pub base_type: String,
    pub semantic_type: Option<String>,
    pub field_id: Option<i64>,
    pub source: &'static str,
    pub unit: Option<TemporalUnit>,
}

impl Col {
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), json!(self.name));
        m.insert("display_name".into(), json!(self.display_name));
        m.insert("base_type".into(), json!(self.base_type));
        m.insert("effective_type".into(), json!(self.base_type));
        m.insert("semantic_type".into(), json!(self.semantic_type));
        if let Some(id) = self.field_id {
            m.insert("id".into(), json!(id));
        }
        m.insert("source".into(), json!(self.source));
        if let Some(u) = self.unit {
            m.insert("unit".into(), json!(u.as_str()));
        }
        Value::Object(m)
    }
}

#[derive(Debug)]
pub struct Compiled {
    pub sql: String,
    pub params: Vec<Sql>,
    pub cols: Vec<Col>,
    pub database_id: i64,
}

/// Page of a paginated run (E3 `/v1/query`): replaces the stage's own limit.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub size: u64,
    pub number: u64,
}

pub fn row_cap(profile: Profile, aggregated: bool) -> u64 {
    match (profile, aggregated) {
        (Profile::E3 | Profile::Latest, _) => 200,
        (Profile::E2, false) => 2000,
        (Profile::E2, true) => 10_000,
    }
}

struct Ctx<'a> {
    catalog: &'a Catalog,
    perms: &'a Perms,
    table_id: i64,
    params: Vec<Sql>,
    /// FK field ids that need a join, in first-use order.
    joins: Vec<i64>,
    depth: usize,
}

/// A compiled expression and what it yields.
struct Expr<'a> {
    sql: String,
    field: Option<&'a Field>,
    via: Option<i64>,
    unit: Option<TemporalUnit>,
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn as_array<'v>(v: &'v Value, what: &str) -> Result<&'v [Value], Failure> {
    v.as_array()
        .map(Vec::as_slice)
        .ok_or_else(|| invalid(format!("{what} must be a list")))
}

/// A clause split into its operator, options and arguments.
type Parts<'v> = (&'v str, &'v Map<String, Value>, &'v [Value]);

/// A clause `[op, {options}, args…]`.
fn clause(v: &Value) -> Result<Parts<'_>, Failure> {
    let items = as_array(v, "a clause")?;
    let op = items
        .first()
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(format!("not an MBQL clause: {v}")))?;
    let opts = items
        .get(1)
        .and_then(Value::as_object)
        .ok_or_else(|| invalid(format!("clause {op} has no options map")))?;
    Ok((op, opts, &items[2..]))
}

const MAX_DEPTH: usize = 32;

impl<'a> Ctx<'a> {
    fn field_ref(&mut self, v: &Value) -> Result<Expr<'a>, Failure> {
        let (op, opts, args) = clause(v)?;
        if op != "field" {
            return Err(invalid(format!("expected a field reference, got {op}")));
        }
        let id = args
            .first()
            .and_then(Value::as_i64)
            .ok_or_else(|| invalid("a field reference needs an integer field id"))?;
        let field = self
            .catalog
            .field(id)
            .ok_or_else(|| invalid(format!("Field {id} does not exist")))?;
        let via = match opts.get("source-field") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_i64()
                    .ok_or_else(|| invalid("source-field must be a field id"))?,
            ),
        };
        let alias = match via {
            None => {
                if field.table_id != self.table_id {
                    return Err(invalid(format!(
                        "Field {id} is not in the source table and names no foreign key"
                    )));
                }
                "source".to_string()
            }
            Some(fk_id) => {
                let fk = self
                    .catalog
                    .field(fk_id)
                    .filter(|fk| fk.table_id == self.table_id)
                    .ok_or_else(|| invalid(format!("Field {fk_id} is not a foreign key here")))?;
                let target = fk
                    .fk_target
                    .and_then(|pk| self.catalog.field(pk))
                    .ok_or_else(|| invalid(format!("Field {fk_id} is not a foreign key")))?;
                if target.table_id != field.table_id {
                    return Err(invalid(format!(
                        "Field {id} cannot be reached through field {fk_id}"
                    )));
                }
                if !self.joins.contains(&fk_id) {
                    self.joins.push(fk_id);
                }
                format!("j{fk_id}")
            }
        };
        if !self.perms.can_read_table(self.catalog, field.table_id) {
            return Err(denied());
        }
        let column = format!("{}.{}", quote(&alias), quote(&field.name));
        let unit = match opts.get("temporal-unit").and_then(Value::as_str) {
            Some(u) => Some(
                TemporalUnit::parse(u)
                    .ok_or_else(|| invalid(format!("unknown temporal unit {u}")))?,
            ),
            None => None,
        }
        .filter(|_| field.is_temporal());
        let sql = match unit {
            Some(u) => temporal_sql(&column, u),
            None => column,
        };
        Ok(Expr {
            sql,
            field: Some(field),
            via,
            unit,
        })
    }

    /// A filter's left side: a field, or `get-year`-style extraction of one.
    fn operand(&mut self, v: &Value) -> Result<Expr<'a>, Failure> {
        let (op, _, args) = clause(v)?;
        let unit = match op {
            "field" => return self.field_ref(v),
            "get-year" => TemporalUnit::YearOfEra,
            "get-quarter" => TemporalUnit::QuarterOfYear,
            "get-month" => TemporalUnit::MonthOfYear,
            "get-day-of-week" => TemporalUnit::DayOfWeek,
            "get-hour" => TemporalUnit::HourOfDay,
            "get-minute" => TemporalUnit::MinuteOfHour,
            "get-second" => TemporalUnit::SecondOfMinute,
            other => return Err(invalid(format!("unsupported expression {other}"))),
        };
        let inner = self.field_ref(args.first().ok_or_else(|| invalid("missing argument"))?)?;
        let field = inner.field;
        if !field.is_some_and(Field::is_temporal) {
            return Err(invalid(format!("{op} needs a temporal field")));
        }
        Ok(Expr {
            sql: temporal_sql(&inner.sql, unit),
            field,
            via: inner.via,
            unit: Some(unit),
        })
    }

    fn push(&mut self, v: Sql) -> &'static str {
        self.params.push(v);
        "?"
    }

    /// The right side of a comparison with `lhs`, as SQL with bound parameters.
    fn literal(&mut self, lhs: &Expr<'a>, v: &Value) -> Result<String, Failure> {
        let temporal = lhs.field.is_some_and(Field::is_temporal);
        let extracted = lhs.unit.is_some_and(TemporalUnit::is_extraction);
        if temporal && !extracted {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) if n.is_i64() => format!("{:04}-01-01", n.as_i64().unwrap_or(0)),
                other => return Err(invalid(format!("cannot compare a date with {other}"))),
            };
            let unit = lhs.unit.unwrap_or(TemporalUnit::Second);
            let p = self.push(Sql::Text(text));
            return Ok(temporal_sql(p, unit));
        }
        let value = match v {
            Value::Null => Sql::Null,
            Value::Bool(b) => Sql::Integer(i64::from(*b)),
            Value::Number(n) => match n.as_i64() {
                Some(i) => Sql::Integer(i),
                None => Sql::Real(n.as_f64().unwrap_or(0.0)),
            },
            Value::String(s) => Sql::Text(s.clone()),
            other => return Err(invalid(format!("cannot compare with {other}"))),
        };
        Ok(self.push(value).to_string())
    }

    /// A date-only value compared without a unit compares whole days.
    fn day_if_date_only(&mut self, lhs: Expr<'a>, values: &[Value]) -> Result<Expr<'a>, Failure> {
        let temporal = lhs.field.is_some_and(Field::is_temporal);
        let date_only = values
            .iter()
            .all(|v| v.as_str().is_some_and(|s| s.len() == 10));
        if temporal && lhs.unit.is_none() && date_only && !values.is_empty() {
            return Ok(Expr {
                sql: temporal_sql(&lhs.sql, TemporalUnit::Day),
                unit: Some(TemporalUnit::Day),
                ..lhs
            });
        }
        Ok(lhs)
    }

    fn filter(&mut self, v: &Value) -> Result<String, Failure> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(invalid("the filter is nested too deeply"));
        }
        let result = self.filter_inner(v);
        self.depth -= 1;
        result
    }

    fn filter_inner(&mut self, v: &Value) -> Result<String, Failure> {
        let (op, opts, args) = clause(v)?;
        let need = |n: usize| {
            if args.len() < n {
                Err(invalid(format!("{op} needs {n} argument(s)")))
            } else {
                Ok(())
            }
        };
        match op {
            "and" | "or" => {
                need(1)?;
                let parts: Result<Vec<String>, Failure> =
                    args.iter().map(|a| self.filter(a)).collect();
                let joiner = if op == "and" { " AND " } else { " OR " };
                Ok(format!("({})", parts?.join(joiner)))
            }
            "not" => {
                need(1)?;
                Ok(format!("(NOT {})", self.filter(&args[0])?))
            }
            "segment" => {
                need(1)?;
                let id = args[0]
                    .as_i64()
                    .ok_or_else(|| invalid("segment needs an id"))?;
                let segment = self
                    .catalog
                    .segment(id)
                    .filter(|s| s.table_id == self.table_id)
                    .ok_or_else(|| invalid(format!("Segment with id {id} not found")))?;
                let inner = segment.filter.clone();
                self.filter(&inner)
            }
            "is-null" | "not-null" | "is-empty" | "not-empty" => {
                need(1)?;
                let lhs = self.operand(&args[0])?;
                Ok(match op {
                    "is-null" => format!("({} IS NULL)", lhs.sql),
                    "not-null" => format!("({} IS NOT NULL)", lhs.sql),
                    "is-empty" => format!("({0} IS NULL OR {0} = '')", lhs.sql),
                    _ => format!("({0} IS NOT NULL AND {0} <> '')", lhs.sql),
                })
            }
            "=" | "!=" => {
                need(2)?;
                let lhs = self.operand(&args[0])?;
                let lhs = self.day_if_date_only(lhs, &args[1..])?;
                let mut eqs = Vec::new();
                for value in &args[1..] {
                    let rhs = self.literal(&lhs, value)?;
                    eqs.push(format!("{} = {rhs}", lhs.sql));
                }
                let any = format!("({})", eqs.join(" OR "));
                Ok(if op == "=" {
                    any
                } else {
                    format!("({} IS NULL OR NOT {any})", lhs.sql)
                })
            }
            "<" | "<=" | ">" | ">=" => {
                need(2)?;
                let lhs = self.operand(&args[0])?;
                let lhs = self.day_if_date_only(lhs, &args[1..2])?;
                let rhs = self.literal(&lhs, &args[1])?;
                Ok(format!("({} {op} {rhs})", lhs.sql))
            }
            "between" => {
                need(3)?;
                let lhs = self.operand(&args[0])?;
                let lo = self.literal(&lhs, &args[1])?;
                let hi = self.literal(&lhs, &args[2])?;
                Ok(format!("({} BETWEEN {lo} AND {hi})", lhs.sql))
            }
            "contains" | "does-not-contain" | "starts-with" | "ends-with" => {
                need(2)?;
                let lhs = self.operand(&args[0])?;
                let sensitive = opts
                    .get("case-sensitive")
                    .and_then(Value::as_bool)
                    .unwrap_or(true);
                let f = |x: &str| {
                    if sensitive {
                        x.to_string()
                    } else {
                        format!("lower({x})")
                    }
                };
                let mut parts = Vec::new();
                for value in &args[1..] {
                    let text = value
                        .as_str()
                        .ok_or_else(|| invalid(format!("{op} needs text, got {value}")))?
                        .to_string();
                    let part = match op {
                        "contains" | "does-not-contain" => {
                            let p = self.push(Sql::Text(text));
                            format!("instr({}, {}) > 0", f(&lhs.sql), f(p))
                        }
                        "starts-with" => {
                            self.params.push(Sql::Text(text.clone()));
                            self.params.push(Sql::Text(text));
                            format!("substr({}, 1, length(?)) = {}", f(&lhs.sql), f("?"))
                        }
                        _ => {
                            self.params.push(Sql::Text(text.clone()));
                            self.params.push(Sql::Text(text.clone()));
                            self.params.push(Sql::Text(text));
                            format!(
                                "(length(?) = 0 OR substr({}, -length(?)) = {})",
                                f(&lhs.sql),
                                f("?")
                            )
                        }
                    };
                    parts.push(part);
                }
                Ok(if op == "does-not-contain" {
                    format!("({} IS NULL OR NOT ({}))", lhs.sql, parts.join(" OR "))
                } else {
                    format!("({})", parts.join(" OR "))
                })
            }
            other => Err(invalid(format!("unsupported filter {other}"))),
        }
    }

    /// An aggregation → (SQL, column name, display name, base type).
    fn aggregation(&mut self, v: &Value) -> Result<(String, String, String, String), Failure> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(invalid("the aggregation is nested too deeply"));
        }
        let result = self.aggregation_inner(v);
        self.depth -= 1;
        result
    }

    fn aggregation_inner(
        &mut self,
        v: &Value,
    ) -> Result<(String, String, String, String), Failure> {
        let (op, opts, args) = clause(v)?;
        let named = |m: &Map<String, Value>| {
            m.get("display-name")
                .and_then(Value::as_str)
                .map(String::from)
        };
        match op {
            "count" if args.is_empty() => Ok((
                "COUNT(*)".into(),
                "count".into(),
                named(opts).unwrap_or_else(|| "Count".into()),
                "type/BigInteger".into(),
            )),
            "count" | "sum" | "avg" | "min" | "max" | "distinct" => {
                let e = self.field_ref(
                    args.first()
                        .ok_or_else(|| invalid(format!("{op} needs a field")))?,
                )?;
                let field = e.field.ok_or_else(|| invalid("no field"))?;
                let label = column_label(self.catalog, field, e.via);
                let numeric = matches!(
                    field.base_type,
                    "type/Integer" | "type/BigInteger" | "type/Float" | "type/Decimal"
                );
                if matches!(op, "sum" | "avg") && !numeric {
                    return Err(invalid(format!("{op} needs a numeric field")));
                }
                let widened = if field.base_type == "type/Integer" {
                    "type/BigInteger"
                } else {
                    field.base_type
                };
                let (sql, name, display, base) = match op {
                    "count" => (
                        format!("COUNT({})", e.sql),
                        "count",
                        "Count".to_string(),
                        "type/BigInteger",
                    ),
                    "sum" => (
                        format!("SUM({})", e.sql),
                        "sum",
                        format!("Sum of {label}"),
                        widened,
                    ),
                    "avg" => (
                        format!("AVG({})", e.sql),
                        "avg",
                        format!("Average of {label}"),
                        "type/Float",
                    ),
                    "min" => (
                        format!("MIN({})", e.sql),
                        "min",
                        format!("Min of {label}"),
                        field.base_type,
                    ),
                    "max" => (
                        format!("MAX({})", e.sql),
                        "max",
                        format!("Max of {label}"),
                        field.base_type,
                    ),
                    _ => (
                        format!("COUNT(DISTINCT {})", e.sql),
                        "count",
                        format!("Distinct values of {label}"),
                        "type/BigInteger",
                    ),
                };
                Ok((
                    sql,
                    name.into(),
                    named(opts).unwrap_or(display),
                    base.into(),
                ))
            }
            "measure" => {
                let id = args
                    .first()
                    .and_then(Value::as_i64)
                    .ok_or_else(|| invalid("measure needs an id"))?;
                let m = self
                    .catalog
                    .measure(id)
                    .filter(|m| m.table_id == self.table_id)
                    .ok_or_else(|| invalid(format!("Measure with id {id} not found")))?;
                let (inner, display) = (m.aggregation.clone(), m.name.clone());
                let (sql, name, _, base) = self.aggregation(&inner)?;
                Ok((sql, name, named(opts).unwrap_or(display), base))
            }
            "metric" => {
                let id = args
                    .first()
                    .and_then(Value::as_i64)
                    .ok_or_else(|| invalid("metric needs an id"))?;
                let m = self
                    .catalog
                    .metric(id)
                    .ok_or_else(|| invalid(format!("Metric {id} does not exist")))?;
                if m.table_id != self.table_id {
                    return Err(invalid(format!(
                        "Metric {id} does not belong to the source table"
                    )));
                }
                if !self.perms.can_read_collection(m.collection.name) {
                    return Err(denied());
                }
                let (inner, display) = (m.aggregation.clone(), m.name.clone());
                let (sql, name, _, base) = self.aggregation(&inner)?;
                Ok((sql, name, named(opts).unwrap_or(display), base))
            }
            other => Err(invalid(format!("unsupported aggregation {other}"))),
        }
    }
}

/// `Total`, or `Product → Category` for a column reached through a foreign key.
fn column_label(catalog: &Catalog, field: &Field, via: Option<i64>) -> String {
    match via.and_then(|id| catalog.field(id)) {
        Some(fk) => format!(
            "{} → {}",
            humanize(fk.name.trim_end_matches("_ID")),
            field.display_name
        ),
        None => field.display_name.clone(),
    }
}

/// Truncation to an ISO-8601 string, or extraction of a number (ISO day of week: 1 = Monday).
pub fn temporal_sql(x: &str, unit: TemporalUnit) -> String {
    use TemporalUnit::*;
    let int = |fmt: &str| format!("CAST(strftime('{fmt}', {x}) AS INTEGER)");
    match unit {
        Millisecond | Second => format!("strftime('%Y-%m-%dT%H:%M:%SZ', {x})"),
        Minute => format!("strftime('%Y-%m-%dT%H:%M:00Z', {x})"),
        Hour => format!("strftime('%Y-%m-%dT%H:00:00Z', {x})"),
        Day => format!("strftime('%Y-%m-%dT00:00:00Z', {x})"),
        Week => format!("strftime('%Y-%m-%dT00:00:00Z', {x}, '-6 days', 'weekday 0')"),
        Month => format!("strftime('%Y-%m-01T00:00:00Z', {x})"),
        Quarter => format!(
            "printf('%s-%02d-01T00:00:00Z', strftime('%Y', {x}), \
             ((CAST(strftime('%m', {x}) AS INTEGER) - 1) / 3) * 3 + 1)"
        ),
        Year => format!("strftime('%Y-01-01T00:00:00Z', {x})"),
        SecondOfMinute => int("%S"),
        MinuteOfHour => int("%M"),
        HourOfDay => int("%H"),
        DayOfWeek => format!("((CAST(strftime('%w', {x}) AS INTEGER) + 6) % 7 + 1)"),
        DayOfMonth => int("%d"),
        DayOfYear => int("%j"),
        WeekOfYear => int("%V"),
        MonthOfYear => int("%m"),
        QuarterOfYear => format!("((CAST(strftime('%m', {x}) AS INTEGER) + 2) / 3)"),
        YearOfEra => int("%Y"),
    }
}

/// Compiles a decoded MBQL 5 query for `perms`. `page` replaces the stage limit (E3 paging).
pub fn compile(
    query: &Value,
    catalog: &Catalog,
    perms: &Perms,
    profile: Profile,
    page: Option<Page>,
) -> Result<Compiled, Failure> {
    let obj = query
        .as_object()
        .ok_or_else(|| invalid("the query must be a JSON object"))?;
    let stages = obj
        .get("stages")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("the query has no stages"))?;
    let [stage] = stages.as_slice() else {
        return Err(invalid("only single-stage queries are supported"));
    };
    let stage = stage
        .as_object()
        .ok_or_else(|| invalid("a stage must be a map"))?;
    // Running without a clause the sandbox cannot honour would answer another question.
    for key in ["joins", "expressions", "source-card", "source-query"] {
        if stage
            .get(key)
            .is_some_and(|v| !v.is_null() && v != &json!([]) && v != &json!({}))
        {
            return Err(invalid(format!(
                "`{key}` is not supported here; reference a related table's column with \
                 `source-field` and the join is made through its foreign key"
            )));
        }
    }
    let table_id = stage
        .get("source-table")
        .and_then(Value::as_i64)
        .ok_or_else(|| invalid("the stage has no source-table"))?;
    let table = catalog
        .table(table_id)
        .ok_or_else(|| invalid(format!("Table {table_id} does not exist")))?;
    let database_id = obj.get("database").and_then(Value::as_i64);
    if database_id.is_some_and(|d| d != table.db_id) {
        return Err(invalid(format!(
            "Table {table_id} is not in database {}",
            database_id.unwrap_or_default()
        )));
    }
    if !perms.can_read_table(catalog, table_id) {
        return Err(denied());
    }
    let mut ctx = Ctx {
        catalog,
        perms,
        table_id,
        params: Vec::new(),
        joins: Vec::new(),
        depth: 0,
    };
    let list = |key: &str| -> Result<&[Value], Failure> {
        match stage.get(key) {
            None | Some(Value::Null) => Ok(&[]),
            Some(v) => as_array(v, key),
        }
    };

    let mut select: Vec<(String, Col)> = Vec::new();
    let breakouts = list("breakout")?;
    let aggregations = list("aggregation")?;
    let aggregated = !breakouts.is_empty() || !aggregations.is_empty();
    let mut group_exprs = Vec::new();
    for b in breakouts {
        let e = ctx.field_ref(b)?;
        let field = e.field.ok_or_else(|| invalid("no field"))?;
        let label = column_label(catalog, field, e.via);
        let (display, base) = match e.unit {
            Some(u) if u.is_extraction() => (
                format!("{label}: {}", u.label()),
                "type/Integer".to_string(),
            ),
            Some(u) => (
                format!("{label}: {}", u.label()),
                field.base_type.to_string(),
            ),
            None => (label, field.base_type.to_string()),
        };
        group_exprs.push(e.sql.clone());
        select.push((
            e.sql,
            Col {
                name: field.name.clone(),
                display_name: display,
                base_type: base,
                semantic_type: field.semantic_type.map(String::from),
                field_id: Some(field.id),
                source: "breakout",
                unit: e.unit,
            },
        ));
    }
    let mut agg_uuids = Vec::new();
    for a in aggregations {
        let uuid = clause(a)?
            .1
            .get("lib/uuid")
            .and_then(Value::as_str)
            .map(String::from);
        agg_uuids.push(uuid);
        let (sql, name, display, base) = ctx.aggregation(a)?;
        select.push((
            sql,
            Col {
                name,
                display_name: display,
                base_type: base,
                semantic_type: None,
                field_id: None,
                source: "aggregation",
                unit: None,
            },
        ));
    }
    if !aggregated {
        let fields = list("fields")?;
        let refs: Vec<Value> = if fields.is_empty() {
            table
                .fields
                .iter()
                .map(|id| json!(["field", {"lib/uuid": ""}, id]))
                .collect()
        } else {
            fields.to_vec()
        };
        for r in &refs {
            let e = ctx.field_ref(r)?;
            let field = e.field.ok_or_else(|| invalid("no field"))?;
            let label = column_label(catalog, field, e.via);
            let display = match e.unit {
                Some(u) => format!("{label}: {}", u.label()),
                None => label,
            };
            let base = match e.unit {
                Some(u) if u.is_extraction() => "type/Integer".to_string(),
                _ => field.base_type.to_string(),
            };
            select.push((
                e.sql,
                Col {
                    name: field.name.clone(),
                    display_name: display,
                    base_type: base,
                    semantic_type: field.semantic_type.map(String::from),
                    field_id: Some(field.id),
                    source: "fields",
                    unit: e.unit,
                },
            ));
        }
    }
    // The WHERE clause binds its parameters after the SELECT list's (none there today, but the
    // order of `?` must follow the text).
    let select_params = std::mem::take(&mut ctx.params);
    let mut wheres = Vec::new();
    for f in list("filters")? {
        wheres.push(ctx.filter(f)?);
    }
    let where_params = std::mem::take(&mut ctx.params);

    let mut order = Vec::new();
    for o in list("order-by")? {
        let (dir, _, args) = clause(o)?;
        let dir = match dir {
            "asc" => "ASC",
            "desc" => "DESC",
            other => return Err(invalid(format!("unknown direction {other}"))),
        };
        let target = args
            .first()
            .ok_or_else(|| invalid("order-by needs a target"))?;
        let (op, _, targs) = clause(target)?;
        let position = if op == "aggregation" {
            let wanted = targs.first().and_then(Value::as_str);
            let i = agg_uuids
                .iter()
                .position(|u| u.is_some() && u.as_deref() == wanted)
                .ok_or_else(|| invalid("order-by names an unknown aggregation"))?;
            format!("{}", breakouts.len() + i + 1)
        } else {
            let e = ctx.field_ref(target)?;
            let same_field = |c: &Col| {
                c.source == "breakout" && c.field_id == e.field.map(|f| f.id) && e.unit.is_none()
            };
            let exact = select.iter().position(|(sql, _)| *sql == e.sql);
            // An unbucketed field orders its breakout, whatever that breakout's unit.
            let breakout = select.iter().position(|(_, c)| same_field(c));
            match exact.or(breakout) {
                Some(i) => format!("{}", i + 1),
                None if aggregated => {
                    return Err(invalid(
                        "an aggregated query can only be ordered by its breakouts and aggregations",
                    ));
                }
                None => e.sql,
            }
        };
        order.push(format!("{position} {dir}"));
    }
    let order_params = std::mem::take(&mut ctx.params);
    for i in 0..breakouts.len() {
        let p = format!("{}", i + 1);
        if !order
            .iter()
            .any(|o| o.split(' ').next() == Some(p.as_str()))
        {
            order.push(format!("{p} ASC"));
        }
    }

    let cap = row_cap(profile, aggregated);
    let (limit, offset) = match page {
        Some(p) => (
            p.size.min(cap),
            p.size.min(cap).saturating_mul(p.number.saturating_sub(1)),
        ),
        None => {
            let own = match stage.get("limit") {
                None | Some(Value::Null) => None,
                Some(v) => Some(
                    v.as_u64()
                        .ok_or_else(|| invalid("limit must be a non-negative integer"))?,
                ),
            };
            (own.unwrap_or(cap).min(cap), 0)
        }
    };

    let mut sql = String::from("SELECT ");
    sql.push_str(
        &select
            .iter()
            .map(|(s, _)| s.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    );
    sql.push_str(&format!(" FROM {} AS \"source\"", quote(&table.sql_name)));
    for fk_id in &ctx.joins {
        let fk = catalog
            .field(*fk_id)
            .ok_or_else(|| invalid("unknown foreign key"))?;
        let pk = fk
            .fk_target
            .and_then(|id| catalog.field(id))
            .ok_or_else(|| invalid("unknown foreign key target"))?;
        let target = catalog
            .table(pk.table_id)
            .ok_or_else(|| invalid("unknown joined table"))?;
        let alias = quote(&format!("j{fk_id}"));
        sql.push_str(&format!(
            " LEFT JOIN {} AS {alias} ON \"source\".{} = {alias}.{}",
            quote(&target.sql_name),
            quote(&fk.name),
            quote(&pk.name)
        ));
    }
    if !wheres.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&wheres.join(" AND "));
    }
    if aggregated && !group_exprs.is_empty() {
        let positions: Vec<String> = (1..=group_exprs.len()).map(|i| i.to_string()).collect();
        sql.push_str(" GROUP BY ");
        sql.push_str(&positions.join(", "));
    }
    if !order.is_empty() {
        sql.push_str(" ORDER BY ");
        sql.push_str(&order.join(", "));
    }
    sql.push_str(" LIMIT ? OFFSET ?");
    let mut params = select_params;
    params.extend(where_params);
    params.extend(order_params);
    params.push(Sql::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
    params.push(Sql::Integer(i64::try_from(offset).unwrap_or(i64::MAX)));

    let mut cols: Vec<Col> = select.into_iter().map(|(_, c)| c).collect();
    dedupe_names(&mut cols);
    Ok(Compiled {
        sql,
        params,
        cols,
        database_id: table.db_id,
    })
}

/// Metabase suffixes repeated column names: `count`, `count_2`, `count_3`. Linear in the
/// number of columns: a request may repeat one field thousands of times.
fn dedupe_names(cols: &mut [Col]) {
    let mut seen: HashSet<String> = HashSet::with_capacity(cols.len());
    // The last suffix tried per base name: every lower one is taken already, since `seen` only grows.
    let mut last: HashMap<String, usize> = HashMap::new();
    for c in cols.iter_mut() {
        if seen.insert(c.name.clone()) {
            continue;
        }
        let n = last.entry(c.name.clone()).or_insert(1);
        let name = loop {
            *n += 1;
            let candidate = format!("{}_{n}", c.name);
            if !seen.contains(&candidate) {
                break candidate;
            }
        };
        seen.insert(name.clone());
        c.name = name;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(names: &[&str]) -> Vec<Col> {
        names
            .iter()
            .map(|n| Col {
                name: (*n).into(),
                display_name: (*n).into(),
                base_type: "type/Integer".into(),
                semantic_type: None,
                field_id: None,
                source: "fields",
                unit: None,
            })
            .collect()
    }

    fn deduped(names: &[&str]) -> Vec<String> {
        let mut c = cols(names);
        dedupe_names(&mut c);
        c.into_iter().map(|c| c.name).collect()
    }

    #[test]
    fn repeated_names_get_the_next_free_suffix() {
        assert_eq!(
            deduped(&["count", "sum", "count", "count", "sum"]),
            ["count", "sum", "count_2", "count_3", "sum_2"]
        );
        // a real column already named like a suffix is skipped, not duplicated
        assert_eq!(
            deduped(&["count_2", "count", "count", "count"]),
            ["count_2", "count", "count_3", "count_4"]
        );
        assert_eq!(
            deduped(&["count", "count", "count_2"]),
            ["count", "count_2", "count_2_2"]
        );
    }

    #[test]
    fn thousands_of_repeats_stay_unique() {
        let names = vec!["ID"; 20_000];
        let out = deduped(&names);
        let unique: HashSet<&String> = out.iter().collect();
        assert_eq!(unique.len(), 20_000);
        assert_eq!(out[19_999], "ID_20000");
    }
}

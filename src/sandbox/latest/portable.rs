//! Portable MBQL 5 ("representations") → the MBQL 5 the executor runs: names become numeric
//! ids, implicit joins get their `source-field`, metric/measure/segment entity ids become
//! catalog ids, and `["aggregation", {}, i]` points at the i-th aggregation's `lib/uuid`.
//! Errors carry the `error` codes of `agent-api-latest.md` §5.1.

use super::eid::portable_id;
use super::errors::LatestError;
use super::present::View;
use crate::sandbox::catalog::{Field, Table, uuid_for};
use serde_json::{Map, Value, json};

const STAGE_KEYS: [&str; 12] = [
    "lib/type",
    "source-table",
    "source-card",
    "filters",
    "aggregation",
    "breakout",
    "expressions",
    "fields",
    "joins",
    "order-by",
    "limit",
    "page",
];

const FILTER_HEADS: [&str; 23] = [
    "and",
    "or",
    "not",
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "between",
    "in",
    "not-in",
    "is-null",
    "not-null",
    "is-empty",
    "not-empty",
    "contains",
    "does-not-contain",
    "starts-with",
    "ends-with",
    "time-interval",
    "during",
    "segment",
];

const AGGREGATION_HEADS: [&str; 17] = [
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "distinct",
    "median",
    "stddev",
    "var",
    "percentile",
    "count-where",
    "sum-where",
    "share",
    "cum-count",
    "cum-sum",
    "metric",
    "measure",
];

pub const TEMPORAL_UNITS: [&str; 17] = [
    "minute",
    "hour",
    "day",
    "week",
    "month",
    "quarter",
    "year",
    "day-of-week",
    "day-of-month",
    "day-of-year",
    "week-of-year",
    "month-of-year",
    "quarter-of-year",
    "hour-of-day",
    "minute-of-hour",
    "second-of-minute",
    "default",
];

/// Resolves an external query for `view`'s reader.
pub fn resolve(view: &View<'_>, query: &Value) -> Result<Value, LatestError> {
    let Some(q) = query.as_object() else {
        return Err(LatestError::code(
            "invalid-query",
            "The query must be an object: {\"lib/type\": \"mbql/query\", \"stages\": [...]}.",
        ));
    };
    let stages = match q.get("stages") {
        Some(Value::Array(s)) if !s.is_empty() => s,
        _ => {
            return Err(LatestError::code(
                "missing-source-in-first-stage",
                "The query has no stages. Its first stage must name a `source-table` \
                 ([database, schema, table]).",
            ));
        }
    };
    let mut resolver = Resolver {
        view,
        counter: 0,
        source: None,
    };
    let mut out = Vec::new();
    for (i, stage) in stages.iter().enumerate() {
        out.push(resolver.stage(i, stage)?);
    }
    let db = resolver.source.map(|t| t.db_id).unwrap_or_default();
    Ok(json!({"lib/type": "mbql/query", "database": db, "stages": out}))
}

struct Resolver<'a, 'v> {
    view: &'v View<'a>,
    /// Numbers the generated `lib/uuid`s, so the same query resolves the same way.
    counter: u64,
    source: Option<&'a Table>,
}

impl<'a> Resolver<'a, '_> {
    fn opts(&mut self, given: Option<&Value>) -> Map<String, Value> {
        self.counter += 1;
        let mut m = Map::new();
        m.insert(
            "lib/uuid".into(),
            json!(uuid_for(&format!("portable-{}", self.counter))),
        );
        if let Some(Value::Object(given)) = given {
            for (k, v) in given {
                if k != "lib/uuid" {
                    m.insert(k.clone(), v.clone());
                }
            }
        }
        m
    }

    fn stage(&mut self, index: usize, stage: &Value) -> Result<Value, LatestError> {
        let Some(s) = stage.as_object() else {
            return Err(LatestError::code(
                "invalid-stage",
                format!("Stage {index} must be an object with \"lib/type\": \"mbql.stage/mbql\"."),
            ));
        };
        let unknown: Vec<&String> = s
            .keys()
            .filter(|k| !STAGE_KEYS.contains(&k.as_str()))
            .collect();
        if !unknown.is_empty() {
            let mut extra = Map::new();
            extra.insert("unknown-keys".into(), json!(unknown));
            let names: Vec<String> = unknown.iter().map(|k| format!("`{k}`")).collect();
            return Err(LatestError::code_with(
                "unknown-stage-key",
                format!(
                    "Unknown stage key {}. Valid stage keys are: {}.",
                    names.join(", "),
                    STAGE_KEYS.join(", ")
                ),
                extra,
            ));
        }
        for key in ["joins", "expressions"] {
            if s.get(key)
                .is_some_and(|v| v != &json!([]) && v != &json!({}))
            {
                return Err(LatestError::code(
                    "unsupported-clause",
                    format!(
                        "This server does not support `{key}`. Reference a related table's \
                         column directly and the join is made through its foreign key."
                    ),
                ));
            }
        }
        let mut out = Map::new();
        out.insert("lib/type".into(), json!("mbql.stage/mbql"));
        if index == 0 {
            let table = self.source_table(s)?;
            out.insert("source-table".into(), json!(table.id));
        } else if s.contains_key("source-table") || s.contains_key("source-card") {
            return Err(LatestError::code(
                "invalid-stage",
                "Only the first stage names a source; later stages read the previous stage.",
            ));
        }
        let first = index == 0;
        if let Some(filters) = s.get("filters") {
            let list = self.list(filters, "filters")?;
            let resolved = list
                .iter()
                .map(|f| self.filter(f, first))
                .collect::<Result<Vec<_>, _>>()?;
            out.insert("filters".into(), Value::Array(resolved));
        }
        let mut aggregation_uuids = Vec::new();
        if let Some(aggs) = s.get("aggregation") {
            let list = self.list(aggs, "aggregation")?;
            let mut resolved = Vec::new();
            for a in list {
                let r = self.aggregation(a, first)?;
                aggregation_uuids.push(r[1]["lib/uuid"].clone());
                resolved.push(r);
            }
            out.insert("aggregation".into(), Value::Array(resolved));
        }
        for key in ["breakout", "fields"] {
            if let Some(refs) = s.get(key) {
                let list = self.list(refs, key)?;
                let resolved = list
                    .iter()
                    .map(|r| self.field_ref(r, first))
                    .collect::<Result<Vec<_>, _>>()?;
                out.insert(key.into(), Value::Array(resolved));
            }
        }
        if let Some(order) = s.get("order-by") {
            let list = self.list(order, "order-by")?;
            let resolved = list
                .iter()
                .map(|o| self.order_by(o, first, &aggregation_uuids))
                .collect::<Result<Vec<_>, _>>()?;
            out.insert("order-by".into(), Value::Array(resolved));
        }
        for key in ["limit", "page"] {
            if let Some(v) = s.get(key) {
                out.insert(key.into(), v.clone());
            }
        }
        Ok(Value::Object(out))
    }

    fn list<'q>(&self, v: &'q Value, key: &str) -> Result<&'q Vec<Value>, LatestError> {
        v.as_array().ok_or_else(|| {
            LatestError::code(
                "invalid-clause",
                format!("`{key}` must be a list of clauses."),
            )
        })
    }

    fn source_table(&mut self, s: &Map<String, Value>) -> Result<&'a Table, LatestError> {
        if let Some(card) = s.get("source-card") {
            return Err(LatestError::code(
                "unknown-card",
                format!(
                    "No card has entity id {card}. A metric is never a source: put its base \
                     table in `source-table` and the metric in `aggregation`."
                ),
            ));
        }
        let Some(path) = s.get("source-table") else {
            return Err(LatestError::code(
                "missing-source-in-first-stage",
                "The first stage must name a `source-table`: [database, schema, table], e.g. \
                 [\"Sample Database\", \"PUBLIC\", \"ORDERS\"].",
            ));
        };
        if path.as_str().is_some_and(|p| p.starts_with("metabase://")) {
            return Err(LatestError::code(
                "uri-in-source-table",
                format!(
                    "`source-table` takes a table path [database, schema, table], not a \
                     metabase:// URI ({path}). Read the table's `portable_fk` with read_resource."
                ),
            ));
        }
        let table = self.table_path(path)?;
        if !self.view.can_read_table(table.id) {
            return Err(LatestError::forbidden());
        }
        self.source = Some(table);
        Ok(table)
    }

    /// `[database, schema, table]` → the table.
    fn table_path(&self, path: &Value) -> Result<&'a Table, LatestError> {
        let parts = path.as_array().filter(|p| p.len() == 3);
        let Some([db, schema, name]) = parts.map(Vec::as_slice) else {
            return Err(LatestError::code(
                "unknown-table",
                format!(
                    "{path} is not a table path. Write [database, schema, table], e.g. \
                     [\"Sample Database\", \"PUBLIC\", \"ORDERS\"]; list the database's tables \
                     to find it."
                ),
            ));
        };
        let catalog = self.view.catalog;
        let db_name = db.as_str().unwrap_or_default();
        let Some(database) = catalog.databases.iter().find(|d| d.name == db_name) else {
            return Err(LatestError::code(
                "unknown-database",
                format!("No database is named {db}. List the databases to find its exact name."),
            ));
        };
        let schema = schema.as_str();
        catalog
            .tables
            .iter()
            .find(|t| {
                t.db_id == database.id
                    && t.schema.as_deref() == schema
                    && name.as_str() == Some(t.name.as_str())
            })
            .ok_or_else(|| {
                LatestError::code(
                    "unknown-table",
                    format!(
                        "No table {path} in database {db}. List the database's tables to find \
                         its exact schema and name."
                    ),
                )
            })
    }

    /// `[database, schema, table, column]` → the field.
    fn field_path(&self, path: &Value) -> Result<&'a Field, LatestError> {
        let parts = path.as_array().filter(|p| p.len() == 4);
        let Some(parts) = parts else {
            return Err(LatestError::code(
                "unknown-field",
                format!(
                    "{path} is not a column path. Write [database, schema, table, column]; list \
                     the table's columns to find it."
                ),
            ));
        };
        let table = self.table_path(&Value::Array(parts[..3].to_vec()))?;
        let column = parts[3].as_str().unwrap_or_default();
        self.view
            .catalog
            .field_named(table.id, column)
            .ok_or_else(|| {
                LatestError::code(
                    "unknown-field",
                    format!(
                        "Table {} has no column {}. List the table's columns to find its exact \
                         name.",
                        table.name, parts[3]
                    ),
                )
            })
    }

    /// A `["field", opts, path]` reference, with the implicit join filled in.
    fn field_ref(&mut self, r: &Value, first: bool) -> Result<Value, LatestError> {
        let items = r.as_array().map(Vec::as_slice).unwrap_or_default();
        let (opts, target) = match items {
            [Value::String(h), opts, target] if h == "field" => (opts, target),
            [Value::String(h), target] if h == "field" => (&Value::Null, target),
            _ => {
                return Err(LatestError::code(
                    "invalid-clause",
                    format!(
                        "{r} is not a column reference. Write [\"field\", {{}}, [database, schema, table, column]]."
                    ),
                ));
            }
        };
        if let Value::String(name) = target {
            if first {
                return Err(LatestError::code(
                    "unknown-field",
                    format!(
                        "\"{name}\" names a column of a previous stage, but this is the first \
                         stage. Write [database, schema, table, column]."
                    ),
                ));
            }
            let mut o = self.opts(Some(opts));
            o.entry("base-type").or_insert(json!("type/*"));
            return Ok(json!(["field", o, name]));
        }
        if opts.get("join-alias").is_some() {
            return Err(LatestError::code(
                "unsupported-clause",
                "This server has no explicit joins, so `join-alias` names nothing. Reference \
                 the related table's column directly.",
            ));
        }
        let field = self.field_path(target)?;
        if !self.view.can_read_table(field.table_id) {
            return Err(LatestError::forbidden());
        }
        let mut o = self.opts(Some(opts));
        o.insert("base-type".into(), json!(field.base_type));
        match o.get("temporal-unit").cloned() {
            Some(Value::String(u))
                if TEMPORAL_UNITS.contains(&u.as_str())
                    && (u == "default" || !field.is_temporal()) =>
            {
                o.remove("temporal-unit");
            }
            Some(Value::String(u)) if TEMPORAL_UNITS.contains(&u.as_str()) => {}
            Some(other) => {
                return Err(LatestError::code(
                    "invalid-clause",
                    format!(
                        "{other} is not a temporal unit. Use one of: {}.",
                        TEMPORAL_UNITS.join(", ")
                    ),
                ));
            }
            None => {}
        }
        let source = self.source.map(|t| t.id).unwrap_or_default();
        if field.table_id != source {
            let via = self.fk_path(field, o.get("source-field"))?;
            o.insert("source-field".into(), json!(via));
        } else {
            o.remove("source-field");
        }
        Ok(json!(["field", o, field.id]))
    }

    /// The one FK of the source table that reaches `field`'s table.
    fn fk_path(&self, field: &Field, given: Option<&Value>) -> Result<i64, LatestError> {
        let source = self.source.map(|t| t.id).unwrap_or_default();
        let fks: Vec<&Field> = self
            .view
            .catalog
            .foreign_keys(source)
            .into_iter()
            .filter(|(_, t)| t.id == field.table_id)
            .map(|(fk, _)| fk)
            .collect();
        let table_name = self
            .view
            .catalog
            .table(field.table_id)
            .map(|t| t.name.clone())
            .unwrap_or_default();
        let source_name = self.source.map(|t| t.name.clone()).unwrap_or_default();
        if let Some(given) = given {
            let chosen = match given {
                Value::Array(_) => self.field_path(given)?.id,
                Value::Number(n) => n.as_i64().unwrap_or_default(),
                _ => 0,
            };
            return fks
                .iter()
                .find(|f| f.id == chosen)
                .map(|f| f.id)
                .ok_or_else(|| {
                    LatestError::code(
                        "no-fk-path",
                        format!(
                            "`source-field` {given} is not a foreign key of {source_name} that \
                         reaches {table_name}."
                        ),
                    )
                });
        }
        match fks.as_slice() {
            [one] => Ok(one.id),
            [] => Err(LatestError::code(
                "no-fk-path",
                format!(
                    "{table_name} is not reachable from {source_name} through a foreign key. \
                     Use columns of {source_name} or of a table one of its foreign keys points at."
                ),
            )),
            many => {
                let names: Vec<&str> = many.iter().map(|f| f.name.as_str()).collect();
                Err(LatestError::code(
                    "ambiguous-fk",
                    format!(
                        "{source_name} reaches {table_name} through several foreign keys ({}). \
                         Name one in the field's `source-field` option.",
                        names.join(", ")
                    ),
                ))
            }
        }
    }

    fn head<'q>(&self, clause: &'q Value) -> Option<(&'q str, &'q [Value])> {
        let items = clause.as_array()?;
        let head = items.first()?.as_str()?;
        Some((head, &items[1..]))
    }

    /// Resolves the arguments after the options map: field refs, nested clauses, literals.
    fn arguments(&mut self, args: &[Value], first: bool) -> Result<Vec<Value>, LatestError> {
        args.iter()
            .map(|a| match self.head(a) {
                Some(("field", _)) => self.field_ref(a, first),
                Some((h, _)) if FILTER_HEADS.contains(&h) => self.filter(a, first),
                _ => Ok(a.clone()),
            })
            .collect()
    }

    fn filter(&mut self, clause: &Value, first: bool) -> Result<Value, LatestError> {
        let Some((head, rest)) = self.head(clause) else {
            return Err(LatestError::code(
                "invalid-clause",
                format!("{clause} is not a filter clause. Write [\"op\", {{}}, …args]."),
            ));
        };
        if !FILTER_HEADS.contains(&head) {
            return Err(LatestError::code(
                "invalid-clause",
                format!(
                    "`{head}` is not a filter. Use one of: {}.",
                    FILTER_HEADS.join(", ")
                ),
            ));
        }
        let (opts, args) = split_opts(rest);
        if head == "segment" {
            let eid = args.first().and_then(Value::as_str).unwrap_or_default();
            let Some(segment) = self
                .view
                .catalog
                .segments
                .iter()
                .find(|s| portable_id("segment", s.id) == eid)
            else {
                return Err(LatestError::code(
                    "unknown-segment",
                    format!(
                        "No segment has entity id \"{eid}\". Read the table to list its segments."
                    ),
                ));
            };
            if !self.view.can_read_table(segment.table_id) {
                return Err(LatestError::forbidden());
            }
            let o = self.opts(opts);
            return Ok(json!(["segment", o, segment.id]));
        }
        if head == "time-interval" || head == "during" {
            return self.relative(head, opts, args, first);
        }
        // MBQL 5 writes `in`/`not-in` as `=`/`!=` with several values.
        let head = match head {
            "in" => "=",
            "not-in" => "!=",
            other => other,
        };
        let o = self.opts(opts);
        let mut out = vec![json!(head), Value::Object(o)];
        out.extend(self.arguments(args, first)?);
        Ok(Value::Array(out))
    }

    /// `time-interval` and `during` as comparisons of the unit-truncated column with absolute
    /// bounds, which is what the executor runs.
    fn relative(
        &mut self,
        head: &str,
        opts: Option<&Value>,
        args: &[Value],
        first: bool,
    ) -> Result<Value, LatestError> {
        let usage = || {
            LatestError::code(
                "invalid-clause",
                format!(
                    "Write [\"time-interval\", {{}}, <date column>, -30, \"day\"] or [\"during\", \
                     {{}}, <date column>, \"2024-03-01\", \"month\"]; units: {}.",
                    super::relative::UNITS.join(", ")
                ),
            )
        };
        let [column, amount, unit, ..] = args else {
            return Err(usage());
        };
        let unit = unit
            .as_str()
            .filter(|u| super::relative::UNITS.contains(u))
            .ok_or_else(usage)?;
        let mut field = self.field_ref(column, first)?;
        let temporal = match &field {
            Value::Array(parts) => parts
                .get(2)
                .and_then(Value::as_i64)
                .and_then(|id| self.view.catalog.field(id))
                .is_some_and(Field::is_temporal),
            _ => false,
        };
        if !temporal {
            return Err(LatestError::code(
                "invalid-clause",
                format!("`{head}` needs a date or time column; {column} is not one."),
            ));
        }
        if let Some(o) = field.get_mut(1).and_then(Value::as_object_mut) {
            o.insert("temporal-unit".into(), json!(unit));
        }
        let o = self.opts(opts);
        if head == "during" {
            return Ok(json!(["=", o, field, amount]));
        }
        let n = super::relative::amount(amount).ok_or_else(usage)?;
        let (from, to) = super::relative::bounds(self.view.now, n, unit).ok_or_else(usage)?;
        if from == to {
            Ok(json!(["=", o, field, from]))
        } else {
            Ok(json!(["between", o, field, from, to]))
        }
    }

    fn aggregation(&mut self, clause: &Value, first: bool) -> Result<Value, LatestError> {
        let not_aggregation = || {
            LatestError::code(
                "aggregation-entry-not-aggregation",
                format!(
                    "{clause} is not an aggregation. Each `aggregation` entry is a clause such as \
                     [\"count\", {{}}] or [\"sum\", {{}}, [\"field\", {{}}, [database, schema, \
                     table, column]]]; group by columns with `breakout`."
                ),
            )
        };
        let Some((head, rest)) = self.head(clause) else {
            return Err(not_aggregation());
        };
        if !AGGREGATION_HEADS.contains(&head) {
            return Err(not_aggregation());
        }
        let (opts, args) = split_opts(rest);
        match head {
            "metric" => {
                let eid = args.first().and_then(Value::as_str).unwrap_or_default();
                let Some(metric) = self
                    .view
                    .catalog
                    .metrics
                    .iter()
                    .find(|m| portable_id("metric", m.id) == eid)
                else {
                    return Err(LatestError::code(
                        "unknown-card",
                        format!(
                            "No metric has entity id \"{eid}\". Search for the metric and use its `portable_entity_id`."
                        ),
                    ));
                };
                if !self.view.can_read_metric(metric) || !self.view.can_read_table(metric.table_id)
                {
                    return Err(LatestError::forbidden());
                }
                if self.source.map(|t| t.id) != Some(metric.table_id) {
                    return Err(LatestError::code(
                        "invalid-clause",
                        format!(
                            "Metric \"{}\" must be aggregated over its base table: put its \
                             `base_table_portable_fk` in `source-table`.",
                            metric.name
                        ),
                    ));
                }
                let o = self.opts(opts);
                Ok(json!(["metric", o, metric.id]))
            }
            "measure" => {
                let eid = args.first().and_then(Value::as_str).unwrap_or_default();
                let Some(measure) = self
                    .view
                    .catalog
                    .measures
                    .iter()
                    .find(|m| portable_id("measure", m.id) == eid)
                else {
                    return Err(LatestError::code(
                        "unknown-measure",
                        format!(
                            "No measure has entity id \"{eid}\". Read the table to list its measures."
                        ),
                    ));
                };
                if !self.view.can_read_table(measure.table_id) {
                    return Err(LatestError::forbidden());
                }
                let o = self.opts(opts);
                Ok(json!(["measure", o, measure.id]))
            }
            _ => {
                let o = self.opts(opts);
                let mut out = vec![json!(head), Value::Object(o)];
                out.extend(self.arguments(args, first)?);
                Ok(Value::Array(out))
            }
        }
    }

    fn order_by(
        &mut self,
        clause: &Value,
        first: bool,
        aggregations: &[Value],
    ) -> Result<Value, LatestError> {
        let bad = || {
            LatestError::code(
                "invalid-clause",
                format!(
                    "{clause} is not an ordering. Write [\"asc\"|\"desc\", {{}}, <field or \
                     [\"aggregation\", {{}}, index]>]."
                ),
            )
        };
        let Some((dir, rest)) = self.head(clause) else {
            return Err(bad());
        };
        if dir != "asc" && dir != "desc" {
            return Err(bad());
        }
        let (opts, args) = split_opts(rest);
        let [target] = args else {
            return Err(bad());
        };
        let resolved = match self.head(target) {
            Some(("aggregation", rest)) => {
                let (_, idx) = split_opts(rest);
                let index = idx.first().and_then(Value::as_u64);
                let Some(uuid) = index.and_then(|i| aggregations.get(i as usize)) else {
                    return Err(LatestError::code(
                        "invalid-clause",
                        format!(
                            "{target} names no aggregation of this stage; it has {}, counted \
                             from 0.",
                            aggregations.len()
                        ),
                    ));
                };
                let uuid = uuid.clone();
                let o = self.opts(None);
                json!(["aggregation", o, uuid])
            }
            _ => self.field_ref(target, first)?,
        };
        let o = self.opts(opts);
        Ok(json!([dir, o, resolved]))
    }
}

/// `[opts, args…]` → the options map (when there is one) and the arguments.
fn split_opts(rest: &[Value]) -> (Option<&Value>, &[Value]) {
    match rest.first() {
        Some(o @ Value::Object(_)) => (Some(o), &rest[1..]),
        _ => (None, rest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::SandboxConfig;
    use crate::sandbox::catalog::{Catalog, ids};
    use crate::sandbox::db::Db;
    use crate::sandbox::perms::{ADMINS, SALES};

    fn catalog() -> Catalog {
        let config = SandboxConfig::default();
        match Db::build(&config) {
            Ok((_, catalog)) => catalog,
            Err(e) => panic!("sample world: {e}"),
        }
    }

    fn view<'a>(catalog: &'a Catalog, group: &str) -> View<'a> {
        View {
            catalog,
            perms: crate::sandbox::perms::Perms::for_groups(&[group.to_string()]),
            now: 1_796_318_400,
        }
    }

    fn col(table: &str, column: &str) -> Value {
        json!(["field", {}, ["Sample Database", "PUBLIC", table, column]])
    }

    fn stage(extra: Value) -> Value {
        let mut s = json!({"lib/type": "mbql.stage/mbql",
                           "source-table": ["Sample Database", "PUBLIC", "ORDERS"]});
        if let (Some(s), Some(extra)) = (s.as_object_mut(), extra.as_object()) {
            s.extend(extra.clone());
        }
        json!({"lib/type": "mbql/query", "stages": [s]})
    }

    fn code(r: Result<Value, LatestError>) -> String {
        match r {
            Err(e) => e.error_code().unwrap_or("no code").to_string(),
            Ok(v) => format!("resolved: {v}"),
        }
    }

    #[test]
    fn names_become_ids_and_implicit_joins_get_their_fk() {
        let c = catalog();
        let v = view(&c, ADMINS);
        let q = stage(json!({
            "filters": [["=", {}, col("PRODUCTS", "CATEGORY"), "Gizmo"]],
            "aggregation": [["sum", {}, col("ORDERS", "TOTAL")]],
            "breakout": [["field", {"temporal-unit": "month"},
                          ["Sample Database", "PUBLIC", "ORDERS", "CREATED_AT"]]],
            "order-by": [["desc", {}, ["aggregation", {}, 0]]],
            "limit": 10,
        }));
        let r = match resolve(&v, &q) {
            Ok(r) => r,
            Err(e) => panic!("{e:?}"),
        };
        assert_eq!(r["database"], json!(ids::SAMPLE_DB));
        let s = &r["stages"][0];
        assert_eq!(s["source-table"], json!(ids::ORDERS));
        assert_eq!(s["limit"], json!(10));
        let category = c.field_named(ids::PRODUCTS, "CATEGORY").map(|f| f.id);
        let product_id = c.field_named(ids::ORDERS, "PRODUCT_ID").map(|f| f.id);
        assert_eq!(s["filters"][0][2][2], json!(category));
        assert_eq!(s["filters"][0][2][1]["source-field"], json!(product_id));
        assert_eq!(s["breakout"][0][1]["temporal-unit"], json!("month"));
        assert_eq!(s["order-by"][0][2][2], s["aggregation"][0][1]["lib/uuid"]);
        assert_eq!(resolve(&v, &q).ok(), Some(r), "resolution is deterministic");
    }

    #[test]
    fn no_default_limit_is_added() {
        let c = catalog();
        let r = resolve(&view(&c, ADMINS), &stage(json!({}))).unwrap_or_default();
        assert!(r["stages"][0].get("limit").is_none());
    }

    #[test]
    fn errors_carry_the_contract_codes() {
        let c = catalog();
        let v = view(&c, ADMINS);
        let src = |path: Value| json!({"stages": [{"source-table": path}]});
        assert_eq!(
            code(resolve(&v, &src(json!(["Nope", "PUBLIC", "ORDERS"])))),
            "unknown-database"
        );
        assert_eq!(
            code(resolve(
                &v,
                &src(json!(["Sample Database", "PUBLIC", "NOPE"]))
            )),
            "unknown-table"
        );
        assert_eq!(
            code(resolve(&v, &src(json!("metabase://table/2")))),
            "uri-in-source-table"
        );
        assert_eq!(
            code(resolve(&v, &json!({"stages": [{"limit": 1}]}))),
            "missing-source-in-first-stage"
        );
        assert_eq!(
            code(resolve(
                &v,
                &json!({"stages": [{"source-card": "AbCdEfGhIjKlMnOpQrStU"}]})
            )),
            "unknown-card"
        );
        assert_eq!(
            code(resolve(
                &v,
                &stage(json!({"fields": [col("ORDERS", "NOPE")]}))
            )),
            "unknown-field"
        );
        let typo = resolve(&v, &stage(json!({"aggreagation": []})));
        assert_eq!(code(typo.clone()), "unknown-stage-key");
        if let Err(LatestError::Data { data, message, .. }) = typo {
            assert_eq!(data["unknown-keys"], json!(["aggreagation"]));
            assert!(message.contains("aggregation"));
        }
        assert_eq!(
            code(resolve(
                &v,
                &stage(json!({"aggregation": [col("ORDERS", "TOTAL")]}))
            )),
            "aggregation-entry-not-aggregation"
        );
        assert_eq!(
            code(resolve(
                &v,
                &stage(json!({"aggregation": [["metric", {}, "AbCdEfGhIjKlMnOpQrStU"]]}))
            )),
            "unknown-card"
        );
        // REVIEWS is not reachable from ORDERS through a foreign key.
        assert_eq!(
            code(resolve(
                &v,
                &stage(json!({"fields": [col("REVIEWS", "RATING")]}))
            )),
            "no-fk-path"
        );
    }

    #[test]
    fn metrics_measures_and_segments_resolve_by_entity_id() {
        let c = catalog();
        let v = view(&c, ADMINS);
        let q = stage(json!({
            "aggregation": [["metric", {}, portable_id("metric", ids::REVENUE)],
                            ["measure", {}, portable_id("measure", ids::NET_SALES_MEASURE)]],
            "filters": [["segment", {}, portable_id("segment", ids::LARGE_ORDERS_SEGMENT)]],
        }));
        let r = resolve(&v, &q).unwrap_or_default();
        let s = &r["stages"][0];
        assert_eq!(s["aggregation"][0][0], "metric");
        assert_eq!(s["aggregation"][0][2], json!(ids::REVENUE));
        assert_eq!(s["aggregation"][1][2], json!(ids::NET_SALES_MEASURE));
        assert_eq!(
            s["filters"][0],
            json!(["segment", s["filters"][0][1], ids::LARGE_ORDERS_SEGMENT])
        );
    }

    #[test]
    fn relative_dates_become_absolute_bounds() {
        let c = catalog();
        let v = view(&c, ADMINS);
        let created = col("ORDERS", "CREATED_AT");
        let q = stage(
            json!({"filters": [["time-interval", {}, created, -30, "day"],
                                          ["during", {}, created, "2024-03-01", "month"]]}),
        );
        let r = resolve(&v, &q).unwrap_or_default();
        let f = &r["stages"][0]["filters"];
        assert_eq!(f[0][0], "between");
        assert_eq!(f[0][2][1]["temporal-unit"], "day");
        assert_eq!(
            (&f[0][3], &f[0][4]),
            (
                &json!("2026-11-03T00:00:00Z"),
                &json!("2026-12-02T00:00:00Z")
            )
        );
        assert_eq!(f[1][0], "=");
        assert_eq!(f[1][2][1]["temporal-unit"], "month");
        let total =
            stage(json!({"filters": [["time-interval", {}, col("ORDERS", "TOTAL"), -1, "day"]]}));
        assert_eq!(code(resolve(&v, &total)), "invalid-clause");
    }

    #[test]
    fn unreadable_sources_are_forbidden() {
        let c = catalog();
        let v = view(&c, SALES);
        let people = json!({"stages": [{"source-table": ["Sample Database", "PUBLIC", "PEOPLE"]}]});
        assert_eq!(resolve(&v, &people).err(), Some(LatestError::forbidden()));
        // ORDERS is readable, but the implicit join reaches PEOPLE.
        let joined = stage(json!({"fields": [col("PEOPLE", "STATE")]}));
        assert_eq!(resolve(&v, &joined).err(), Some(LatestError::forbidden()));
        assert!(resolve(&v, &stage(json!({"fields": [col("PRODUCTS", "CATEGORY")]}))).is_ok());
    }
}

//! Portable MBQL 5: the query language of today's Metabase (`/v2/construct-query`,
//! `/v2/query`, `/v2/execute-query`), which names things instead of numbering them — a field is
//! `["field", {}, [db, schema, table, column]]`, a metric is its 21-character entity id.
//! (`agent-api-latest.md` §5.)
//!
//! The explorer assembles a [`QueryRequest`] whatever the server; on a newest-era server the
//! client translates it here, with a [`NameBook`] built from the table or metric details it
//! already read (their `portable_fk`s and entity ids).

use crate::query::{
    AggFunction, Aggregation, FieldId, FieldRef, FieldType, Filter, FilterOp, QueryRequest, Source,
    TemporalUnit,
};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PortableError {
    #[error("field {0} has no portable name (is it a field of this table?)")]
    UnknownField(FieldId),
    #[error("segment {0} has no portable entity id")]
    UnknownSegment(i64),
    #[error("measure {0} has no portable entity id")]
    UnknownMeasure(i64),
    #[error("the metric's entity id or base table is unknown")]
    UnknownMetric,
    #[error("the source table has no portable name")]
    UnknownTable,
}

/// The names a query needs: its source and every field, segment and measure it may mention.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NameBook {
    /// `[db, schema-or-null, table]` of the source table (a metric's base table).
    pub table: Vec<Value>,
    /// A metric's portable entity id, when the source is a metric.
    pub metric: Option<String>,
    /// field id → `[db, schema, table, column]` and whether it is temporal.
    pub fields: HashMap<FieldId, (Vec<Value>, bool)>,
    pub segments: HashMap<i64, String>,
    pub measures: HashMap<i64, String>,
}

impl NameBook {
    fn field(&self, id: &FieldId, unit: Option<TemporalUnit>) -> Result<Value, PortableError> {
        let (path, temporal) = self
            .fields
            .get(id)
            .ok_or_else(|| PortableError::UnknownField(id.clone()))?;
        let mut opts = Map::new();
        if let Some(u) = unit.filter(|_| *temporal) {
            opts.insert("temporal-unit".into(), json!(u.as_str()));
        }
        Ok(json!(["field", opts, path]))
    }

    fn field_ref(&self, r: &FieldRef) -> Result<Value, PortableError> {
        self.field(&r.field_id, r.bucket)
    }
}

impl NameBook {
    /// Learns the names in a table's read-resource `structured-output`
    /// (`metabase://table/{id}/fields`): the table itself as the source, its fields, its related
    /// tables' fields (implicit joins), and its segments' and measures' entity ids.
    pub fn add_table(&mut self, out: &Value) {
        if let Some(path) = out.get("portable_fk").and_then(Value::as_array) {
            self.table = path.clone();
        }
        self.add_fields(out.get("fields"));
        for key in ["related_tables", "related_tables_without_fields"] {
            for related in out.get(key).and_then(Value::as_array).into_iter().flatten() {
                self.add_fields(related.get("fields"));
            }
        }
        for (key, into) in [
            ("segments", &mut self.segments),
            ("measures", &mut self.measures),
        ] {
            for item in out.get(key).and_then(Value::as_array).into_iter().flatten() {
                let eid = item
                    .get("portable-entity-id")
                    .or_else(|| item.get("portable_entity_id"))
                    .and_then(Value::as_str);
                if let (Some(id), Some(eid)) = (item.get("id").and_then(Value::as_i64), eid) {
                    into.insert(id, eid.to_string());
                }
            }
        }
    }

    /// Learns a metric's names (`metabase://metric/{id}/dimensions`): its base table as the
    /// source, its entity id, and its queryable dimensions.
    pub fn add_metric(&mut self, out: &Value) {
        if let Some(path) = out.get("base_table_portable_fk").and_then(Value::as_array) {
            self.table = path.clone();
        }
        self.metric = out
            .get("portable_entity_id")
            .and_then(Value::as_str)
            .map(str::to_string);
        self.add_fields(
            out.get("queryable-dimensions")
                .or_else(|| out.get("queryable_dimensions")),
        );
    }

    fn add_fields(&mut self, fields: Option<&Value>) {
        for f in fields.and_then(Value::as_array).into_iter().flatten() {
            let id = f
                .get("field_id")
                .and_then(|v| serde_json::from_value::<FieldId>(v.clone()).ok());
            let path = f.get("portable_fk").and_then(Value::as_array);
            let temporal = f
                .get("type")
                .and_then(|t| serde_json::from_value::<FieldType>(t.clone()).ok())
                .is_some_and(FieldType::is_temporal);
            if let (Some(id), Some(path)) = (id, path) {
                // The table's own column wins over a related table's of the same id.
                self.fields.entry(id).or_insert((path.clone(), temporal));
            }
        }
    }
}

/// Translates a query into the external (portable) MBQL 5 object `/v2/construct-query` takes.
pub fn to_portable(q: &QueryRequest, book: &NameBook) -> Result<Value, PortableError> {
    let mut stage = Map::new();
    stage.insert("lib/type".into(), json!("mbql.stage/mbql"));
    if book.table.is_empty() {
        return Err(match q.source {
            Source::Metric(_) => PortableError::UnknownMetric,
            Source::Table(_) => PortableError::UnknownTable,
        });
    }
    stage.insert("source-table".into(), Value::Array(book.table.clone()));

    let filters = q
        .filters
        .iter()
        .map(|f| filter(f, book))
        .collect::<Result<Vec<_>, _>>()?;
    if !filters.is_empty() {
        stage.insert("filters".into(), Value::Array(filters));
    }
    if !q.fields.is_empty() {
        let fields = q
            .fields
            .iter()
            .map(|f| book.field_ref(f))
            .collect::<Result<Vec<_>, _>>()?;
        stage.insert("fields".into(), Value::Array(fields));
    }

    let mut aggregations = Vec::new();
    let mut order_by = Vec::new();
    if let Source::Metric(_) = q.source {
        let eid = book.metric.clone().ok_or(PortableError::UnknownMetric)?;
        aggregations.push(json!(["metric", {}, eid]));
    }
    for a in &q.aggregations {
        let (clause, sort) = match a {
            Aggregation::Measure {
                measure_id,
                sort_order,
            } => {
                let eid = book
                    .measures
                    .get(measure_id)
                    .ok_or(PortableError::UnknownMeasure(*measure_id))?;
                (json!(["measure", {}, eid]), sort_order)
            }
            Aggregation::Function {
                function,
                field_id,
                bucket,
                sort_order,
            } => {
                let clause = match (function, field_id) {
                    (AggFunction::Count, _) | (_, None) => json!(["count", {}]),
                    (f, Some(id)) => {
                        let head = match f {
                            AggFunction::CountDistinct => "distinct",
                            other => other.as_str(),
                        };
                        json!([head, {}, book.field(id, *bucket)?])
                    }
                };
                (clause, sort_order)
            }
        };
        // E2 semantics: an aggregation's sort order applies when it is added, before the
        // explicit order-by list.
        if let Some(dir) = sort {
            order_by.push(json!([
                dir.as_str(),
                {},
                ["aggregation", {}, aggregations.len()]
            ]));
        }
        aggregations.push(clause);
    }
    if !aggregations.is_empty() {
        stage.insert("aggregation".into(), Value::Array(aggregations));
    }
    if !q.group_by.is_empty() {
        let breakout = q
            .group_by
            .iter()
            .map(|g| book.field(&g.field_id, g.field_granularity))
            .collect::<Result<Vec<_>, _>>()?;
        stage.insert("breakout".into(), Value::Array(breakout));
    }
    for o in &q.order_by {
        order_by.push(json!([o.direction.as_str(), {}, book.field_ref(&o.field)?]));
    }
    if !order_by.is_empty() {
        stage.insert("order-by".into(), Value::Array(order_by));
    }
    if let Some(limit) = q.limit {
        stage.insert("limit".into(), json!(limit));
    }
    Ok(json!({"lib/type": "mbql/query", "stages": [Value::Object(stage)]}))
}

fn filter(f: &Filter, book: &NameBook) -> Result<Value, PortableError> {
    let (field_id, op, value, values, bucket) = match f {
        Filter::Segment { segment_id } => {
            let eid = book
                .segments
                .get(segment_id)
                .ok_or(PortableError::UnknownSegment(*segment_id))?;
            return Ok(json!(["segment", {}, eid]));
        }
        Filter::Field {
            field_id,
            operation,
            value,
            values,
            bucket,
        } => (field_id, *operation, value, values, *bucket),
    };
    let field = book.field(field_id, bucket)?;
    let args: Vec<Value> = match (value, values) {
        (Some(v), _) => vec![v.clone()],
        (None, Some(vs)) => vs.clone(),
        (None, None) => Vec::new(),
    };
    use FilterOp::*;
    let variadic = |head: &str, subject: Value| {
        let mut clause = vec![json!(head), json!({}), subject];
        clause.extend(args.iter().cloned());
        Value::Array(clause)
    };
    let string_op = |head: &str, join: &str| {
        let mut clauses: Vec<Value> = args
            .iter()
            .map(|v| json!([head, {"case-sensitive": false}, field.clone(), v]))
            .collect();
        if clauses.len() == 1 {
            clauses.remove(0)
        } else {
            let mut all = vec![json!(join), json!({})];
            all.extend(clauses);
            Value::Array(all)
        }
    };
    let extract = |getter: &str| {
        if getter == "get-day-of-week" {
            json!([getter, {}, field.clone(), "iso"])
        } else {
            json!([getter, {}, field.clone()])
        }
    };
    Ok(match op {
        IsNull => json!(["is-null", {}, field]),
        IsNotNull => json!(["not-null", {}, field]),
        StringIsEmpty => json!(["is-empty", {}, field]),
        StringIsNotEmpty => json!(["not-empty", {}, field]),
        IsTrue => json!(["=", {}, field, true]),
        IsFalse => json!(["=", {}, field, false]),
        Equals => variadic("=", field),
        NotEquals => variadic("!=", field),
        GreaterThan => variadic(">", field),
        GreaterThanOrEqual => variadic(">=", field),
        LessThan => variadic("<", field),
        LessThanOrEqual => variadic("<=", field),
        StringContains => string_op("contains", "or"),
        StringNotContains => string_op("does-not-contain", "and"),
        StringStartsWith => string_op("starts-with", "or"),
        StringEndsWith => string_op("ends-with", "or"),
        YearEquals => variadic("=", extract("get-year")),
        YearNotEquals => variadic("!=", extract("get-year")),
        QuarterEquals => variadic("=", extract("get-quarter")),
        QuarterNotEquals => variadic("!=", extract("get-quarter")),
        MonthEquals => variadic("=", extract("get-month")),
        MonthNotEquals => variadic("!=", extract("get-month")),
        DayOfWeekEquals => variadic("=", extract("get-day-of-week")),
        DayOfWeekNotEquals => variadic("!=", extract("get-day-of-week")),
        HourEquals => variadic("=", extract("get-hour")),
        HourNotEquals => variadic("!=", extract("get-hour")),
        MinuteEquals => variadic("=", extract("get-minute")),
        MinuteNotEquals => variadic("!=", extract("get-minute")),
        SecondEquals => variadic("=", extract("get-second")),
        SecondNotEquals => variadic("!=", extract("get-second")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::{GroupBy, OrderBy, SortDir};

    fn book() -> NameBook {
        let col = |c: &str| json!(["Sample Database", "PUBLIC", "ORDERS", c]);
        let mut fields = HashMap::new();
        for (id, name, temporal) in [
            (1, "TOTAL", false),
            (2, "CREATED_AT", true),
            (3, "STATE", false),
        ] {
            let path = col(name).as_array().cloned().unwrap_or_default();
            fields.insert(FieldId::Int(id), (path, temporal));
        }
        NameBook {
            table: vec![json!("Sample Database"), json!("PUBLIC"), json!("ORDERS")],
            metric: Some("AbCdEfGhIjKlMnOpQrStU".into()),
            fields,
            segments: HashMap::from([(7, "SeGmEnTeNtItYiD123456".into())]),
            measures: HashMap::new(),
        }
    }

    #[test]
    fn count_by_month_where_total_over_50() {
        let mut q = QueryRequest::table(42);
        q.filters.push(Filter::Field {
            field_id: FieldId::Int(1),
            operation: FilterOp::GreaterThan,
            value: Some(json!(50)),
            values: None,
            bucket: None,
        });
        q.aggregations.push(Aggregation::Function {
            function: AggFunction::Count,
            field_id: None,
            bucket: None,
            sort_order: Some(SortDir::Desc),
        });
        q.group_by.push(GroupBy {
            field_id: FieldId::Int(2),
            field_granularity: Some(TemporalUnit::Month),
        });
        q.order_by.push(OrderBy {
            field: FieldRef {
                field_id: FieldId::Int(2),
                bucket: Some(TemporalUnit::Month),
            },
            direction: SortDir::Asc,
        });
        q.limit = Some(10);
        let p = to_portable(&q, &book()).unwrap();
        assert_eq!(
            p,
            json!({"lib/type": "mbql/query", "stages": [{
                "lib/type": "mbql.stage/mbql",
                "source-table": ["Sample Database", "PUBLIC", "ORDERS"],
                "filters": [[">", {}, ["field", {}, ["Sample Database", "PUBLIC", "ORDERS", "TOTAL"]], 50]],
                "aggregation": [["count", {}]],
                "breakout": [["field", {"temporal-unit": "month"}, ["Sample Database", "PUBLIC", "ORDERS", "CREATED_AT"]]],
                "order-by": [["desc", {}, ["aggregation", {}, 0]],
                             ["asc", {}, ["field", {"temporal-unit": "month"}, ["Sample Database", "PUBLIC", "ORDERS", "CREATED_AT"]]]],
                "limit": 10}]})
        );
    }

    #[test]
    fn metrics_segments_and_string_filters() {
        let mut q = QueryRequest::metric(9);
        q.filters.push(Filter::Segment { segment_id: 7 });
        q.filters.push(Filter::Field {
            field_id: FieldId::Int(3),
            operation: FilterOp::StringContains,
            value: None,
            values: Some(vec![json!("a"), json!("b")]),
            bucket: None,
        });
        q.filters.push(Filter::Field {
            field_id: FieldId::Int(2),
            operation: FilterOp::DayOfWeekEquals,
            value: Some(json!(1)),
            values: None,
            bucket: None,
        });
        let p = to_portable(&q, &book()).unwrap();
        let stage = &p["stages"][0];
        assert_eq!(
            stage["aggregation"],
            json!([["metric", {}, "AbCdEfGhIjKlMnOpQrStU"]])
        );
        assert_eq!(
            stage["filters"][0],
            json!(["segment", {}, "SeGmEnTeNtItYiD123456"])
        );
        assert_eq!(stage["filters"][1][0], json!("or"));
        assert_eq!(stage["filters"][1][2][1], json!({"case-sensitive": false}));
        assert_eq!(stage["filters"][2][2][0], json!("get-day-of-week"));
        assert_eq!(stage["filters"][2][2][3], json!("iso"));
    }

    #[test]
    fn unknown_names_are_refused() {
        let mut q = QueryRequest::table(42);
        q.fields.push(FieldRef {
            field_id: FieldId::Int(99),
            bucket: None,
        });
        assert_eq!(
            to_portable(&q, &book()),
            Err(PortableError::UnknownField(FieldId::Int(99)))
        );
        let mut q = QueryRequest::table(42);
        q.filters.push(Filter::Segment { segment_id: 1 });
        assert_eq!(
            to_portable(&q, &book()),
            Err(PortableError::UnknownSegment(1))
        );
    }

    #[test]
    fn books_are_learned_from_read_resource_answers() {
        let table = json!({"id": 42, "portable_fk": ["Sample Database", "PUBLIC", "ORDERS"],
            "fields": [{"field_id": 2, "name": "CREATED_AT", "type": "datetime",
                        "portable_fk": ["Sample Database", "PUBLIC", "ORDERS", "CREATED_AT"]},
                       {"field_id": 5, "name": "NO_PATH", "type": "number"}],
            "related_tables": [{"id": 43, "fields": [{"field_id": 9, "name": "CATEGORY", "type": "string",
                "portable_fk": ["Sample Database", "PUBLIC", "PRODUCTS", "CATEGORY"]}]}],
            "segments": [{"id": 7, "portable-entity-id": "SeGmEnTeNtItYiD123456"}],
            "measures": [{"id": 3, "portable-entity-id": "MeAsUrEeNtItYiD123456"}]});
        let mut book = NameBook::default();
        book.add_table(&table);
        assert_eq!(
            book.table,
            vec![json!("Sample Database"), json!("PUBLIC"), json!("ORDERS")]
        );
        assert_eq!(book.fields.get(&FieldId::Int(2)).map(|f| f.1), Some(true));
        assert_eq!(book.fields.get(&FieldId::Int(9)).map(|f| f.1), Some(false));
        assert!(!book.fields.contains_key(&FieldId::Int(5)));
        assert_eq!(
            book.segments.get(&7).map(String::as_str),
            Some("SeGmEnTeNtItYiD123456")
        );
        assert_eq!(
            book.measures.get(&3).map(String::as_str),
            Some("MeAsUrEeNtItYiD123456")
        );

        let metric = json!({"id": 10, "portable_entity_id": "AbCdEfGhIjKlMnOpQrStU",
            "base_table_portable_fk": ["Sample Database", "PUBLIC", "ORDERS"],
            "queryable-dimensions": [{"field_id": 2, "type": "datetime",
                "portable_fk": ["Sample Database", "PUBLIC", "ORDERS", "CREATED_AT"]}]});
        let mut book = NameBook::default();
        book.add_metric(&metric);
        let p = to_portable(&QueryRequest::metric(10), &book).unwrap();
        assert_eq!(
            p["stages"][0]["aggregation"],
            json!([["metric", {}, "AbCdEfGhIjKlMnOpQrStU"]])
        );
        assert_eq!(p["stages"][0]["source-table"][2], json!("ORDERS"));
        assert_eq!(
            to_portable(&QueryRequest::metric(10), &NameBook::default()),
            Err(PortableError::UnknownMetric)
        );
    }
}

//! `POST /v1/construct-query` (§4.6): a table or metric request → an MBQL 5 query (real field
//! ids, `lib/uuid` options), standard base64 of its JSON. Also used by E3's `/v1/query`.

use super::Profile;
use super::auth::Identity;
use super::catalog::{Catalog, Column, Field};
use super::errors::ApiError;
use super::fieldref::{self, Entity};
use super::handlers::json_body;
use super::perms::Perms;
use super::read::metric_columns;
use super::state::AppState;
use crate::query::{
    AggFunction, Aggregation, FieldId, Filter, FilterOp, QueryProblem, QueryRequest, SortDir,
    Source, TemporalUnit,
};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Map, Value, json};
use std::sync::Arc;

pub async fn construct(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Identity>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = (|| {
        who.require_scope("agent:query:construct")?;
        let body = json_body(&headers, &body)?;
        let query = build(&state, &who, &body)?;
        Ok::<_, ApiError>(encode(&query))
    })();
    match result {
        Ok(token) => axum::Json(json!({ "query": token })).into_response(),
        Err(e) => e.into_response(),
    }
}

pub fn encode(query: &Value) -> String {
    base64::engine::general_purpose::STANDARD.encode(query.to_string())
}

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn opts() -> Value {
    json!({ "lib/uuid": uuid() })
}

/// Parses and validates a request body (kind-3 errors name the offending params).
pub fn parse_request(body: &Value) -> Result<QueryRequest, ApiError> {
    let mut body = body.clone();
    if let Some(obj) = body.as_object_mut() {
        if obj.get("table_id").is_some_and(|v| !v.is_null()) {
            // A table request ignores metric_id.
            obj.remove("metric_id");
        } else {
            // Metric requests take only filters and group_by; other keys are ignored (open map).
            for key in ["fields", "aggregations", "order_by", "limit"] {
                obj.remove(key);
            }
        }
    }
    QueryRequest::from_body(&body).map_err(|problem| match problem {
        QueryProblem::NoSource => ApiError::Validation(vec![
            (
                "table_id".into(),
                "value must be an integer greater than zero.".into(),
            ),
            (
                "metric_id".into(),
                "value must be an integer greater than zero.".into(),
            ),
        ]),
        QueryProblem::NotPositive(key) => {
            ApiError::invalid(key, "value must be an integer greater than zero.")
        }
        QueryProblem::Filter { reason, .. } => ApiError::invalid("filters", reason),
        QueryProblem::Aggregation { reason, .. } => ApiError::invalid("aggregations", reason),
        QueryProblem::Malformed { key, reason, .. } => ApiError::invalid(key, reason),
        QueryProblem::MetricOnlyFiltersAndGroupBy(key) => {
            ApiError::invalid(key, "not allowed in a metric request")
        }
        QueryProblem::Json(reason) => ApiError::invalid("body", reason),
    })
}

/// Resolves the request against the catalog and the user's permissions, then builds MBQL 5.
pub fn build(state: &AppState, who: &Identity, body: &Value) -> Result<Value, ApiError> {
    let request = parse_request(body)?;
    let catalog = &state.catalog;
    let perms = who.user.perms();
    let b = Builder {
        catalog,
        perms: &perms,
        profile: state.config.profile,
    };
    b.query(&request)
}

struct Builder<'a> {
    catalog: &'a Catalog,
    perms: &'a Perms,
    profile: Profile,
}

struct Resolved<'a> {
    field: &'a Field,
    column: Column,
}

impl<'a> Builder<'a> {
    fn query(&self, r: &QueryRequest) -> Result<Value, ApiError> {
        let (entity, table_id, columns, metric) = match r.source {
            Source::Table(id) => {
                let table = self.catalog.table(id).ok_or_else(|| {
                    ApiError::plain(
                        StatusCode::NOT_FOUND,
                        format!("No table found with table_id {id}"),
                    )
                })?;
                if !self.perms.can_read_table(self.catalog, id) {
                    return Err(ApiError::forbidden());
                }
                (Entity::Table(id), table.id, self.catalog.columns(id), None)
            }
            Source::Metric(id) => {
                let metric = self.catalog.metric(id).ok_or_else(|| match self.profile {
                    Profile::E2 => ApiError::plain(
                        StatusCode::NOT_FOUND,
                        format!("No metric found with metric_id {id}"),
                    ),
                    Profile::E3 | Profile::Latest => ApiError::not_found(),
                })?;
                if !self.perms.can_read_collection(metric.collection.name)
                    || !self.perms.can_read_table(self.catalog, metric.table_id)
                {
                    return Err(ApiError::forbidden());
                }
                (
                    Entity::Metric(id),
                    metric.table_id,
                    metric_columns(self.catalog, metric),
                    Some(metric),
                )
            }
        };
        let db = self
            .catalog
            .table(table_id)
            .map(|t| t.db_id)
            .unwrap_or_default();
        let resolve = |id: &FieldId| -> Result<Resolved<'a>, ApiError> {
            let raw = match id {
                FieldId::Str(s) => s.clone(),
                FieldId::Int(i) => i.to_string(),
            };
            let index = fieldref::parse(&raw, entity)?;
            let column = *columns
                .get(index)
                .ok_or_else(|| fieldref::out_of_range(&raw))?;
            let field = self
                .catalog
                .field(column.field)
                .ok_or_else(|| fieldref::out_of_range(&raw))?;
            if !self.perms.can_read_table(self.catalog, field.table_id) {
                return Err(ApiError::forbidden());
            }
            Ok(Resolved { field, column })
        };

        let mut stage = Map::new();
        stage.insert("lib/type".into(), json!("mbql.stage/mbql"));
        stage.insert("source-table".into(), json!(table_id));

        let mut filters = Vec::new();
        for f in &r.filters {
            filters.push(self.filter(f, table_id, &resolve)?);
        }

        let mut aggregations = Vec::new();
        let mut order_by = Vec::new();
        if let Some(metric) = metric {
            aggregations.push(json!(["metric", opts(), metric.id]));
        }
        for a in &r.aggregations {
            let (clause, sort) = self.aggregation(a, table_id, &resolve)?;
            if let Some(dir) = sort {
                let agg_uuid = clause[1]["lib/uuid"].clone();
                order_by.push(json!([
                    dir.as_str(),
                    opts(),
                    ["aggregation", opts(), agg_uuid]
                ]));
            }
            aggregations.push(clause);
        }

        let mut breakout = Vec::new();
        for g in &r.group_by {
            if let Some(unit) = g.field_granularity
                && !TemporalUnit::GRANULARITIES.contains(&unit)
            {
                return Err(ApiError::invalid(
                    "group_by",
                    format!("field_granularity cannot be {unit}"),
                ));
            }
            let res = resolve(&g.field_id)?;
            let unit = g.field_granularity.filter(|_| res.field.is_temporal());
            breakout.push(field_ref(&res, unit));
        }

        let mut fields = Vec::new();
        for f in &r.fields {
            let res = resolve(&f.field_id)?;
            fields.push(field_ref(&res, temporal_unit(&res, f.bucket)));
        }
        for o in &r.order_by {
            let res = resolve(&o.field.field_id)?;
            order_by.push(json!([
                o.direction.as_str(),
                opts(),
                field_ref(&res, temporal_unit(&res, o.field.bucket))
            ]));
        }

        for (key, items) in [
            ("filters", filters),
            ("aggregation", aggregations),
            ("breakout", breakout),
            ("fields", fields),
            ("order-by", order_by),
        ] {
            if !items.is_empty() {
                stage.insert(key.into(), Value::Array(items));
            }
        }
        if let Source::Table(_) = r.source {
            let limit = r.limit.unwrap_or(self.profile.default_limit());
            stage.insert("limit".into(), json!(limit));
        }
        Ok(json!({
            "lib/type": "mbql/query",
            "database": db,
            "stages": [Value::Object(stage)],
        }))
    }

    fn filter(
        &self,
        f: &Filter,
        table_id: i64,
        resolve: &dyn Fn(&FieldId) -> Result<Resolved<'a>, ApiError>,
    ) -> Result<Value, ApiError> {
        let (field_id, op, value, values, bucket) = match f {
            Filter::Segment { segment_id } => {
                let found = self
                    .catalog
                    .segment(*segment_id)
                    .is_some_and(|s| s.table_id == table_id);
                if !found {
                    return Err(ApiError::plain(
                        StatusCode::NOT_FOUND,
                        format!("Segment with id {segment_id} not found"),
                    ));
                }
                return Ok(json!(["segment", opts(), segment_id]));
            }
            Filter::Field {
                field_id,
                operation,
                value,
                values,
                bucket,
            } => (field_id, *operation, value, values, *bucket),
        };
        let res = resolve(field_id)?;
        let given: Vec<Value> = match (value, values) {
            (Some(v), _) => vec![v.clone()],
            (None, Some(vs)) => vs.clone(),
            (None, None) => Vec::new(),
        };
        let ftype = res.field.field_type();
        let bad = |why: String| ApiError::invalid("filters", why);
        use FilterOp::*;
        let unit = temporal_unit(&res, bucket);
        let lhs = field_ref(&res, unit);
        let clause = |name: &str, extra: Map<String, Value>, lhs: Value| {
            let mut o = Map::new();
            o.insert("lib/uuid".into(), json!(uuid()));
            o.extend(extra);
            let mut c = vec![json!(name), Value::Object(o), lhs];
            c.extend(given.iter().cloned());
            Value::Array(c)
        };
        let none = Map::new;
        if op.is_extraction() {
            if !res.field.is_temporal() {
                return Err(bad(format!("`{op}` needs a temporal field")));
            }
            let (getter, eq) = match op {
                YearEquals => ("get-year", true),
                YearNotEquals => ("get-year", false),
                QuarterEquals => ("get-quarter", true),
                QuarterNotEquals => ("get-quarter", false),
                MonthEquals => ("get-month", true),
                MonthNotEquals => ("get-month", false),
                DayOfWeekEquals => ("get-day-of-week", true),
                DayOfWeekNotEquals => ("get-day-of-week", false),
                HourEquals => ("get-hour", true),
                HourNotEquals => ("get-hour", false),
                MinuteEquals => ("get-minute", true),
                MinuteNotEquals => ("get-minute", false),
                SecondEquals => ("get-second", true),
                _ => ("get-second", false),
            };
            let mut get = vec![json!(getter), opts(), field_ref(&res, None)];
            if getter == "get-day-of-week" {
                get.push(json!("iso"));
            }
            return Ok(clause(
                if eq { "=" } else { "!=" },
                none(),
                Value::Array(get),
            ));
        }
        // Check the value types against the field's type.
        for v in &given {
            let ok = match ftype {
                Some(crate::query::FieldType::Number) => v.is_number(),
                Some(crate::query::FieldType::String) => v.is_string(),
                Some(t) if t.is_temporal() => match v {
                    Value::String(s) => is_temporal_literal(s),
                    Value::Number(n) => n.is_i64() || n.is_u64(),
                    _ => false,
                },
                _ => v.is_string() || v.is_number() || v.is_boolean(),
            };
            if !ok {
                return Err(bad(format!(
                    "`{op}` on {} cannot compare with {v}",
                    res.field.name
                )));
            }
        }
        let string_only = |name: &str| -> Result<Value, ApiError> {
            if ftype != Some(crate::query::FieldType::String) {
                return Err(bad(format!("`{op}` needs a text field")));
            }
            let mut o = Map::new();
            o.insert("case-sensitive".into(), json!(false));
            Ok(clause(name, o, lhs.clone()))
        };
        Ok(match op {
            IsNull => clause("is-null", none(), lhs.clone()),
            IsNotNull => clause("not-null", none(), lhs.clone()),
            StringIsEmpty => clause("is-empty", none(), lhs.clone()),
            StringIsNotEmpty => clause("not-empty", none(), lhs.clone()),
            IsTrue | IsFalse => json!(["=", opts(), lhs, op == IsTrue]),
            Equals => clause("=", none(), lhs.clone()),
            NotEquals => clause("!=", none(), lhs.clone()),
            GreaterThan => clause(">", none(), lhs.clone()),
            GreaterThanOrEqual => clause(">=", none(), lhs.clone()),
            LessThan => clause("<", none(), lhs.clone()),
            LessThanOrEqual => clause("<=", none(), lhs.clone()),
            StringContains => string_only("contains")?,
            StringNotContains => string_only("does-not-contain")?,
            StringStartsWith => string_only("starts-with")?,
            StringEndsWith => string_only("ends-with")?,
            _ => return Err(bad(format!("`{op}` is not supported here"))),
        })
    }

    fn aggregation(
        &self,
        a: &Aggregation,
        table_id: i64,
        resolve: &dyn Fn(&FieldId) -> Result<Resolved<'a>, ApiError>,
    ) -> Result<(Value, Option<SortDir>), ApiError> {
        match a {
            Aggregation::Measure {
                measure_id,
                sort_order,
            } => {
                let found = self
                    .catalog
                    .measure(*measure_id)
                    .is_some_and(|m| m.table_id == table_id);
                if !found {
                    return Err(ApiError::plain(
                        StatusCode::NOT_FOUND,
                        format!("Measure with id {measure_id} not found"),
                    ));
                }
                Ok((json!(["measure", opts(), measure_id]), *sort_order))
            }
            Aggregation::Function {
                function,
                field_id,
                bucket,
                sort_order,
            } => {
                if *function == AggFunction::Count {
                    return Ok((json!(["count", opts()]), *sort_order));
                }
                let id = field_id.as_ref().ok_or_else(|| {
                    ApiError::invalid("aggregations", format!("`{function:?}` needs a field_id"))
                })?;
                let res = resolve(id)?;
                let numeric = res.field.field_type() == Some(crate::query::FieldType::Number);
                if matches!(function, AggFunction::Sum | AggFunction::Avg) && !numeric {
                    return Err(ApiError::invalid(
                        "aggregations",
                        format!("`{}` needs a numeric field", function.as_str()),
                    ));
                }
                let name = match function {
                    AggFunction::CountDistinct => "distinct",
                    other => other.as_str(),
                };
                Ok((
                    json!([name, opts(), field_ref(&res, temporal_unit(&res, *bucket))]),
                    *sort_order,
                ))
            }
        }
    }
}

fn temporal_unit(res: &Resolved<'_>, bucket: Option<TemporalUnit>) -> Option<TemporalUnit> {
    bucket.filter(|_| res.field.is_temporal())
}

fn field_ref(res: &Resolved<'_>, unit: Option<TemporalUnit>) -> Value {
    let mut o = Map::new();
    o.insert("lib/uuid".into(), json!(uuid()));
    o.insert("base-type".into(), json!(res.field.base_type));
    o.insert("effective-type".into(), json!(res.field.base_type));
    if let Some(u) = unit {
        o.insert("temporal-unit".into(), json!(u.as_str()));
    }
    if let Some(via) = res.column.via {
        o.insert("source-field".into(), json!(via));
    }
    json!(["field", Value::Object(o), res.field.id])
}

/// `2024-01-31`, `2024-01-31T10:00`, `2024-01-31T10:00:00Z`, `2024-01-31 10:00:00+02:00` …
pub fn is_temporal_literal(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    if b.len() < 10
        || !digits(0..4)
        || b[4] != b'-'
        || !digits(5..7)
        || b[7] != b'-'
        || !digits(8..10)
    {
        return false;
    }
    let month = (b[5] - b'0') * 10 + (b[6] - b'0');
    let day = (b[8] - b'0') * 10 + (b[9] - b'0');
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return false;
    }
    if b.len() == 10 {
        return true;
    }
    if b[10] != b'T' && b[10] != b' ' {
        return false;
    }
    let time = &s[11..];
    let (clock, _zone) = match time.find(['Z', '+', '-']) {
        Some(i) => time.split_at(i),
        None => (time, ""),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporal_literals() {
        assert!(is_temporal_literal("2024-01-31"));
        assert!(is_temporal_literal("2024-01-31T10:00:00Z"));
        assert!(is_temporal_literal("2024-01-31 10:00"));
        assert!(!is_temporal_literal("2024-13-01"));
        assert!(!is_temporal_literal("yesterday"));
        assert!(!is_temporal_literal("2024-01-31Tnoon"));
    }
}

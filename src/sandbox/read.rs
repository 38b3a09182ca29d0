//! The read endpoints: table and metric details (§4.2, §4.3), field values (§4.4) and, in the
//! E3 profile, databases (§4.9). Lists filter silently; details of the unreadable are a 403.

use super::Profile;
use super::auth::Identity;
use super::catalog::{Catalog, Column, Field, Metric, Table, humanize};
use super::errors::ApiError;
use super::fieldref::{self, Entity};
use super::handlers::{count_param, flag, path_id};
use super::perms::Perms;
use super::state::AppState;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::Arc;

type Params = Query<HashMap<String, String>>;

fn reply(result: Result<Value, ApiError>) -> Response {
    match result {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

/// A field object as the table and metric endpoints show it (E2 or E3 shape).
pub fn field_json(
    catalog: &Catalog,
    profile: Profile,
    field: &Field,
    field_id: String,
    via: Option<i64>,
    with_values: bool,
) -> Value {
    let mut m = Map::new();
    m.insert("field_id".into(), json!(field_id));
    m.insert("name".into(), json!(field.name));
    match profile {
        Profile::E2 => {
            m.insert("type".into(), json!(field.field_type().map(|t| t.as_str())));
            if let Some(d) = &field.description {
                m.insert("description".into(), json!(d));
            }
        }
        Profile::E3 | Profile::Latest => {
            m.insert("display_name".into(), json!(field.display_name));
            if let Some(d) = &field.description {
                m.insert("description".into(), json!(d));
            }
            m.insert("base_type".into(), json!(field.base_type));
        }
    }
    m.insert("database_type".into(), json!(field.database_type));
    if let Some(s) = field.semantic_type {
        m.insert("semantic_type".into(), json!(s));
    }
    if with_values && let Some(values) = &field.values {
        m.insert("field_values".into(), json!(values));
    }
    if let Some(fk) = via.and_then(|id| catalog.field(id)) {
        m.insert(
            "table_reference".into(),
            json!(humanize(
                fk.name.trim_end_matches("_ID").trim_end_matches("_id")
            )),
        );
    }
    Value::Object(m)
}

fn table_head(catalog: &Catalog, table: &Table) -> Map<String, Value> {
    let db = catalog.database(table.db_id);
    let mut m = Map::new();
    m.insert("id".into(), json!(table.id));
    m.insert("type".into(), json!("table"));
    m.insert("name".into(), json!(table.name));
    m.insert("display_name".into(), json!(humanize(&table.name)));
    m.insert("database_id".into(), json!(table.db_id));
    m.insert("database_engine".into(), json!(db.map(|d| d.engine)));
    m.insert("database_schema".into(), json!(table.schema));
    m
}

/// The readable table with this id, or the contract's 404/403.
fn readable_table<'a>(catalog: &'a Catalog, perms: &Perms, id: i64) -> Result<&'a Table, ApiError> {
    let table = catalog.table(id).ok_or_else(ApiError::not_found)?;
    if !perms.can_read_table(catalog, id) {
        return Err(ApiError::forbidden());
    }
    Ok(table)
}

fn readable_metric<'a>(
    catalog: &'a Catalog,
    perms: &Perms,
    id: i64,
) -> Result<&'a Metric, ApiError> {
    let metric = catalog.metric(id).ok_or_else(ApiError::not_found)?;
    if !perms.can_read_collection(metric.collection.name) {
        return Err(ApiError::forbidden());
    }
    Ok(metric)
}

pub async fn table(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Identity>,
    Path(raw): Path<String>,
    Query(q): Params,
) -> Response {
    reply(table_details(&state, &who, &raw, &q))
}

fn table_details(
    state: &AppState,
    who: &Identity,
    raw: &str,
    q: &HashMap<String, String>,
) -> Result<Value, ApiError> {
    let id = path_id(raw, "id")?;
    who.require_scope("agent:table:read")?;
    let with_fields = flag(q, "with-fields", true)?;
    let with_values = flag(q, "with-field-values", false)?;
    let with_related = flag(q, "with-related-tables", true)?;
    let with_metrics = flag(q, "with-metrics", true)?;
    let with_measures = flag(q, "with-measures", false)?;
    let with_segments = flag(q, "with-segments", false)?;
    let catalog = &state.catalog;
    let profile = state.config.profile;
    let perms = who.user.perms();
    let table = readable_table(catalog, &perms, id)?;
    let mut m = table_head(catalog, table);
    if let Some(d) = &table.description {
        m.insert("description".into(), json!(d));
    }
    let entity = Entity::Table(id);
    let columns = catalog.columns(id);
    let own: Vec<Value> = if with_fields {
        columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.via.is_none())
            .filter_map(|(i, c)| {
                let f = catalog.field(c.field)?;
                Some(field_json(
                    catalog,
                    profile,
                    f,
                    entity.field_id(i),
                    None,
                    with_values,
                ))
            })
            .collect()
    } else {
        Vec::new()
    };
    m.insert("fields".into(), Value::Array(own));
    if with_related {
        let related: Vec<Value> = catalog
            .foreign_keys(id)
            .into_iter()
            .filter(|(_, target)| perms.can_read_table(catalog, target.id))
            .map(|(fk, target)| {
                let mut r = table_head(catalog, target);
                if with_fields {
                    let fields: Vec<Value> = columns
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| c.via == Some(fk.id))
                        .filter_map(|(i, c)| {
                            let f = catalog.field(c.field)?;
                            Some(field_json(
                                catalog,
                                profile,
                                f,
                                entity.field_id(i),
                                c.via,
                                with_values,
                            ))
                        })
                        .collect();
                    r.insert("fields".into(), Value::Array(fields));
                }
                r.insert("related_by".into(), json!(fk.name));
                Value::Object(r)
            })
            .collect();
        if !related.is_empty() {
            m.insert("related_tables".into(), Value::Array(related));
        }
    }
    if with_metrics {
        let metrics: Vec<Value> = catalog
            .metrics
            .iter()
            .filter(|x| x.table_id == id && perms.can_read_collection(x.collection.name))
            .map(|x| {
                json!({"id": x.id, "type": "metric", "name": x.name, "description": x.description,
                       "default_time_dimension_field_id": time_dimension_id(catalog, x)})
            })
            .collect();
        if !metrics.is_empty() {
            m.insert("metrics".into(), Value::Array(metrics));
        }
    }
    let named = |id: i64, name: &str, description: &Option<String>| {
        let mut x = Map::new();
        x.insert("id".into(), json!(id));
        x.insert("name".into(), json!(name));
        x.insert("display_name".into(), json!(name));
        if let Some(d) = description {
            x.insert("description".into(), json!(d));
        }
        Value::Object(x)
    };
    if with_measures {
        let measures: Vec<Value> = catalog
            .measures
            .iter()
            .filter(|x| x.table_id == id)
            .map(|x| named(x.id, &x.name, &x.description))
            .collect();
        if !measures.is_empty() {
            m.insert("measures".into(), Value::Array(measures));
        }
    }
    if with_segments {
        let segments: Vec<Value> = catalog
            .segments
            .iter()
            .filter(|x| x.table_id == id)
            .map(|x| named(x.id, &x.name, &x.description))
            .collect();
        if !segments.is_empty() {
            m.insert("segments".into(), Value::Array(segments));
        }
    }
    Ok(Value::Object(m))
}

/// A metric's visible columns: its table's columns (a metric has no breakouts to remove).
pub fn metric_columns<'a>(catalog: &'a Catalog, metric: &Metric) -> &'a [Column] {
    catalog.columns(metric.table_id)
}

fn time_dimension_id(catalog: &Catalog, metric: &Metric) -> Value {
    metric_columns(catalog, metric)
        .iter()
        .position(|c| c.via.is_none() && c.field == metric.time_dimension)
        .map(|i| json!(Entity::Metric(metric.id).field_id(i)))
        .unwrap_or(Value::Null)
}

pub async fn metric(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Identity>,
    Path(raw): Path<String>,
    Query(q): Params,
) -> Response {
    reply(metric_details(&state, &who, &raw, &q))
}

fn metric_details(
    state: &AppState,
    who: &Identity,
    raw: &str,
    q: &HashMap<String, String>,
) -> Result<Value, ApiError> {
    let id = path_id(raw, "id")?;
    who.require_scope("agent:metric:read")?;
    let with_breakout = flag(q, "with-default-temporal-breakout", true)?;
    let with_values = flag(q, "with-field-values", false)?;
    let with_dimensions = flag(q, "with-queryable-dimensions", true)?;
    let with_segments = flag(q, "with-segments", false)?;
    let catalog = &state.catalog;
    let perms = who.user.perms();
    let metric = readable_metric(catalog, &perms, id)?;
    let mut m = Map::new();
    m.insert("id".into(), json!(metric.id));
    m.insert("type".into(), json!("metric"));
    m.insert("name".into(), json!(metric.name));
    m.insert("description".into(), json!(metric.description));
    m.insert(
        "default_time_dimension_field_id".into(),
        if with_breakout {
            time_dimension_id(catalog, metric)
        } else {
            Value::Null
        },
    );
    m.insert("verified".into(), json!(metric.verified));
    if with_dimensions {
        let entity = Entity::Metric(id);
        let dims: Vec<Value> = metric_columns(catalog, metric)
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let f = catalog.field(c.field)?;
                if !perms.can_read_table(catalog, f.table_id) {
                    return None;
                }
                Some(field_json(
                    catalog,
                    state.config.profile,
                    f,
                    entity.field_id(i),
                    c.via,
                    with_values,
                ))
            })
            .collect();
        m.insert("queryable_dimensions".into(), Value::Array(dims));
    }
    if with_segments {
        let segments: Vec<Value> = catalog
            .segments
            .iter()
            .filter(|s| s.table_id == metric.table_id)
            .map(|s| {
                let mut x = Map::new();
                x.insert("id".into(), json!(s.id));
                x.insert("name".into(), json!(s.name));
                x.insert("display_name".into(), json!(s.name));
                if let Some(d) = &s.description {
                    x.insert("description".into(), json!(d));
                }
                Value::Object(x)
            })
            .collect();
        m.insert("segments".into(), Value::Array(segments));
    }
    Ok(Value::Object(m))
}

pub async fn table_values(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Identity>,
    Path((raw, field)): Path<(String, String)>,
    Query(q): Params,
) -> Response {
    reply(field_values(&state, &who, &raw, &field, &q, false))
}

pub async fn metric_values(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Identity>,
    Path((raw, field)): Path<(String, String)>,
    Query(q): Params,
) -> Response {
    reply(field_values(&state, &who, &raw, &field, &q, true))
}

fn field_values(
    state: &AppState,
    who: &Identity,
    raw: &str,
    field_id: &str,
    q: &HashMap<String, String>,
    is_metric: bool,
) -> Result<Value, ApiError> {
    let id = path_id(raw, "id")?;
    who.require_scope(if is_metric {
        "agent:metric:read"
    } else {
        "agent:table:read"
    })?;
    if field_id.trim().is_empty() {
        return Err(ApiError::invalid(
            "field-id",
            "value must be a non-blank string.",
        ));
    }
    let limit = count_param(q, "limit", 30)?;
    let offset = count_param(q, "offset", 0)?;
    let catalog = &state.catalog;
    let perms = who.user.perms();
    let (index, columns) = if is_metric {
        let entity = Entity::Metric(id);
        let index = fieldref::parse(field_id, entity)?;
        let metric = readable_metric(catalog, &perms, id)?;
        (index, metric_columns(catalog, metric))
    } else {
        let entity = Entity::Table(id);
        let index = fieldref::parse(field_id, entity)?;
        readable_table(catalog, &perms, id)?;
        (index, catalog.columns(id))
    };
    let column = columns
        .get(index)
        .ok_or_else(|| fieldref::out_of_range(field_id))?;
    let field = catalog
        .field(column.field)
        .ok_or_else(|| fieldref::out_of_range(field_id))?;
    if !perms.can_read_table(catalog, field.table_id) {
        return Err(ApiError::forbidden());
    }
    let values: Option<Vec<Value>> = field
        .values
        .as_ref()
        .map(|v| v.iter().skip(offset).take(limit).cloned().collect());
    Ok(match state.config.profile {
        Profile::E2 => {
            let mut m = Map::new();
            if let Some(fp) = &field.fingerprint {
                m.insert("statistics".into(), fp.to_json(false));
            }
            if let Some(v) = values {
                m.insert("values".into(), json!(v));
            }
            Value::Object(m)
        }
        Profile::E3 | Profile::Latest => {
            let mut inner = Map::new();
            if let Some(fp) = &field.fingerprint {
                inner.insert("statistics".into(), fp.to_json(true));
            }
            if let Some(v) = values {
                inner.insert("field_values".into(), json!(v));
            }
            json!({"result_type": "field-metadata", "field_id": field_id,
                   "value_metadata": Value::Object(inner)})
        }
    })
}

pub async fn databases(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Identity>,
) -> Response {
    reply((|| {
        who.require_scope("agent:table:read")?;
        let perms = who.user.perms();
        let list: Vec<Value> = state
            .catalog
            .databases
            .iter()
            .filter(|d| perms.can_read_database(&state.catalog, d.id))
            .map(|d| json!({"id": d.id, "name": d.name, "engine": d.engine}))
            .collect();
        Ok(Value::Array(list))
    })())
}

pub async fn database(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Identity>,
    Path(raw): Path<String>,
    Query(q): Params,
) -> Response {
    reply((|| {
        let id = path_id(&raw, "id")?;
        who.require_scope("agent:table:read")?;
        let with_tables = flag(&q, "with-tables", true)?;
        let with_fields = flag(&q, "with-fields", false)?;
        let catalog = &state.catalog;
        let perms = who.user.perms();
        let db = catalog.database(id).ok_or_else(ApiError::not_found)?;
        if !perms.can_read_database(catalog, id) {
            return Err(ApiError::forbidden());
        }
        let mut m = Map::new();
        m.insert("id".into(), json!(db.id));
        m.insert("name".into(), json!(db.name));
        m.insert("engine".into(), json!(db.engine));
        if with_tables {
            let tables: Vec<Value> = catalog
                .tables
                .iter()
                .filter(|t| t.db_id == id && perms.can_read_table(catalog, t.id))
                .map(|t| {
                    let mut x = table_head(catalog, t);
                    if let Some(d) = &t.description {
                        x.insert("description".into(), json!(d));
                    }
                    if with_fields {
                        let entity = Entity::Table(t.id);
                        let fields: Vec<Value> = catalog
                            .columns(t.id)
                            .iter()
                            .enumerate()
                            .filter(|(_, c)| c.via.is_none())
                            .filter_map(|(i, c)| {
                                let f = catalog.field(c.field)?;
                                Some(field_json(
                                    catalog,
                                    state.config.profile,
                                    f,
                                    entity.field_id(i),
                                    None,
                                    false,
                                ))
                            })
                            .collect();
                        x.insert("fields".into(), Value::Array(fields));
                    }
                    Value::Object(x)
                })
                .collect();
            m.insert("tables".into(), Value::Array(tables));
        }
        Ok(Value::Object(m))
    })())
}

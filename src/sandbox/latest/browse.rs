//! `POST /v2/browse-data` (§4.2): databases → schemas → tables → fields, in the bounded list
//! envelope, with teaching errors for arguments that belong to another action. The sandbox's
//! tables are narrow, so `get_fields` returns whole tables (cut by the response budget) and
//! never needs to slice one.

use super::construct::{check_closed, limit_param, offset_param};
use super::envelope::{Page, TOKEN_BUDGET, envelope, estimate_tokens, paged};
use super::errors::LatestError;
use super::present::View;
use super::{reply, view};
use crate::sandbox::auth::Identity;
use crate::sandbox::catalog::{Field, Table, humanize};
use crate::sandbox::errors::ApiError;
use crate::sandbox::handlers::json_body;
use crate::sandbox::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;

const ACTIONS: [&str; 5] = [
    "list_databases",
    "list_schemas",
    "list_tables",
    "list_models",
    "get_fields",
];
const DEFAULT_LIMIT: u64 = 50;
const MAX_LIMIT: u64 = 200;
const MAX_TABLES: usize = 20;
const INACCESSIBLE: &str = "not found, or you do not have access to it";
const VALUES_SAMPLE: usize = 20;

#[derive(Debug, Default)]
struct Args {
    action: String,
    database_id: Option<Value>,
    schema: Option<String>,
    search: Option<String>,
    table_ids: Vec<Value>,
    limit: Option<u64>,
    offset: Option<u64>,
    fields: Vec<String>,
    detailed: bool,
}

fn args(body: &Value) -> Result<Args, LatestError> {
    let map = body.as_object().cloned().unwrap_or_default();
    check_closed(
        &map,
        &[
            "action",
            "database_id",
            "schema",
            "search",
            "table_ids",
            "include_hidden",
            "limit",
            "offset",
            "fields",
            "response_format",
        ],
    )?;
    let get = |k: &str| map.get(k).filter(|v| !v.is_null());
    let action = get("action")
        .and_then(Value::as_str)
        .filter(|a| ACTIONS.contains(a))
        .ok_or_else(|| ApiError::invalid("action", format!("enum of {}", ACTIONS.join(", "))))?;
    let text = |k: &str| -> Result<Option<String>, LatestError> {
        match get(k) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ApiError::invalid(k, "nullable string").into()),
        }
    };
    let id_ok =
        |v: &Value| v.as_i64().is_some_and(|n| n > 0) || v.as_str().is_some_and(|s| s.len() == 21);
    let database_id = match get("database_id") {
        None => None,
        Some(v) if id_ok(v) => Some(v.clone()),
        Some(_) => {
            return Err(ApiError::invalid(
                "database_id",
                "nullable positive integer or 21-character entity_id",
            )
            .into());
        }
    };
    let table_ids = match get("table_ids") {
        None => Vec::new(),
        Some(Value::Array(ids)) if ids.iter().all(id_ok) => ids.clone(),
        Some(_) => {
            return Err(ApiError::invalid(
                "table_ids",
                "nullable sequence of positive integer or 21-character entity_id",
            )
            .into());
        }
    };
    let limit = limit_param(get("limit"), "limit", MAX_LIMIT)?;
    let offset = offset_param(get("offset"))?;
    if let Some(v) = get("include_hidden")
        && !v.is_boolean()
    {
        return Err(ApiError::invalid("include_hidden", "nullable boolean").into());
    }
    let fields = match get("fields") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map(String::from))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| ApiError::invalid("fields", "nullable sequence of string"))?,
        Some(_) => return Err(ApiError::invalid("fields", "nullable sequence of string").into()),
    };
    let detailed = match get("response_format").map(Value::as_str) {
        None | Some(Some("concise")) => false,
        Some(Some("detailed")) => true,
        Some(_) => {
            return Err(
                ApiError::invalid("response_format", "nullable enum of concise, detailed").into(),
            );
        }
    };
    Ok(Args {
        action: action.to_string(),
        database_id,
        schema: text("schema")?,
        search: text("search")?,
        table_ids,
        limit,
        offset,
        fields,
        detailed,
    })
}

/// Per-action requirements: arguments that belong to another action are refused.
fn check_action_args(a: &Args) -> Result<(), LatestError> {
    let action = a.action.as_str();
    if matches!(action, "list_schemas" | "list_tables" | "list_models") && a.database_id.is_none() {
        return Err(LatestError::teach(format!(
            "`{action}` requires `database_id`. Find one with `action: \"list_databases\"`."
        )));
    }
    if a.schema.is_some() && action != "list_tables" {
        return Err(LatestError::teach(
            "`schema` only scopes `list_tables`. Drop it, or switch the action.",
        ));
    }
    if a.search.is_some() && action != "list_tables" {
        return Err(LatestError::teach(
            "`search` only filters `list_tables`. Drop it, or switch the action.",
        ));
    }
    if !a.table_ids.is_empty() && action != "get_fields" {
        return Err(LatestError::teach(
            "`table_ids` only applies to `get_fields`. Drop it, or switch the action.",
        ));
    }
    if !a.fields.is_empty() && matches!(action, "list_schemas" | "get_fields") {
        return Err(LatestError::teach(format!(
            "`fields` picks fields from a record, and `{action}` returns none to pick from. Drop \
             it, or switch the action."
        )));
    }
    if action == "get_fields" {
        if a.table_ids.is_empty() {
            return Err(LatestError::teach(format!(
                "`get_fields` requires `table_ids` — up to {MAX_TABLES} table ids per call. Find \
                 them with `action: \"list_tables\"`."
            )));
        }
        if a.table_ids.len() > MAX_TABLES {
            return Err(LatestError::teach(format!(
                "`get_fields` takes at most {MAX_TABLES} tables per call — you asked for {}. \
                 Split the request.",
                a.table_ids.len()
            )));
        }
        if a.limit.is_some() {
            return Err(LatestError::teach(
                "`limit` pages the `list_*` actions. `get_fields` bounds itself by response \
                 budget: a too-wide table comes back as an explicit slice with the `offset` to \
                 continue from.",
            ));
        }
        if a.offset.is_some() && a.table_ids.len() != 1 {
            return Err(LatestError::teach(
                "`offset` applies to `get_fields` only with a single table in `table_ids` — it \
                 continues a table too wide for one response.",
            ));
        }
    }
    Ok(())
}

/// The database an id names and the reader may browse; entity ids name none in the sandbox.
fn database(view: &View<'_>, id: &Value) -> Result<i64, LatestError> {
    let found = id
        .as_i64()
        .filter(|id| view.catalog.database(*id).is_some());
    let Some(id) = found else {
        return Err(LatestError::Api(ApiError::not_found()));
    };
    if !view.perms.can_read_database(view.catalog, id) {
        return Err(LatestError::forbidden());
    }
    Ok(id)
}

fn pick(fields: &[String], row: Value) -> Result<Value, LatestError> {
    if fields.is_empty() {
        return Ok(row);
    }
    let Value::Object(m) = row else {
        return Ok(row);
    };
    if let Some(bad) = fields.iter().find(|f| !m.contains_key(f.as_str())) {
        let valid: Vec<&String> = m.keys().collect();
        return Err(LatestError::teach(format!(
            "Unknown field \"{bad}\". `fields` takes these paths: {}.",
            valid
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(Value::Object(
        m.into_iter().filter(|(k, _)| fields.contains(k)).collect(),
    ))
}

fn table_row(table: &Table) -> Value {
    json!({
        "id": table.id, "name": table.name, "display_name": humanize(&table.name),
        "description": table.description, "schema": table.schema, "db_id": table.db_id,
        "entity_type": "entity/GenericTable", "is_published": false,
    })
}

fn field_row(view: &View<'_>, field: &Field, detailed: bool) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(field.id));
    m.insert("name".into(), json!(field.name));
    m.insert("display_name".into(), json!(field.display_name));
    m.insert("description".into(), json!(field.description));
    m.insert("base_type".into(), json!(field.base_type));
    m.insert("semantic_type".into(), json!(field.semantic_type));
    m.insert("table_id".into(), json!(field.table_id));
    m.insert("fk_target_field_id".into(), json!(field.fk_target));
    if detailed {
        m.insert("database_type".into(), json!(field.database_type));
        m.insert(
            "fingerprint".into(),
            json!(field.fingerprint.as_ref().map(|f| f.to_json(false))),
        );
        m.insert(
            "has_field_values".into(),
            json!(if field.values.is_some() {
                "list"
            } else {
                "none"
            }),
        );
        if let Some(values) = &field.values {
            let sample: Vec<Value> = values.iter().take(VALUES_SAMPLE).cloned().collect();
            m.insert("has_more_values".into(), json!(values.len() > sample.len()));
            m.insert("values".into(), Value::Array(sample));
        }
        m.insert("portable_fk".into(), view.field_fk(field));
    }
    Value::Object(m)
}

pub fn browse(view: &View<'_>, body: &Value) -> Result<Value, LatestError> {
    let a = args(body)?;
    check_action_args(&a)?;
    let page = |total: usize, noun: &'static str| Page {
        limit: a.limit.unwrap_or(DEFAULT_LIMIT),
        offset: a.offset.unwrap_or(0),
        total: Some(total as u64),
        noun,
        scope: None,
        narrow_with: &[],
    };
    let slice = |rows: Vec<Value>| -> Vec<Value> {
        rows.into_iter()
            .skip(usize::try_from(a.offset.unwrap_or(0)).unwrap_or(usize::MAX))
            .take(usize::try_from(a.limit.unwrap_or(DEFAULT_LIMIT)).unwrap_or(usize::MAX))
            .collect()
    };
    let picked = |rows: Vec<Value>| -> Result<Vec<Value>, LatestError> {
        rows.into_iter().map(|r| pick(&a.fields, r)).collect()
    };
    let catalog = view.catalog;
    match a.action.as_str() {
        "list_databases" => {
            let rows: Vec<Value> = catalog
                .databases
                .iter()
                .filter(|d| view.perms.can_read_database(catalog, d.id))
                .map(|d| json!({"id": d.id, "name": d.name, "engine": d.engine, "is_saved_questions": false}))
                .collect();
            let total = rows.len();
            Ok(paged(picked(slice(rows))?, &page(total, "databases")))
        }
        "list_schemas" => {
            let db = database(view, a.database_id.as_ref().unwrap_or(&Value::Null))?;
            let schemas: BTreeSet<String> = catalog
                .tables
                .iter()
                .filter(|t| t.db_id == db && view.can_read_table(t.id))
                .map(|t| t.schema.clone().unwrap_or_default())
                .collect();
            let rows: Vec<Value> = schemas.into_iter().map(Value::String).collect();
            let total = rows.len();
            Ok(paged(slice(rows), &page(total, "schemas")))
        }
        "list_tables" => {
            let db = database(view, a.database_id.as_ref().unwrap_or(&Value::Null))?;
            let mut tables: Vec<&Table> = catalog
                .tables
                .iter()
                .filter(|t| t.db_id == db && view.can_read_table(t.id))
                .filter(|t| match &a.schema {
                    None => true,
                    Some(s) if s.is_empty() => t.schema.as_deref().unwrap_or("").is_empty(),
                    Some(s) => t.schema.as_deref() == Some(s.as_str()),
                })
                .collect();
            if let Some(s) = &a.schema
                && tables.is_empty()
            {
                return Err(LatestError::Api(ApiError::plain(
                    StatusCode::NOT_FOUND,
                    format!(
                        "Schema \"{s}\" has no tables in database {db}, or does not exist. \
                         `action: \"list_schemas\"` names the schemas."
                    ),
                )));
            }
            if let Some(q) = &a.search {
                let q = q.to_lowercase();
                tables.retain(|t| t.name.to_lowercase().contains(&q));
            }
            tables.sort_by_key(|t| (t.schema.clone(), t.name.to_lowercase()));
            let rows: Vec<Value> = tables.into_iter().map(table_row).collect();
            let total = rows.len();
            let mut narrow = Vec::new();
            if a.schema.is_none() {
                narrow.push("schema");
            }
            if a.search.is_none() {
                narrow.push("search");
            }
            let p = Page {
                scope: a
                    .schema
                    .as_ref()
                    .filter(|s| !s.is_empty())
                    .map(|s| format!("in schema `{s}`")),
                narrow_with: &narrow,
                ..page(total, "tables")
            };
            Ok(paged(picked(slice(rows))?, &p))
        }
        "list_models" => {
            database(view, a.database_id.as_ref().unwrap_or(&Value::Null))?;
            // The sandbox has no saved models.
            Ok(paged(Vec::new(), &page(0, "models")))
        }
        _ => get_fields(view, &a),
    }
}

fn get_fields(view: &View<'_>, a: &Args) -> Result<Value, LatestError> {
    let mut ids: Vec<Value> = Vec::new();
    for id in &a.table_ids {
        if !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    let requested = ids.len() as u64;
    let mut omitted = Vec::new();
    let mut tables = Vec::new();
    for id in &ids {
        match id
            .as_i64()
            .and_then(|n| view.catalog.table(n))
            .filter(|t| view.can_read_table(t.id))
        {
            Some(t) => tables.push(t),
            None => omitted.push(json!({"id": id, "reason": INACCESSIBLE})),
        }
    }
    let offset = usize::try_from(a.offset.unwrap_or(0)).unwrap_or(usize::MAX);
    let mut data = Vec::new();
    let mut spent = 0;
    let mut cut = Vec::new();
    for t in tables {
        let fields: Vec<Value> = t
            .fields
            .iter()
            .filter_map(|id| view.catalog.field(*id))
            .map(|f| field_row(view, f, a.detailed))
            .collect();
        if offset > 0 && offset >= fields.len() {
            return Err(LatestError::teach(format!(
                "`offset: {offset}` is past the end — {} has {} fields.",
                t.name,
                fields.len()
            )));
        }
        let mut unit = table_row(t);
        let shown: Vec<Value> = fields.into_iter().skip(offset).collect();
        if let Some(m) = unit.as_object_mut() {
            m.insert("fields".into(), Value::Array(shown));
        }
        let cost = estimate_tokens(&unit);
        if !data.is_empty() && spent + cost > TOKEN_BUDGET {
            cut.push(json!({"id": t.id, "name": t.name,
                            "reason": "response budget — request it in a separate call"}));
            continue;
        }
        spent += cost;
        data.push(unit);
    }
    let message = (!cut.is_empty()).then(|| {
        format!(
            "{} of {requested} tables returned — the rest exceeded the response budget; request \
             each omitted table in its own `get_fields` call.",
            data.len()
        )
    });
    cut.extend(omitted);
    Ok(envelope(data, Some(requested), message, cut))
}

pub async fn browse_data(
    State(state): State<Arc<AppState>>,
    axum::Extension(who): axum::Extension<Identity>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    reply((|| {
        who.require_scope("agent:discover:read")?;
        let body = json_body(&headers, &body)?;
        browse(&view(&state, &who), &body)
    })())
}

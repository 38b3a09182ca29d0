//! `POST /v2/content` (§4.5): a typed fetch of up to 10 `{type, id}` items. The sandbox holds
//! metrics, measures and segments; the other content types Metabase serves answer each item
//! with a 404 element. `include` adds `definition` (portable MBQL 5), `dimensions` (metrics),
//! `fields` (a metric's result column), and the sections the sandbox has nothing for
//! (`parameters`, `revisions`) as empty lists.

use super::construct::check_closed;
use super::eid::portable_id;
use super::envelope::{TOKEN_BUDGET, envelope, estimate_tokens};
use super::errors::LatestError;
use super::present::View;
use super::{reply, view};
use crate::sandbox::Profile;
use crate::sandbox::auth::Identity;
use crate::sandbox::compile::compile;
use crate::sandbox::errors::{ApiError, FORBIDDEN, NOT_FOUND};
use crate::sandbox::handlers::json_body;
use crate::sandbox::state::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Map, Value, json};
use std::sync::Arc;

pub const MAX_ITEMS: usize = 10;
const TYPES: [&str; 13] = [
    "alert",
    "collection",
    "dashboard",
    "document",
    "measure",
    "metric",
    "model",
    "question",
    "segment",
    "snippet",
    "subscription",
    "timeline",
    "transform",
];
const INCLUDES: [&str; 6] = [
    "definition",
    "dimensions",
    "fields",
    "layout",
    "parameters",
    "revisions",
];

/// Which types an include section means something for.
fn section_types(include: &str) -> &'static [&'static str] {
    match include {
        "definition" => &[
            "measure",
            "metric",
            "model",
            "question",
            "segment",
            "transform",
        ],
        "fields" => &["metric", "model", "question"],
        "parameters" => &["dashboard", "metric", "model", "question"],
        "layout" => &["dashboard"],
        "dimensions" => &["metric"],
        _ => &[
            "dashboard",
            "document",
            "measure",
            "metric",
            "model",
            "question",
            "segment",
            "transform",
        ],
    }
}

struct Request {
    items: Vec<(String, Value)>,
    include: Vec<String>,
    detailed: bool,
}

fn request(body: &Value) -> Result<Request, LatestError> {
    let map = body.as_object().cloned().unwrap_or_default();
    check_closed(&map, &["items", "include", "fields", "response_format"])?;
    let bad_items = || ApiError::invalid("items", "sequence of map with type and id");
    let items = match map.get("items") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                let kind = i.get("type").and_then(Value::as_str)?;
                let id = i.get("id").filter(|v| v.is_i64() || v.is_string())?;
                TYPES
                    .contains(&kind)
                    .then(|| (kind.to_string(), id.clone()))
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(bad_items)?,
        Some(_) => return Err(bad_items().into()),
    };
    let include = match map.get("include") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => list
            .iter()
            .map(|v| {
                v.as_str()
                    .filter(|s| INCLUDES.contains(s))
                    .map(String::from)
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                ApiError::invalid(
                    "include",
                    format!("nullable sequence of enum of {}", INCLUDES.join(", ")),
                )
            })?,
        Some(_) => return Err(ApiError::invalid("include", "nullable sequence").into()),
    };
    let detailed = match map.get("response_format").and_then(Value::as_str) {
        Some("detailed") => true,
        None | Some("concise") => false,
        Some(_) => {
            return Err(
                ApiError::invalid("response_format", "nullable enum of concise, detailed").into(),
            );
        }
    };
    if items.is_empty() {
        return Err(LatestError::teach(format!(
            "`get_content` needs `items` — up to {MAX_ITEMS} per call, each a type and an id \
             `search` returned."
        )));
    }
    if items.len() > MAX_ITEMS {
        return Err(LatestError::teach(format!(
            "`get_content` reads at most {MAX_ITEMS} items per call — you asked for {}. Split \
             the request.",
            items.len()
        )));
    }
    Ok(Request {
        items,
        include,
        detailed,
    })
}

/// A failed item: its address, a status and the message.
fn failed(kind: &str, id: &Value, status: u16, error: &str) -> Value {
    json!({"type": kind, "id": id, "status": status, "error": error})
}

/// The catalog id an item's id names: a number, or the entity id of one of `ids`.
fn resolve_id(
    kind: &str,
    id: &Value,
    ids: impl Iterator<Item = i64>,
) -> Result<i64, (u16, String)> {
    match id {
        Value::Number(n) => n.as_i64().ok_or((404, NOT_FOUND.to_string())),
        Value::String(s) if s.len() == 21 => ids
            .into_iter()
            .find(|i| portable_id(kind, *i) == *s)
            .ok_or((404, NOT_FOUND.to_string())),
        other => Err((
            400,
            format!(
                "Invalid reference {other}: expected a numeric id or a 21-character entity_id."
            ),
        )),
    }
}

fn item(view: &View<'_>, kind: &str, id: &Value, req: &Request) -> Value {
    let catalog = view.catalog;
    let result = match kind {
        "metric" => resolve_id(kind, id, catalog.metrics.iter().map(|m| m.id))
            .and_then(|n| metric(view, n, req)),
        "measure" => resolve_id(kind, id, catalog.measures.iter().map(|m| m.id))
            .and_then(|n| measure_or_segment(view, kind, n, req)),
        "segment" => resolve_id(kind, id, catalog.segments.iter().map(|s| s.id))
            .and_then(|n| measure_or_segment(view, kind, n, req)),
        _ => Err((404, NOT_FOUND.to_string())),
    };
    match result {
        Ok(mut element) => {
            for include in &req.include {
                if !section_types(include).contains(&kind)
                    && let Some(m) = element.as_object_mut()
                {
                    let types = section_types(include).join(", ");
                    let entry = json!({"include": include,
                                       "message": format!("`{include}` applies to {types}, not to a {kind}.")});
                    match m.get_mut("skipped_includes").and_then(Value::as_array_mut) {
                        Some(list) => list.push(entry),
                        None => {
                            m.insert("skipped_includes".into(), json!([entry]));
                        }
                    }
                }
            }
            element
        }
        Err((status, message)) => failed(kind, id, status, &message),
    }
}

fn metric(view: &View<'_>, id: i64, req: &Request) -> Result<Value, (u16, String)> {
    let catalog = view.catalog;
    let m = catalog.metric(id).ok_or((404, NOT_FOUND.to_string()))?;
    if !view.can_read_metric(m) {
        return Err((403, FORBIDDEN.to_string()));
    }
    let table = catalog
        .table(m.table_id)
        .ok_or((404, NOT_FOUND.to_string()))?;
    let mut out = Map::new();
    out.insert("id".into(), json!(m.id));
    out.insert("name".into(), json!(m.name));
    out.insert("type".into(), json!("metric"));
    out.insert("display".into(), json!("scalar"));
    out.insert("description".into(), json!(m.description));
    out.insert("database_id".into(), json!(table.db_id));
    out.insert("table_id".into(), json!(table.id));
    out.insert("source_card_id".into(), Value::Null);
    out.insert("collection_id".into(), Value::Null);
    out.insert("archived".into(), json!(false));
    if req.detailed {
        out.insert("entity_id".into(), json!(portable_id("metric", m.id)));
        out.insert(
            "collection".into(),
            json!({"name": m.collection.name,
                                                "authority_level": m.collection.authority_level}),
        );
        out.insert("verified".into(), json!(m.verified));
    }
    let readable_base = view.can_read_table(table.id);
    let numeric = json!({"lib/type": "mbql/query", "database": table.db_id,
                         "stages": [{"lib/type": "mbql.stage/mbql", "source-table": table.id,
                                     "aggregation": [m.aggregation]}]});
    for include in &req.include {
        match include.as_str() {
            "definition" => {
                let definition = json!({"lib/type": "mbql/query", "stages": [{
                    "lib/type": "mbql.stage/mbql", "source-table": view.table_fk(table),
                    "aggregation": [view.to_portable(&m.aggregation)]}]});
                out.insert("definition".into(), definition);
            }
            "dimensions" => {
                let dims: Vec<Value> = if readable_base {
                    catalog
                        .columns(table.id)
                        .iter()
                        .filter_map(|c| catalog.field(c.field))
                        .filter(|f| view.can_read_table(f.table_id))
                        .map(|f| {
                            json!({"id": f.id, "name": f.name, "display_name": f.display_name,
                                   "description": f.description, "base_type": f.base_type,
                                   "semantic_type": f.semantic_type, "table_id": f.table_id,
                                   "fk_target_field_id": f.fk_target})
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                out.insert("dimensions".into(), Value::Array(dims));
            }
            "fields" => {
                let cols = compile(&numeric, catalog, &view.perms, Profile::E2, None)
                    .map(|c| {
                        c.cols
                            .iter()
                            .map(|col| {
                                json!({"name": col.name, "display_name": col.display_name,
                                       "base_type": col.base_type})
                            })
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default();
                out.insert("fields".into(), Value::Array(cols));
            }
            "parameters" => {
                out.insert("parameters".into(), json!([]));
            }
            "revisions" => {
                out.insert("revisions".into(), json!([]));
            }
            _ => {}
        }
    }
    Ok(Value::Object(out))
}

fn measure_or_segment(
    view: &View<'_>,
    kind: &str,
    id: i64,
    req: &Request,
) -> Result<Value, (u16, String)> {
    let catalog = view.catalog;
    let (table_id, name, description, clause) = match kind {
        "measure" => catalog
            .measure(id)
            .map(|m| (m.table_id, &m.name, &m.description, &m.aggregation)),
        _ => catalog
            .segment(id)
            .map(|s| (s.table_id, &s.name, &s.description, &s.filter)),
    }
    .ok_or((404, NOT_FOUND.to_string()))?;
    if !view.can_read_table(table_id) {
        return Err((403, FORBIDDEN.to_string()));
    }
    let mut out = Map::new();
    out.insert("id".into(), json!(id));
    out.insert("name".into(), json!(name));
    out.insert("type".into(), json!(kind));
    out.insert("description".into(), json!(description));
    out.insert("table_id".into(), json!(table_id));
    out.insert("archived".into(), json!(false));
    if req.detailed {
        out.insert("entity_id".into(), json!(portable_id(kind, id)));
    }
    for include in &req.include {
        match include.as_str() {
            "definition" => {
                out.insert("definition".into(), json!([view.to_portable(clause)]));
            }
            "revisions" => {
                out.insert("revisions".into(), json!([]));
            }
            _ => {}
        }
    }
    Ok(Value::Object(out))
}

pub fn content(view: &View<'_>, body: &Value) -> Result<Value, LatestError> {
    let req = request(body)?;
    let requested = req.items.len();
    let mut included = Vec::new();
    let mut omitted = Vec::new();
    let mut spent = 0;
    for (kind, id) in &req.items {
        let element = item(view, kind, id, &req);
        let cost = estimate_tokens(&element);
        if !included.is_empty() && spent + cost > TOKEN_BUDGET {
            omitted.push(json!({"type": kind, "id": id}));
            continue;
        }
        spent += cost;
        included.push(element);
    }
    let message = (!omitted.is_empty()).then(|| {
        format!(
            "{} of {requested} items returned — the rest exceeded the response budget. Ask for \
             each omitted item on its own.",
            included.len()
        )
    });
    Ok(envelope(included, Some(requested as u64), message, omitted))
}

pub async fn get_content(
    State(state): State<Arc<AppState>>,
    axum::Extension(who): axum::Extension<Identity>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    reply((|| {
        who.require_scope("agent:discover:read")?;
        let body = json_body(&headers, &body)?;
        content(&view(&state, &who), &body)
    })())
}

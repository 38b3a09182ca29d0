//! Search on the newest surface: `POST /v1/search` (the sandbox's ranking, with query strings
//! coerced and results enriched as §4.4 describes) and `POST /v2/search` (§4.3: three modes,
//! the bounded list envelope, teaching errors).

use super::construct::{check_closed, limit_param, offset_param};
use super::eid::portable_id;
use super::envelope::{Page, paged};
use super::errors::LatestError;
use super::present::View;
use super::{reply, view};
use crate::sandbox::auth::Identity;
use crate::sandbox::catalog::humanize;
use crate::sandbox::errors::ApiError;
use crate::sandbox::handlers::json_body;
use crate::sandbox::search;
use crate::sandbox::state::AppState;
use axum::body::{Bytes, to_bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::Arc;

const RRF_K: f64 = 60.0;
pub const DEFAULT_LIMIT: u64 = 20;
pub const MAX_LIMIT: u64 = 50;
const TYPES: [&str; 13] = [
    "collection",
    "dashboard",
    "database",
    "document",
    "measure",
    "metric",
    "model",
    "question",
    "segment",
    "table",
    "transform",
    "snippet",
    "card",
];
const ROOT_COLLECTION: &str = "Our analytics";
/// Largest response a search answer is read back into for enrichment.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// `term_queries` / `semantic_queries`: an array, a JSON-stringified array, or one string.
pub fn coerce_queries(v: Option<&Value>, key: &str) -> Result<Vec<String>, ApiError> {
    let bad = || ApiError::invalid(key, "nullable sequence of non-blank string");
    let list = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Array(items))
                if items
                    .iter()
                    .all(|i| i.as_str().is_some_and(|s| !s.trim().is_empty())) =>
            {
                items
            }
            _ => vec![Value::String(s.clone())],
        },
        Some(Value::Array(items)) => items.clone(),
        Some(_) => return Err(bad()),
    };
    list.into_iter()
        .map(|i| match i {
            Value::String(s) if !s.trim().is_empty() => Ok(s),
            _ => Err(bad()),
        })
        .collect()
}

/// `POST /v1/search`: coerce string queries, let the sandbox rank, add the enrichment keys.
pub async fn v1_search(
    State(state): State<Arc<AppState>>,
    axum::Extension(who): axum::Extension<Identity>,
    Query(params): Query<HashMap<String, String>>,
    mut headers: HeaderMap,
    body: Bytes,
) -> Response {
    let coerced = json_body(&headers, &body).and_then(|mut b| {
        for key in ["term_queries", "semantic_queries"] {
            let list = coerce_queries(b.get(key), key)?;
            if let Some(m) = b.as_object_mut()
                && m.contains_key(key)
            {
                m.insert(key.into(), json!(list));
            }
        }
        Ok(b)
    });
    let body = match coerced {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let answer = search::search(
        State(state.clone()),
        axum::Extension(who.clone()),
        Query(params),
        headers,
        Bytes::from(body.to_string()),
    )
    .await;
    if !answer.status().is_success() {
        return answer;
    }
    let bytes = match to_bytes(answer.into_body(), MAX_BODY).await {
        Ok(b) => b,
        Err(e) => return ApiError::Server(format!("search failed: {e}")).into_response(),
    };
    let mut value: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => return ApiError::Server(format!("search failed: {e}")).into_response(),
    };
    let view = view(&state, &who);
    if let Some(items) = value.get_mut("data").and_then(Value::as_array_mut) {
        for item in items.iter_mut() {
            enrich(&view, item);
        }
    }
    axum::Json(value).into_response()
}

fn enrich(view: &View<'_>, item: &mut Value) {
    let id = item.get("id").and_then(Value::as_i64).unwrap_or_default();
    let extra = match item.get("type").and_then(Value::as_str) {
        Some("table") => view.catalog.table(id).map(|t| {
            json!({"database_name": view.database_name(t.db_id), "portable_fk": view.table_fk(t),
                   "uri": super::uris::table_uri(t.id)})
        }),
        Some("metric") => view.catalog.metric(id).map(|m| {
            let mut s = view.metric_summary(m);
            if let Some(o) = s.as_object_mut() {
                o.insert("uri".into(), json!(super::uris::metric_uri(m.id)));
            }
            s
        }),
        _ => None,
    };
    if let (Some(Value::Object(extra)), Some(obj)) = (extra, item.as_object_mut()) {
        for (k, v) in extra {
            obj.entry(k).or_insert(v);
        }
    }
}

/// A searchable entry: what ranking reads and what a hit shows.
#[derive(Debug, Clone)]
struct Entry {
    kind: &'static str,
    id: i64,
    name: String,
    display_name: String,
    description: Option<String>,
    collection: Option<&'static str>,
    detail: Map<String, Value>,
}

fn entries(view: &View<'_>) -> Vec<Entry> {
    let c = view.catalog;
    let mut out = Vec::new();
    for d in &c.databases {
        if view.perms.can_read_database(c, d.id) {
            let mut detail = Map::new();
            detail.insert("engine".into(), json!(d.engine));
            out.push(Entry {
                kind: "database",
                id: d.id,
                name: d.name.clone(),
                display_name: d.name.clone(),
                description: None,
                collection: None,
                detail,
            });
        }
    }
    for t in c.tables.iter().filter(|t| view.can_read_table(t.id)) {
        let mut detail = Map::new();
        detail.insert("display_name".into(), json!(humanize(&t.name)));
        detail.insert("database_id".into(), json!(t.db_id));
        detail.insert("table_schema".into(), json!(t.schema));
        detail.insert("table_name".into(), json!(t.name));
        out.push(Entry {
            kind: "table",
            id: t.id,
            name: t.name.clone(),
            display_name: humanize(&t.name),
            description: t.description.clone(),
            collection: None,
            detail,
        });
    }
    for m in c.metrics.iter().filter(|m| view.can_read_metric(m)) {
        let mut detail = Map::new();
        detail.insert("entity_id".into(), json!(portable_id("metric", m.id)));
        detail.insert("verified".into(), json!(m.verified));
        if let Some(t) = c.table(m.table_id) {
            detail.insert("database_id".into(), json!(t.db_id));
            detail.insert("table_id".into(), json!(t.id));
        }
        out.push(Entry {
            kind: "metric",
            id: m.id,
            name: m.name.clone(),
            display_name: m.name.clone(),
            description: m.description.clone(),
            collection: Some(m.collection.name),
            detail,
        });
    }
    let on_table = |kind: &'static str, id: i64, table: i64, name: &str, d: &Option<String>| {
        let mut detail = Map::new();
        detail.insert("entity_id".into(), json!(portable_id(kind, id)));
        detail.insert("table_id".into(), json!(table));
        Entry {
            kind,
            id,
            name: name.to_string(),
            display_name: name.to_string(),
            description: d.clone(),
            collection: None,
            detail,
        }
    };
    for m in c
        .measures
        .iter()
        .filter(|m| view.can_read_table(m.table_id))
    {
        out.push(on_table(
            "measure",
            m.id,
            m.table_id,
            &m.name,
            &m.description,
        ));
    }
    for s in c
        .segments
        .iter()
        .filter(|s| view.can_read_table(s.table_id))
    {
        out.push(on_table(
            "segment",
            s.id,
            s.table_id,
            &s.name,
            &s.description,
        ));
    }
    out
}

/// Entries matching one query, best first: every word must appear in the name, display name
/// or description; exact names, then prefixes, then name matches, then description matches.
fn rank<'e>(entries: &'e [Entry], query: &str) -> Vec<&'e Entry> {
    let q = query.trim().to_lowercase();
    let words: Vec<&str> = q.split_whitespace().collect();
    let mut hits: Vec<(u8, usize, &Entry)> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let name = e.name.to_lowercase();
            let display = e.display_name.to_lowercase();
            let description = e.description.as_deref().unwrap_or("").to_lowercase();
            let in_name = |w: &str| name.contains(w) || display.contains(w);
            if !words.iter().all(|w| in_name(w) || description.contains(w)) {
                return None;
            }
            let tier = if name == q || display == q {
                0
            } else if name.starts_with(&q) || display.starts_with(&q) {
                1
            } else if words.iter().all(|w| in_name(w)) {
                2
            } else {
                3
            };
            Some((tier, i, e))
        })
        .collect();
    hits.sort_by_key(|(tier, i, _)| (*tier, *i));
    hits.into_iter().map(|(_, _, e)| e).collect()
}

fn hit(entry: &Entry, detailed: bool) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), json!(entry.id));
    m.insert("name".into(), json!(entry.name));
    m.insert("type".into(), json!(entry.kind));
    let description = if detailed {
        entry.description.clone()
    } else {
        entry
            .description
            .as_deref()
            .and_then(|d| d.lines().next())
            .map(String::from)
    };
    m.insert("description".into(), json!(description));
    if let Some(c) = entry.collection {
        m.insert(
            "collection_path".into(),
            json!(format!("{ROOT_COLLECTION} / {c}")),
        );
    }
    if detailed {
        m.extend(entry.detail.clone());
    }
    m
}

/// A checked `/v2/search` request.
#[derive(Debug, Default)]
struct Params {
    queries: Vec<Vec<String>>,
    recent: bool,
    types: Option<Vec<String>>,
    collection_id: Option<Value>,
    created_by: bool,
    archived: Option<bool>,
    limit: u64,
    offset: u64,
    fields: Vec<String>,
    detailed: bool,
}

fn params(body: &Value) -> Result<Params, LatestError> {
    let map = body.as_object().cloned().unwrap_or_default();
    check_closed(
        &map,
        &[
            "term_queries",
            "semantic_queries",
            "recent",
            "type",
            "collection_id",
            "created_by",
            "archived",
            "limit",
            "offset",
            "fields",
            "response_format",
        ],
    )?;
    let get = |k: &str| map.get(k).filter(|v| !v.is_null());
    let term = coerce_queries(get("term_queries"), "term_queries")?;
    let semantic = coerce_queries(get("semantic_queries"), "semantic_queries")?;
    let boolean = |k: &str| -> Result<Option<bool>, LatestError> {
        match get(k) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(ApiError::invalid(k, "nullable boolean").into()),
        }
    };
    let types = match get("type") {
        None => None,
        Some(Value::Array(items)) => {
            let names: Option<Vec<String>> = items
                .iter()
                .map(|i| i.as_str().filter(|s| TYPES.contains(s)).map(String::from))
                .collect();
            Some(names.ok_or_else(|| {
                ApiError::invalid(
                    "type",
                    format!("nullable sequence of enum of {}", TYPES.join(", ")),
                )
            })?)
        }
        Some(_) => {
            return Err(ApiError::invalid(
                "type",
                format!("nullable sequence of enum of {}", TYPES.join(", ")),
            )
            .into());
        }
    };
    let created_by = match get("created_by") {
        None => false,
        Some(Value::String(s)) if s == "me" => true,
        Some(_) => return Err(ApiError::invalid("created_by", "nullable \"me\"").into()),
    };
    let limit = limit_param(get("limit"), "limit", MAX_LIMIT)?.unwrap_or(DEFAULT_LIMIT);
    let offset = offset_param(get("offset"))?.unwrap_or(0);
    let fields = match get("fields") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .filter(|s| !s.trim().is_empty())
                    .map(String::from)
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| ApiError::invalid("fields", "nullable sequence of non-blank string"))?,
        Some(_) => {
            return Err(
                ApiError::invalid("fields", "nullable sequence of non-blank string").into(),
            );
        }
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
    let mut queries = Vec::new();
    for q in term.into_iter().chain(semantic) {
        if !queries.iter().any(|x: &Vec<String>| x[0] == q) {
            queries.push(vec![q]);
        }
    }
    Ok(Params {
        queries,
        recent: boolean("recent")?.unwrap_or(false),
        types,
        collection_id: get("collection_id").cloned(),
        created_by,
        archived: boolean("archived")?,
        limit,
        offset,
        fields,
        detailed,
    })
}

/// The `/v2/search` answer for `view`'s reader.
pub fn v2(view: &View<'_>, body: &Value) -> Result<Value, LatestError> {
    let p = params(body)?;
    let queries = !p.queries.is_empty();
    let filters =
        p.types.is_some() || p.collection_id.is_some() || p.created_by || p.archived.is_some();
    if p.recent && queries {
        return Err(LatestError::teach(
            "`recent: true` returns your recently viewed items and cannot be ranked by a query. \
             Drop `term_queries` and `semantic_queries`, or drop `recent`.",
        ));
    }
    if !(queries || filters || p.recent) {
        return Err(LatestError::teach(
            "Give `search` something to do: `term_queries` and `semantic_queries` rank content by \
             relevance, a filter (`type`, `collection_id`, `created_by`, `archived`) lists it, and \
             `recent: true` returns your recently viewed items.",
        ));
    }
    if p.recent && (p.collection_id.is_some() || p.created_by || p.archived.is_some()) {
        return Err(LatestError::teach(
            "`recent: true` takes only `type`, `limit`, and `offset`. Drop `collection_id`, \
             `created_by`, and `archived`, or drop `recent`.",
        ));
    }
    let all = entries(view);
    let wanted = |e: &&Entry| {
        p.types
            .as_ref()
            .is_none_or(|t| t.iter().any(|t| t == e.kind))
    };
    let in_scope = |e: &&Entry| {
        // Nothing in the sandbox is archived, created by a user, or filed by collection id.
        p.archived != Some(true) && !p.created_by && p.collection_id.is_none() && wanted(e)
    };
    let (rows, total): (Vec<&Entry>, Option<u64>) = if p.recent {
        // The sandbox keeps no view log: there is nothing recently viewed.
        (Vec::new(), Some(0))
    } else if queries {
        let window = usize::try_from(p.offset + p.limit).unwrap_or(usize::MAX);
        let scoped: Vec<Entry> = all.iter().filter(in_scope).cloned().collect();
        let mut scores: Vec<(f64, usize)> = Vec::new();
        for q in &p.queries {
            for (rank, e) in rank(&scoped, &q[0]).into_iter().take(window).enumerate() {
                let index = scoped.iter().position(|x| x.kind == e.kind && x.id == e.id);
                if let Some(index) = index {
                    let score = 1.0 / (RRF_K + rank as f64 + 1.0);
                    match scores.iter_mut().find(|(_, i)| *i == index) {
                        Some((s, _)) => *s += score,
                        None => scores.push((score, index)),
                    }
                }
            }
        }
        scores.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let ids: Vec<(&'static str, i64)> = scores
            .iter()
            .map(|(_, i)| (scoped[*i].kind, scoped[*i].id))
            .collect();
        let rows = ids
            .iter()
            .filter_map(|(k, id)| all.iter().find(|e| e.kind == *k && e.id == *id))
            .collect();
        (rows, None)
    } else {
        let rows: Vec<&Entry> = all.iter().filter(in_scope).collect();
        let total = rows.len() as u64;
        (rows, Some(total))
    };
    let page: Vec<Map<String, Value>> = rows
        .into_iter()
        .skip(usize::try_from(p.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(p.limit).unwrap_or(usize::MAX))
        .map(|e| hit(e, p.detailed || !p.fields.is_empty()))
        .collect();
    let data = if p.fields.is_empty() {
        page.into_iter().map(Value::Object).collect::<Vec<_>>()
    } else {
        pick(&p.fields, page)?
    };
    let page = Page {
        limit: p.limit,
        offset: p.offset,
        total,
        noun: "results",
        scope: None,
        narrow_with: &["type", "collection_id"],
    };
    Ok(paged(data, &page))
}

/// `fields`: keep only the named keys; a name no hit can carry is a teaching error.
fn pick(fields: &[String], rows: Vec<Map<String, Value>>) -> Result<Vec<Value>, LatestError> {
    let mut valid: Vec<String> = ["id", "name", "type", "description", "collection_path"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for r in &rows {
        for k in r.keys() {
            if !valid.contains(k) {
                valid.push(k.clone());
            }
        }
    }
    valid.sort();
    if let Some(bad) = fields.iter().find(|f| !valid.contains(f)) {
        return Err(LatestError::teach(format!(
            "Unknown field \"{bad}\". `fields` takes these paths: {}.",
            valid.join(", ")
        )));
    }
    Ok(rows
        .into_iter()
        .map(|r| Value::Object(r.into_iter().filter(|(k, _)| fields.contains(k)).collect()))
        .collect())
}

pub async fn v2_search(
    State(state): State<Arc<AppState>>,
    axum::Extension(who): axum::Extension<Identity>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    reply((|| {
        who.require_scope("agent:discover:read")?;
        let body = json_body(&headers, &body)?;
        v2(&view(&state, &who), &body)
    })())
}

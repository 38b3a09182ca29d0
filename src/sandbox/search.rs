//! `POST /v1/search` (§4.5): every term and semantic query runs on its own over the tables and
//! metrics the user can read, then the ranked lists are fused with Reciprocal Rank Fusion (k=60).
//!
//! Ranking inside one query approximates Metabase's search scoring: an item matches when every
//! word of the query appears (ignoring case) in its name, display name or description; exact
//! name matches rank first, then name prefixes, then words found in the name, then matches only
//! in the description; ties go to the lower id.

use super::auth::Identity;
use super::catalog::{CATALOG_TIMESTAMP, Catalog, humanize};
use super::errors::ApiError;
use super::handlers::{count_param, json_body};
use super::perms::Perms;
use super::state::AppState;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

const RRF_K: f64 = 60.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Item {
    Table(i64),
    Metric(i64),
}

struct Candidate<'a> {
    item: Item,
    name: &'a str,
    display_name: String,
    description: Option<&'a str>,
}

pub async fn search(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Identity>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match run(&state, &who, &q, &headers, &body) {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

fn queries(body: &Value, key: &str) -> Result<Vec<String>, ApiError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v.as_str() {
                Some(s) if !s.trim().is_empty() => Ok(s.to_string()),
                _ => Err(ApiError::invalid(
                    key,
                    "nullable sequence of value must be a non-blank string.",
                )),
            })
            .collect(),
        Some(_) => Err(ApiError::invalid(
            key,
            "nullable sequence of value must be a non-blank string.",
        )),
    }
}

fn run(
    state: &AppState,
    who: &Identity,
    q: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, ApiError> {
    who.require_scope("agent:search")?;
    let body = json_body(headers, body)?;
    let mut all = queries(&body, "term_queries")?;
    all.extend(queries(&body, "semantic_queries")?);
    let limit = count_param(q, "limit", 50)?;
    let mut distinct: Vec<String> = Vec::new();
    for query in all {
        if !distinct.contains(&query) {
            distinct.push(query);
        }
    }
    let catalog = &state.catalog;
    let perms = who.user.perms();
    let candidates = candidates(catalog, &perms);
    let mut scores: HashMap<Item, f64> = HashMap::new();
    for query in &distinct {
        for (rank, item) in rank(&candidates, query).into_iter().take(limit).enumerate() {
            *scores.entry(item).or_default() += 1.0 / (RRF_K + rank as f64 + 1.0);
        }
    }
    let mut fused: Vec<(Item, f64)> = scores.into_iter().collect();
    fused.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let data: Vec<Value> = fused
        .into_iter()
        .filter_map(|(item, _)| item_json(catalog, item))
        .collect();
    Ok(json!({"total_count": data.len(), "data": data}))
}

fn candidates<'a>(catalog: &'a Catalog, perms: &Perms) -> Vec<Candidate<'a>> {
    let tables = catalog
        .tables
        .iter()
        .filter(|t| perms.can_read_table(catalog, t.id))
        .map(|t| Candidate {
            item: Item::Table(t.id),
            name: &t.name,
            display_name: humanize(&t.name),
            description: t.description.as_deref(),
        });
    let metrics = catalog
        .metrics
        .iter()
        .filter(|m| perms.can_read_collection(m.collection.name))
        .map(|m| Candidate {
            item: Item::Metric(m.id),
            name: &m.name,
            display_name: m.name.clone(),
            description: m.description.as_deref(),
        });
    tables.chain(metrics).collect()
}

/// The items matching one query, best first.
fn rank(candidates: &[Candidate<'_>], query: &str) -> Vec<Item> {
    let q = query.trim().to_lowercase();
    let words: Vec<&str> = q.split_whitespace().collect();
    let mut hits: Vec<(u8, Item)> = candidates
        .iter()
        .filter_map(|c| {
            let name = c.name.to_lowercase();
            let display = c.display_name.to_lowercase();
            let description = c.description.unwrap_or("").to_lowercase();
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
            Some((tier, c.item))
        })
        .collect();
    hits.sort();
    hits.into_iter().map(|(_, item)| item).collect()
}

fn item_json(catalog: &Catalog, item: Item) -> Option<Value> {
    match item {
        Item::Table(id) => {
            let t = catalog.table(id)?;
            Some(json!({
                "id": t.id, "type": "table", "name": t.name, "display_name": humanize(&t.name),
                "description": t.description, "database_id": t.db_id,
                "database_schema": t.schema, "updated_at": CATALOG_TIMESTAMP,
                "created_at": CATALOG_TIMESTAMP,
            }))
        }
        Item::Metric(id) => {
            let m = catalog.metric(id)?;
            let db = catalog.table(m.table_id).map(|t| t.db_id);
            Some(json!({
                "id": m.id, "type": "metric", "name": m.name, "description": m.description,
                "database_id": db, "verified": m.verified,
                "collection": {"name": m.collection.name,
                               "authority_level": m.collection.authority_level},
                "updated_at": CATALOG_TIMESTAMP, "created_at": CATALOG_TIMESTAMP,
            }))
        }
    }
}

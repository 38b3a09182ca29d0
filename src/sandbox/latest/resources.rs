//! `POST /v1/read-resource`: up to five `metabase://` URIs, each answered with its
//! `structured-output` or an inline error; the call itself fails only on a bad body.

use super::errors::LatestError;
use super::paging::list_result;
use super::present::View;
use super::uris::{self, Resource};
use crate::sandbox::catalog::{Column, Field, Table, humanize};
use crate::sandbox::errors::{FORBIDDEN, NOT_FOUND};
use axum::http::StatusCode;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

pub const MAX_URIS: usize = 5;
const VALUES_LIMIT: usize = 30;
/// Related tables that come with their fields on `/fields`.
const RELATED_WITH_FIELDS: usize = 10;

/// The URIs of a request body, or the error the whole call answers with.
pub fn requested_uris(body: &Value) -> Result<Vec<String>, LatestError> {
    use crate::sandbox::errors::ApiError;
    let Some(list) = body.get("uris") else {
        return Err(ApiError::invalid("uris", "sequence of non-blank string").into());
    };
    let Some(items) = list.as_array() else {
        return Err(ApiError::invalid("uris", "sequence of non-blank string").into());
    };
    let uris: Option<Vec<String>> = items
        .iter()
        .map(|v| {
            v.as_str()
                .filter(|s| !s.trim().is_empty())
                .map(String::from)
        })
        .collect();
    let Some(uris) = uris else {
        return Err(ApiError::invalid("uris", "sequence of non-blank string").into());
    };
    if uris.len() > MAX_URIS {
        let mut data = Map::new();
        data.insert("uri-count".into(), json!(uris.len()));
        data.insert("max".into(), json!(MAX_URIS));
        return Err(LatestError::Data {
            status: StatusCode::BAD_REQUEST,
            message: format!(
                "Too many URIs provided ({}). Please limit to {MAX_URIS} URIs maximum. Be more \
                 selective and focus on the most relevant items for the current task or fetch \
                 them in batches.",
                uris.len()
            ),
            data,
        });
    }
    Ok(uris)
}

/// The whole 200 answer: `{"resources": [...], "output": "<resources>…"}`.
pub fn read_all(view: &View<'_>, uris: &[String]) -> Value {
    let mut resources = Vec::new();
    let mut output = String::from("<resources>\n");
    for (i, uri) in uris.iter().enumerate() {
        if i > 0 {
            output.push('\n');
        }
        output.push_str(&format!("<resource uri=\"{}\">\n", xml_escape(uri)));
        match read_one(view, uri) {
            Ok(structured) => {
                output.push_str(&describe(&structured));
                resources.push(json!({"uri": uri, "content": {"structured-output": structured}}));
            }
            Err(error) => {
                output.push_str(&format!("**Error:** {error}"));
                resources.push(json!({"uri": uri, "error": error}));
            }
        }
        output.push_str("\n</resource>");
    }
    output.push_str("\n</resources>");
    json!({"resources": resources, "output": output})
}

/// One URI's `structured-output`, or its error text.
pub fn read_one(view: &View<'_>, uri: &str) -> Result<Value, String> {
    let parsed = uris::parse(uri)?;
    let page = uris::requested_page(parsed.page.as_deref());
    match parsed.resource {
        Resource::Databases => {
            let mut dbs: Vec<_> = view
                .catalog
                .databases
                .iter()
                .filter(|d| view.perms.can_read_database(view.catalog, d.id))
                .collect();
            dbs.sort_by_key(|d| d.name.to_lowercase());
            let items = dbs.iter().map(|d| database_item(view, d.id)).collect();
            list_result("databases", items, page)
        }
        Resource::Database(id) => {
            check_database(view, id)?;
            let mut item = database_item(view, id);
            if let Some(m) = item.as_object_mut() {
                m.insert("result-type".into(), json!("metabot-entity"));
            }
            Ok(item)
        }
        Resource::DatabaseTables(id) => {
            check_database(view, id)?;
            let items = readable_tables(view, id, None)
                .iter()
                .map(|t| view.table_item(t))
                .collect();
            list_result("database-tables", items, page)
        }
        Resource::DatabaseSchemas(id) => {
            check_database(view, id)?;
            let schemas: BTreeSet<&str> = readable_tables(view, id, None)
                .iter()
                .filter_map(|t| t.schema.as_deref())
                .collect();
            let items = schemas
                .into_iter()
                .map(|s| {
                    json!({"type": "schema", "name": s, "database_id": id,
                           "uri": uris::schema_tables_uri(id, s)})
                })
                .collect();
            list_result("database-schemas", items, page)
        }
        Resource::SchemaTables(id, schema) => {
            check_database(view, id)?;
            let items = readable_tables(view, id, Some(&schema))
                .iter()
                .map(|t| view.table_item(t))
                .collect();
            list_result("database-schema-tables", items, page)
        }
        Resource::Table(id) => table_details(view, readable_table(view, id)?, false),
        Resource::TableFields(id) => table_details(view, readable_table(view, id)?, true),
        Resource::TableField(id, raw) => {
            let table = readable_table(view, id)?;
            let columns = view.catalog.columns(table.id);
            field_metadata(view, columns, &raw)
        }
        Resource::Metric(id) | Resource::MetricDimensions(id) => metric_details(view, id),
        Resource::MetricDimension(id, raw) => {
            let metric = readable_metric(view, id)?;
            if !view.can_read_table(metric.table_id) {
                return Err(FORBIDDEN.into());
            }
            field_metadata(view, view.catalog.columns(metric.table_id), &raw)
        }
        Resource::Measure(id) => {
            let m = view.catalog.measure(id).ok_or(NOT_FOUND)?;
            let table = readable_table(view, m.table_id)?;
            let mut item = definition_item(view, "measure", m.id, &m.name, &m.description);
            item.insert(
                "definition".into(),
                json!([view.to_portable(&m.aggregation)]),
            );
            entity(item, "measure", table, view)
        }
        Resource::Segment(id) => {
            let s = view.catalog.segment(id).ok_or(NOT_FOUND)?;
            let table = readable_table(view, s.table_id)?;
            let mut item = definition_item(view, "segment", s.id, &s.name, &s.description);
            item.insert("definition".into(), json!([view.to_portable(&s.filter)]));
            entity(item, "segment", table, view)
        }
        // The sandbox keeps no view log.
        Resource::Recents => list_result("recent-items", Vec::new(), 1),
        Resource::Absent => Err(NOT_FOUND.into()),
    }
}

fn entity(
    mut item: Map<String, Value>,
    kind: &str,
    table: &Table,
    view: &View<'_>,
) -> Result<Value, String> {
    item.insert("result-type".into(), json!("entity"));
    item.insert("type".into(), json!(kind));
    item.insert("table_id".into(), json!(table.id));
    item.insert("table_portable_fk".into(), view.table_fk(table));
    Ok(Value::Object(item))
}

fn database_item(view: &View<'_>, id: i64) -> Value {
    let db = view.catalog.database(id);
    json!({
        "type": "database",
        "id": id,
        "name": db.map(|d| d.name.as_str()),
        "engine": db.map(|d| d.engine),
        "description": Value::Null,
        "uri": uris::database_uri(id),
    })
}

fn check_database(view: &View<'_>, id: i64) -> Result<(), String> {
    if view.catalog.database(id).is_none() {
        return Err(NOT_FOUND.into());
    }
    if !view.perms.can_read_database(view.catalog, id) {
        return Err(FORBIDDEN.into());
    }
    Ok(())
}

/// Readable tables of a database, ordered by schema then name, ignoring case.
fn readable_tables<'a>(view: &View<'a>, db: i64, schema: Option<&str>) -> Vec<&'a Table> {
    let mut tables: Vec<&Table> = view
        .catalog
        .tables
        .iter()
        .filter(|t| t.db_id == db && view.can_read_table(t.id))
        .filter(|t| schema.is_none_or(|s| t.schema.as_deref() == Some(s)))
        .collect();
    tables.sort_by_key(|t| {
        (
            t.schema.as_deref().map(str::to_lowercase),
            t.name.to_lowercase(),
        )
    });
    tables
}

fn readable_table<'a>(view: &View<'a>, id: i64) -> Result<&'a Table, String> {
    let table = view.catalog.table(id).ok_or(NOT_FOUND)?;
    if !view.can_read_table(id) {
        return Err(FORBIDDEN.into());
    }
    Ok(table)
}

fn readable_metric<'a>(
    view: &View<'a>,
    id: i64,
) -> Result<&'a crate::sandbox::catalog::Metric, String> {
    let metric = view.catalog.metric(id).ok_or(NOT_FOUND)?;
    if !view.can_read_metric(metric) {
        return Err(FORBIDDEN.into());
    }
    Ok(metric)
}

fn own_fields<'a>(view: &View<'a>, table: &Table) -> Vec<&'a Field> {
    table
        .fields
        .iter()
        .filter_map(|id| view.catalog.field(*id))
        .collect()
}

fn table_head(view: &View<'_>, table: &Table) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), json!(table.id));
    m.insert("type".into(), json!("table"));
    m.insert("name".into(), json!(table.name));
    m.insert("display_name".into(), json!(humanize(&table.name)));
    m.insert("database_id".into(), json!(table.db_id));
    m.insert(
        "database_name".into(),
        json!(view.database_name(table.db_id)),
    );
    m.insert(
        "database_engine".into(),
        json!(view.catalog.database(table.db_id).map(|d| d.engine)),
    );
    m.insert("database_schema".into(), json!(table.schema));
    m.insert("portable_fk".into(), view.table_fk(table));
    m.insert("description".into(), json!(table.description));
    m
}

fn fields_of(view: &View<'_>, table: &Table, with_fields: bool) -> Value {
    if !with_fields {
        return json!([]);
    }
    Value::Array(
        own_fields(view, table)
            .into_iter()
            .map(|f| view.field_object(f))
            .collect(),
    )
}

fn table_details(view: &View<'_>, table: &Table, with_fields: bool) -> Result<Value, String> {
    let mut m = table_head(view, table);
    m.insert("result-type".into(), json!("entity"));
    m.insert("fields".into(), fields_of(view, table, with_fields));
    let related: Vec<(&Field, &Table)> = view
        .catalog
        .foreign_keys(table.id)
        .into_iter()
        .filter(|(_, t)| view.can_read_table(t.id))
        .collect();
    let mut with = Vec::new();
    let mut without = Vec::new();
    for (i, (fk, target)) in related.iter().enumerate() {
        let fields_too = with_fields && i < RELATED_WITH_FIELDS;
        let mut r = table_head(view, target);
        r.insert("fields".into(), fields_of(view, target, fields_too));
        r.insert("related_by".into(), json!({"id": fk.id, "name": fk.name}));
        // Without fields every related table is listed plainly; with fields, those past the
        // first ten come without theirs.
        if fields_too || !with_fields {
            with.push(Value::Object(r));
        } else {
            without.push(Value::Object(r));
        }
    }
    m.insert("related_tables".into(), Value::Array(with));
    m.insert(
        "related_tables_without_fields".into(),
        Value::Array(without),
    );
    m.insert("related_tables_total".into(), json!(related.len()));
    let metrics: Vec<Value> = view
        .catalog
        .metrics
        .iter()
        .filter(|x| x.table_id == table.id && view.can_read_metric(x))
        .map(|x| view.metric_summary(x))
        .collect();
    if !metrics.is_empty() {
        m.insert("metrics".into(), Value::Array(metrics));
    }
    let measures: Vec<Value> = view
        .catalog
        .measures
        .iter()
        .filter(|x| x.table_id == table.id)
        .map(|x| {
            let mut item = definition_item(view, "measure", x.id, &x.name, &x.description);
            item.insert(
                "definition".into(),
                json!([view.to_portable(&x.aggregation)]),
            );
            Value::Object(item)
        })
        .collect();
    if !measures.is_empty() {
        m.insert("measures".into(), Value::Array(measures));
    }
    let segments: Vec<Value> = view
        .catalog
        .segments
        .iter()
        .filter(|x| x.table_id == table.id)
        .map(|x| {
            let mut item = definition_item(view, "segment", x.id, &x.name, &x.description);
            item.insert("definition".into(), json!([view.to_portable(&x.filter)]));
            Value::Object(item)
        })
        .collect();
    if !segments.is_empty() {
        m.insert("segments".into(), Value::Array(segments));
    }
    Ok(Value::Object(m))
}

/// A measure or segment on its table: Metabase spells these keys in kebab case.
fn definition_item(
    _view: &View<'_>,
    kind: &str,
    id: i64,
    name: &str,
    description: &Option<String>,
) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), json!(id));
    m.insert("name".into(), json!(name));
    m.insert("display-name".into(), json!(name));
    m.insert("description".into(), json!(description));
    m.insert(
        "portable-entity-id".into(),
        json!(super::eid::portable_id(kind, id)),
    );
    m.insert("definition-description".into(), json!(description));
    m
}

fn metric_details(view: &View<'_>, id: i64) -> Result<Value, String> {
    let metric = readable_metric(view, id)?;
    let Value::Object(mut m) = view.metric_summary(metric) else {
        return Err(NOT_FOUND.into());
    };
    m.remove("default_time_dimension_field_id");
    m.insert("result-type".into(), json!("entity"));
    m.insert("verified".into(), json!(metric.verified));
    if view.can_read_table(metric.table_id) {
        m.insert(
            "default_time_dimension_field_id".into(),
            json!(metric.time_dimension),
        );
        let dims: Vec<Value> = view
            .catalog
            .columns(metric.table_id)
            .iter()
            .filter_map(|c| view.catalog.field(c.field))
            .filter(|f| view.can_read_table(f.table_id))
            .map(|f| view.field_object(f))
            .collect();
        m.insert("queryable-dimensions".into(), Value::Array(dims));
    }
    Ok(Value::Object(m))
}

/// `…/fields/{field_id}` and `…/dimensions/{id}`: statistics and up to 30 values.
fn field_metadata(view: &View<'_>, columns: &[Column], raw: &str) -> Result<Value, String> {
    let not_found = || format!("Field {raw} not found");
    let id: i64 = raw.parse().map_err(|_| not_found())?;
    let column = columns
        .iter()
        .find(|c| c.field == id)
        .ok_or_else(not_found)?;
    let field = view.catalog.field(column.field).ok_or_else(not_found)?;
    if !view.can_read_table(field.table_id) {
        return Err(FORBIDDEN.into());
    }
    let mut meta = Map::new();
    if let Some(fp) = &field.fingerprint {
        meta.insert("statistics".into(), fp.to_json(true));
    }
    if let Some(values) = field.values.as_ref().filter(|v| !v.is_empty()) {
        let shown: Vec<Value> = values.iter().take(VALUES_LIMIT).cloned().collect();
        meta.insert("field_values".into(), Value::Array(shown));
    }
    Ok(json!({
        "result-type": "field-metadata",
        "field_id": raw,
        "value_metadata": meta,
        "portable_fk": view.field_fk(field),
    }))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The LLM-facing text of one resource: a short XML-ish rendering of its structured output.
fn describe(structured: &Value) -> String {
    let text = |k: &str| structured.get(k).and_then(Value::as_str).unwrap_or("");
    match text("result-type") {
        "metabot-list" => {
            let mut out = format!(
                "<list type=\"{}\" total=\"{}\" page=\"{}\" pages=\"{}\">",
                text("list-type"),
                structured["total"],
                structured["page"],
                structured["pages"]
            );
            for item in structured["items"].as_array().into_iter().flatten() {
                let attr = |k: &str| match &item[k] {
                    Value::String(s) => xml_escape(s),
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                out.push_str(&format!(
                    "\n<item type=\"{}\" id=\"{}\" name=\"{}\" uri=\"{}\"/>",
                    attr("type"),
                    attr("id"),
                    attr("name"),
                    attr("uri")
                ));
            }
            out.push_str("\n</list>");
            out
        }
        "field-metadata" => format!(
            "<result>\n<field id=\"{}\">{}</field>\n</result>",
            xml_escape(text("field_id")),
            xml_escape(&structured["value_metadata"].to_string())
        ),
        _ => {
            let mut out = format!(
                "<{} id=\"{}\" name=\"{}\">",
                xml_escape(text("type")),
                structured["id"],
                xml_escape(text("name"))
            );
            for f in structured["fields"]
                .as_array()
                .or(structured["queryable-dimensions"].as_array())
                .into_iter()
                .flatten()
            {
                out.push_str(&format!(
                    "\n<field id=\"{}\" name=\"{}\" type=\"{}\"/>",
                    f["field_id"],
                    xml_escape(f["name"].as_str().unwrap_or("")),
                    xml_escape(f["type"].as_str().unwrap_or(""))
                ));
            }
            out.push_str(&format!("\n</{}>", xml_escape(text("type"))));
            out
        }
    }
}

//! Discovery on read-resource servers (RR and the v2-tools era): `POST /v1/read-resource` with
//! `metabase://` URIs, whose `structured-output` (kebab keys, `related_by` objects, integer field
//! ids) is mapped onto the same types the v1 GETs give (`agent-api-latest.md` §4.1).

use crate::api::error::ApiError;
use crate::api::transport::{Ctx, one_line};
use crate::api::types::*;
use crate::api::{Client, Req};
use crate::query::FieldId;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Lists come 25 to a page; no real catalog needs more pages than this, and the bound keeps a
/// server that always claims one more page from holding the client forever.
const MAX_PAGES: u64 = 400;
/// A read-resource call takes at most five URIs.
const MAX_URIS: usize = 5;

/// One URI's answer: its `structured-output`, or the error text the server put in its place.
pub type Resource = Result<Value, String>;

/// Reads up to five URIs in one call, answers in request order.
pub async fn read_many(c: &Client, uris: &[String], ctx: Ctx) -> Result<Vec<Resource>, ApiError> {
    let r = Req::post("/v1/read-resource", json!({ "uris": uris }), ctx.clone());
    let body: Value = c.call(r).await?;
    let listed = body
        .get("resources")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::NotJson {
            status: 200,
            preview: "the read-resource answer has no `resources` list".into(),
        })?;
    Ok(uris
        .iter()
        .enumerate()
        .map(|(i, uri)| {
            // Match by URI; fall back to position for servers that normalize URIs.
            let found = listed
                .iter()
                .find(|r| r.get("uri").and_then(Value::as_str) == Some(uri.as_str()))
                .or_else(|| listed.get(i));
            match found {
                Some(r) => resource_of(r),
                None => Err(format!("the server did not answer {uri}")),
            }
        })
        .collect())
}

/// A `resources[]` entry as `structured-output` or its error string.
pub fn resource_of(r: &Value) -> Resource {
    if let Some(e) = r.get("error").filter(|e| !e.is_null()) {
        return Err(match e {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        });
    }
    let content = r.get("content").ok_or("the resource has no content")?;
    // Tolerate servers that hand the structured output over unwrapped.
    Ok(content
        .get("structured-output")
        .or_else(|| content.get("structured_output"))
        .unwrap_or(content)
        .clone())
}

/// A per-URI error string as the typed error it stands for.
pub fn uri_error(text: &str, ctx: &Ctx, user: &str) -> ApiError {
    let message = one_line(text, 300);
    let lower = message.to_lowercase();
    if lower.contains("permission") || lower.contains("forbidden") {
        ApiError::Forbidden {
            status: 403,
            message,
            user: user.to_string(),
            action: ctx.action.clone(),
        }
    } else if lower.contains("not found") || lower.contains("does not exist") {
        ApiError::NotFound {
            status: 404,
            message,
            what: ctx.what.clone(),
        }
    } else {
        ApiError::BadRequest {
            status: 400,
            message,
            action: ctx.action.clone(),
            query: false,
        }
    }
}

/// One URI's `structured-output`, its error typed.
pub async fn read(c: &Client, uri: String, ctx: Ctx) -> Result<Value, ApiError> {
    let mut answers = read_many(c, std::slice::from_ref(&uri), ctx.clone()).await?;
    match answers.pop() {
        Some(Ok(v)) => Ok(v),
        Some(Err(text)) => Err(uri_error(&text, &ctx, &c.user())),
        None => Err(uri_error("no answer", &ctx, &c.user())),
    }
}

/// Every item of a paged list (`?page=N` followed until `page == pages`).
pub async fn read_list(c: &Client, uri: &str, ctx: Ctx) -> Result<Vec<Value>, ApiError> {
    let mut items = Vec::new();
    let mut page = 1;
    loop {
        let paged = if page == 1 {
            uri.to_string()
        } else {
            format!("{uri}?page={page}")
        };
        let out = read(c, paged, ctx.clone()).await?;
        let (mut more, pages) = list_page(&out);
        items.append(&mut more);
        if page >= pages || page >= MAX_PAGES {
            return Ok(items);
        }
        page += 1;
    }
}

/// A list's items and its page count.
pub fn list_page(out: &Value) -> (Vec<Value>, u64) {
    let items = out
        .get("items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let pages = out.get("pages").and_then(Value::as_u64).unwrap_or(1);
    (items, pages)
}

fn decode<T: DeserializeOwned>(v: &Value, what: &str) -> Result<T, ApiError> {
    serde_json::from_value(v.clone()).map_err(|e| ApiError::NotJson {
        status: 200,
        preview: format!("unexpected shape of {what}: {e}"),
    })
}

/// Decodes each element it can; one odd field costs that field, not the table.
fn each<T: DeserializeOwned>(v: Option<&Value>) -> Vec<T> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| serde_json::from_value(x.clone()).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Measures and segments spell `display-name` in kebab case.
fn named_items(v: Option<&Value>) -> Vec<NamedItem> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| {
                    Some(NamedItem {
                        id: x.get("id")?.as_i64()?,
                        name: x.get("name")?.as_str()?.to_string(),
                        display_name: text(x, "display-name").or_else(|| text(x, "display_name")),
                        description: text(x, "description"),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// `related_by` is `{id, name}` on these servers (a plain name on E2).
fn related_table(v: &Value) -> Option<RelatedTable> {
    let related_by = match v.get("related_by") {
        Some(Value::Object(m)) => m.get("name").and_then(Value::as_str)?.to_string(),
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    };
    Some(RelatedTable {
        id: v.get("id")?.as_i64()?,
        name: text(v, "name")?,
        display_name: text(v, "display_name"),
        database_id: v.get("database_id").and_then(Value::as_i64),
        database_schema: text(v, "database_schema").or_else(|| text(v, "schema")),
        fields: each(v.get("fields")),
        related_by,
    })
}

/// A table's `structured-output` (`metabase://table/{id}[/fields]`) as [`TableDetails`].
pub fn table_details(out: &Value, o: TableOptions) -> Result<TableDetails, ApiError> {
    let id = out
        .get("id")
        .and_then(Value::as_i64)
        .ok_or_else(|| shape("the table has no id"))?;
    let name = text(out, "name").ok_or_else(|| shape("the table has no name"))?;
    let mut related: Vec<RelatedTable> = Vec::new();
    if o.with_related_tables {
        for key in ["related_tables", "related_tables_without_fields"] {
            if let Some(list) = out.get(key).and_then(Value::as_array) {
                related.extend(list.iter().filter_map(related_table));
            }
        }
    }
    Ok(TableDetails {
        id,
        name,
        display_name: text(out, "display_name"),
        database_id: out.get("database_id").and_then(Value::as_i64),
        database_engine: text(out, "database_engine"),
        database_schema: text(out, "database_schema"),
        description: text(out, "description"),
        fields: if o.with_fields {
            each(out.get("fields"))
        } else {
            Vec::new()
        },
        related_tables: related,
        metrics: if o.with_metrics {
            each(out.get("metrics"))
        } else {
            Vec::new()
        },
        measures: if o.with_measures {
            named_items(out.get("measures"))
        } else {
            Vec::new()
        },
        segments: if o.with_segments {
            named_items(out.get("segments"))
        } else {
            Vec::new()
        },
    })
}

/// A metric's `structured-output` (`metabase://metric/{id}[/dimensions]`) as [`MetricDetails`].
pub fn metric_details(out: &Value, o: MetricOptions) -> Result<MetricDetails, ApiError> {
    let id = out
        .get("id")
        .and_then(Value::as_i64)
        .ok_or_else(|| shape("the metric has no id"))?;
    let name = text(out, "name").ok_or_else(|| shape("the metric has no name"))?;
    let mut dims: Vec<Field> = Vec::new();
    if o.with_queryable_dimensions {
        dims = each(
            out.get("queryable-dimensions")
                .or_else(|| out.get("queryable_dimensions")),
        );
    }
    let default_time = out
        .get("default_time_dimension_field_id")
        .filter(|v| !v.is_null())
        .and_then(|v| serde_json::from_value::<FieldId>(v.clone()).ok());
    Ok(MetricDetails {
        id,
        name,
        description: text(out, "description"),
        default_time_dimension_field_id: default_time.filter(|_| o.with_default_temporal_breakout),
        verified: out
            .get("verified")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        queryable_dimensions: dims,
        segments: if o.with_segments {
            named_items(out.get("segments"))
        } else {
            Vec::new()
        },
        base_table_id: out.get("base_table_id").and_then(Value::as_i64),
    })
}

fn shape(what: &str) -> ApiError {
    ApiError::NotJson {
        status: 200,
        preview: format!("unexpected read-resource answer: {what}"),
    }
}

pub fn table_uri(id: i64, with_fields: bool) -> String {
    if with_fields {
        format!("metabase://table/{id}/fields")
    } else {
        format!("metabase://table/{id}")
    }
}

pub fn metric_uri(id: i64) -> String {
    format!("metabase://metric/{id}/dimensions")
}

/// A URI path segment: field ids are integers here, but a string id must not break the URI.
fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub async fn table(c: &Client, id: i64, o: TableOptions) -> Result<TableDetails, ApiError> {
    let what = format!("table {id}");
    let out = read(
        c,
        table_uri(id, o.with_fields),
        Ctx::new(format!("read {what}"), what),
    )
    .await?;
    let mut details = table_details(&out, o)?;
    if o.with_field_values && o.with_fields {
        attach_values(c, &mut details).await?;
    }
    Ok(details)
}

/// Read-resource never attaches values to a table's fields: read each field's own resource,
/// five to a call. A field whose values cannot be read simply has none.
async fn attach_values(c: &Client, t: &mut TableDetails) -> Result<(), ApiError> {
    let what = format!("the field values of table {}", t.id);
    let ctx = Ctx::new(format!("read {what}"), what);
    let uris: Vec<String> = t
        .fields
        .iter()
        .map(|f| {
            format!(
                "metabase://table/{}/fields/{}",
                t.id,
                segment(&f.field_id.to_string())
            )
        })
        .collect();
    let mut answers = Vec::with_capacity(uris.len());
    for chunk in uris.chunks(MAX_URIS) {
        answers.extend(read_many(c, chunk, ctx.clone()).await?);
    }
    for (field, answer) in t.fields.iter_mut().zip(answers) {
        if let Ok(out) = answer {
            let values = super::v1::decode_field_values(&out).values;
            field.field_values = (!values.is_empty()).then_some(values);
        }
    }
    Ok(())
}

pub async fn metric(c: &Client, id: i64, o: MetricOptions) -> Result<MetricDetails, ApiError> {
    let what = format!("metric {id}");
    let ctx = Ctx::new(format!("read {what}"), what);
    let out = read(c, metric_uri(id), ctx.clone()).await?;
    let mut details = metric_details(&out, o)?;
    // A metric resource lists no segments; the v1 GET gave its base table's.
    if o.with_segments
        && details.segments.is_empty()
        && let Some(base) = details.base_table_id
    {
        let table = read(c, table_uri(base, false), ctx).await?;
        details.segments = named_items(table.get("segments"));
    }
    Ok(details)
}

pub async fn field_values(
    c: &Client,
    entity: Entity,
    field: &FieldId,
    limit: Option<u32>,
) -> Result<FieldValues, ApiError> {
    let f = segment(&field.to_string());
    let (uri, owner) = match entity {
        Entity::Table(id) => (
            format!("metabase://table/{id}/fields/{f}"),
            format!("table {id}"),
        ),
        Entity::Metric(id) => (
            format!("metabase://metric/{id}/dimensions/{f}"),
            format!("metric {id}"),
        ),
    };
    let what = format!("field {field} of {owner}");
    let out = read(c, uri, Ctx::new(format!("read the values of {what}"), what)).await?;
    let mut values = super::v1::decode_field_values(&out);
    if let Some(limit) = limit {
        values.values.truncate(limit as usize);
    }
    Ok(values)
}

pub async fn databases(c: &Client) -> Result<Vec<Database>, ApiError> {
    let items = read_list(
        c,
        "metabase://databases",
        Ctx::new("list databases", "the database list"),
    )
    .await?;
    Ok(each(Some(&Value::Array(items))))
}

pub async fn database(c: &Client, id: i64) -> Result<DatabaseDetails, ApiError> {
    let what = format!("database {id}");
    let ctx = Ctx::new(format!("read {what}"), what);
    let out = read(c, format!("metabase://database/{id}"), ctx.clone()).await?;
    let database: Database = decode(&out, "a database")?;
    let items = read_list(c, &format!("metabase://database/{id}/tables"), ctx).await?;
    Ok(DatabaseDetails {
        database,
        tables: each(Some(&Value::Array(items))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn orders() -> Value {
        json!({"result-type": "entity", "id": 42, "type": "table", "name": "ORDERS",
            "display_name": "Orders", "database_id": 1, "database_name": "Sample Database",
            "database_engine": "h2", "database_schema": "PUBLIC",
            "portable_fk": ["Sample Database", "PUBLIC", "ORDERS"], "description": "All orders",
            "fields": [
                {"field_id": 302, "name": "TOTAL", "display_name": "Total", "type": "number",
                 "base_type": "type/Float", "database_type": "DOUBLE PRECISION",
                 "portable_fk": ["Sample Database", "PUBLIC", "ORDERS", "TOTAL"]},
                {"field_id": 305, "name": "CREATED_AT", "display_name": "Created At", "type": "datetime",
                 "portable_fk": ["Sample Database", "PUBLIC", "ORDERS", "CREATED_AT"]},
                {"field_id": 306, "name": "ODD", "display_name": "Odd", "type": null}],
            "related_tables": [{"id": 43, "type": "table", "name": "PRODUCTS", "display_name": "Products",
                "database_schema": "PUBLIC", "related_by": {"id": 304, "name": "PRODUCT_ID"},
                "fields": [{"field_id": 401, "name": "CATEGORY", "display_name": "Category", "type": "string"}]}],
            "related_tables_without_fields": [{"id": 44, "name": "PEOPLE", "fields": [],
                "related_by": {"id": 303, "name": "USER_ID"}}],
            "related_tables_total": 2,
            "metrics": [{"id": 10, "type": "metric", "name": "Revenue", "description": null,
                "default_time_dimension_field_id": 305, "portable_entity_id": "AbCdEfGhIjKlMnOpQrStU"}],
            "measures": [{"id": 5, "name": "total", "display-name": "Total revenue",
                "portable-entity-id": "MeAsUrEeNtItYiD123456"}],
            "segments": [{"id": 7, "name": "big", "display-name": "Big orders", "description": "over 100"}]})
    }

    #[test]
    fn a_table_maps_onto_the_v1_vocabulary() {
        let t = table_details(&orders(), TableOptions::default()).expect("maps");
        assert_eq!((t.id, t.name.as_str()), (42, "ORDERS"));
        assert_eq!(t.database_schema.as_deref(), Some("PUBLIC"));
        let names: Vec<&str> = t.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["TOTAL", "CREATED_AT", "ODD"]);
        assert_eq!(t.fields[0].field_id, FieldId::Int(302));
        assert_eq!(t.fields[1].field_type, Some(FieldType::Datetime));
        assert_eq!(t.fields[2].field_type, None);
        assert_eq!(t.related_tables.len(), 2);
        assert_eq!(t.related_tables[0].related_by, "PRODUCT_ID");
        assert_eq!(t.related_tables[0].fields[0].name, "CATEGORY");
        assert_eq!(t.related_tables[1].related_by, "USER_ID");
        assert_eq!(
            t.metrics[0].default_time_dimension_field_id,
            Some(FieldId::Int(305))
        );
        assert_eq!(t.measures[0].display_name.as_deref(), Some("Total revenue"));
        assert_eq!(t.segments[0].description.as_deref(), Some("over 100"));

        let bare = TableOptions {
            with_fields: false,
            with_related_tables: false,
            with_metrics: false,
            with_measures: false,
            with_segments: false,
            with_field_values: false,
        };
        let t = table_details(&orders(), bare).expect("maps");
        assert!(t.fields.is_empty() && t.related_tables.is_empty() && t.metrics.is_empty());
        assert!(table_details(&json!({"name": "X"}), bare).is_err());
    }

    #[test]
    fn a_metric_reads_its_kebab_dimensions() {
        let out = json!({"result-type": "entity", "id": 10, "type": "metric", "name": "Revenue",
            "verified": true, "base_table_id": 42, "default_time_dimension_field_id": 305,
            "base_table_portable_fk": ["Sample Database", "PUBLIC", "ORDERS"],
            "portable_entity_id": "AbCdEfGhIjKlMnOpQrStU",
            "queryable-dimensions": [{"field_id": 305, "name": "CREATED_AT", "display_name": "Created At",
                                      "type": "datetime"}]});
        let m = metric_details(&out, MetricOptions::default()).expect("maps");
        assert!(m.verified);
        assert_eq!(m.base_table_id, Some(42));
        assert_eq!(m.queryable_dimensions[0].field_id, FieldId::Int(305));
        assert_eq!(m.default_time_dimension_field_id, Some(FieldId::Int(305)));
    }

    #[test]
    fn field_metadata_reads_kebab_statistics() {
        let out = json!({"result-type": "field-metadata", "field_id": "302",
            "value_metadata": {"statistics": {"distinct-count": 4, "percent-null": 0.0, "max": 159.3,
                                              "average-length": 6.2},
                               "field_values": ["Doohickey", "Gadget"]}});
        let v = super::super::v1::decode_field_values(&out);
        let s = v.statistics.expect("statistics");
        assert_eq!(s.distinct_count, Some(4));
        assert_eq!(s.percent_null, Some(0.0));
        assert_eq!(s.average_length, Some(6.2));
        assert_eq!(v.values, vec![json!("Doohickey"), json!("Gadget")]);
    }

    #[test]
    fn lists_report_their_pages() {
        let out = json!({"result-type": "metabot-list", "list-type": "databases",
            "items": [{"type": "database", "id": 1, "name": "Sample Database", "engine": "h2",
                       "description": null, "uri": "metabase://database/1"}],
            "total": 26, "page": 1, "pages": 2});
        let (items, pages) = list_page(&out);
        assert_eq!(pages, 2);
        let dbs: Vec<Database> = each(Some(&Value::Array(items)));
        assert_eq!(dbs[0].name, "Sample Database");
        assert_eq!(dbs[0].engine.as_deref(), Some("h2"));
    }

    #[test]
    fn a_database_and_its_table_items_map_onto_the_v1_vocabulary() {
        let db = json!({"result-type": "metabot-entity", "type": "database", "id": 1,
            "name": "Sample Database", "engine": "h2", "description": null,
            "uri": "metabase://database/1"});
        let d: Database = decode(&db, "a database").expect("maps");
        assert_eq!((d.id, d.name.as_str()), (1, "Sample Database"));
        let item = json!({"type": "table", "id": 42, "name": "ORDERS", "display_name": "Orders",
            "schema": "PUBLIC", "database_id": 1, "description": null,
            "uri": "metabase://table/42"});
        let tables: Vec<TableSummary> = each(Some(&json!([item, {"no": "id"}])));
        assert_eq!(tables.len(), 1);
        assert_eq!(tables[0].schema.as_deref(), Some("PUBLIC"));
        assert_eq!(tables[0].database_id, Some(1));
        assert!(decode::<Database>(&json!({"id": "x"}), "a database").is_err());
    }

    #[test]
    fn per_uri_errors_become_typed_errors() {
        let ctx = Ctx::new("read table 4", "table 4");
        let forbidden = uri_error("You don't have permissions to do that.", &ctx, "s@x");
        assert!(
            matches!(forbidden, ApiError::Forbidden { .. }),
            "{forbidden}"
        );
        assert_eq!(
            forbidden.to_string(),
            "s@x may not read table 4 (403): You don't have permissions to do that."
        );
        assert!(matches!(
            uri_error("Not found.", &ctx, "s@x"),
            ApiError::NotFound { .. }
        ));
        assert!(matches!(
            uri_error("Field 9 not found", &ctx, "s@x"),
            ApiError::NotFound { .. }
        ));
        let bad = uri_error("Invalid page 3. This list has 2 pages.", &ctx, "s@x");
        assert!(matches!(bad, ApiError::BadRequest { .. }), "{bad}");
        assert_eq!(bad.exit_code(), 1);

        assert_eq!(
            resource_of(&json!({"uri": "metabase://x", "error": "Not found."})),
            Err("Not found.".to_string())
        );
        assert_eq!(
            resource_of(&json!({"uri": "u", "content": {"structured-output": {"id": 1}}})),
            Ok(json!({"id": 1}))
        );
    }
}

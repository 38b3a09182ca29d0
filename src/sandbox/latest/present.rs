//! The shapes the newest surface shows for catalog entries: portable FKs (names instead of
//! ids), field objects with the key spellings of `agent-api-latest.md` §4.1.4, and catalog
//! definitions turned back into portable MBQL 5.

use super::eid::portable_id;
use crate::sandbox::catalog::{Catalog, Field, Metric, Table, humanize};
use crate::sandbox::perms::Perms;
use serde_json::{Map, Value, json};

/// Who is reading: the catalog and the reader's permissions.
pub struct View<'a> {
    pub catalog: &'a Catalog,
    pub perms: Perms,
    /// Unix seconds, from the sandbox's clock: what relative date filters count from.
    pub now: i64,
}

impl View<'_> {
    pub fn can_read_table(&self, table_id: i64) -> bool {
        self.perms.can_read_table(self.catalog, table_id)
    }

    pub fn can_read_metric(&self, metric: &Metric) -> bool {
        self.perms.can_read_collection(metric.collection.name)
    }

    pub fn database_name(&self, db_id: i64) -> String {
        self.catalog
            .database(db_id)
            .map(|d| d.name.clone())
            .unwrap_or_default()
    }

    /// `[database, schema, table]`.
    pub fn table_fk(&self, table: &Table) -> Value {
        json!([self.database_name(table.db_id), table.schema, table.name])
    }

    /// `[database, schema, table, column]`.
    pub fn field_fk(&self, field: &Field) -> Value {
        match self.catalog.table(field.table_id) {
            Some(t) => json!([self.database_name(t.db_id), t.schema, t.name, field.name]),
            None => Value::Null,
        }
    }

    /// A field as read-resource shows it; optional keys are absent when they have no value.
    pub fn field_object(&self, field: &Field) -> Value {
        let mut m = Map::new();
        m.insert("field_id".into(), json!(field.id));
        m.insert("name".into(), json!(field.name));
        m.insert("display_name".into(), json!(field.display_name));
        m.insert("type".into(), json!(field.field_type().map(|t| t.as_str())));
        if let Some(d) = &field.description {
            m.insert("description".into(), json!(d));
        }
        m.insert("base_type".into(), json!(field.base_type));
        if let Some(s) = field.semantic_type {
            m.insert("semantic_type".into(), json!(s));
        }
        m.insert("database_type".into(), json!(field.database_type));
        m.insert("portable_fk".into(), self.field_fk(field));
        if let Some(target) = field.fk_target.and_then(|id| self.catalog.field(id)) {
            m.insert("fk_target_portable_fk".into(), self.field_fk(target));
        }
        Value::Object(m)
    }

    /// The table row of lists and search results.
    pub fn table_item(&self, table: &Table) -> Value {
        json!({
            "type": "table",
            "id": table.id,
            "name": table.name,
            "display_name": humanize(&table.name),
            "schema": table.schema,
            "database_id": table.db_id,
            "description": table.description,
            "uri": super::uris::table_uri(table.id),
        })
    }

    /// A metric as listed on its table and found by search.
    pub fn metric_summary(&self, metric: &Metric) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(metric.id));
        m.insert("type".into(), json!("metric"));
        m.insert("name".into(), json!(metric.name));
        m.insert("description".into(), json!(metric.description));
        m.insert(
            "default_time_dimension_field_id".into(),
            json!(metric.time_dimension),
        );
        if let Some(t) = self.catalog.table(metric.table_id) {
            m.insert("database_id".into(), json!(t.db_id));
            m.insert("database_name".into(), json!(self.database_name(t.db_id)));
        }
        m.insert(
            "portable_entity_id".into(),
            json!(portable_id("metric", metric.id)),
        );
        if let Some(t) = self.catalog.table(metric.table_id)
            && self.can_read_table(t.id)
        {
            m.insert("base_table_id".into(), json!(t.id));
            m.insert("base_table_name".into(), json!(t.name));
            m.insert("base_table_portable_fk".into(), self.table_fk(t));
        }
        Value::Object(m)
    }

    /// A catalog clause (numeric field ids, `lib/uuid` options) as portable MBQL 5.
    pub fn to_portable(&self, clause: &Value) -> Value {
        match clause {
            Value::Array(items) => {
                if let [Value::String(head), _, Value::Number(id)] = items.as_slice()
                    && head == "field"
                    && let Some(f) = id.as_i64().and_then(|id| self.catalog.field(id))
                {
                    return json!(["field", {}, self.field_fk(f)]);
                }
                Value::Array(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, v)| {
                            if i == 1 && v.is_object() {
                                json!({})
                            } else {
                                self.to_portable(v)
                            }
                        })
                        .collect(),
                )
            }
            other => other.clone(),
        }
    }
}

//! The client's vocabulary: what the explorer, the headless commands and compare see, whichever
//! API era the server speaks (E2/E3 v1 GETs, read-resource, v2 tools). The client maps each
//! server's answers onto these types; nothing above the client looks at raw server JSON.
//!
//! Every struct tolerates missing optional keys, so a server that says less still decodes.

use crate::data::{Column, ResultSet};
pub use crate::query::{FieldId, FieldType};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Which surface of the Agent API a server offers (`agent-api-latest.md` §7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApiEra {
    /// Enterprise v1 of early 2026: string field ids, construct-query + execute.
    E2,
    /// Open-source v1 of March 2026: adds `/v1/query` with continuation tokens.
    E3,
    /// Read-resource era: v1 GETs gone; `/v1/read-resource`, `/v2/construct-query`, `/v2/query`.
    Rr,
    /// v2-tools era: read-resource plus `/v2/search`, `/v2/execute-query` with handles.
    Latest,
}

impl ApiEra {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiEra::E2 => "e2",
            ApiEra::E3 => "e3",
            ApiEra::Rr => "rr",
            ApiEra::Latest => "latest",
        }
    }
}

/// What kind of thing a search hit or a catalog entry is.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    Table,
    Metric,
    #[serde(untagged)]
    Other(String),
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionRef {
    pub name: Option<String>,
    pub authority_level: Option<String>,
}

/// One search result (`POST /v1/search` `data[]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchItem {
    pub id: i64,
    #[serde(rename = "type")]
    pub kind: ItemKind,
    pub name: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub database_id: Option<i64>,
    #[serde(default)]
    pub database_schema: Option<String>,
    #[serde(default)]
    pub verified: Option<bool>,
    #[serde(default)]
    pub collection: Option<CollectionRef>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    pub data: Vec<SearchItem>,
    pub total_count: usize,
}

/// A search request: term and semantic queries, and the per-query limit.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchRequest {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub term_queries: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub semantic_queries: Vec<String>,
    #[serde(skip)]
    pub limit: Option<u32>,
}

/// A field of a table, a related table or a metric's dimension.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub field_id: FieldId,
    pub name: String,
    #[serde(default)]
    pub display_name: Option<String>,
    /// The simple type (`number`, `datetime`, …); `None` when the server says null or omits it.
    #[serde(default, rename = "type")]
    pub field_type: Option<FieldType>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub database_type: Option<String>,
    #[serde(default)]
    pub semantic_type: Option<String>,
    #[serde(default)]
    pub base_type: Option<String>,
    #[serde(default)]
    pub effective_type: Option<String>,
    #[serde(default)]
    pub field_values: Option<Vec<Value>>,
    /// On implicitly joined columns: the FK's display name without "ID".
    #[serde(default)]
    pub table_reference: Option<String>,
    /// Newest servers: `[db, schema, table, column]`, used to write portable MBQL 5.
    #[serde(default)]
    pub portable_fk: Option<Vec<Value>>,
    #[serde(default)]
    pub fk_target_portable_fk: Option<Vec<Value>>,
}

impl Field {
    pub fn label(&self) -> &str {
        self.display_name.as_deref().unwrap_or(&self.name)
    }

    /// Fills the simple type from `effective_type`/`base_type` when the server sent none.
    pub fn fill_type(&mut self) {
        if self.field_type.is_none() {
            self.field_type = self
                .effective_type
                .as_deref()
                .or(self.base_type.as_deref())
                .and_then(FieldType::from_base_type);
        }
    }
}

impl TableDetails {
    /// See [`Field::fill_type`].
    pub fn fill_types(&mut self) {
        self.fields.iter_mut().for_each(Field::fill_type);
        for r in &mut self.related_tables {
            r.fields.iter_mut().for_each(Field::fill_type);
        }
    }
}

impl MetricDetails {
    /// See [`Field::fill_type`].
    pub fn fill_types(&mut self) {
        self.queryable_dimensions
            .iter_mut()
            .for_each(Field::fill_type);
    }
}

/// A table reachable through a foreign key of the inspected table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RelatedTable {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub database_id: Option<i64>,
    #[serde(default)]
    pub database_schema: Option<String>,
    /// Fields with ids usable directly in queries on the inspected table.
    #[serde(default)]
    pub fields: Vec<Field>,
    /// The name of the FK field it is reached by.
    pub related_by: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricSummary {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub default_time_dimension_field_id: Option<FieldId>,
}

/// A measure or a segment (same shape).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NamedItem {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// Which parts of a table's details to ask for (the `with-*` switches).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableOptions {
    pub with_fields: bool,
    pub with_field_values: bool,
    pub with_related_tables: bool,
    pub with_metrics: bool,
    pub with_measures: bool,
    pub with_segments: bool,
}

impl Default for TableOptions {
    /// Everything the explorer's inspector shows.
    fn default() -> Self {
        TableOptions {
            with_fields: true,
            with_field_values: false,
            with_related_tables: true,
            with_metrics: true,
            with_measures: true,
            with_segments: true,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableDetails {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub database_id: Option<i64>,
    #[serde(default)]
    pub database_engine: Option<String>,
    #[serde(default)]
    pub database_schema: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub fields: Vec<Field>,
    #[serde(default)]
    pub related_tables: Vec<RelatedTable>,
    #[serde(default)]
    pub metrics: Vec<MetricSummary>,
    #[serde(default)]
    pub measures: Vec<NamedItem>,
    #[serde(default)]
    pub segments: Vec<NamedItem>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetricOptions {
    pub with_default_temporal_breakout: bool,
    pub with_field_values: bool,
    pub with_queryable_dimensions: bool,
    pub with_segments: bool,
}

impl Default for MetricOptions {
    fn default() -> Self {
        MetricOptions {
            with_default_temporal_breakout: true,
            with_field_values: false,
            with_queryable_dimensions: true,
            with_segments: true,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricDetails {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub default_time_dimension_field_id: Option<FieldId>,
    #[serde(default)]
    pub verified: bool,
    #[serde(default)]
    pub queryable_dimensions: Vec<Field>,
    #[serde(default)]
    pub segments: Vec<NamedItem>,
    /// Newest servers name the table a metric aggregates.
    #[serde(default)]
    pub base_table_id: Option<i64>,
}

/// A field's fingerprint statistics, whichever key spelling the server used.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FieldStats {
    pub distinct_count: Option<u64>,
    pub percent_null: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub avg: Option<f64>,
    pub q1: Option<f64>,
    pub q3: Option<f64>,
    pub sd: Option<f64>,
    pub percent_json: Option<f64>,
    pub percent_url: Option<f64>,
    pub percent_email: Option<f64>,
    pub percent_state: Option<f64>,
    pub average_length: Option<f64>,
    pub earliest: Option<String>,
    pub latest: Option<String>,
}

/// A field's distinct values and statistics.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FieldValues {
    pub statistics: Option<FieldStats>,
    pub values: Vec<Value>,
}

/// Which entity a field belongs to, for field values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Entity {
    Table(i64),
    Metric(i64),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Database {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub engine: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// A table as listed under a database.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableSummary {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default, alias = "database_schema")]
    pub schema: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, alias = "db_id")]
    pub database_id: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DatabaseDetails {
    #[serde(flatten)]
    pub database: Database,
    #[serde(default)]
    pub tables: Vec<TableSummary>,
}

/// How to fetch the next page of a result: an opaque cursor the client understands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PageCursor {
    /// `/v1/query` and `/v2/query`.
    Continuation(String),
    /// `/v2/execute-query`.
    Handle { handle: String, offset: u64 },
}

/// A completed query: its rows and what the server said about them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueryResult {
    pub result: ResultSet,
    pub row_count: u64,
    pub running_time_ms: u64,
    /// The server's row cap for this kind of query, when known (2000/10000 on E2, 200 on E3):
    /// a result of exactly this many rows may have been cut.
    pub row_cap: Option<u64>,
    /// Where the next page is, when the server pages.
    pub next: Option<PageCursor>,
    /// The SQL or pseudo-SQL the server reports having run, if any.
    pub native_form: Option<String>,
}

impl QueryResult {
    pub fn columns(&self) -> &[Column] {
        &self.result.columns
    }

    /// True when the result may have been cut by the server's row cap.
    pub fn maybe_truncated(&self) -> bool {
        self.row_cap.is_some_and(|cap| self.row_count >= cap) || self.next.is_some()
    }
}

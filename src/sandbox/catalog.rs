//! The metadata Metabase would hold about the sample world: databases, tables, fields (with
//! fingerprints and cached values), metrics, measures and segments. Built once at start-up and
//! shared read-only. Every SQL identifier the compiler emits comes from here.

use super::stats::Fingerprint;
use crate::query::FieldType;
use serde_json::{Value, json};
use std::collections::HashMap;

/// Fixed ids of the sample world.
pub mod ids {
    pub const SAMPLE_DB: i64 = 1;
    pub const WAREHOUSE_DB: i64 = 2;
    pub const PRODUCTS: i64 = 1;
    pub const ORDERS: i64 = 2;
    pub const PEOPLE: i64 = 3;
    pub const REVIEWS: i64 = 4;
    /// Warehouse tables are numbered from here.
    pub const FIRST_WAREHOUSE_TABLE: i64 = 5;
    pub const REVENUE: i64 = 101;
    pub const ORDER_COUNT: i64 = 102;
    pub const NET_SALES_MEASURE: i64 = 1;
    pub const LARGE_ORDERS_SEGMENT: i64 = 1;
    pub const DISCOUNTED_SEGMENT: i64 = 2;
    pub const FINANCE: &str = "Finance";
    pub const SALES_COLLECTION: &str = "Sales";
}

pub const CATALOG_TIMESTAMP: &str = "2025-06-01T09:00:00Z";

#[derive(Clone, Debug)]
pub struct Database {
    pub id: i64,
    pub name: String,
    pub engine: &'static str,
}

#[derive(Clone, Debug)]
pub struct Table {
    pub id: i64,
    pub db_id: i64,
    pub name: String,
    /// The table's name in the SQLite file (Warehouse tables are prefixed).
    pub sql_name: String,
    pub schema: Option<String>,
    pub description: Option<String>,
    /// Field ids in position order.
    pub fields: Vec<i64>,
}

#[derive(Clone, Debug)]
pub struct Field {
    pub id: i64,
    pub table_id: i64,
    pub name: String,
    pub display_name: String,
    pub description: Option<String>,
    pub database_type: &'static str,
    pub base_type: &'static str,
    pub semantic_type: Option<&'static str>,
    /// The primary key this foreign key points at.
    pub fk_target: Option<i64>,
    /// Cached distinct values, for low-cardinality "list" fields.
    pub values: Option<Vec<Value>>,
    pub fingerprint: Option<Fingerprint>,
}

impl Field {
    pub fn field_type(&self) -> Option<FieldType> {
        field_type(self.base_type)
    }

    pub fn is_temporal(&self) -> bool {
        self.field_type().is_some_and(FieldType::is_temporal)
    }
}

pub fn field_type(base_type: &str) -> Option<FieldType> {
    Some(match base_type {
        "type/Boolean" => FieldType::Boolean,
        "type/Text" => FieldType::String,
        "type/Integer" | "type/BigInteger" | "type/Float" | "type/Decimal" => FieldType::Number,
        "type/Date" => FieldType::Date,
        "type/DateTime" | "type/DateTimeWithTZ" => FieldType::Datetime,
        "type/Time" => FieldType::Time,
        _ => return None,
    })
}

/// One entry of a table's visible columns: its own field, or a field reached through one of
/// its foreign keys (`via` = the FK field on the table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    pub field: i64,
    pub via: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct Collection {
    pub name: &'static str,
    pub authority_level: Option<&'static str>,
}

#[derive(Clone, Debug)]
pub struct Metric {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub table_id: i64,
    /// The MBQL 5 aggregation clause (real field ids).
    pub aggregation: Value,
    pub time_dimension: i64,
    pub collection: Collection,
    pub verified: bool,
}

#[derive(Clone, Debug)]
pub struct Measure {
    pub id: i64,
    pub table_id: i64,
    pub name: String,
    pub description: Option<String>,
    pub aggregation: Value,
}

#[derive(Clone, Debug)]
pub struct Segment {
    pub id: i64,
    pub table_id: i64,
    pub name: String,
    pub description: Option<String>,
    pub filter: Value,
}

#[derive(Debug)]
pub struct Catalog {
    pub databases: Vec<Database>,
    pub tables: Vec<Table>,
    fields: HashMap<i64, Field>,
    columns: HashMap<i64, Vec<Column>>,
    pub metrics: Vec<Metric>,
    pub measures: Vec<Measure>,
    pub segments: Vec<Segment>,
}

impl Catalog {
    pub fn new(databases: Vec<Database>, tables: Vec<Table>, fields: Vec<Field>) -> Catalog {
        let fields: HashMap<i64, Field> = fields.into_iter().map(|f| (f.id, f)).collect();
        let mut columns = HashMap::new();
        for t in &tables {
            let mut cols: Vec<Column> = t
                .fields
                .iter()
                .map(|&field| Column { field, via: None })
                .collect();
            for fk in &t.fields {
                let target_table = fields
                    .get(fk)
                    .and_then(|f| f.fk_target)
                    .and_then(|pk| fields.get(&pk))
                    .map(|pk| pk.table_id);
                if let Some(target) = target_table.and_then(|id| tables.iter().find(|x| x.id == id))
                {
                    cols.extend(target.fields.iter().map(|&field| Column {
                        field,
                        via: Some(*fk),
                    }));
                }
            }
            columns.insert(t.id, cols);
        }
        let mut catalog = Catalog {
            databases,
            tables,
            fields,
            columns,
            metrics: Vec::new(),
            measures: Vec::new(),
            segments: Vec::new(),
        };
        catalog.add_definitions();
        catalog
    }

    pub fn table(&self, id: i64) -> Option<&Table> {
        self.tables.iter().find(|t| t.id == id)
    }

    pub fn database(&self, id: i64) -> Option<&Database> {
        self.databases.iter().find(|d| d.id == id)
    }

    pub fn field(&self, id: i64) -> Option<&Field> {
        self.fields.get(&id)
    }

    pub fn field_named(&self, table_id: i64, name: &str) -> Option<&Field> {
        self.table(table_id)?
            .fields
            .iter()
            .filter_map(|id| self.fields.get(id))
            .find(|f| f.name == name)
    }

    /// The table's visible columns: own fields, then the fields of each FK target.
    pub fn columns(&self, table_id: i64) -> &[Column] {
        self.columns
            .get(&table_id)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// (FK field, target table) pairs of a table, in field order.
    pub fn foreign_keys(&self, table_id: i64) -> Vec<(&Field, &Table)> {
        let Some(t) = self.table(table_id) else {
            return Vec::new();
        };
        t.fields
            .iter()
            .filter_map(|id| self.fields.get(id))
            .filter_map(|f| {
                let pk = self.fields.get(&f.fk_target?)?;
                Some((f, self.table(pk.table_id)?))
            })
            .collect()
    }

    pub fn metric(&self, id: i64) -> Option<&Metric> {
        self.metrics.iter().find(|m| m.id == id)
    }

    pub fn measure(&self, id: i64) -> Option<&Measure> {
        self.measures.iter().find(|m| m.id == id)
    }

    pub fn segment(&self, id: i64) -> Option<&Segment> {
        self.segments.iter().find(|s| s.id == id)
    }

    fn field_id(&self, table_id: i64, name: &str) -> i64 {
        self.field_named(table_id, name).map(|f| f.id).unwrap_or(0)
    }

    fn field_ref(&self, table_id: i64, name: &str) -> Value {
        let id = self.field_id(table_id, name);
        let base = self.field(id).map(|f| f.base_type).unwrap_or("type/*");
        json!(["field", {"lib/uuid": uuid_for(&format!("def-{id}")), "base-type": base}, id])
    }

    fn add_definitions(&mut self) {
        use ids::*;
        let total = self.field_ref(ORDERS, "TOTAL");
        let subtotal = self.field_ref(ORDERS, "SUBTOTAL");
        let discount = self.field_ref(ORDERS, "DISCOUNT");
        let created = self.field_id(ORDERS, "CREATED_AT");
        self.metrics = vec![
            Metric {
                id: REVENUE,
                name: "Revenue".into(),
                description: Some("Sum of order totals, by order date.".into()),
                table_id: ORDERS,
                aggregation: json!(["sum", {"lib/uuid": uuid_for("metric-revenue")}, total]),
                time_dimension: created,
                collection: Collection {
                    name: FINANCE,
                    authority_level: Some("official"),
                },
                verified: true,
            },
            Metric {
                id: ORDER_COUNT,
                name: "Order Count".into(),
                description: Some("Number of orders placed.".into()),
                table_id: ORDERS,
                aggregation: json!(["count", {"lib/uuid": uuid_for("metric-count")}]),
                time_dimension: created,
                collection: Collection {
                    name: SALES_COLLECTION,
                    authority_level: None,
                },
                verified: false,
            },
        ];
        self.measures = vec![Measure {
            id: NET_SALES_MEASURE,
            table_id: ORDERS,
            name: "Net Sales".into(),
            description: Some("Sum of order subtotals, before tax.".into()),
            aggregation: json!(["sum", {"lib/uuid": uuid_for("measure-net")}, subtotal]),
        }];
        self.segments = vec![
            Segment {
                id: LARGE_ORDERS_SEGMENT,
                table_id: ORDERS,
                name: "Large Orders".into(),
                description: Some("Orders with a total above 100.".into()),
                filter: json!([">", {"lib/uuid": uuid_for("segment-large")}, total, 100]),
            },
            Segment {
                id: DISCOUNTED_SEGMENT,
                table_id: ORDERS,
                name: "Discounted Orders".into(),
                description: Some("Orders that received a discount.".into()),
                filter: json!(["not-null", {"lib/uuid": uuid_for("segment-discount")}, discount]),
            },
        ];
    }
}

/// A stable UUID for a name: catalog definitions look the same on every start.
pub fn uuid_for(name: &str) -> String {
    uuid::Uuid::new_v3(&uuid::Uuid::NAMESPACE_OID, name.as_bytes()).to_string()
}

/// Metabase's "simple" humanizer: `ORDERS` → `Orders`, `user_id` → `User ID`.
pub fn humanize(name: &str) -> String {
    name.split(['_', '-', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let lower = w.to_lowercase();
            if lower == "id" {
                "ID".to_string()
            } else {
                let mut chars = lower.chars();
                match chars.next() {
                    Some(c) => c.to_uppercase().collect::<String>() + chars.as_str(),
                    None => String::new(),
                }
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn humanizes_like_metabase() {
        assert_eq!(humanize("ORDERS"), "Orders");
        assert_eq!(humanize("order_items"), "Order Items");
        assert_eq!(humanize("USER_ID"), "User ID");
        assert_eq!(humanize("CREATED_AT"), "Created At");
    }
}

//! Who may read what: permissions belong to groups, a user gets the union of their groups.

use super::catalog::{Catalog, ids};
use std::collections::BTreeSet;

pub const ADMINS: &str = "Administrators";
pub const ANALYSTS: &str = "Analysts";
pub const SALES: &str = "Sales";
pub const ALL_USERS: &str = "All Users";

/// The groups a JWT `groups` claim may name; others are ignored.
pub const KNOWN_GROUPS: [&str; 4] = [ADMINS, ANALYSTS, SALES, ALL_USERS];

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Perms {
    pub everything: bool,
    /// Every table of these databases is readable.
    pub databases: BTreeSet<i64>,
    pub tables: BTreeSet<i64>,
    pub collections: BTreeSet<&'static str>,
}

impl Perms {
    pub fn for_groups<'a>(groups: impl IntoIterator<Item = &'a String>) -> Perms {
        let mut p = Perms::default();
        for g in groups {
            match g.as_str() {
                ADMINS => p.everything = true,
                ANALYSTS => {
                    p.databases.extend([ids::SAMPLE_DB, ids::WAREHOUSE_DB]);
                    p.collections.extend([ids::FINANCE, ids::SALES_COLLECTION]);
                }
                SALES => {
                    p.tables.extend([ids::ORDERS, ids::PRODUCTS]);
                    p.collections.insert(ids::SALES_COLLECTION);
                }
                _ => {}
            }
        }
        p
    }

    pub fn can_read_table(&self, catalog: &Catalog, table_id: i64) -> bool {
        if self.everything || self.tables.contains(&table_id) {
            return true;
        }
        catalog
            .table(table_id)
            .is_some_and(|t| self.databases.contains(&t.db_id))
    }

    pub fn can_read_database(&self, catalog: &Catalog, db_id: i64) -> bool {
        self.everything
            || self.databases.contains(&db_id)
            || catalog
                .tables
                .iter()
                .any(|t| t.db_id == db_id && self.tables.contains(&t.id))
    }

    pub fn can_read_collection(&self, name: &str) -> bool {
        self.everything || self.collections.contains(name)
    }

    /// One line for the start-up banner.
    pub fn describe(&self, catalog: &Catalog) -> String {
        if self.everything {
            return "everything".into();
        }
        let mut parts = Vec::new();
        for db in &catalog.databases {
            if self.databases.contains(&db.id) {
                parts.push(format!("all of {}", db.name));
            }
        }
        let tables: Vec<&str> = catalog
            .tables
            .iter()
            .filter(|t| self.tables.contains(&t.id) && !self.databases.contains(&t.db_id))
            .map(|t| t.name.as_str())
            .collect();
        if !tables.is_empty() {
            parts.push(tables.join(", "));
        }
        if !self.collections.is_empty() {
            let c: Vec<&str> = self.collections.iter().copied().collect();
            parts.push(format!("collections {}", c.join(", ")));
        }
        if parts.is_empty() {
            "no data".into()
        } else {
            parts.join("; ")
        }
    }
}

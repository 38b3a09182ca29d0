//! The SQLite side: builds the sample database (one transaction, prepared statements) and runs
//! compiled queries on a small pool of connections off the async threads, with a time limit.
//!
//! The in-memory database lives in SQLite's `memdb` VFS rather than a shared cache: a shared
//! cache serializes every statement behind one mutex, so one slow query would stall every
//! other user's, and its time limit would not start until it got its turn.
//!
//! How many queries run at once is bounded, per caller and in all: each running query holds a
//! connection with its page cache and statement cache, and a thread. A caller who floods the
//! server waits for their own turns; other callers' queries still start at once.

use super::SandboxConfig;
use super::catalog::{Catalog, Database, Field, Table, humanize};
use super::generate::{TableSpec, world};
use super::stats::{Family, fingerprint, list_values};
use rusqlite::types::Value as Sql;
use rusqlite::{Connection, OpenFlags};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Queries one caller may run at once; more wait for their turn, within their time limit.
const PER_CALLER: usize = 4;
/// Queries that may run at once in all.
const AT_ONCE: usize = 16;

pub struct Db {
    /// How to open another connection to the same data.
    path: String,
    flags: OpenFlags,
    /// Keeps an in-memory database alive while the sandbox runs.
    _anchor: Mutex<Connection>,
    idle: Mutex<Vec<Connection>>,
    running: Arc<Semaphore>,
    /// One gate per caller (the sandbox's users are a fixed few, so the map stays small).
    callers: Mutex<HashMap<i64, Arc<Semaphore>>>,
}

/// Rows of a finished query.
pub struct Rows {
    pub rows: Vec<Vec<Sql>>,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("the query did not finish within {0} ms and was stopped")]
    Timeout(u64),
    #[error("{}", database_message(.0))]
    Sql(#[from] rusqlite::Error),
    #[error("the query task failed: {0}")]
    Task(String),
}

/// SQLite's own words, without the statement that rusqlite appends to a prepare error: the
/// SQL is ours, not the caller's, and an error body should not carry it.
fn database_message(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
        other => other.to_string(),
    }
}

impl Db {
    pub fn build(config: &SandboxConfig) -> Result<(Db, Catalog), rusqlite::Error> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let path = match &config.db_path {
            Some(p) => p.to_string_lossy().into_owned(),
            None => format!(
                // The leading `/` lets every connection of this process open the same memdb.
                "file:/mbx-sandbox-{}?vfs=memdb",
                uuid::Uuid::new_v4().simple()
            ),
        };
        let mut anchor = Connection::open_with_flags(&path, flags)?;
        let specs = world(config.scale);
        // Loading SQLite and computing the catalog's statistics are independent: overlap them.
        let (loaded, catalog) = std::thread::scope(|scope| {
            let catalog = scope.spawn(|| catalog_of(&specs));
            let loaded = load(&mut anchor, &specs);
            (loaded, catalog.join())
        });
        loaded?;
        let catalog = catalog.map_err(|_| {
            rusqlite::Error::InvalidParameterName("the catalog could not be computed".into())
        })?;
        let db = Db {
            path,
            flags,
            _anchor: Mutex::new(anchor),
            idle: Mutex::new(Vec::new()),
            running: Arc::new(Semaphore::new(AT_ONCE)),
            callers: Mutex::new(HashMap::new()),
        };
        Ok((db, catalog))
    }

    fn take(&self) -> Result<Connection, rusqlite::Error> {
        let pooled = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        match pooled {
            Some(c) => Ok(c),
            None => {
                let c = Connection::open_with_flags(&self.path, self.flags)?;
                c.execute_batch("PRAGMA query_only = ON;")?;
                Ok(c)
            }
        }
    }

    fn give_back(&self, conn: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < 8 {
            idle.push(conn);
        }
    }

    fn gate(&self, caller: i64) -> Arc<Semaphore> {
        let mut callers = self.callers.lock().unwrap_or_else(|e| e.into_inner());
        callers
            .entry(caller)
            .or_insert_with(|| Arc::new(Semaphore::new(PER_CALLER)))
            .clone()
    }

    /// Runs one parameterized SELECT for `caller` on a pooled connection, stopping it
    /// `timeout_ms` after this call: time spent waiting for a turn counts against the limit.
    pub async fn query(
        self: &Arc<Self>,
        caller: i64,
        sql: String,
        params: Vec<Sql>,
        timeout_ms: u64,
    ) -> Result<Rows, RunError> {
        let deadline = Instant::now() + Duration::from_millis(timeout_ms);
        let by = tokio::time::Instant::from_std(deadline);
        let Ok(Ok(mine)) = tokio::time::timeout_at(by, self.gate(caller).acquire_owned()).await
        else {
            return Err(RunError::Timeout(timeout_ms));
        };
        let Ok(Ok(slot)) = tokio::time::timeout_at(by, self.running.clone().acquire_owned()).await
        else {
            return Err(RunError::Timeout(timeout_ms));
        };
        let conn = self.take()?;
        let db = self.clone();
        let task = tokio::task::spawn_blocking(move || {
            let result = run_until(&conn, &sql, &params, deadline);
            db.give_back(conn);
            // the turns end with the query itself, even if its request has gone away
            drop((mine, slot));
            result
        });
        match task.await {
            Ok(Err(e)) if Instant::now() >= deadline && interrupted(&e) => {
                Err(RunError::Timeout(timeout_ms))
            }
            Ok(r) => r.map_err(RunError::Sql),
            Err(e) => Err(RunError::Task(e.to_string())),
        }
    }
}

/// Runs the statement with a progress handler that aborts it once `deadline` has passed. Unlike
/// an interrupt sent from outside, the check cannot be lost when the statement has not started.
fn run_until(
    conn: &Connection,
    sql: &str,
    params: &[Sql],
    deadline: Instant,
) -> Result<Rows, rusqlite::Error> {
    // SQLite calls the handler every this many virtual machine instructions (a few µs).
    const CHECK_EVERY: std::ffi::c_int = 1000;
    conn.progress_handler(CHECK_EVERY, Some(move || Instant::now() >= deadline))?;
    let result = run(conn, sql, params);
    conn.progress_handler(0, None::<fn() -> bool>)?;
    result
}

fn interrupted(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(rusqlite::ErrorCode::OperationInterrupted)
}

fn run(conn: &Connection, sql: &str, params: &[Sql]) -> Result<Rows, rusqlite::Error> {
    let mut stmt = conn.prepare_cached(sql)?;
    let width = stmt.column_count();
    let mut out = Vec::new();
    let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
    while let Some(row) = rows.next()? {
        let mut r = Vec::with_capacity(width);
        for i in 0..width {
            r.push(row.get::<_, Sql>(i)?);
        }
        out.push(r);
    }
    Ok(Rows { rows: out })
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn load(conn: &mut Connection, specs: &[TableSpec]) -> Result<(), rusqlite::Error> {
    let tx = conn.transaction()?;
    for spec in specs {
        let cols: Vec<String> = spec
            .cols
            .iter()
            .map(|c| {
                let affinity = match c.base_type {
                    "type/Integer" | "type/BigInteger" => "INTEGER",
                    "type/Float" => "REAL",
                    _ => "TEXT",
                };
                let key = if c.semantic_type == Some("type/PK") {
                    " PRIMARY KEY"
                } else {
                    ""
                };
                format!("{} {affinity}{key}", quote(c.name))
            })
            .collect();
        tx.execute_batch(&format!(
            "DROP TABLE IF EXISTS {t}; CREATE TABLE {t} ({});",
            cols.join(", "),
            t = quote(&spec.sql_name)
        ))?;
        let marks = vec!["?"; spec.cols.len()].join(", ");
        let mut insert = tx.prepare(&format!(
            "INSERT INTO {} VALUES ({marks})",
            quote(&spec.sql_name)
        ))?;
        for row in &spec.rows {
            insert.execute(rusqlite::params_from_iter(row.iter()))?;
        }
    }
    tx.commit()
}

fn catalog_of(specs: &[TableSpec]) -> Catalog {
    let databases = vec![
        Database {
            id: super::catalog::ids::SAMPLE_DB,
            name: "Sample Database".into(),
            engine: "h2",
        },
        Database {
            id: super::catalog::ids::WAREHOUSE_DB,
            name: "Warehouse".into(),
            engine: "h2",
        },
    ];
    let mut next_id = 1i64;
    let mut tables = Vec::new();
    let mut fields = Vec::new();
    let mut named: Vec<(String, &'static str, i64)> = Vec::new();
    for spec in specs {
        let mut ids = Vec::new();
        for (i, c) in spec.cols.iter().enumerate() {
            let family = match super::catalog::field_type(c.base_type) {
                Some(t) if t.is_temporal() => Family::Temporal,
                Some(crate::query::FieldType::Number) => Family::Number,
                _ => Family::Text,
            };
            let column = spec.rows.iter().map(|r| &r[i]);
            let key = matches!(c.semantic_type, Some("type/PK" | "type/FK"));
            let values = if key || family == Family::Temporal {
                None
            } else {
                list_values(column.clone())
            };
            fields.push(Field {
                id: next_id,
                table_id: spec.id,
                name: c.name.into(),
                display_name: humanize(c.name),
                description: c.description.map(String::from),
                database_type: c.database_type,
                base_type: c.base_type,
                semantic_type: c.semantic_type,
                fk_target: None,
                values,
                fingerprint: Some(fingerprint(column, family)),
            });
            named.push((spec.name.clone(), c.name, next_id));
            ids.push(next_id);
            next_id += 1;
        }
        tables.push(Table {
            id: spec.id,
            db_id: spec.db_id,
            name: spec.name.clone(),
            sql_name: spec.sql_name.clone(),
            schema: Some("PUBLIC".into()),
            description: spec.description.clone(),
            fields: ids,
        });
    }
    let mut index = 0;
    for spec in specs {
        for c in &spec.cols {
            if let Some((table, column)) = c.fk {
                let target = named
                    .iter()
                    .find(|(t, n, _)| t == table && *n == column)
                    .map(|(_, _, id)| *id);
                fields[index].fk_target = target;
            }
            index += 1;
        }
    }
    Catalog::new(databases, tables, fields)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn a_runaway_query_is_interrupted() {
        let (db, _) = Db::build(&SandboxConfig::default()).unwrap();
        let db = Arc::new(db);
        let endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) \
                       SELECT count(*) FROM c";
        let started = std::time::Instant::now();
        let r = db.query(1, endless.into(), Vec::new(), 50).await;
        assert!(matches!(r, Err(RunError::Timeout(50))), "{:?}", r.err());
        assert!(started.elapsed() < Duration::from_secs(5));
        // the connection goes back to the pool in a usable state
        let r = db
            .query(
                1,
                "SELECT count(*) FROM \"ORDERS\"".into(),
                Vec::new(),
                5000,
            )
            .await
            .unwrap();
        assert_eq!(r.rows[0][0], Sql::Integer(10_000));
    }

    /// Reads a real table (a CTE alone would not contend for the database) for far longer
    /// than any limit the tests set.
    const ENDLESS: &str = "SELECT count(*) FROM \"ORDERS\" a, \"ORDERS\" b, \"ORDERS\" c \
                           WHERE a.\"ID\" + b.\"ID\" + c.\"ID\" < 0";

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_slow_query_does_not_hold_up_another() {
        let (db, _) = Db::build(&SandboxConfig::default()).unwrap();
        let db = Arc::new(db);
        let slow = tokio::spawn({
            let db = db.clone();
            async move { db.query(1, ENDLESS.into(), Vec::new(), 3000).await }
        });
        // let the slow one start first
        tokio::time::sleep(Duration::from_millis(100)).await;
        let started = Instant::now();
        let quick = db
            .query(
                1,
                "SELECT count(*) FROM \"PRODUCTS\"".into(),
                Vec::new(),
                3000,
            )
            .await
            .unwrap();
        let waited = started.elapsed();
        assert_eq!(quick.rows[0][0], Sql::Integer(200));
        assert!(waited < Duration::from_millis(1500), "waited {waited:?}");
        let slow = slow.await.unwrap();
        assert!(
            matches!(slow, Err(RunError::Timeout(3000))),
            "{:?}",
            slow.err()
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_runaway_queries_are_each_stopped_at_their_limit() {
        let (db, _) = Db::build(&SandboxConfig::default()).unwrap();
        let db = Arc::new(db);
        let started = Instant::now();
        let runs: Vec<_> = (0..4)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move { db.query(1, ENDLESS.into(), Vec::new(), 300).await })
            })
            .collect();
        for run in runs {
            let r = run.await.unwrap();
            assert!(matches!(r, Err(RunError::Timeout(300))), "{:?}", r.err());
        }
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_flooding_caller_waits_for_their_own_turns() {
        let (db, _) = Db::build(&SandboxConfig::default()).unwrap();
        let db = Arc::new(db);
        let flood: Vec<_> = (0..3 * PER_CALLER)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move { db.query(1, ENDLESS.into(), Vec::new(), 1500).await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(200)).await;
        // only the caller's own share of the server is taken
        assert_eq!(db.running.available_permits(), AT_ONCE - PER_CALLER);
        let started = Instant::now();
        let quick = db
            .query(
                2,
                "SELECT count(*) FROM \"PRODUCTS\"".into(),
                Vec::new(),
                1500,
            )
            .await
            .unwrap();
        assert_eq!(quick.rows[0][0], Sql::Integer(200));
        assert!(started.elapsed() < Duration::from_millis(1000));
        // every flooding query ends at its own deadline, waiting or running
        for f in flood {
            let r = f.await.unwrap();
            assert!(matches!(r, Err(RunError::Timeout(1500))), "{:?}", r.err());
        }
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(db.running.available_permits(), AT_ONCE);
    }

    #[tokio::test]
    async fn a_prepare_error_does_not_carry_the_statement() {
        let (db, _) = Db::build(&SandboxConfig::default()).unwrap();
        let r = Arc::new(db)
            .query(1, "SELECT nope FROM \"PRODUCTS\"".into(), Vec::new(), 5000)
            .await;
        let message = r.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("no such column"), "{message}");
        assert!(!message.contains("PRODUCTS"), "{message}");
    }

    #[tokio::test]
    async fn pooled_connections_are_read_only() {
        let (db, _) = Db::build(&SandboxConfig::default()).unwrap();
        let r = Arc::new(db)
            .query(1, "DELETE FROM \"ORDERS\"".into(), Vec::new(), 5000)
            .await;
        assert!(matches!(r, Err(RunError::Sql(_))));
    }
}

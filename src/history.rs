//! Query history and favourites, kept per profile in a local SQLite file in the data dir
//! (`history.sqlite3`). Every query run is recorded with who ran it, the body, the outcome and
//! the time; a run can be starred.

use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("history file {path}: {source}")]
    Sqlite {
        path: String,
        source: rusqlite::Error,
    },
    #[error("cannot create the history directory {path}: {source}")]
    Dir {
        path: String,
        source: std::io::Error,
    },
}

/// How a recorded run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunStatus {
    Completed,
    Failed,
}

impl RunStatus {
    fn as_str(self) -> &'static str {
        match self {
            RunStatus::Completed => "completed",
            RunStatus::Failed => "failed",
        }
    }
}

/// One query run, to record.
#[derive(Clone, Debug, PartialEq)]
pub struct NewRun<'a> {
    pub profile: &'a str,
    pub user: &'a str,
    /// The construct-query body, as JSON text.
    pub body: &'a str,
    pub row_count: Option<u64>,
    pub elapsed_ms: u64,
    pub status: RunStatus,
    pub error: Option<&'a str>,
}

/// A recorded run.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub id: i64,
    pub profile: String,
    pub user: String,
    pub body: String,
    pub row_count: Option<u64>,
    pub elapsed_ms: u64,
    pub status: String,
    pub error: Option<String>,
    /// Unix seconds.
    pub at: i64,
    pub starred: bool,
}

pub struct History {
    conn: Connection,
    path: String,
}

impl History {
    /// The default file: `<data dir>/history.sqlite3`.
    pub fn default_path() -> Option<PathBuf> {
        crate::config::data_dir().map(|d| d.join("history.sqlite3"))
    }

    /// Opens (creating if needed) the history file.
    pub fn open(path: &Path) -> Result<History, HistoryError> {
        let shown = path.display().to_string();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| HistoryError::Dir {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let conn = Connection::open(path).map_err(|source| HistoryError::Sqlite {
            path: shown.clone(),
            source,
        })?;
        let h = History { conn, path: shown };
        h.migrate()?;
        Ok(h)
    }

    /// An in-memory history, for tests and `--no-history`-like uses that still want a list.
    pub fn in_memory() -> Result<History, HistoryError> {
        let conn = Connection::open_in_memory().map_err(|source| HistoryError::Sqlite {
            path: ":memory:".into(),
            source,
        })?;
        let h = History {
            conn,
            path: ":memory:".into(),
        };
        h.migrate()?;
        Ok(h)
    }

    fn err(&self, source: rusqlite::Error) -> HistoryError {
        HistoryError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn migrate(&self) -> Result<(), HistoryError> {
        // user_version tracks the schema, so a later version can add columns in place.
        self.conn
            .execute_batch(
                "CREATE TABLE IF NOT EXISTS runs (
                    id INTEGER PRIMARY KEY,
                    profile TEXT NOT NULL,
                    user TEXT NOT NULL,
                    body TEXT NOT NULL,
                    row_count INTEGER,
                    elapsed_ms INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    error TEXT,
                    at INTEGER NOT NULL,
                    starred INTEGER NOT NULL DEFAULT 0
                 );
                 CREATE INDEX IF NOT EXISTS runs_profile_at ON runs(profile, at DESC);
                 CREATE TABLE IF NOT EXISTS users (
                    profile TEXT NOT NULL,
                    email TEXT NOT NULL,
                    groups TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    PRIMARY KEY (profile, email, groups)
                 );
                 PRAGMA user_version = 2;",
            )
            .map_err(|e| self.err(e))
    }

    pub fn record(&self, run: &NewRun<'_>) -> Result<i64, HistoryError> {
        let at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        self.conn
            .execute(
                "INSERT INTO runs (profile, user, body, row_count, elapsed_ms, status, error, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    run.profile,
                    run.user,
                    run.body,
                    run.row_count.map(|n| n as i64),
                    run.elapsed_ms as i64,
                    run.status.as_str(),
                    run.error,
                    at
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The newest runs of a profile first; starred ones only when `starred_only`.
    pub fn list(
        &self,
        profile: &str,
        starred_only: bool,
        limit: usize,
    ) -> Result<Vec<Run>, HistoryError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {RUN_COLUMNS} FROM runs WHERE profile = ?1 AND (?2 = 0 OR starred = 1)
                 ORDER BY at DESC, id DESC LIMIT ?3"
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![profile, starred_only as i64, limit as i64], map_run)
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Stars or unstars a run; false when there is no such run.
    pub fn set_starred(&self, id: i64, starred: bool) -> Result<bool, HistoryError> {
        let n = self
            .conn
            .execute(
                "UPDATE runs SET starred = ?2 WHERE id = ?1",
                params![id, starred as i64],
            )
            .map_err(|e| self.err(e))?;
        Ok(n == 1)
    }

    /// Remembers a user switched to or compared with (groups as given); seeing one again makes
    /// it the most recent.
    pub fn remember_user(
        &self,
        profile: &str,
        email: &str,
        groups: &[String],
    ) -> Result<(), HistoryError> {
        let groups = serde_json::to_string(groups).unwrap_or_else(|_| "[]".into());
        // REPLACE deletes and re-inserts, so the rowid orders users seen within one second.
        self.conn
            .execute(
                "INSERT OR REPLACE INTO users (profile, email, groups, at) VALUES (?1, ?2, ?3, ?4)",
                params![profile, email, groups, now_secs()],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The users remembered for a profile, most recent first.
    pub fn users(&self, profile: &str, limit: usize) -> Result<Vec<SeenUser>, HistoryError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT email, groups FROM users WHERE profile = ?1
                 ORDER BY at DESC, rowid DESC LIMIT ?2",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![profile, limit as i64], |r| {
                let groups: String = r.get(1)?;
                Ok(SeenUser {
                    email: r.get(0)?,
                    // A row written by hand with bad JSON still names its user.
                    groups: serde_json::from_str(&groups).unwrap_or_default(),
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    pub fn get(&self, id: i64) -> Result<Option<Run>, HistoryError> {
        self.conn
            .query_row(
                &format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1"),
                params![id],
                map_run,
            )
            .optional()
            .map_err(|e| self.err(e))
    }
}

/// A user remembered for a profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeenUser {
    pub email: String,
    pub groups: Vec<String>,
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

const RUN_COLUMNS: &str =
    "id, profile, user, body, row_count, elapsed_ms, status, error, at, starred";

fn map_run(r: &rusqlite::Row<'_>) -> rusqlite::Result<Run> {
    Ok(Run {
        id: r.get(0)?,
        profile: r.get(1)?,
        user: r.get(2)?,
        body: r.get(3)?,
        row_count: r.get::<_, Option<i64>>(4)?.map(|n| n.max(0) as u64),
        elapsed_ms: r.get::<_, i64>(5)?.max(0) as u64,
        status: r.get(6)?,
        error: r.get(7)?,
        at: r.get(8)?,
        starred: r.get::<_, i64>(9)? != 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run<'a>(profile: &'a str, body: &'a str) -> NewRun<'a> {
        NewRun {
            profile,
            user: "analyst@example.com",
            body,
            row_count: Some(12),
            elapsed_ms: 34,
            status: RunStatus::Completed,
            error: None,
        }
    }

    #[test]
    fn runs_survive_reopening_and_stay_per_profile() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/history.sqlite3");
        {
            let h = History::open(&path).unwrap();
            h.record(&run("sandbox", r#"{"table_id":1}"#)).unwrap();
            let id = h.record(&run("sandbox", r#"{"table_id":2}"#)).unwrap();
            h.record(&run("prod", r#"{"table_id":3}"#)).unwrap();
            assert!(h.set_starred(id, true).unwrap());
            assert!(!h.set_starred(9999, true).unwrap());
        }
        let h = History::open(&path).unwrap();
        let all = h.list("sandbox", false, 10).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].body, r#"{"table_id":2}"#, "newest first");
        assert!(all[0].starred && !all[1].starred);
        let starred = h.list("sandbox", true, 10).unwrap();
        assert_eq!(starred.len(), 1);
        assert_eq!(h.list("prod", false, 10).unwrap().len(), 1);
        assert_eq!(
            h.get(all[1].id).unwrap().map(|r| r.row_count),
            Some(Some(12))
        );
        assert_eq!(h.get(424242).unwrap(), None);
    }

    #[test]
    fn failures_keep_their_error() {
        let h = History::in_memory().unwrap();
        h.record(&NewRun {
            status: RunStatus::Failed,
            error: Some("You don't have permissions to do that."),
            row_count: None,
            ..run("p", "{}")
        })
        .unwrap();
        let r = &h.list("p", false, 1).unwrap()[0];
        assert_eq!(r.status, "failed");
        assert_eq!(
            r.error.as_deref(),
            Some("You don't have permissions to do that.")
        );
        assert_eq!(r.row_count, None);
    }

    #[test]
    fn users_are_remembered_per_profile_most_recent_first() {
        let h = History::in_memory().unwrap();
        let sales = vec!["Sales".to_string()];
        h.remember_user("prod", "a@example.com", &[]).unwrap();
        h.remember_user("prod", "b@example.com", &sales).unwrap();
        h.remember_user("dev", "c@example.com", &[]).unwrap();
        // Seen again: now the most recent.
        h.remember_user("prod", "a@example.com", &[]).unwrap();
        let prod = h.users("prod", 10).unwrap();
        assert_eq!(
            prod,
            vec![
                SeenUser {
                    email: "a@example.com".into(),
                    groups: vec![],
                },
                SeenUser {
                    email: "b@example.com".into(),
                    groups: sales,
                },
            ]
        );
        assert_eq!(h.users("dev", 10).unwrap().len(), 1);
        assert!(h.users("other", 10).unwrap().is_empty());
        assert_eq!(h.users("prod", 1).unwrap().len(), 1);
    }
}

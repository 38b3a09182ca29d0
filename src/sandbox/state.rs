//! Everything a request handler reads: settings, the catalog, the database, users and sessions.

use super::catalog::Catalog;
use super::db::Db;
use super::perms::{ALL_USERS, KNOWN_GROUPS};
use super::users::{User, UserSummary, seed_users};
use super::{SandboxConfig, SandboxError};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Mutex, RwLock};

pub struct AppState {
    pub config: SandboxConfig,
    pub catalog: Catalog,
    pub db: std::sync::Arc<Db>,
    users: RwLock<Vec<User>>,
    /// session key → (user id, created at, Unix seconds)
    sessions: Mutex<HashMap<String, (i64, i64)>>,
}

impl AppState {
    pub fn build(mut config: SandboxConfig) -> Result<AppState, SandboxError> {
        // A blank shared secret means JWT is not configured, as in Metabase's settings.
        if config
            .secret
            .as_deref()
            .is_some_and(|s| s.trim().is_empty())
        {
            config.secret = None;
        }
        let (db, catalog) = Db::build(&config)?;
        Ok(AppState {
            config,
            catalog,
            db: std::sync::Arc::new(db),
            users: RwLock::new(seed_users()),
            sessions: Mutex::new(HashMap::new()),
        })
    }

    fn read_users(&self) -> std::sync::RwLockReadGuard<'_, Vec<User>> {
        self.users.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn user_summaries(&self) -> Vec<UserSummary> {
        self.read_users()
            .iter()
            .map(|u| UserSummary::of(u, &self.catalog))
            .collect()
    }

    /// An active user whose email matches, ignoring case.
    pub fn active_user(&self, email: &str) -> Option<User> {
        self.read_users()
            .iter()
            .find(|u| u.active && u.email.eq_ignore_ascii_case(email))
            .cloned()
    }

    fn active_user_by_id(&self, id: i64) -> Option<User> {
        self.read_users()
            .iter()
            .find(|u| u.active && u.id == id)
            .cloned()
    }

    pub fn api_key_user(&self, key: &str) -> Option<User> {
        let email = self
            .config
            .api_keys
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, e)| e.clone())?;
        self.active_user(&email)
    }

    /// The user of a session that exists and is not older than the max age (inclusive).
    pub fn session_user(&self, key: &str) -> Option<User> {
        let (user_id, created) = {
            let sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
            *sessions.get(key)?
        };
        let age = self.config.clock.now() - created;
        if age > i64::try_from(self.config.session_max_age_secs).unwrap_or(i64::MAX) {
            return None;
        }
        self.active_user_by_id(user_id)
    }

    pub fn new_session(&self, user_id: i64) -> String {
        let key = uuid::Uuid::new_v4().to_string();
        let now = self.config.clock.now();
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let max_age = i64::try_from(self.config.session_max_age_secs).unwrap_or(i64::MAX);
        sessions.retain(|_, (_, created)| now - *created <= max_age);
        sessions.insert(key.clone(), (user_id, now));
        key
    }

    /// JWT SSO login: find or create the user, reactivate them, apply names and (when the
    /// claim is present) the groups the sandbox knows.
    pub fn provision(&self, email: &str, claims: &Map<String, Value>) -> User {
        let text = |k: &str| claims.get(k).and_then(Value::as_str).map(String::from);
        let groups: Option<Vec<String>> = claims.get("groups").map(|g| {
            let named: Vec<String> = match g {
                Value::Array(items) => items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect(),
                Value::String(s) => vec![s.clone()],
                _ => Vec::new(),
            };
            std::iter::once(ALL_USERS.to_string())
                .chain(
                    KNOWN_GROUPS
                        .iter()
                        .filter(|k| **k != ALL_USERS && named.iter().any(|n| n == *k))
                        .map(|k| k.to_string()),
                )
                .collect()
        });
        let mut users = self.users.write().unwrap_or_else(|e| e.into_inner());
        let index = match users
            .iter()
            .position(|u| u.email.eq_ignore_ascii_case(email))
        {
            Some(i) => i,
            None => {
                let id = users.iter().map(|u| u.id).max().unwrap_or(0) + 1;
                users.push(User {
                    id,
                    email: email.to_lowercase(),
                    first_name: None,
                    last_name: None,
                    active: true,
                    groups: vec![ALL_USERS.to_string()],
                });
                users.len() - 1
            }
        };
        let user = &mut users[index];
        user.active = true;
        if let Some(first) = text("first_name") {
            user.first_name = Some(first);
        }
        if let Some(last) = text("last_name") {
            user.last_name = Some(last);
        }
        if let Some(groups) = groups {
            user.groups = groups;
        }
        user.clone()
    }
}

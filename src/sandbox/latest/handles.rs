//! Query handles of `/v2/execute-query`: a UUID v3 over `"<user-id> <query json>"`, so the
//! same user and query always get the same handle; readable only by that user, for 14 days.

use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;

pub const TTL_SECS: i64 = 14 * 24 * 3600;

#[derive(Default)]
pub struct Handles {
    /// (user id, handle) → (resolved query, minted at, Unix seconds)
    entries: Mutex<HashMap<(i64, String), (Value, i64)>>,
}

pub fn handle_for(user_id: i64, query: &Value) -> String {
    let seed = format!("{user_id} {query}");
    uuid::Uuid::new_v3(&uuid::Uuid::NAMESPACE_OID, seed.as_bytes()).to_string()
}

impl Handles {
    /// Stores the query and returns its handle; minting again refreshes the expiry.
    pub fn mint(&self, user_id: i64, query: &Value, now: i64) -> String {
        let handle = handle_for(user_id, query);
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|_, (_, at)| now - *at <= TTL_SECS);
        entries.insert((user_id, handle.clone()), (query.clone(), now));
        handle
    }

    /// The query behind a live handle of this user.
    pub fn read(&self, user_id: i64, handle: &str, now: i64) -> Option<Value> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(&(user_id, handle.to_string()))
            .filter(|(_, at)| now - *at <= TTL_SECS)
            .map(|(q, _)| q.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn handles_are_per_user_deterministic_and_expire() {
        let store = Handles::default();
        let q = json!({"stages": [{"source-table": 2}]});
        let h = store.mint(1, &q, 0);
        assert_eq!(h, handle_for(1, &q));
        assert_ne!(h, handle_for(2, &q));
        assert_eq!(store.read(1, &h, TTL_SECS), Some(q.clone()));
        assert_eq!(store.read(2, &h, 0), None);
        assert_eq!(store.read(1, &h, TTL_SECS + 1), None);
        assert!(uuid::Uuid::parse_str(&h).is_ok());
    }
}

//! The request log: every call a client (and its clones and `as_user` siblings) makes, bounded,
//! with every credential redacted before it is stored, and a copy-as-curl rendering.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio::sync::watch;

/// How many entries the log keeps; the oldest are dropped first.
pub const DEFAULT_LOG_CAPACITY: usize = 500;
/// How much of a response body an entry keeps.
pub const PREVIEW_BYTES: usize = 4096;
/// What stands in for a credential in stored text.
pub const REDACTED: &str = "<redacted>";

/// Which credential a request carried (the credential itself is never stored).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogAuth {
    None,
    /// `Authorization: Bearer <jwt>`.
    Bearer,
    /// `X-Metabase-Session: <token>`.
    Session,
    /// `X-API-Key: <key>`.
    ApiKey,
    /// A session exchange: the JWT travels in the body as `{"jwt": …}`.
    JwtInBody,
}

/// One recorded request.
#[derive(Clone, Debug, PartialEq)]
pub struct LogEntry {
    /// Increases by one per request, across clones.
    pub id: u64,
    pub at: SystemTime,
    pub method: String,
    /// The server's base URL (`http://127.0.0.1:3000`).
    pub base_url: String,
    /// Path and query, from the server root (`/api/agent/v1/table/4?with-fields=true`).
    pub path: String,
    /// Who the request acted as.
    pub user: String,
    pub auth: LogAuth,
    pub status: Option<u16>,
    pub duration: Duration,
    /// Response body bytes received.
    pub bytes: usize,
    pub request_body: Option<String>,
    /// The start of the response body (redacted).
    pub response_preview: String,
    /// The error line, when the request failed.
    pub error: Option<String>,
}

impl LogEntry {
    /// A shell command that repeats this request. The credential is read from `$MBX_TOKEN`,
    /// `$MBX_SESSION` or `$MBX_API_KEY` unless `inline` gives the value to paste in.
    pub fn to_curl(&self, inline: Option<&str>) -> String {
        let cred = |var: &str| match inline {
            Some(v) => sh_quote(v),
            None => format!("\"${var}\""),
        };
        let mut parts = vec![
            "curl -sS".to_string(),
            format!("-X {}", self.method),
            sh_quote(&format!("{}{}", self.base_url, self.path)),
            "-H 'Accept: application/json'".to_string(),
        ];
        match self.auth {
            LogAuth::None | LogAuth::JwtInBody => {}
            LogAuth::Bearer => parts.push(format!(
                "-H {}",
                header("Authorization: Bearer ", &cred("MBX_TOKEN"))
            )),
            LogAuth::Session => parts.push(format!(
                "-H {}",
                header("X-Metabase-Session: ", &cred("MBX_SESSION"))
            )),
            LogAuth::ApiKey => parts.push(format!(
                "-H {}",
                header("X-API-Key: ", &cred("MBX_API_KEY"))
            )),
        }
        if self.auth == LogAuth::JwtInBody {
            parts.push("-H 'Content-Type: application/json'".to_string());
            parts.push(format!("--data-raw {}", jwt_body(inline)));
        } else if let Some(body) = &self.request_body {
            parts.push("-H 'Content-Type: application/json'".to_string());
            parts.push(format!("--data-raw {}", sh_quote(body)));
        }
        parts.join(" ")
    }
}

/// `'Header: '"$VAR"` — a fixed quoted prefix followed by an already-quoted value.
fn header(prefix: &str, quoted_value: &str) -> String {
    format!("{}{}", sh_quote(prefix), quoted_value)
}

/// The session-exchange body with the token spliced in as a JSON string.
fn jwt_body(inline: Option<&str>) -> String {
    match inline {
        Some(v) => sh_quote(&serde_json::json!({ "jwt": v }).to_string()),
        None => "'{\"jwt\": \"'\"$MBX_TOKEN\"'\"}'".to_string(),
    }
}

/// Quotes text for a POSIX shell: single quotes, with embedded ones closed and escaped.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Replaces every occurrence of each secret in `text`.
pub fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for s in secrets {
        // Very short values would redact ordinary text; real credentials are long.
        if s.len() >= 4 {
            out = out.replace(s, REDACTED);
        }
    }
    out
}

/// Cuts text to at most `max` bytes on a character boundary.
pub fn preview(bytes: &[u8], max: usize) -> String {
    let cut = &bytes[..bytes.len().min(max)];
    let text = String::from_utf8_lossy(cut);
    let mut s = text.into_owned();
    if bytes.len() > max {
        s.push('…');
    }
    s
}

#[derive(Debug)]
struct LogInner {
    entries: Mutex<(u64, VecDeque<LogEntry>)>,
    capacity: usize,
    generation: watch::Sender<u64>,
}

/// A shared, bounded request log. Clones share the same entries.
#[derive(Clone, Debug)]
pub struct RequestLog(Arc<LogInner>);

impl Default for RequestLog {
    fn default() -> Self {
        RequestLog::new(DEFAULT_LOG_CAPACITY)
    }
}

impl RequestLog {
    pub fn new(capacity: usize) -> RequestLog {
        let (generation, _) = watch::channel(0);
        RequestLog(Arc::new(LogInner {
            entries: Mutex::new((0, VecDeque::new())),
            capacity: capacity.max(1),
            generation,
        }))
    }

    /// Stores an entry (its `id` is assigned here) and wakes every subscriber.
    pub fn push(&self, mut entry: LogEntry) -> u64 {
        let id = {
            let mut guard = self.0.entries.lock().unwrap_or_else(|e| e.into_inner());
            let (next, entries) = &mut *guard;
            *next += 1;
            entry.id = *next;
            if entries.len() >= self.0.capacity {
                entries.pop_front();
            }
            entries.push_back(entry);
            *next
        };
        self.0.generation.send_replace(id);
        id
    }

    /// Every kept entry, oldest first.
    pub fn entries(&self) -> Vec<LogEntry> {
        let guard = self.0.entries.lock().unwrap_or_else(|e| e.into_inner());
        guard.1.iter().cloned().collect()
    }

    pub fn last(&self) -> Option<LogEntry> {
        let guard = self.0.entries.lock().unwrap_or_else(|e| e.into_inner());
        guard.1.back().cloned()
    }

    pub fn len(&self) -> usize {
        self.0
            .entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A receiver whose value (the id of the newest entry) changes whenever an entry is added:
    /// the UI awaits `changed()` instead of polling.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.0.generation.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn entry(auth: LogAuth, body: Option<&str>) -> LogEntry {
        LogEntry {
            id: 0,
            at: SystemTime::now(),
            method: "POST".into(),
            base_url: "http://127.0.0.1:1".into(),
            path: "/api/agent/v1/search".into(),
            user: "a@x".into(),
            auth,
            status: Some(200),
            duration: Duration::from_millis(3),
            bytes: 10,
            request_body: body.map(str::to_string),
            response_preview: String::new(),
            error: None,
        }
    }

    /// Runs `printf '%s\n' <args>` through sh to see the words the shell would pass to curl.
    fn words(cmd: &str, env: &[(&str, &str)]) -> Vec<String> {
        let script = cmd.replacen("curl -sS", "printf '%s\\n'", 1);
        let out = Command::new("sh")
            .arg("-c")
            .arg(script)
            .envs(env.iter().copied())
            .output();
        let out = out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
        out.unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn curl_survives_the_shell_with_the_token_from_the_environment() {
        let e = entry(LogAuth::Bearer, Some(r#"{"term_queries":["it's"]}"#));
        let cmd = e.to_curl(None);
        assert!(cmd.contains("$MBX_TOKEN"));
        let w = words(&cmd, &[("MBX_TOKEN", "tok.en")]);
        assert!(
            w.contains(&"Authorization: Bearer tok.en".to_string()),
            "{w:?}"
        );
        assert!(
            w.contains(&r#"{"term_queries":["it's"]}"#.to_string()),
            "{w:?}"
        );
        assert!(w.contains(&"http://127.0.0.1:1/api/agent/v1/search".to_string()));
    }

    #[test]
    fn curl_inlines_only_when_asked_and_handles_each_mode() {
        let s = entry(LogAuth::Session, None).to_curl(Some("sess'ion"));
        let w = words(&s, &[]);
        assert!(
            w.contains(&"X-Metabase-Session: sess'ion".to_string()),
            "{w:?}"
        );
        let k = entry(LogAuth::ApiKey, None).to_curl(None);
        assert!(words(&k, &[("MBX_API_KEY", "kk")]).contains(&"X-API-Key: kk".to_string()));
        let x = entry(LogAuth::JwtInBody, Some(r#"{"jwt":"<redacted>"}"#)).to_curl(None);
        let w = words(&x, &[("MBX_TOKEN", "a.b.c")]);
        assert!(w.contains(&r#"{"jwt": "a.b.c"}"#.to_string()), "{w:?}");
        let xi = entry(LogAuth::JwtInBody, None).to_curl(Some("a.b.c"));
        assert!(words(&xi, &[]).contains(&r#"{"jwt":"a.b.c"}"#.to_string()));
    }

    #[tokio::test]
    async fn the_log_is_bounded_shared_and_announces_changes() {
        let log = RequestLog::new(2);
        let other = log.clone();
        let mut rx = log.subscribe();
        for _ in 0..3 {
            other.push(entry(LogAuth::None, None));
        }
        assert_eq!(log.len(), 2);
        assert_eq!(log.entries()[0].id, 2);
        assert!(rx.has_changed().unwrap_or(false));
        assert_eq!(*rx.borrow_and_update(), 3);
    }

    #[test]
    fn redact_replaces_every_secret() {
        let t = redact("a SECRETX b TOKENY", &["SECRETX", "TOKENY", ""]);
        assert_eq!(t, "a <redacted> b <redacted>");
        assert_eq!(preview("héllo".as_bytes(), 2), "h\u{fffd}…");
    }
}

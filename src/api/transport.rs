//! One HTTP exchange: send, read a bounded body, and turn whatever came back (or did not) into
//! either raw bytes or an `ApiError`. It knows the contract's four error-body kinds but nothing
//! about credentials beyond the header it is handed.

use super::error::ApiError;
use super::secret::Secret;
use bytes::{Bytes, BytesMut};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::error::Error as _;
use std::time::Duration;

/// What a request is for, so an error can say so ("read table 4").
#[derive(Clone, Debug)]
pub struct Ctx {
    /// A verb phrase: "read table 4", "search", "run the query".
    pub action: String,
    /// The thing a 404 is about: "table 4".
    pub what: String,
    /// A refused request is a failed query (exit code 5).
    pub query: bool,
}

impl Ctx {
    pub fn new(action: impl Into<String>, what: impl Into<String>) -> Ctx {
        Ctx {
            action: action.into(),
            what: what.into(),
            query: false,
        }
    }

    pub fn query(action: impl Into<String>, what: impl Into<String>) -> Ctx {
        Ctx {
            query: true,
            ..Ctx::new(action, what)
        }
    }
}

/// A response as received: status, the headers we use, and the whole (bounded) body.
#[derive(Debug, Clone)]
pub struct Raw {
    pub status: u16,
    pub content_type: String,
    pub version: Option<String>,
    pub body: Bytes,
    /// How long this one exchange took (not counting renewals or retries before it).
    pub elapsed: Duration,
    /// Credentials that must not appear in anything derived from `body`.
    pub redactions: Vec<Secret>,
}

impl Raw {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as text with every credential this request carried replaced.
    pub fn text(&self) -> String {
        self.redacted(&String::from_utf8_lossy(&self.body))
    }

    /// `text` with every credential this request carried replaced.
    fn redacted(&self, text: &str) -> String {
        let secrets: Vec<&str> = self.redactions.iter().map(Secret::expose).collect();
        super::log::redact(text, &secrets)
    }

    fn looks_html(&self) -> bool {
        if self.content_type.starts_with("text/html") {
            return true;
        }
        let head = self.body.iter().take(64).copied().collect::<Vec<u8>>();
        let head = String::from_utf8_lossy(&head)
            .trim_start()
            .to_ascii_lowercase();
        head.starts_with("<!doctype html") || head.starts_with("<html")
    }

    /// The body as `T`; a body that is not the expected JSON becomes a transport-level error.
    pub fn json<T: DeserializeOwned>(&self, url: &str) -> Result<T, ApiError> {
        serde_json::from_slice(&self.body).map_err(|e| self.decode_error(&e, url))
    }

    pub fn decode_error(&self, e: &serde_json::Error, url: &str) -> ApiError {
        if self.looks_html() {
            return ApiError::Html {
                status: self.status,
                message: html_message(&self.text()),
            };
        }
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return ApiError::NotJson {
                status: self.status,
                preview: "an empty body".into(),
            };
        }
        if e.is_eof() {
            return ApiError::Truncated {
                status: self.status,
                bytes: self.body.len(),
                url: url.to_string(),
            };
        }
        if e.is_data() && e.to_string().starts_with(crate::data::TOO_MANY_CELLS) {
            return ApiError::TooManyCells {
                limit: crate::data::MAX_CELLS,
            };
        }
        if e.is_data() {
            // serde quotes the value it did not expect, which may be an echoed credential
            return ApiError::Shape {
                status: self.status,
                detail: self.redacted(&e.to_string()),
            };
        }
        ApiError::NotJson {
            status: self.status,
            preview: one_line(&self.text(), 120),
        }
    }

    /// The error an unsuccessful answer stands for (§1's four body kinds, or HTML).
    pub fn error(&self, ctx: &Ctx, user: &str) -> ApiError {
        let status = self.status;
        if self.looks_html() {
            return ApiError::Html {
                status,
                message: html_message(&self.text()),
            };
        }
        let text = self.text();
        if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(&text) {
            let s = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
            if let (Some(code), Some(message)) = (s("error"), s("message")) {
                return match status {
                    401 => ApiError::Auth {
                        status,
                        code,
                        message,
                        user: user.to_string(),
                    },
                    403 => ApiError::Scope {
                        status,
                        code,
                        message,
                        user: user.to_string(),
                        action: ctx.action.clone(),
                    },
                    _ => ApiError::Status {
                        status,
                        message: format!("{message} ({code})"),
                        action: ctx.action.clone(),
                    },
                };
            }
            if let Some(Value::Object(errors)) = m.get("errors") {
                return ApiError::Validation {
                    status,
                    params: errors.keys().cloned().collect(),
                    action: ctx.action.clone(),
                    query: ctx.query,
                };
            }
            if let Some(message) = s("message") {
                return self.by_status(one_line(&message, 300), ctx, user);
            }
            return self.by_status(one_line(&text, 300), ctx, user);
        }
        let message = if text.trim().is_empty() {
            http::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("no message")
                .to_string()
        } else {
            one_line(&text, 300)
        };
        self.by_status(message, ctx, user)
    }

    fn by_status(&self, message: String, ctx: &Ctx, user: &str) -> ApiError {
        let status = self.status;
        match status {
            401 => ApiError::Auth {
                status,
                code: "unauthenticated".into(),
                message,
                user: user.to_string(),
            },
            403 => ApiError::Forbidden {
                status,
                message,
                user: user.to_string(),
                action: ctx.action.clone(),
            },
            404 => ApiError::NotFound {
                status,
                message,
                what: ctx.what.clone(),
            },
            400 => ApiError::BadRequest {
                status,
                message,
                action: ctx.action.clone(),
                query: ctx.query,
            },
            s if s >= 500 => ApiError::Server {
                status,
                message,
                action: ctx.action.clone(),
            },
            _ => ApiError::Status {
                status,
                message,
                action: ctx.action.clone(),
            },
        }
    }
}

/// Text collapsed to one line of at most `max` characters.
pub fn one_line(text: &str, max: usize) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() > max {
        let mut s: String = collapsed.chars().take(max).collect();
        s.push('…');
        s
    } else {
        collapsed
    }
}

/// The readable text of an HTML error page: the body's text without markup, on one line.
pub fn html_message(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let body = match lower.find("<body") {
        Some(i) => &html[i..],
        None => html,
    };
    let mut out = String::with_capacity(body.len().min(4096));
    let mut rest = body;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        out.push(' ');
        let after = &rest[lt..];
        let low = after.get(..8).unwrap_or(after).to_ascii_lowercase();
        // Script and style contents are not text a person should see.
        let closing = if low.starts_with("<script") {
            "</script>"
        } else if low.starts_with("<style") {
            "</style>"
        } else {
            ">"
        };
        match after.to_ascii_lowercase().find(closing) {
            Some(end) => rest = &after[end + closing.len()..],
            None => {
                rest = "";
                break;
            }
        }
    }
    out.push_str(rest);
    let text = out
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ");
    let line = one_line(&text, 200);
    if line.is_empty() {
        "an HTML page with no text".to_string()
    } else {
        line
    }
}

/// Reads a response body, refusing more than `limit` bytes.
pub async fn read_body(
    resp: &mut reqwest::Response,
    limit: usize,
    url: &str,
    timeout: Duration,
) -> Result<Bytes, ApiError> {
    let status = resp.status().as_u16();
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(ApiError::TooLarge {
            limit,
            url: url.to_string(),
        });
    }
    let mut buf = BytesMut::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if buf.len() + chunk.len() > limit {
                    return Err(ApiError::TooLarge {
                        limit,
                        url: url.to_string(),
                    });
                }
                buf.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(buf.freeze()),
            Err(e) if e.is_timeout() => {
                return Err(ApiError::Timeout {
                    url: url.to_string(),
                    after: timeout,
                });
            }
            Err(_) => {
                return Err(ApiError::Truncated {
                    status,
                    bytes: buf.len(),
                    url: url.to_string(),
                });
            }
        }
    }
}

/// A failure before any answer arrived, named the way a person would.
pub fn send_error(e: &reqwest::Error, url: &str, timeout: Duration) -> ApiError {
    let url = url.to_string();
    if e.is_timeout() {
        return ApiError::Timeout {
            url,
            after: timeout,
        };
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = e.source();
    let mut details = Vec::new();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            match io.kind() {
                ConnectionRefused => return ApiError::Refused { url },
                ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof => {
                    return ApiError::Reset {
                        url,
                        detail: "the connection was reset".into(),
                    };
                }
                TimedOut => {
                    return ApiError::Timeout {
                        url,
                        after: timeout,
                    };
                }
                _ => {}
            }
        }
        details.push(s.to_string());
        source = s.source();
    }
    let detail = details.last().cloned().unwrap_or_else(|| e.to_string());
    let all = details.join(" ").to_ascii_lowercase();
    // On https, a connect failure that is not refused, reset or timed out happened in the TLS
    // handshake (rustls reports it through an opaque I/O error).
    let tls_connect = url.starts_with("https:") && e.is_connect();
    if tls_connect
        || all.contains("certificate")
        || all.contains("tls")
        || all.contains("handshake")
        || all.contains("corrupt message")
    {
        return ApiError::Tls { url, detail };
    }
    if all.contains("connection closed") || all.contains("incomplete message") {
        return ApiError::Reset {
            url,
            detail: "the server closed the connection without answering".into(),
        };
    }
    ApiError::Transport {
        url,
        detail: one_line(&detail, 200),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(status: u16, ct: &str, body: &str) -> Raw {
        Raw {
            status,
            content_type: ct.into(),
            version: None,
            body: Bytes::from(body.to_string()),
            elapsed: Duration::ZERO,
            redactions: vec![Secret::new("SEKRET-TOKEN")],
        }
    }

    fn ctx() -> Ctx {
        Ctx::new("read table 4", "table 4")
    }

    #[test]
    fn the_four_error_kinds_are_told_apart() {
        let e = raw(
            401,
            "application/json",
            r#"{"error":"missing_authorization","message":"Authentication required."}"#,
        )
        .error(&ctx(), "a@x");
        assert!(matches!(&e, ApiError::Auth { code, .. } if code == "missing_authorization"));
        let e =
            raw(403, "text/plain", "You don't have permissions to do that.").error(&ctx(), "a@x");
        assert_eq!(
            e.to_string(),
            "a@x may not read table 4 (403): You don't have permissions to do that."
        );
        let e = raw(
            400,
            "application/json",
            r#"{"errors":{"table_id":"x","metric_id":"y"},"specific-errors":{}}"#,
        )
        .error(&ctx(), "a@x");
        assert!(
            matches!(&e, ApiError::Validation { params, .. } if params == &["table_id", "metric_id"])
        );
        let e = raw(
            500,
            "application/json",
            r#"{"message":"NPE","via":[],"trace":["a","b"]}"#,
        )
        .error(&ctx(), "a@x");
        assert_eq!(
            e.to_string(),
            "the server failed to read table 4 (500): NPE"
        );
        let e = raw(402, "application/json", r#"{"message":"Agent API is a paid feature.","status":"error-premium-feature-not-available"}"#)
            .error(&ctx(), "a@x");
        assert_eq!(
            e.to_string(),
            "the server answered 402 to read table 4: Agent API is a paid feature."
        );
        let e = raw(404, "text/plain", "Not found.").error(&ctx(), "a@x");
        assert_eq!(e.to_string(), "table 4 not found (404): Not found.");
        assert_eq!(e.exit_code(), 4);
    }

    #[test]
    fn html_pages_become_their_text() {
        let page = "<!DOCTYPE html><html><head><title>Metabase</title><style>p{}</style></head>\
            <body><script>var x=1;</script><h1>Error</h1><p>POST not valid for JWT SSO requests</p></body></html>";
        let e = raw(501, "text/html;charset=utf-8", page).error(&ctx(), "a@x");
        assert_eq!(
            e.to_string(),
            "the server answered HTML, not JSON (501): Error POST not valid for JWT SSO requests"
        );
    }

    #[test]
    fn bad_success_bodies_are_named_and_redacted() {
        let r = raw(200, "application/json", r#"{"data": [1, 2"#);
        assert!(matches!(
            r.json::<Value>("u"),
            Err(ApiError::Truncated { bytes: 14, .. })
        ));
        let r = raw(200, "text/plain", "hello SEKRET-TOKEN");
        let e = r
            .json::<Value>("u")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("not JSON") && !e.contains("SEKRET"), "{e}");
        let r = raw(200, "application/json", "");
        let e = r.json::<Value>("u").err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("the server answered something that is not JSON (200): an empty body")
        );
        // more cells than the client holds is named as that, not as a bad answer
        let rows = format!("[[{}]]", ["0"; crate::data::MAX_CELLS + 1].join(","));
        let e = raw(202, "application/json", &rows)
            .json::<crate::data::Rows>("u")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.starts_with("the answer holds more than 4000000 cells (rows × columns)"),
            "{e}"
        );
        // valid JSON of the wrong shape says so, and the value serde quotes is redacted too
        let r = raw(200, "application/json", r#"{"id": "SEKRET-TOKEN"}"#);
        let e = r
            .json::<std::collections::HashMap<String, i64>>("u")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.starts_with(
                "the server's answer (200) is not what the Agent API sends: invalid type"
            ),
            "{e}"
        );
        assert!(!e.contains("SEKRET"), "{e}");
    }
}

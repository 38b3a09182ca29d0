//! Typed client errors; each renders as one line a person understands, with the HTTP status, the
//! server's error code and the acting user where they help. No variant ever holds a credential.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// A 401 agent auth error (`{"error", "message"}`) other than `invalid_jwt`.
    #[error("{user} is not authenticated: {message} ({status} {code})")]
    Auth {
        status: u16,
        code: String,
        message: String,
        user: String,
    },
    /// `invalid_jwt` even after signing a fresh token.
    #[error(
        "JWT rejected for {user}: check the shared secret, the email claim and the server clock (clock skew is the usual cause) ({status} {code})"
    )]
    JwtRejected {
        status: u16,
        code: String,
        user: String,
    },
    /// The JWT could not be exchanged for a session.
    #[error("session exchange for {user} refused: {message} ({status})")]
    SessionRefused {
        status: u16,
        message: String,
        user: String,
    },
    /// A 403 agent scope error (`unsupported_scope`, `scope_not_permitted`).
    #[error("{user}'s token may not {action}: {message} ({status} {code})")]
    Scope {
        status: u16,
        code: String,
        message: String,
        user: String,
        action: String,
    },
    /// A plain-text 403: the user lacks permission.
    #[error("{user} may not {action} ({status}): {message}")]
    Forbidden {
        status: u16,
        message: String,
        user: String,
        action: String,
    },
    /// A plain-text 404 naming what was missing.
    #[error("{what} not found ({status}): {message}")]
    NotFound {
        status: u16,
        message: String,
        what: String,
    },
    /// A plain-text 400 (bad field id, wrong prefix, …).
    #[error("the server refused to {action} ({status}): {message}")]
    BadRequest {
        status: u16,
        message: String,
        action: String,
        /// True when the refused request was a query (exit code 5).
        query: bool,
    },
    /// A 400 parameter-validation body (`{"errors", "specific-errors"}`).
    #[error("the server refused to {action} ({status}): invalid {}", params.join(", "))]
    Validation {
        status: u16,
        params: Vec<String>,
        action: String,
        query: bool,
    },
    /// A JSON server error made from a Java stack map (`{"message", "via", "trace"}`).
    #[error("the server failed to {action} ({status}): {message}")]
    Server {
        status: u16,
        message: String,
        action: String,
    },
    /// Any other error status with a text or JSON body.
    #[error("the server answered {status} to {action}: {message}")]
    Status {
        status: u16,
        message: String,
        action: String,
    },
    /// The query ran and failed: 202 with `status: failed`.
    #[error("the query failed: {message}{}", error_type.as_deref().map(|t| format!(" ({t})")).unwrap_or_default())]
    QueryFailed {
        message: String,
        error_type: Option<String>,
    },
    #[error("the server answered HTML, not JSON ({status}): {message}")]
    Html { status: u16, message: String },
    #[error("the server answered something that is not JSON ({status}): {preview}")]
    NotJson { status: u16, preview: String },
    /// JSON, but not in the shape the Agent API answers with (or more than mbx holds).
    #[error("the server's answer ({status}) is not what the Agent API sends: {detail}")]
    Shape { status: u16, detail: String },
    #[error("the answer from {url} was cut off after {bytes} bytes ({status})")]
    Truncated {
        status: u16,
        bytes: usize,
        url: String,
    },
    #[error("the answer from {url} is larger than the {limit}-byte limit")]
    TooLarge { limit: usize, url: String },
    #[error(
        "the answer holds more than {limit} cells (rows × columns), more than mbx keeps in \
         memory: ask for fewer rows or columns"
    )]
    TooManyCells { limit: usize },
    #[error("the server redirected ({status}) to {location}: point --url at Metabase itself")]
    Redirect { status: u16, location: String },
    #[error("no server at {url}: connection refused")]
    Refused { url: String },
    #[error("no answer from {url} within {}s", after.as_secs_f64())]
    Timeout { url: String, after: Duration },
    #[error("TLS failure talking to {url}: {detail}")]
    Tls { url: String, detail: String },
    #[error("{url} closed the connection: {detail}")]
    Reset { url: String, detail: String },
    #[error("cannot reach {url}: {detail}")]
    Transport { url: String, detail: String },
    /// The server's API surface has no such endpoint.
    #[error("this server ({era}) does not offer {what}")]
    Unsupported { what: String, era: String },
    /// The client was configured with something it cannot use.
    #[error("{0}")]
    Config(String),
}

impl ApiError {
    /// The process exit code: 3 authentication, 4 permission or not found, 5 query failed,
    /// 1 anything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            ApiError::Auth { .. }
            | ApiError::JwtRejected { .. }
            | ApiError::SessionRefused { .. } => 3,
            ApiError::Scope { .. } | ApiError::Forbidden { .. } | ApiError::NotFound { .. } => 4,
            ApiError::QueryFailed { .. } => 5,
            ApiError::BadRequest { query: true, .. } | ApiError::Validation { query: true, .. } => {
                5
            }
            _ => 1,
        }
    }

    /// The HTTP status the server answered, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Auth { status, .. }
            | ApiError::JwtRejected { status, .. }
            | ApiError::SessionRefused { status, .. }
            | ApiError::Scope { status, .. }
            | ApiError::Forbidden { status, .. }
            | ApiError::NotFound { status, .. }
            | ApiError::BadRequest { status, .. }
            | ApiError::Validation { status, .. }
            | ApiError::Server { status, .. }
            | ApiError::Status { status, .. }
            | ApiError::Html { status, .. }
            | ApiError::NotJson { status, .. }
            | ApiError::Shape { status, .. }
            | ApiError::Truncated { status, .. }
            | ApiError::Redirect { status, .. } => Some(*status),
            ApiError::QueryFailed { .. } => Some(202),
            _ => None,
        }
    }

    /// The server's machine-readable error code (`invalid_jwt`, `unsupported_scope`, …).
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Auth { code, .. }
            | ApiError::JwtRejected { code, .. }
            | ApiError::Scope { code, .. } => Some(code),
            ApiError::QueryFailed { error_type, .. } => error_type.as_deref(),
            _ => None,
        }
    }

    /// The server's answer without who asked or what for: two users refused alike get equal
    /// answers even though each error's line names its own user.
    pub fn answer(&self) -> String {
        match self {
            ApiError::Auth {
                status,
                code,
                message,
                ..
            }
            | ApiError::Scope {
                status,
                code,
                message,
                ..
            } => format!("{message} ({status} {code})"),
            ApiError::JwtRejected { status, code, .. } => format!("JWT rejected ({status} {code})"),
            ApiError::SessionRefused {
                status, message, ..
            }
            | ApiError::Forbidden {
                status, message, ..
            }
            | ApiError::NotFound {
                status, message, ..
            }
            | ApiError::BadRequest {
                status, message, ..
            } => format!("{message} ({status})"),
            ApiError::Validation { status, params, .. } => {
                format!("invalid {} ({status})", params.join(", "))
            }
            other => other.to_string(),
        }
    }

    /// True when the error tells nothing about what the user may see: the server could not be
    /// reached or read, or it failed. Two such errors are not "the same answer".
    pub fn says_nothing_about_access(&self) -> bool {
        self.is_transport()
            || matches!(
                self,
                ApiError::Server { .. }
                    | ApiError::Html { .. }
                    | ApiError::NotJson { .. }
                    | ApiError::Shape { .. }
                    | ApiError::Redirect { .. }
                    | ApiError::Unsupported { .. }
                    | ApiError::Config(_)
            )
            || matches!(self, ApiError::Status { status, .. } if *status >= 500)
    }

    /// True for failures to reach or read the server (as opposed to an answer it gave).
    pub fn is_transport(&self) -> bool {
        matches!(
            self,
            ApiError::Refused { .. }
                | ApiError::Timeout { .. }
                | ApiError::Tls { .. }
                | ApiError::Reset { .. }
                | ApiError::Transport { .. }
                | ApiError::Truncated { .. }
                | ApiError::TooLarge { .. }
                | ApiError::TooManyCells { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_read_like_the_issue_asks() {
        let e = ApiError::Forbidden {
            status: 403,
            message: "You don't have permissions to do that.".into(),
            user: "analyst@example.com".into(),
            action: "read table 4".into(),
        };
        assert_eq!(
            e.to_string(),
            "analyst@example.com may not read table 4 (403): You don't have permissions to do that."
        );
        assert_eq!(e.exit_code(), 4);
        let e = ApiError::Refused {
            url: "http://127.0.0.1:9".into(),
        };
        assert_eq!(
            e.to_string(),
            "no server at http://127.0.0.1:9: connection refused"
        );
        let e = ApiError::Html {
            status: 501,
            message: "POST not valid for JWT SSO requests".into(),
        };
        assert_eq!(
            e.to_string(),
            "the server answered HTML, not JSON (501): POST not valid for JWT SSO requests"
        );
        let e = ApiError::QueryFailed {
            message: "boom".into(),
            error_type: Some("invalid-query".into()),
        };
        assert_eq!(e.to_string(), "the query failed: boom (invalid-query)");
        assert_eq!(e.exit_code(), 5);
        let e = ApiError::JwtRejected {
            status: 401,
            code: "invalid_jwt".into(),
            user: "a@x".into(),
        };
        assert!(
            e.to_string()
                .starts_with("JWT rejected for a@x: check the shared secret")
        );
        assert_eq!(e.exit_code(), 3);
        assert_eq!(e.code(), Some("invalid_jwt"));
    }
}

//! The four kinds of error body of `agent-api.md` §1, each with its exact content type.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

pub const NOT_FOUND: &str = "Not found.";
pub const FORBIDDEN: &str = "You don't have permissions to do that.";
pub const NO_ENDPOINT: &str = "API endpoint does not exist.";

#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// Kind 1: `{"error", "message"}` JSON (401, or 403 for scopes).
    Auth {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    /// Kind 2: the bare message as `text/plain`.
    Plain(StatusCode, String),
    /// Kind 3: 400 `{"errors": {param: text}, "specific-errors": {param: [text]}}`.
    Validation(Vec<(String, String)>),
    /// Kind 4: 500 JSON built from a (reduced) stack map.
    Server(String),
}

impl ApiError {
    pub fn not_found() -> Self {
        ApiError::Plain(StatusCode::NOT_FOUND, NOT_FOUND.into())
    }

    pub fn forbidden() -> Self {
        ApiError::Plain(StatusCode::FORBIDDEN, FORBIDDEN.into())
    }

    pub fn no_endpoint() -> Self {
        ApiError::Plain(StatusCode::NOT_FOUND, NO_ENDPOINT.into())
    }

    pub fn plain(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError::Plain(status, message.into())
    }

    pub fn invalid(param: impl Into<String>, text: impl Into<String>) -> Self {
        ApiError::Validation(vec![(param.into(), text.into())])
    }

    pub fn auth(status: StatusCode, code: &'static str, message: &str) -> Self {
        ApiError::Auth {
            status,
            code,
            message: message.into(),
        }
    }
}

pub fn plain_response(status: StatusCode, text: String) -> Response {
    let mut res = (status, text).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Auth {
                status,
                code,
                message,
            } => (
                status,
                axum::Json(json!({"error": code, "message": message})),
            )
                .into_response(),
            ApiError::Plain(status, text) => plain_response(status, text),
            ApiError::Validation(items) => {
                let mut errors = Map::new();
                let mut specific = Map::new();
                for (param, text) in items {
                    errors.insert(param.clone(), Value::from(text.clone()));
                    specific.insert(param, json!([text]));
                }
                (
                    StatusCode::BAD_REQUEST,
                    axum::Json(json!({"errors": errors, "specific-errors": specific})),
                )
                    .into_response()
            }
            ApiError::Server(message) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                axum::Json(json!({"message": message, "via": [], "trace": []})),
            )
                .into_response(),
        }
    }
}

//! Errors of the newest surface: the sandbox's four body kinds, plus the data-carrying kind-4
//! bodies (`error` code, `message`, extra keys, `via`) that Metabase's representation pipeline
//! and read-resource limits answer with.

use crate::sandbox::errors::ApiError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

#[derive(Debug, Clone, PartialEq)]
pub enum LatestError {
    /// One of the sandbox's existing kinds (auth, plain, validation, server).
    Api(ApiError),
    /// Kind 4 with ex-data: `message`, the data keys at top level, and a one-frame `via`.
    Data {
        status: StatusCode,
        message: String,
        data: Map<String, Value>,
    },
}

impl From<ApiError> for LatestError {
    fn from(e: ApiError) -> Self {
        LatestError::Api(e)
    }
}

impl LatestError {
    /// A representation-pipeline error: 400, `error` = `code`, `agent-error?` = true.
    pub fn code(code: &str, message: impl Into<String>) -> Self {
        Self::code_with(code, message, Map::new())
    }

    pub fn code_with(code: &str, message: impl Into<String>, extra: Map<String, Value>) -> Self {
        let mut data = Map::new();
        data.insert("error".into(), json!(code));
        data.insert("agent-error?".into(), json!(true));
        data.extend(extra);
        LatestError::Data {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            data,
        }
    }

    /// 400 plain text: the v2 tools' teaching errors.
    pub fn teach(message: impl Into<String>) -> Self {
        LatestError::Api(ApiError::plain(StatusCode::BAD_REQUEST, message))
    }

    pub fn forbidden() -> Self {
        LatestError::Api(ApiError::forbidden())
    }

    /// The `error` code of a data-carrying error.
    #[cfg(test)]
    pub fn error_code(&self) -> Option<&str> {
        match self {
            LatestError::Data { data, .. } => data.get("error").and_then(Value::as_str),
            LatestError::Api(_) => None,
        }
    }
}

impl IntoResponse for LatestError {
    fn into_response(self) -> Response {
        match self {
            LatestError::Api(e) => e.into_response(),
            LatestError::Data {
                status,
                message,
                data,
            } => {
                let mut body = Map::new();
                body.insert("message".into(), json!(message));
                body.extend(data.clone());
                body.insert(
                    "via".into(),
                    json!([{"type": "clojure.lang.ExceptionInfo", "message": message, "data": data}]),
                );
                body.insert("trace".into(), json!([]));
                body.insert("cause".into(), json!(message));
                body.insert("data".into(), Value::Object(data));
                (status, axum::Json(Value::Object(body))).into_response()
            }
        }
    }
}

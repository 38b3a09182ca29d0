//! `--profile latest`: the newest Agent API surface (`agent-api-latest.md`) over the same
//! data, users and permissions as the E2/E3 profiles. Discovery goes through
//! `POST /v1/read-resource` and the v2 tools; queries are portable MBQL 5.

mod browse;
mod checks;
mod construct;
mod content;
mod eid;
mod envelope;
mod errors;
mod execute_query;
mod handles;
mod paging;
mod portable;
mod present;
mod query;
mod relative;
mod resources;
mod search;
mod uris;

pub use eid::portable_id;

use super::auth::Identity;
use super::handlers::json_body;
use super::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use errors::LatestError;
use present::View;
use serde_json::json;
use std::sync::Arc;

/// The `/api/agent` routes of the latest profile; the caller adds auth and the 404 fallback,
/// which is also what the removed v1 endpoints answer.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/v1/ping", get(ping))
        .route("/v1/read-resource", post(read_resource))
        .route("/v1/search", post(search::v1_search))
        .route("/v2/search", post(search::v2_search))
        .route("/v2/browse-data", post(browse::browse_data))
        .route("/v2/content", post(content::get_content))
        .route("/v2/construct-query", post(construct::construct_query))
        .route("/v2/query", post(query::v2_query))
        .route("/v1/execute", post(query::v1_execute))
        .route("/v2/execute-query", post(execute_query::execute_query))
        .layer(axum::Extension(Arc::new(handles::Handles::default())))
}

fn view<'a>(state: &'a AppState, who: &Identity) -> View<'a> {
    View {
        catalog: &state.catalog,
        perms: who.user.perms(),
        now: state.config.clock.now(),
    }
}

fn reply(result: Result<serde_json::Value, LatestError>) -> Response {
    match result {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn ping(_who: axum::Extension<Identity>) -> Response {
    axum::Json(json!({"message": "pong"})).into_response()
}

async fn read_resource(
    State(state): State<Arc<AppState>>,
    axum::Extension(who): axum::Extension<Identity>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    reply((|| {
        who.require_scope("agent:resource:read")?;
        let body = json_body(&headers, &body)?;
        let uris = resources::requested_uris(&body)?;
        Ok(resources::read_all(&view(&state, &who), &uris))
    })())
}

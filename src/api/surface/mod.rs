//! The API surfaces a server may offer, behind one enum: each era's request shapes live in a
//! module of their own, and the client asks the enum. E2 and E3 share the v1 endpoints; later
//! eras (read-resource, v2 tools) get modules of their own.

mod v1;

pub use v1::decode_execute;

use super::detect::{Decision, Probe, decide};
use super::error::ApiError;
use super::transport::Ctx;
use super::types::*;
use super::{Client, Req};
use crate::query::{FieldId, QueryRequest};
use serde_json::json;

/// How to talk to a server of one era.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Surface {
    /// E2/E3's v1 endpoints; `paged` when `/v1/query` with continuation tokens exists (E3).
    V1 { paged: bool },
}

/// Finds the server's era with the side-effect-free probe ladder of `agent-api-latest.md` §7
/// (`detect` decides what each answer means; this sends the probes).
pub async fn detect(client: &Client) -> Result<ApiEra, ApiError> {
    let mut probe = Probe::FIRST;
    // The ladder has five rungs; the bound guards against a decision table that loops.
    for _ in 0..8 {
        let (method, path, body) = probe.request();
        let ctx = Ctx::new(
            "probe the API surface",
            format!("the Agent API ({method} /api/agent{path})"),
        );
        let req = match body {
            Some(b) => Req::post(path, serde_json::from_str(b).unwrap_or(json!({})), ctx),
            None => Req::get(path, ctx),
        };
        let raw = client.call_any(&req).await?;
        let text = raw.text();
        match decide(probe, raw.status, &text) {
            Decision::Next(next) => probe = next,
            Decision::Era(era) => return Ok(era),
            Decision::NoAgentApi
            | Decision::Disabled(_)
            | Decision::Unlicensed
            | Decision::Unauthenticated
            | Decision::Scoped => return Err(raw.error(&req.ctx, &client.identity().email)),
            Decision::Unknown(what) => {
                return Err(ApiError::Unsupported {
                    what: format!("a known API surface ({what}); pass --api to choose one"),
                    era: "unknown".into(),
                });
            }
        }
    }
    Err(ApiError::Unsupported {
        what: "a known API surface; pass --api to choose one".into(),
        era: "unknown".into(),
    })
}

impl Surface {
    pub fn for_era(era: ApiEra) -> Result<Surface, ApiError> {
        match era {
            ApiEra::E2 => Ok(Surface::V1 { paged: false }),
            ApiEra::E3 => Ok(Surface::V1 { paged: true }),
            ApiEra::Rr | ApiEra::Latest => Err(ApiError::Unsupported {
                what: "the read-resource and v2 endpoints in this version of mbx".into(),
                era: era.as_str().into(),
            }),
        }
    }

    pub async fn search(self, c: &Client, req: &SearchRequest) -> Result<SearchResults, ApiError> {
        match self {
            Surface::V1 { .. } => v1::search(c, req).await,
        }
    }

    pub async fn table(
        self,
        c: &Client,
        id: i64,
        o: TableOptions,
    ) -> Result<TableDetails, ApiError> {
        match self {
            Surface::V1 { .. } => v1::table(c, id, o).await,
        }
    }

    pub async fn metric(
        self,
        c: &Client,
        id: i64,
        o: MetricOptions,
    ) -> Result<MetricDetails, ApiError> {
        match self {
            Surface::V1 { .. } => v1::metric(c, id, o).await,
        }
    }

    pub async fn field_values(
        self,
        c: &Client,
        entity: Entity,
        field: &FieldId,
        limit: Option<u32>,
    ) -> Result<FieldValues, ApiError> {
        match self {
            Surface::V1 { .. } => v1::field_values(c, entity, field, limit).await,
        }
    }

    pub async fn databases(self, c: &Client) -> Result<Vec<Database>, ApiError> {
        match self {
            Surface::V1 { paged } => v1::databases(c, era_of(paged)).await,
        }
    }

    pub async fn database(self, c: &Client, id: i64) -> Result<DatabaseDetails, ApiError> {
        match self {
            Surface::V1 { paged } => v1::database(c, id, era_of(paged)).await,
        }
    }

    pub async fn construct_query(self, c: &Client, q: &QueryRequest) -> Result<String, ApiError> {
        match self {
            Surface::V1 { .. } => v1::construct_query(c, q).await,
        }
    }

    pub async fn execute(self, c: &Client, query: &str) -> Result<QueryResult, ApiError> {
        match self {
            Surface::V1 { paged } => {
                let mut r = v1::execute(c, query).await?;
                if paged {
                    r.row_cap = Some(v1::E3_ROW_CAP);
                }
                Ok(r)
            }
        }
    }

    pub async fn run_query(self, c: &Client, q: &QueryRequest) -> Result<QueryResult, ApiError> {
        match self {
            Surface::V1 { paged: true } => v1::query_page(c, q.to_body(), "run the query").await,
            Surface::V1 { paged: false } => {
                let token = v1::construct_query(c, q).await?;
                let mut r = v1::execute(c, &token).await?;
                r.row_cap = Some(v1::e2_row_cap(q));
                Ok(r)
            }
        }
    }

    pub async fn next_page(self, c: &Client, cursor: &PageCursor) -> Result<QueryResult, ApiError> {
        match (self, cursor) {
            (Surface::V1 { paged: true }, PageCursor::Continuation(token)) => {
                v1::query_page(
                    c,
                    json!({ "continuation_token": token }),
                    "fetch the next page",
                )
                .await
            }
            (Surface::V1 { paged }, _) => Err(ApiError::Unsupported {
                what: "this kind of page cursor".into(),
                era: era_of(paged).as_str().into(),
            }),
        }
    }
}

fn era_of(paged: bool) -> ApiEra {
    if paged { ApiEra::E3 } else { ApiEra::E2 }
}

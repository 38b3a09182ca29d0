//! The API surfaces a server may offer, behind one enum: each era's request shapes live in a
//! module of their own, and the client asks the enum. E2 and E3 share the v1 endpoints; later
//! eras (read-resource, v2 tools) get modules of their own.

mod v1;

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

/// Finds the server's era with one request that runs nothing (§7 of agent-api-latest.md):
/// `POST /v1/query {}` is refused as invalid where the endpoint exists (E3) and is an unknown
/// endpoint where it does not (E2).
pub async fn detect(client: &Client) -> Result<ApiEra, ApiError> {
    let req = Req::post(
        "/v1/query",
        json!({}),
        Ctx::new("probe the API surface", "/v1/query"),
    );
    match client.call_raw(req).await {
        Ok(_) => Ok(ApiEra::E3),
        Err(
            ApiError::Validation { .. }
            | ApiError::BadRequest { .. }
            | ApiError::Scope { .. }
            | ApiError::Forbidden { .. },
        ) => Ok(ApiEra::E3),
        Err(ApiError::NotFound { .. }) => Ok(ApiEra::E2),
        Err(e) => Err(e),
    }
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

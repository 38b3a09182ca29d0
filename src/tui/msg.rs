//! Messages into `update`, and the effects it asks for. Requests carry an id so that an answer
//! that arrives after a newer request (or after a cancel) is recognised and dropped.

use crate::api::AuthStatus;
use crate::api::types::{
    ApiEra, Database, DatabaseDetails, Entity, FieldId, FieldValues, MetricDetails, QueryResult,
    SearchRequest, SearchResults, TableDetails,
};
use crate::query::QueryRequest;
use crossterm::event::{KeyEvent, MouseEvent};
use std::time::{Duration, Instant};

pub type ReqId = u64;

/// One input to the state machine.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// Time passed (spinner frames, elapsed time); sent only while something is loading.
    Tick(Instant),
    /// The search debounce for generation `n` ran out.
    SearchDue(u64),
    /// A request finished.
    Answer(Box<Answer>),
}

/// A finished request: what came back, how long it took, and the credential's state after it.
#[derive(Debug)]
pub struct Answer {
    pub id: ReqId,
    pub reply: Reply,
    pub elapsed: Duration,
    pub auth: AuthStatus,
}

/// Errors travel as the one-line text the user sees.
pub type Res<T> = Result<T, String>;

#[derive(Debug)]
pub enum Reply {
    Era(Res<ApiEra>),
    Search(Res<SearchResults>),
    Databases(Res<Vec<Database>>),
    Database(Res<DatabaseDetails>),
    Table(Res<TableDetails>),
    Metric(Res<MetricDetails>),
    FieldValues(Res<FieldValues>),
    Query(Res<QueryResult>),
}

impl Reply {
    pub fn is_ok(&self) -> bool {
        match self {
            Reply::Era(r) => r.is_ok(),
            Reply::Search(r) => r.is_ok(),
            Reply::Databases(r) => r.is_ok(),
            Reply::Database(r) => r.is_ok(),
            Reply::Table(r) => r.is_ok(),
            Reply::Metric(r) => r.is_ok(),
            Reply::FieldValues(r) => r.is_ok(),
            Reply::Query(r) => r.is_ok(),
        }
    }
}

/// A request to the server.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    Era,
    Search(SearchRequest),
    Databases,
    Database(i64),
    Table(i64),
    Metric(i64),
    FieldValues(Entity, FieldId),
    Query(QueryRequest),
}

impl Request {
    /// What the status bar calls it.
    pub fn label(&self) -> String {
        match self {
            Request::Era => "detect API".into(),
            Request::Search(s) => format!("search {}", s.term_queries.join(" ")),
            Request::Databases => "databases".into(),
            Request::Database(id) => format!("database {id}"),
            Request::Table(id) => format!("table {id}"),
            Request::Metric(id) => format!("metric {id}"),
            Request::FieldValues(_, f) => format!("values {f}"),
            Request::Query(_) => "query".into(),
        }
    }
}

/// What `update` asks the runner to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    Send {
        id: ReqId,
        req: Request,
    },
    /// Abort a running request; its answer will never come.
    Cancel(ReqId),
    /// Send `SearchDue(generation)` after the delay.
    Debounce {
        generation: u64,
        after: Duration,
    },
    Quit,
}

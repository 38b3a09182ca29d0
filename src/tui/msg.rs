//! Messages into `update`, and the effects it asks for. Requests carry an id so that an answer
//! that arrives after a newer request (or after a cancel) is recognised and dropped.

use crate::api::AuthStatus;
use crate::api::types::{
    ApiEra, Database, DatabaseDetails, Entity, FieldId, FieldValues, MetricDetails, PageCursor,
    QueryResult, SearchRequest, SearchResults, TableDetails,
};
use crate::compare::Comparison;
use crate::data::ResultSet;
use crate::export::{ExportDone, ExportFormat, ExportProgress};
use crate::query::QueryRequest;
use crossterm::event::{KeyEvent, MouseEvent};
use std::path::PathBuf;
use std::sync::Arc;
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
    /// An export wrote more rows.
    ExportProgress(ReqId, ExportProgress),
    /// An export finished (or failed, as one line).
    ExportDone(ReqId, Res<ExportDone>),
    /// The request log has new entries.
    LogChanged,
    /// A token to inline into a curl command was signed (or could not be).
    InlineCurl(Res<String>),
    /// The history's runs, newest first.
    History(Res<Vec<crate::history::Run>>),
    /// Users seen before in this profile, most recent first (none when the history is off).
    SeenUsers(Vec<User>),
    /// The config file's profile names (or why there are none to switch to).
    Profiles(Res<Vec<String>>),
    /// The connection for another profile is up; the loop hands it over (see `profiles`).
    ProfileReady(Box<super::profiles::Switched>),
    /// The connection for another profile could not be made; the current one stays.
    ProfileFailed {
        id: ReqId,
        name: String,
        error: String,
    },
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
    /// A field's value counts (a grouped count query).
    Distribution(Res<QueryResult>),
    Query(Res<QueryResult>),
    /// The next page of the result shown.
    More(Res<QueryResult>),
    Compare(Box<Comparison>),
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
            Reply::Distribution(r) => r.is_ok(),
            Reply::Query(r) | Reply::More(r) => r.is_ok(),
            Reply::Compare(_) => true,
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
    /// The top values of a field with their counts.
    Distribution(QueryRequest),
    Query(QueryRequest),
    NextPage(PageCursor),
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
            Request::Distribution(q) => match q.group_by.first() {
                Some(g) => format!("counts {}", g.field_id),
                None => "counts".into(),
            },
            Request::Query(_) => "query".into(),
            Request::NextPage(_) => "more rows".into(),
        }
    }
}

/// What a comparison runs as both users.
#[derive(Clone, Debug, PartialEq)]
pub enum CompareWhat {
    Search(SearchRequest),
    /// A table by id, with the name to use when neither user can read it.
    Table(i64, String),
    /// A query, with what it is called in the verdict.
    Query(QueryRequest, String),
}

impl CompareWhat {
    pub fn label(&self) -> String {
        match self {
            CompareWhat::Search(s) => format!("search “{}”", s.term_queries.join(" ")),
            CompareWhat::Table(_, name) => format!("table {name}"),
            CompareWhat::Query(_, what) => what.clone(),
        }
    }
}

/// Another user: an email and the groups the token claims (none: the server's defaults).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub email: String,
    pub groups: Vec<String>,
}

impl User {
    /// `email` or `email, group, group` as typed; `None` when it is not an email address.
    pub fn parse(text: &str) -> Option<User> {
        let mut parts = text.split(',').map(str::trim).filter(|p| !p.is_empty());
        let email = parts.next()?.to_string();
        if email.contains(char::is_whitespace) || !email.contains('@') {
            return None;
        }
        Some(User {
            email,
            groups: parts.map(str::to_string).collect(),
        })
    }

    pub fn label(&self) -> String {
        if self.groups.is_empty() {
            self.email.clone()
        } else {
            format!("{} ({})", self.email, self.groups.join(", "))
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
    /// Put text on the clipboard (OSC 52).
    Copy(String),
    /// Write rows to a file in the background, reporting progress.
    Export {
        id: ReqId,
        rows: Arc<ResultSet>,
        path: PathBuf,
        format: ExportFormat,
    },
    /// From now on, every request acts as this user.
    SwitchUser(User),
    /// Read the config file's profile names (answered by `Msg::Profiles`).
    LoadProfiles,
    /// Connect with config profile `name` in the background (answered by `ProfileReady` or
    /// `ProfileFailed` with this id).
    SwitchProfile {
        id: ReqId,
        name: String,
    },
    /// Run the same thing as the current user and as `other`, at once, and compare.
    Compare {
        id: ReqId,
        other: User,
        what: CompareWhat,
    },
    /// Sign a fresh token and render log entry `entry` as curl with it inlined.
    CurlWithToken {
        entry: u64,
    },
    /// Record a finished query in the history (nothing happens with `--no-history`).
    Record(RecordRun),
    /// Read the history (answered by `Msg::History`).
    LoadHistory {
        profile: String,
        starred_only: bool,
    },
    /// Remember a user switched to or compared with, under the profile.
    RememberUser {
        profile: String,
        user: User,
    },
    /// Read the users seen before in the profile (answered by `Msg::SeenUsers`).
    LoadUsers {
        profile: String,
    },
    /// Star or unstar a run, then read the history again.
    Star {
        profile: String,
        id: i64,
        starred: bool,
        starred_only: bool,
    },
}

/// A finished query, as the history keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordRun {
    pub profile: String,
    pub user: String,
    pub body: String,
    pub row_count: Option<u64>,
    pub elapsed_ms: u64,
    pub failed: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_user_is_an_email_and_optional_groups() {
        assert_eq!(
            User::parse(" sales@example.com , Sales,  All Users "),
            Some(User {
                email: "sales@example.com".into(),
                groups: vec!["Sales".into(), "All Users".into()],
            })
        );
        assert_eq!(
            User::parse("a@b.c").map(|u| u.label()),
            Some("a@b.c".to_string())
        );
        assert_eq!(User::parse("  , Sales"), None);
        assert_eq!(User::parse("two words"), None);
        assert_eq!(User::parse(" "), None);
    }
}

//! The explorer's state, one struct per pane. Plain data: `update` changes it, views read it.

use super::keymap::{Keymap, Scope};
use super::msg::{ReqId, User};
use super::picker::Picker;
use super::theme::Styles;
use crate::api::AuthStatus;
use crate::api::types::PageCursor;
use crate::api::types::{
    ApiEra, Database, Entity, Field, FieldId, FieldValues, MetricDetails, SearchItem, TableDetails,
    TableSummary,
};
use crate::api::{LogEntry, RequestLog};
use crate::compare::Comparison;
use crate::export::ExportProgress;
use crate::grid::{CellDetail, Grid};
use crate::query::{QueryRequest, Source};
use ratatui_textarea::TextArea;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The four panes, in focus order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Focus {
    Catalog,
    Inspector,
    Builder,
    Results,
}

impl Focus {
    pub const ALL: [Focus; 4] = [
        Focus::Catalog,
        Focus::Inspector,
        Focus::Builder,
        Focus::Results,
    ];

    pub fn scope(self) -> Scope {
        match self {
            Focus::Catalog => Scope::Catalog,
            Focus::Inspector => Scope::Inspector,
            Focus::Builder => Scope::Builder,
            Focus::Results => Scope::Results,
        }
    }

    pub fn next(self) -> Focus {
        let i = Focus::ALL.iter().position(|f| *f == self).unwrap_or(0);
        Focus::ALL[(i + 1) % Focus::ALL.len()]
    }

    pub fn prev(self) -> Focus {
        let i = Focus::ALL.iter().position(|f| *f == self).unwrap_or(0);
        Focus::ALL[(i + Focus::ALL.len() - 1) % Focus::ALL.len()]
    }
}

/// Where runs go without a config profile.
pub const DEFAULT_PROFILE: &str = "default";

/// Who we are and where, for the status bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionInfo {
    pub email: String,
    pub mode: String,
    pub url: String,
}

/// Tunables (tests shorten the debounce).
#[derive(Clone, Debug)]
pub struct Settings {
    pub search_debounce: Duration,
    pub preview_rows: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            search_debounce: Duration::from_millis(200),
            preview_rows: 100,
        }
    }
}

/// The last finished request, for the status bar.
#[derive(Clone, Debug, PartialEq)]
pub struct LastRequest {
    pub label: String,
    pub error: Option<String>,
    pub elapsed: Duration,
}

#[derive(Debug)]
pub enum Overlay {
    /// The keys for the focused pane, scrolled by this many lines.
    Help(u16),
    Error(String),
    Picker(Picker),
    /// The full value of a results cell, scrolled by this many lines.
    Cell(CellDetail, u16),
    Log(LogView),
    Compare(CompareView),
    History(HistoryView),
}

/// The history overlay: past runs, newest first.
#[derive(Debug, Default)]
pub struct HistoryView {
    pub runs: Vec<crate::history::Run>,
    pub selected: usize,
    pub loading: bool,
    pub starred_only: bool,
    pub error: Option<String>,
}

/// The request log overlay: a snapshot of the log, refreshed when it changes.
#[derive(Debug, Default)]
pub struct LogView {
    pub entries: Vec<LogEntry>,
    pub selected: usize,
    /// Lines scrolled in the selected call's bodies.
    pub scroll: u16,
    /// The first press of the inline-token key only asks; the second copies.
    pub confirm_inline: bool,
    pub notice: Option<String>,
}

impl LogView {
    pub fn selected_entry(&self) -> Option<&LogEntry> {
        self.entries.get(self.selected)
    }
}

/// A comparison of two users, while it runs and once it is back.
#[derive(Debug)]
pub struct CompareView {
    pub id: ReqId,
    pub what: String,
    pub other: String,
    pub result: Option<Box<Comparison>>,
    pub scroll: u16,
}

pub struct App {
    pub session: SessionInfo,
    /// The config profile connected with (`None`: flags only, or the in-process sandbox).
    pub profile: Option<String>,
    /// The profile switch in progress (request id, profile name), if any.
    pub switching: Option<(ReqId, String)>,
    pub era: Option<ApiEra>,
    pub auth: AuthStatus,
    pub last: Option<LastRequest>,
    pub focus: Focus,
    pub zoom: bool,
    pub size: (u16, u16),
    pub now: Instant,
    pub spinner: usize,
    pub catalog: CatalogState,
    pub inspector: InspectorState,
    pub builder: BuilderState,
    pub results: ResultsState,
    pub overlay: Option<Overlay>,
    pub keymap: Keymap,
    pub styles: Styles,
    pub settings: Settings,
    pub next_id: ReqId,
    /// In-flight requests and what the status bar calls them.
    pub pending: HashMap<ReqId, String>,
    /// Users acted as in this session, for the switch-user and compare pickers.
    pub users: Vec<User>,
    /// The client's request log (shared with every user), read when the log overlay opens.
    pub request_log: Option<RequestLog>,
}

impl App {
    /// The history profile runs are kept under.
    pub fn history_profile(&self) -> String {
        self.profile
            .clone()
            .unwrap_or_else(|| DEFAULT_PROFILE.to_string())
    }

    pub fn new(session: SessionInfo, styles: Styles, settings: Settings, now: Instant) -> App {
        let first = User {
            email: session.email.clone(),
            groups: Vec::new(),
        };
        let mut app = App {
            session,
            profile: None,
            switching: None,
            era: None,
            auth: AuthStatus::default(),
            last: None,
            focus: Focus::Catalog,
            zoom: false,
            size: (80, 24),
            now,
            spinner: 0,
            catalog: CatalogState::default(),
            inspector: InspectorState::default(),
            builder: BuilderState::default(),
            results: ResultsState::default(),
            overlay: None,
            keymap: Keymap::default(),
            styles,
            settings,
            next_id: 1,
            pending: HashMap::new(),
            users: Vec::new(),
            request_log: None,
        };
        app.users.push(first);
        app
    }

    /// True while anything waits for an answer: the loop ticks the spinner only then.
    pub fn is_busy(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The spinner frame to show next to something loading.
    pub fn spin(&self) -> &'static str {
        const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
        FRAMES[self.spinner % FRAMES.len()]
    }

    /// The table or metric the inspector shows, which is also what the builder queries.
    pub fn source(&self) -> Option<Source> {
        self.inspector.current.as_ref().map(Inspected::source)
    }

    /// The builder's query for the current source (an empty one if none was started).
    pub fn draft(&self) -> Option<QueryRequest> {
        let source = self.source()?;
        Some(
            self.builder
                .drafts
                .get(&source)
                .cloned()
                .unwrap_or_else(|| QueryRequest::new(source)),
        )
    }

    /// Every field the builder may use for the current source, with where it comes from.
    pub fn fields(&self) -> Vec<&Field> {
        match &self.inspector.current {
            Some(Inspected::Table(t)) => t
                .fields
                .iter()
                .chain(t.related_tables.iter().flat_map(|r| r.fields.iter()))
                .collect(),
            Some(Inspected::Metric(m)) => m.queryable_dimensions.iter().collect(),
            None => Vec::new(),
        }
    }

    pub fn field(&self, id: &FieldId) -> Option<&Field> {
        self.fields().into_iter().find(|f| &f.field_id == id)
    }
}

/// A list's cursor. The scroll offset is derived from it and the visible height.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    pub selected: usize,
}

impl Cursor {
    pub fn step(&mut self, delta: isize, len: usize) {
        if len == 0 {
            self.selected = 0;
            return;
        }
        let max = len - 1;
        self.selected = if delta < 0 {
            self.selected.saturating_sub(delta.unsigned_abs())
        } else {
            (self.selected + delta as usize).min(max)
        };
    }

    pub fn clamp(&mut self, len: usize) {
        self.selected = self.selected.min(len.saturating_sub(1));
    }
}

/// The first visible row of a list so that `selected` is on screen.
pub fn list_offset(selected: usize, height: usize) -> usize {
    if height == 0 {
        0
    } else {
        (selected + 1).saturating_sub(height)
    }
}

// ---------------------------------------------------------------------------------------------
// Catalog

#[derive(Debug, Default)]
pub struct CatalogState {
    pub query: String,
    pub editing: bool,
    pub generation: u64,
    /// The search in flight (newer ones replace it).
    pub search: Option<ReqId>,
    /// The term the hits answer, `None` before any search.
    pub searched: Option<String>,
    pub hits: Vec<SearchItem>,
    pub error: Option<String>,
    pub browse: Browse,
    pub cursor: Cursor,
}

#[derive(Debug, Default)]
pub enum Browse {
    #[default]
    NotLoaded,
    Loading(ReqId),
    /// The server has no database list (or refused it): search only.
    Unavailable(String),
    Loaded(Vec<DbNode>),
}

#[derive(Debug)]
pub struct DbNode {
    pub db: Database,
    pub tables: Tables,
}

#[derive(Debug)]
pub enum Tables {
    Collapsed,
    Loading(ReqId),
    Expanded(Vec<TableSummary>),
    Failed(String),
}

/// One line of the catalog list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    Hit(usize),
    Db(usize),
    DbTable(usize, usize),
}

impl CatalogState {
    /// True when the box is empty: the catalog browses databases instead of searching.
    pub fn browsing(&self) -> bool {
        self.query.trim().is_empty()
    }

    pub fn entries(&self) -> Vec<Entry> {
        if !self.browsing() {
            return (0..self.hits.len()).map(Entry::Hit).collect();
        }
        let mut out = Vec::new();
        if let Browse::Loaded(dbs) = &self.browse {
            for (i, node) in dbs.iter().enumerate() {
                out.push(Entry::Db(i));
                if let Tables::Expanded(ts) = &node.tables {
                    out.extend((0..ts.len()).map(|t| Entry::DbTable(i, t)));
                }
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Inspector

#[derive(Clone, Debug, PartialEq)]
pub enum Inspected {
    Table(TableDetails),
    Metric(MetricDetails),
}

impl Inspected {
    pub fn source(&self) -> Source {
        match self {
            Inspected::Table(t) => Source::Table(t.id),
            Inspected::Metric(m) => Source::Metric(m.id),
        }
    }

    pub fn entity(&self) -> Entity {
        match self {
            Inspected::Table(t) => Entity::Table(t.id),
            Inspected::Metric(m) => Entity::Metric(m.id),
        }
    }

    pub fn title(&self) -> String {
        match self {
            Inspected::Table(t) => match &t.display_name {
                Some(d) if d != &t.name => format!("{} ({d})", t.name),
                _ => t.name.clone(),
            },
            Inspected::Metric(m) => m.name.clone(),
        }
    }

    /// The inspector's lines.
    pub fn rows(&self) -> Vec<InspRow> {
        let mut rows = Vec::new();
        let mut section = |title: &'static str, n: usize, make: fn(usize) -> InspRow| {
            rows.push(InspRow::Header(title, n));
            if n == 0 {
                rows.push(InspRow::Empty);
            }
            rows.extend((0..n).map(make));
        };
        match self {
            Inspected::Table(t) => {
                section("Fields", t.fields.len(), InspRow::Field);
                section("Related tables", t.related_tables.len(), InspRow::Related);
                section("Metrics", t.metrics.len(), InspRow::Metric);
                section("Measures", t.measures.len(), InspRow::Measure);
                section("Segments", t.segments.len(), InspRow::Segment);
            }
            Inspected::Metric(m) => {
                section("Dimensions", m.queryable_dimensions.len(), InspRow::Field);
                section("Segments", m.segments.len(), InspRow::Segment);
            }
        }
        rows
    }

    /// The field a row shows, if it shows one.
    pub fn field(&self, row: InspRow) -> Option<&Field> {
        match (self, row) {
            (Inspected::Table(t), InspRow::Field(i)) => t.fields.get(i),
            (Inspected::Metric(m), InspRow::Field(i)) => m.queryable_dimensions.get(i),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InspRow {
    Header(&'static str, usize),
    Empty,
    Field(usize),
    Related(usize),
    Metric(usize),
    Measure(usize),
    Segment(usize),
}

impl InspRow {
    pub fn selectable(self) -> bool {
        !matches!(self, InspRow::Header(..) | InspRow::Empty)
    }
}

#[derive(Debug)]
pub enum Values {
    Loading(ReqId),
    Loaded(Box<FieldValues>),
    Failed(String),
}

/// A field's top values with their counts, from a grouped count query.
#[derive(Debug)]
pub enum Distribution {
    Loading(ReqId),
    Loaded(Vec<(String, f64)>),
    Failed(String),
}

#[derive(Debug, Default)]
pub struct InspectorState {
    pub current: Option<Inspected>,
    /// Where Back returns to, with the row that was selected there.
    pub history: Vec<(Source, usize)>,
    pub loading: Option<(ReqId, Source)>,
    pub error: Option<String>,
    pub cursor: Cursor,
    /// Field values by entity and field: fetched once, kept for the session.
    pub values: HashMap<(Entity, FieldId), Values>,
    /// Top values with counts for low-cardinality fields, also kept for the session.
    pub distribution: HashMap<(Entity, FieldId), Distribution>,
    /// The row to select when the table being loaded arrives (going back restores it).
    pub restore_row: Option<usize>,
}

impl InspectorState {
    pub fn rows(&self) -> Vec<InspRow> {
        self.current
            .as_ref()
            .map(Inspected::rows)
            .unwrap_or_default()
    }

    pub fn selected_row(&self) -> Option<InspRow> {
        self.rows().get(self.cursor.selected).copied()
    }

    pub fn selected_field(&self) -> Option<&Field> {
        let row = self.selected_row()?;
        self.current.as_ref()?.field(row)
    }
}

// ---------------------------------------------------------------------------------------------
// Builder

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Section {
    Filters,
    Aggregations,
    GroupBy,
    OrderBy,
    Limit,
}

impl Section {
    pub fn title(self) -> &'static str {
        match self {
            Section::Filters => "Filters",
            Section::Aggregations => "Aggregations",
            Section::GroupBy => "Group by",
            Section::OrderBy => "Order by",
            Section::Limit => "Limit",
        }
    }

    /// What a source can say: a metric takes only filters and group-by.
    pub fn for_source(source: Source) -> &'static [Section] {
        match source {
            Source::Table(_) => &[
                Section::Filters,
                Section::Aggregations,
                Section::GroupBy,
                Section::OrderBy,
                Section::Limit,
            ],
            Source::Metric(_) => &[Section::Filters, Section::GroupBy],
        }
    }

    pub fn len(self, q: &QueryRequest) -> usize {
        match self {
            Section::Filters => q.filters.len(),
            Section::Aggregations => q.aggregations.len(),
            Section::GroupBy => q.group_by.len(),
            Section::OrderBy => q.order_by.len(),
            Section::Limit => usize::from(q.limit.is_some()),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormRow {
    Section(Section),
    Item(Section, usize),
}

impl FormRow {
    pub fn section(self) -> Section {
        match self {
            FormRow::Section(s) | FormRow::Item(s, _) => s,
        }
    }
}

pub fn form_rows(q: &QueryRequest) -> Vec<FormRow> {
    let mut rows = Vec::new();
    for s in Section::for_source(q.source) {
        rows.push(FormRow::Section(*s));
        if *s != Section::Limit {
            rows.extend((0..s.len(q)).map(|i| FormRow::Item(*s, i)));
        }
    }
    rows
}

#[derive(Default)]
pub struct BuilderState {
    /// One query per table or metric, so that going back and forth keeps each one.
    pub drafts: HashMap<Source, QueryRequest>,
    pub cursor: Cursor,
    /// Why the last attempt was refused.
    pub problem: Option<String>,
    /// The raw JSON editor, while open.
    pub editor: Option<TextArea<'static>>,
}

impl std::fmt::Debug for BuilderState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuilderState")
            .field("drafts", &self.drafts)
            .field("cursor", &self.cursor)
            .field("problem", &self.problem)
            .field("editor_open", &self.editor.is_some())
            .finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Results

#[derive(Debug, Default)]
pub enum Run {
    #[default]
    Idle,
    Running {
        id: ReqId,
        started: Instant,
        what: String,
    },
    /// The rows are in `ResultsState::grid`.
    Done {
        row_count: u64,
        running_time_ms: u64,
        elapsed: Duration,
        what: String,
    },
    Failed {
        error: String,
        what: String,
    },
    Cancelled {
        what: String,
    },
}

#[derive(Debug, Default)]
pub struct ResultsState {
    pub run: Run,
    /// The last result's rows, while it is shown.
    pub grid: Option<Grid>,
    /// The query that produced them and what it is called (switching user re-runs it).
    pub query: Option<(QueryRequest, String)>,
    /// The search box inside the results, while typing.
    pub search: Option<String>,
    /// Show the chart instead of the grid.
    pub chart: bool,
    /// Where the next page is, when the server has more.
    pub next: Option<PageCursor>,
    pub loading_more: Option<ReqId>,
    pub export: Option<Export>,
    /// A one-line note for the footer ("copied 3 lines").
    pub notice: Option<String>,
}

/// The export line under the grid.
#[derive(Debug, PartialEq)]
pub enum Export {
    /// Typing the file path.
    Prompt(String),
    Running {
        id: ReqId,
        path: String,
        progress: ExportProgress,
    },
    Done(String),
    Failed(String),
}

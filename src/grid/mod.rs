//! The results grid: rows and columns, the visible window, widths, sort, search; and its widgets.
//!
//! [`Grid`] is a pure model (no I/O, no terminal): the explorer calls its methods from key
//! handling and draws it with [`GridView`]. Rows never move: sorting is a permutation of row
//! indices, so the data stays exactly as received.

pub mod chart;
pub mod format;
pub mod sort;
mod view;

pub use chart::{ChartKind, ChartPoint, ChartSpec, ChartStyles, ChartView, NotChartable};
pub use format::{ColumnFormat, FormatOptions, NULL_TEXT};
pub use sort::Direction;
pub use view::{GridStyles, GridView, PopupView};

use crate::data::{Cell, ResultSet};
use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};
use unicode_width::UnicodeWidthStr;

/// Widest a column is fitted to its content (the user may widen it further).
pub const MAX_FITTED_WIDTH: u16 = 40;
/// Narrowest a column can be made.
pub const MIN_WIDTH: u16 = 3;
/// Widest a column can be made.
pub const MAX_WIDTH: u16 = 400;
/// How many columns one widen/narrow step changes.
pub const WIDTH_STEP: u16 = 2;

/// Which column is sorted, and which way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SortState {
    pub column: usize,
    pub direction: Direction,
}

/// An active search: its query and every matching cell, in display order.
#[derive(Clone, Debug, Default)]
struct Search {
    query: String,
    /// Lower-cased query, for case-insensitive matching.
    folded: String,
    /// (display row, column index) of each match, sorted by display row then column position.
    matches: Vec<(u32, u32)>,
    current: Option<usize>,
}

/// The full content of one cell, for a popup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellDetail {
    /// The column's label and the row number, e.g. `TOTAL · row 12`.
    pub title: String,
    /// The value exactly, JSON pretty-printed.
    pub body: String,
}

/// The results grid model.
#[derive(Debug)]
pub struct Grid {
    result: ResultSet,
    formats: Vec<ColumnFormat>,
    options: FormatOptions,
    widths: Vec<u16>,
    /// Rows of the result already measured for fitted widths.
    measured_rows: usize,
    hidden: Vec<bool>,
    /// Indices of the columns not hidden, in order: what the cursor moves over.
    shown: Vec<usize>,
    frozen: usize,
    sort: Option<SortState>,
    /// Display row → data row, when sorted.
    order: Option<Vec<u32>>,
    search: Option<Search>,
    /// Cursor: a display row and a position in `shown`.
    row: usize,
    col: usize,
    /// First display row on screen; first scrollable position in `shown` on screen.
    row_offset: usize,
    col_offset: usize,
    /// Size of the area the widget draws into (columns, lines), as last told.
    viewport: (u16, u16),
    more_available: bool,
    row_cap: Option<u64>,
    /// Cells formatted for display so far: the per-frame cost, counted for tests and benches.
    formatted: AtomicU64,
}

impl Grid {
    pub fn new(result: ResultSet) -> Grid {
        Grid::with_options(result, FormatOptions::default())
    }

    pub fn with_options(result: ResultSet, options: FormatOptions) -> Grid {
        let n = result.column_count();
        let mut grid = Grid {
            result,
            formats: Vec::new(),
            options,
            widths: vec![MIN_WIDTH; n],
            measured_rows: 0,
            hidden: vec![false; n],
            shown: (0..n).collect(),
            frozen: 0,
            sort: None,
            order: None,
            search: None,
            row: 0,
            col: 0,
            row_offset: 0,
            col_offset: 0,
            viewport: (80, 24),
            more_available: false,
            row_cap: None,
            formatted: AtomicU64::new(0),
        };
        grid.formats = (0..n)
            .map(|c| ColumnFormat::infer(&grid.result, c, options))
            .collect();
        grid.fit_widths();
        grid
    }

    /// Appends the next page of the same query. Sort and search are re-applied to all rows.
    pub fn append(&mut self, more: ResultSet) {
        self.result.append(more);
        if self.measured_rows < format::SAMPLE_ROWS {
            self.formats = (0..self.result.column_count())
                .map(|c| ColumnFormat::infer(&self.result, c, self.options))
                .collect();
            self.fit_widths();
        }
        if let Some(sort) = self.sort {
            self.order = Some(sort::sorted_order(
                &self.result,
                sort.column,
                sort.direction,
            ));
        }
        self.refresh_search();
    }

    /// Whether the server has more pages ("N rows loaded, more available").
    pub fn set_more_available(&mut self, more: bool) {
        self.more_available = more;
    }

    /// The server's row cap for this query, if any: a result this long may have been cut.
    pub fn set_row_cap(&mut self, cap: Option<u64>) {
        self.row_cap = cap;
    }

    /// Tells the model the size of the area [`GridView`] draws into, so moves keep the cursor on
    /// screen. The view also clamps on its own, so a stale size only affects scrolling smoothness.
    pub fn set_viewport(&mut self, width: u16, height: u16) {
        self.viewport = (width, height);
        self.keep_cursor_visible();
    }

    pub fn result(&self) -> &ResultSet {
        &self.result
    }

    pub fn row_count(&self) -> usize {
        self.result.row_count()
    }

    pub fn more_available(&self) -> bool {
        self.more_available
    }

    /// True when the rows held may not be the whole answer (more pages, or the cap was reached).
    pub fn is_partial(&self) -> bool {
        self.more_available || self.cap_reached()
    }

    fn cap_reached(&self) -> bool {
        self.row_cap
            .is_some_and(|cap| cap > 0 && self.row_count() as u64 >= cap)
    }

    // ----- cursor and scrolling -------------------------------------------------------------

    /// The cursor as (display row, column index in the result).
    pub fn cursor(&self) -> (usize, usize) {
        (self.row, self.shown.get(self.col).copied().unwrap_or(0))
    }

    /// The data row shown at a display row.
    pub fn data_row(&self, display_row: usize) -> usize {
        match &self.order {
            Some(order) => order.get(display_row).map_or(display_row, |&r| r as usize),
            None => display_row,
        }
    }

    /// Lines of rows that fit under the header.
    fn body_height(&self) -> usize {
        usize::from(self.viewport.1.saturating_sub(1)).max(1)
    }

    /// Puts the cursor on a cell (display row, column index), e.g. from
    /// [`GridView::cell_at`]. A hidden column or a row past the end is ignored.
    pub fn select(&mut self, display_row: usize, col: usize) {
        let Some(p) = self.shown.iter().position(|&c| c == col) else {
            return;
        };
        if display_row >= self.row_count() {
            return;
        }
        self.row = display_row;
        self.col = p;
        self.keep_cursor_visible();
    }

    pub fn move_rows(&mut self, delta: isize) {
        let last = self.row_count().saturating_sub(1);
        self.row = self.row.saturating_add_signed(delta).min(last);
        self.keep_cursor_visible();
    }

    pub fn move_cols(&mut self, delta: isize) {
        let last = self.shown.len().saturating_sub(1);
        self.col = self.col.saturating_add_signed(delta).min(last);
        self.keep_cursor_visible();
    }

    pub fn page_down(&mut self) {
        self.move_rows(self.body_height() as isize);
    }

    pub fn page_up(&mut self) {
        self.move_rows(-(self.body_height() as isize));
    }

    /// First row (`g`).
    pub fn home(&mut self) {
        self.row = 0;
        self.keep_cursor_visible();
    }

    /// Last row (`G`).
    pub fn end(&mut self) {
        self.row = self.row_count().saturating_sub(1);
        self.keep_cursor_visible();
    }

    pub fn first_column(&mut self) {
        self.col = 0;
        self.keep_cursor_visible();
    }

    pub fn last_column(&mut self) {
        self.col = self.shown.len().saturating_sub(1);
        self.keep_cursor_visible();
    }

    fn keep_cursor_visible(&mut self) {
        let height = self.body_height();
        let (row_offset, col_offset) =
            self.offsets_for(self.row_offset, self.col_offset, self.viewport.0, height);
        self.row_offset = row_offset;
        self.col_offset = col_offset;
    }

    /// Offsets that keep the cursor visible, starting from the given ones and moving as little
    /// as possible.
    fn offsets_for(
        &self,
        row_offset: usize,
        col_offset: usize,
        width: u16,
        height: usize,
    ) -> (usize, usize) {
        let mut row_offset = row_offset.min(self.row_count().saturating_sub(1));
        if self.row < row_offset {
            row_offset = self.row;
        } else if self.row >= row_offset + height {
            row_offset = self.row + 1 - height;
        }
        let frozen = self.frozen_count();
        let mut col_offset = col_offset.max(frozen).min(self.shown.len().max(frozen));
        if self.col < frozen {
            // On a frozen column, the scrolled part goes back to its start.
            col_offset = frozen;
        } else {
            if self.col < col_offset {
                col_offset = self.col;
            } else {
                let frozen_width: usize = self.shown[..frozen]
                    .iter()
                    .map(|&c| usize::from(self.widths[c]) + 1)
                    .sum::<usize>()
                    + if frozen > 0 { 2 } else { 0 };
                let avail = usize::from(width).saturating_sub(frozen_width);
                // Scroll right until the cursor column's whole width fits (or it is the first).
                while col_offset < self.col {
                    let used: usize = self.shown[col_offset..=self.col]
                        .iter()
                        .map(|&c| usize::from(self.widths[c]) + 1)
                        .sum();
                    if used <= avail + 1 {
                        break;
                    }
                    col_offset += 1;
                }
            }
        }
        (row_offset, col_offset)
    }

    /// The window to draw for an area of `width` × `height` body lines: first row and first
    /// scrollable column position, with the cursor inside.
    pub(crate) fn window(&self, width: u16, height: usize) -> (usize, usize) {
        self.offsets_for(self.row_offset, self.col_offset, width, height.max(1))
    }

    // ----- columns --------------------------------------------------------------------------

    /// Freezes the first `n` shown columns (they stay on screen while scrolling right).
    pub fn set_frozen(&mut self, n: usize) {
        self.frozen = n;
        self.keep_cursor_visible();
    }

    /// Frozen columns actually in effect (never all of them, so something can scroll).
    pub fn frozen_count(&self) -> usize {
        self.frozen.min(self.shown.len().saturating_sub(1))
    }

    /// Widens (positive) or narrows (negative) the cursor's column by `steps` × [`WIDTH_STEP`].
    pub fn resize_column(&mut self, steps: i16) {
        let (_, c) = self.cursor();
        if let Some(w) = self.widths.get_mut(c) {
            let delta = i32::from(steps) * i32::from(WIDTH_STEP);
            *w = (i32::from(*w) + delta).clamp(i32::from(MIN_WIDTH), i32::from(MAX_WIDTH)) as u16;
        }
        self.keep_cursor_visible();
    }

    /// Hides the cursor's column (never the last shown one).
    pub fn hide_column(&mut self) {
        if self.shown.len() <= 1 {
            return;
        }
        let (_, c) = self.cursor();
        self.hidden[c] = true;
        self.shown = (0..self.hidden.len())
            .filter(|&i| !self.hidden[i])
            .collect();
        self.col = self.col.min(self.shown.len().saturating_sub(1));
        self.refresh_search();
        self.keep_cursor_visible();
    }

    pub fn unhide_all(&mut self) {
        let (_, c) = self.cursor();
        self.hidden.iter_mut().for_each(|h| *h = false);
        self.shown = (0..self.hidden.len()).collect();
        self.col = c;
        self.refresh_search();
        self.keep_cursor_visible();
    }

    pub fn hidden_count(&self) -> usize {
        self.hidden.iter().filter(|h| **h).count()
    }

    /// Columns not hidden, in order.
    pub fn shown_columns(&self) -> &[usize] {
        &self.shown
    }

    pub fn column_width(&self, col: usize) -> u16 {
        self.widths.get(col).copied().unwrap_or(MIN_WIDTH)
    }

    pub fn column_format(&self, col: usize) -> &ColumnFormat {
        static PLAIN: ColumnFormat = ColumnFormat::Plain;
        self.formats.get(col).unwrap_or(&PLAIN)
    }

    /// Fits widths to the header and the first [`format::SAMPLE_ROWS`] rows, capped; runs once
    /// per result and again on append while the sample is not yet full.
    fn fit_widths(&mut self) {
        let upto = self.result.row_count().min(format::SAMPLE_ROWS);
        for c in 0..self.result.column_count() {
            let header = self.result.columns[c].label().width() + 2; // room for a sort arrow
            let mut w = header.max(usize::from(MIN_WIDTH));
            for r in self.measured_rows.min(upto)..upto {
                let text = self.formats[c].display(self.result.cell(r, c));
                w = w.max(text.width());
            }
            let fitted = w.min(usize::from(MAX_FITTED_WIDTH)) as u16;
            self.widths[c] = self.widths[c].max(fitted);
        }
        self.measured_rows = upto;
    }

    // ----- cell text ------------------------------------------------------------------------

    /// The text shown for the cell at (display row, column), counted as one formatted cell.
    pub fn display_text(&self, display_row: usize, col: usize) -> Cow<'_, str> {
        self.formatted.fetch_add(1, AtomicOrdering::Relaxed);
        let cell = self.result.cell(self.data_row(display_row), col);
        self.column_format(col).display(cell)
    }

    /// How many cells have been formatted for display since the grid was made.
    pub fn formatted_cells(&self) -> u64 {
        self.formatted.load(AtomicOrdering::Relaxed)
    }

    fn cursor_cell(&self) -> &Cell {
        let (r, c) = self.cursor();
        self.result.cell(self.data_row(r), c)
    }

    /// The full content of the cursor's cell: the value exactly, JSON pretty-printed.
    pub fn cell_detail(&self) -> Option<CellDetail> {
        if self.row_count() == 0 || self.shown.is_empty() {
            return None;
        }
        let (r, c) = self.cursor();
        let label = self.result.columns.get(c).map_or("", |col| col.label());
        let cell = self.cursor_cell();
        let body = match cell {
            Cell::Null => "null".to_string(),
            Cell::Json(j) => pretty_json(j).unwrap_or_else(|| j.to_string()),
            Cell::Text(t) => pretty_json(t).unwrap_or_else(|| t.to_string()),
            other => raw_text(other).into_owned(),
        };
        Some(CellDetail {
            title: format!("{label} · row {}", r + 1),
            body,
        })
    }

    /// The cursor's cell as text to copy (exact value; empty for null).
    pub fn copy_cell(&self) -> String {
        raw_text(self.cursor_cell()).into_owned()
    }

    /// The cursor's row as tab-separated values of the shown columns.
    pub fn copy_row(&self) -> String {
        let data_row = self.data_row(self.row);
        self.shown
            .iter()
            .map(|&c| tsv_field(&raw_text(self.result.cell(data_row, c))))
            .collect::<Vec<_>>()
            .join("\t")
    }

    /// The cursor's column, header first, one value per line, in display order.
    pub fn copy_column(&self) -> String {
        let (_, c) = self.cursor();
        let mut out = self
            .result
            .columns
            .get(c)
            .map_or(String::new(), |col| tsv_field(&col.name));
        for r in 0..self.row_count() {
            out.push('\n');
            out.push_str(&tsv_field(&raw_text(self.result.cell(self.data_row(r), c))));
        }
        out
    }

    // ----- sort -----------------------------------------------------------------------------

    pub fn sort_state(&self) -> Option<SortState> {
        self.sort
    }

    /// Sorts by the cursor's column: ascending, then descending, then back to the original
    /// order. The cursor stays on the same row of data.
    pub fn toggle_sort(&mut self) {
        let (_, c) = self.cursor();
        let next = match self.sort {
            Some(SortState {
                column,
                direction: Direction::Ascending,
            }) if column == c => Some(Direction::Descending),
            Some(SortState {
                column,
                direction: Direction::Descending,
            }) if column == c => None,
            _ => Some(Direction::Ascending),
        };
        self.apply_sort(next.map(|direction| SortState {
            column: c,
            direction,
        }));
    }

    /// Sets (or clears) the sort directly.
    pub fn apply_sort(&mut self, sort: Option<SortState>) {
        let data_row = self.data_row(self.row);
        self.sort = sort;
        self.order = sort.map(|s| sort::sorted_order(&self.result, s.column, s.direction));
        self.row = match &self.order {
            Some(order) => order
                .iter()
                .position(|&r| r as usize == data_row)
                .unwrap_or(0),
            None => data_row,
        };
        self.refresh_search();
        self.keep_cursor_visible();
    }

    // ----- search ---------------------------------------------------------------------------

    /// Searches every shown cell for `query` (case-insensitive, in the displayed and the raw
    /// text) and moves to the first match at or after the cursor. An empty query clears.
    pub fn search(&mut self, query: &str) {
        if query.is_empty() {
            self.search = None;
            return;
        }
        self.search = Some(Search {
            query: query.to_string(),
            folded: query.to_lowercase(),
            ..Search::default()
        });
        self.refresh_search();
        let here = (self.row as u32, self.col as u32);
        if let Some(s) = &mut self.search {
            let first = s
                .matches
                .iter()
                .position(|&(r, c)| (r, c) >= here)
                .or(if s.matches.is_empty() { None } else { Some(0) });
            s.current = first;
        }
        self.jump_to_current();
    }

    pub fn clear_search(&mut self) {
        self.search = None;
    }

    pub fn search_query(&self) -> Option<&str> {
        self.search.as_ref().map(|s| s.query.as_str())
    }

    pub fn match_count(&self) -> usize {
        self.search.as_ref().map_or(0, |s| s.matches.len())
    }

    /// Every match as (display row, column index), in display order.
    pub fn matches(&self) -> Vec<(usize, usize)> {
        self.search.as_ref().map_or(Vec::new(), |s| {
            s.matches
                .iter()
                .map(|&(r, p)| (r as usize, self.shown[p as usize]))
                .collect()
        })
    }

    /// `n`: the next match, wrapping to the first.
    pub fn next_match(&mut self) {
        self.step_match(true);
    }

    /// `N`: the previous match, wrapping to the last.
    pub fn previous_match(&mut self) {
        self.step_match(false);
    }

    fn step_match(&mut self, forward: bool) {
        let here = (self.row as u32, self.col as u32);
        let Some(s) = &mut self.search else { return };
        let n = s.matches.len();
        if n == 0 {
            return;
        }
        let at = s.current.filter(|&i| s.matches[i] == here);
        s.current = Some(match (at, forward) {
            (Some(i), true) => (i + 1) % n,
            (Some(i), false) => (i + n - 1) % n,
            (None, true) => s.matches.iter().position(|&m| m > here).unwrap_or(0),
            (None, false) => s.matches.iter().rposition(|&m| m < here).unwrap_or(n - 1),
        });
        self.jump_to_current();
    }

    fn jump_to_current(&mut self) {
        let Some(s) = &self.search else { return };
        let Some(&(r, p)) = s.current.and_then(|i| s.matches.get(i)) else {
            return;
        };
        self.row = r as usize;
        self.col = p as usize;
        self.keep_cursor_visible();
    }

    /// Whether the cell at (display row, column index) matches the search, and whether it is
    /// the current match.
    pub fn match_at(&self, display_row: usize, col: usize) -> Option<bool> {
        let s = self.search.as_ref()?;
        let p = self.shown.iter().position(|&c| c == col)? as u32;
        let key = (display_row as u32, p);
        let i = s.matches.binary_search(&key).ok()?;
        Some(s.current == Some(i))
    }

    /// Byte ranges of the search query in a displayed text (case-insensitive), for highlighting
    /// the matched part of a cell.
    pub fn match_ranges(&self, text: &str) -> Vec<std::ops::Range<usize>> {
        let Some(s) = &self.search else {
            return Vec::new();
        };
        find_folded(text, &s.folded)
    }

    fn refresh_search(&mut self) {
        let Some(mut s) = self.search.take() else {
            return;
        };
        let previous = s.current.and_then(|i| s.matches.get(i).copied());
        s.matches.clear();
        for r in 0..self.row_count() {
            let data_row = self.data_row(r);
            for (p, &c) in self.shown.iter().enumerate() {
                let cell = self.result.cell(data_row, c);
                let raw = raw_text(cell);
                let hit = contains_folded(&raw, &s.folded)
                    || contains_folded(&self.formats[c].display(cell), &s.folded);
                if hit {
                    s.matches.push((r as u32, p as u32));
                }
            }
        }
        s.current = match previous {
            Some(m) => s.matches.binary_search(&m).ok().or(s.current),
            None => None,
        }
        .filter(|&i| i < s.matches.len());
        self.search = Some(s);
    }

    // ----- status ---------------------------------------------------------------------------

    /// One line describing position, sort, search and completeness, e.g.
    /// `row 12/2000 · col 3/9 · sorted by TOTAL desc · 3 matches · sorted the 2000 rows fetched`.
    pub fn status_line(&self) -> String {
        let n = self.row_count();
        let mut parts = Vec::new();
        if n == 0 {
            parts.push("no rows".to_string());
        } else {
            parts.push(format!("row {}/{}", self.row + 1, n));
        }
        if !self.shown.is_empty() {
            parts.push(format!("col {}/{}", self.col + 1, self.shown.len()));
        }
        let hidden = self.hidden_count();
        if hidden > 0 {
            parts.push(format!("{hidden} hidden"));
        }
        if let Some(sort) = self.sort {
            let name = self
                .result
                .columns
                .get(sort.column)
                .map_or("", |c| c.name.as_str());
            parts.push(format!("sorted by {name} {}", sort.direction.label()));
        }
        if let Some(s) = &self.search {
            parts.push(match (s.matches.len(), s.current) {
                (0, _) => format!("no matches for \"{}\"", s.query),
                (1, _) => "1 match".to_string(),
                (k, Some(i)) => format!("match {}/{k}", i + 1),
                (k, None) => format!("{k} matches"),
            });
        }
        if self.more_available {
            parts.push(format!("{n} rows loaded, more available"));
        } else if self.cap_reached() {
            parts.push(format!(
                "the row cap ({}) may have cut this",
                self.row_cap.unwrap_or(0)
            ));
        }
        if self.is_partial() {
            let acted = match (self.sort.is_some(), self.search.is_some()) {
                (true, true) => Some("sorted and searched"),
                (true, false) => Some("sorted"),
                (false, true) => Some("searched"),
                (false, false) => None,
            };
            if let Some(verb) = acted {
                parts.push(format!("{verb} the {n} rows fetched"));
            }
        }
        parts.join(" · ")
    }
}

/// A cell's exact value as text (no display formatting); empty for null.
pub fn raw_text(cell: &Cell) -> Cow<'_, str> {
    match cell {
        Cell::Null => Cow::Borrowed(""),
        Cell::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        Cell::Int(i) => Cow::Owned(i.to_string()),
        Cell::Float(f) => Cow::Owned(f.to_string()),
        Cell::Text(t) => Cow::Borrowed(t),
        Cell::Json(j) => Cow::Borrowed(j),
    }
}

/// A value made safe for one tab-separated field: tabs and line breaks become spaces.
fn tsv_field(text: &str) -> String {
    text.replace("\r\n", " ").replace(['\t', '\n', '\r'], " ")
}

/// Pretty-printed JSON when `text` is a JSON object or array.
fn pretty_json(text: &str) -> Option<String> {
    let trimmed = text.trim_start();
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
        return None;
    }
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    serde_json::to_string_pretty(&value).ok()
}

fn contains_folded(text: &str, folded_query: &str) -> bool {
    if text.is_ascii() && folded_query.is_ascii() {
        let q = folded_query.as_bytes();
        return q.is_empty()
            || text
                .as_bytes()
                .windows(q.len())
                .any(|w| w.eq_ignore_ascii_case(q));
    }
    text.to_lowercase().contains(folded_query)
}

/// Byte ranges in `text` where `folded_query` occurs, ignoring case, without overlaps.
fn find_folded(text: &str, folded_query: &str) -> Vec<std::ops::Range<usize>> {
    let mut out: Vec<std::ops::Range<usize>> = Vec::new();
    if folded_query.is_empty() {
        return out;
    }
    for (start, _) in text.char_indices() {
        if out.last().is_some_and(|r| start < r.end) {
            continue;
        }
        if let Some(len) = folded_prefix_len(&text[start..], folded_query) {
            out.push(start..start + len);
        }
    }
    out
}

/// The byte length of the prefix of `text` that lower-cases to `folded_query`, if any.
fn folded_prefix_len(text: &str, folded_query: &str) -> Option<usize> {
    let mut q = folded_query.chars();
    for (i, ch) in text.char_indices() {
        for lc in ch.to_lowercase() {
            if q.next() != Some(lc) {
                return None;
            }
        }
        if q.as_str().is_empty() {
            return Some(i + ch.len_utf8());
        }
    }
    None
}

#[cfg(test)]
mod tests;

//! The chart view: a line over time when the result starts with a temporal breakout, bars when it
//! starts with a category; otherwise a clear reason why it cannot be charted.

use super::format::{ColumnFormat, FormatOptions, Stamp, truncate};
use crate::data::{Cell, Column, ResultSet};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Bar, BarChart, BarGroup, Block, Borders, Chart, Dataset, GraphType, Paragraph, Widget,
    Wrap,
};

/// At most this many bars are drawn (the first ones, in the order shown).
pub const MAX_BARS: usize = 30;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartKind {
    Line,
    Bar,
}

/// Why a result cannot be charted, in words for the user.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotChartable(pub String);

/// One point: its label on the x axis, its x position (seconds for time, index for bars), its
/// value.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartPoint {
    pub label: String,
    pub x: f64,
    pub y: f64,
}

/// What to draw, extracted once from a result.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartSpec {
    pub kind: ChartKind,
    pub x_title: String,
    pub y_title: String,
    /// Points in x order for lines; in row order for bars (at most [`MAX_BARS`]).
    pub points: Vec<ChartPoint>,
    /// Rows that could have been points (non-null x and y).
    pub total: usize,
    /// Rows left out because the value or the x was null or unreadable.
    pub skipped: usize,
}

const SHAPE: &str = "a chart needs a date or category column followed by a number column";

impl ChartSpec {
    pub fn from_result(rs: &ResultSet) -> Result<ChartSpec, NotChartable> {
        let not = |why: &str| Err(NotChartable(why.to_string()));
        if rs.column_count() < 2 {
            return not(&format!(
                "{SHAPE}; this result has {} column(s)",
                rs.column_count()
            ));
        }
        if rs.row_count() == 0 {
            return not("there are no rows to chart");
        }
        let first = &rs.columns[0];
        let kind = if is_temporal(rs, first) {
            ChartKind::Line
        } else if is_category(rs, first) {
            ChartKind::Bar
        } else {
            return not(SHAPE);
        };
        let Some(y_col) = (1..rs.column_count()).find(|&c| is_number(rs, c)) else {
            return not(SHAPE);
        };
        let x_format = ColumnFormat::infer(rs, 0, FormatOptions::default());
        let mut points = Vec::new();
        let mut skipped = 0;
        let mut total = 0;
        for r in 0..rs.row_count() {
            let Some(y) = number(rs.cell(r, y_col)) else {
                skipped += 1;
                continue;
            };
            let x_cell = rs.cell(r, 0);
            match kind {
                ChartKind::Line => {
                    let Some(stamp) = stamp(x_cell) else {
                        skipped += 1;
                        continue;
                    };
                    total += 1;
                    points.push(ChartPoint {
                        label: x_format.display(x_cell).into_owned(),
                        x: (stamp.instant_nanos() / 1_000_000_000) as f64,
                        y,
                    });
                }
                ChartKind::Bar => {
                    total += 1;
                    if points.len() < MAX_BARS {
                        points.push(ChartPoint {
                            label: x_format.display(x_cell).into_owned(),
                            x: points.len() as f64,
                            y,
                        });
                    }
                }
            }
        }
        if points.is_empty() {
            return not("every row has an empty value; there is nothing to chart");
        }
        if kind == ChartKind::Line {
            points.sort_by(|a, b| a.x.total_cmp(&b.x));
        }
        Ok(ChartSpec {
            kind,
            x_title: first.label().to_string(),
            y_title: rs.columns[y_col].label().to_string(),
            points,
            total,
            skipped,
        })
    }

    /// The smallest and largest value, widened so a flat line still has height, and including 0
    /// for bars.
    pub fn y_bounds(&self) -> (f64, f64) {
        let mut lo = self
            .points
            .iter()
            .map(|p| p.y)
            .fold(f64::INFINITY, f64::min);
        let mut hi = self
            .points
            .iter()
            .map(|p| p.y)
            .fold(f64::NEG_INFINITY, f64::max);
        if self.kind == ChartKind::Bar {
            lo = lo.min(0.0);
            hi = hi.max(0.0);
        }
        if !lo.is_finite() || !hi.is_finite() {
            return (0.0, 1.0);
        }
        if lo == hi {
            let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
            return (lo - pad, hi + pad);
        }
        (lo, hi)
    }

    /// A note under the chart: how much is shown and what was left out.
    pub fn note(&self) -> Option<String> {
        self.note_showing(self.points.len())
    }

    /// [`ChartSpec::note`] when only the first `shown` bars fit on screen.
    pub fn note_showing(&self, shown: usize) -> Option<String> {
        let mut parts = Vec::new();
        if self.kind == ChartKind::Bar && shown < self.total {
            parts.push(format!("showing {shown} of {}", self.total));
        }
        if self.skipped > 0 {
            parts.push(format!("{} rows with empty values left out", self.skipped));
        }
        (!parts.is_empty()).then(|| parts.join(" · "))
    }
}

fn stamp(cell: &Cell) -> Option<Stamp> {
    match cell {
        Cell::Text(t) => Stamp::parse(t).filter(|s| s.date.is_some()),
        _ => None,
    }
}

fn number(cell: &Cell) -> Option<f64> {
    match cell {
        Cell::Int(i) => Some(*i as f64),
        Cell::Float(f) if f.is_finite() => Some(*f),
        Cell::Text(t) => t.parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

fn non_null(rs: &ResultSet, col: usize) -> impl Iterator<Item = &Cell> {
    (0..rs.row_count())
        .map(move |r| rs.cell(r, col))
        .filter(|c| !matches!(c, Cell::Null))
        .take(super::format::SAMPLE_ROWS)
}

fn is_temporal(rs: &ResultSet, column: &Column) -> bool {
    let dated = non_null(rs, 0).all(|c| stamp(c).is_some());
    column.is_temporal() && non_null(rs, 0).any(|c| stamp(c).is_some())
        || (!column.is_numeric() && dated && non_null(rs, 0).next().is_some())
}

fn is_category(rs: &ResultSet, column: &Column) -> bool {
    !column.is_numeric() && non_null(rs, 0).all(|c| matches!(c, Cell::Text(_) | Cell::Bool(_)))
}

fn is_number(rs: &ResultSet, col: usize) -> bool {
    let column = &rs.columns[col];
    let mut cells = non_null(rs, col).peekable();
    if cells.peek().is_none() {
        return false;
    }
    let all_numbers = cells.all(|c| matches!(c, Cell::Int(_) | Cell::Float(_)));
    all_numbers || (column.is_numeric() && non_null(rs, col).all(|c| number(c).is_some()))
}

/// Styles of the chart view.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChartStyles {
    pub series: Style,
    pub axis: Style,
    pub label: Style,
    pub muted: Style,
}

impl Default for ChartStyles {
    fn default() -> Self {
        ChartStyles {
            series: Style::new().fg(Color::Cyan),
            axis: Style::new().fg(Color::Gray),
            label: Style::new(),
            muted: Style::new().fg(Color::DarkGray),
        }
    }
}

/// Draws a chart of a result, or the reason it cannot be charted.
pub struct ChartView<'a> {
    spec: Result<&'a ChartSpec, &'a NotChartable>,
    styles: ChartStyles,
}

impl<'a> ChartView<'a> {
    pub fn new(spec: &'a Result<ChartSpec, NotChartable>) -> Self {
        ChartView {
            spec: spec.as_ref(),
            styles: ChartStyles::default(),
        }
    }

    pub fn styles(mut self, styles: ChartStyles) -> Self {
        self.styles = styles;
        self
    }
}

/// A compact number for axis labels: `1.2k`, `3.4M`, `12.5`.
pub fn compact_number(v: f64) -> String {
    let a = v.abs();
    let (scaled, suffix) = if a >= 1e9 {
        (v / 1e9, "B")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e4 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let text = if scaled.fract() == 0.0 || scaled.abs() >= 100.0 {
        format!("{scaled:.0}")
    } else {
        format!("{scaled:.1}")
    };
    format!("{text}{suffix}")
}

impl Widget for ChartView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.is_empty() {
            return;
        }
        let spec = match self.spec {
            Ok(spec) => spec,
            Err(why) => {
                Paragraph::new(vec![
                    Line::from("No chart for this result."),
                    Line::from(Span::styled(why.0.clone(), self.styles.muted)),
                ])
                .wrap(Wrap { trim: true })
                .block(Block::default().borders(Borders::ALL).title(" Chart "))
                .render(area, buf);
                return;
            }
        };
        let title = format!(" {} by {} ", spec.y_title, spec.x_title);
        let (lo, hi) = spec.y_bounds();
        let horizontal_bars = spec.kind == ChartKind::Bar && lo >= 0.0;
        // Horizontal bars take one line each: only as many as fit are drawn, and the note says so.
        let shown = if horizontal_bars {
            spec.points
                .len()
                .min(usize::from(area.height.saturating_sub(2)).max(1))
        } else {
            spec.points.len()
        };
        let mut block = Block::default()
            .borders(Borders::ALL)
            .title(Line::from(title));
        if let Some(note) = spec.note_showing(shown) {
            block = block.title_bottom(Line::from(Span::styled(
                format!(" {note} "),
                self.styles.muted,
            )));
        }
        if horizontal_bars {
            self.render_bars(spec, shown, block, area, buf);
        } else {
            self.render_xy(spec, block, (lo, hi), area, buf);
        }
    }
}

impl ChartView<'_> {
    /// Horizontal bars, one line each, labelled with the category (values never negative here).
    fn render_bars(
        &self,
        spec: &ChartSpec,
        fit: usize,
        block: Block,
        area: Rect,
        buf: &mut Buffer,
    ) {
        let fit = fit.min(spec.points.len());
        let label_width = spec
            .points
            .iter()
            .map(|p| unicode_width::UnicodeWidthStr::width(p.label.as_str()))
            .max()
            .unwrap_or(1)
            .clamp(1, 24);
        let hi = spec.points[..fit].iter().map(|p| p.y).fold(0.0, f64::max);
        // BarChart takes whole numbers: scale so the largest bar keeps three digits of precision.
        let scale = if hi > 0.0 { 1_000_000.0 / hi } else { 1.0 };
        let bars: Vec<Bar> = spec.points[..fit]
            .iter()
            .map(|p| {
                Bar::default()
                    .value((p.y * scale).round().max(0.0) as u64)
                    .text_value(compact_number(p.y))
                    .label(Line::from(truncate(&p.label, label_width).into_owned()))
            })
            .collect();
        BarChart::horizontal(Vec::<Bar>::new())
            .data(BarGroup::new(bars))
            .bar_width(1)
            .bar_gap(0)
            .bar_style(self.styles.series)
            .label_style(self.styles.label)
            .max(1_000_000)
            .block(block)
            .render(area, buf);
    }

    /// A line over time, or value columns over categories when some values are negative.
    fn render_xy(
        &self,
        spec: &ChartSpec,
        block: Block,
        (lo, hi): (f64, f64),
        area: Rect,
        buf: &mut Buffer,
    ) {
        let data: Vec<(f64, f64)> = spec.points.iter().map(|p| (p.x, p.y)).collect();
        let first = spec.points.first();
        let last = spec.points.last();
        let middle = spec.points.get(spec.points.len() / 2);
        let (x_lo, x_hi) = match (first, last) {
            (Some(a), Some(b)) if b.x > a.x => (a.x, b.x),
            (Some(a), _) => (a.x - 1.0, a.x + 1.0),
            _ => (0.0, 1.0),
        };
        let (x_lo, x_hi) = if spec.kind == ChartKind::Bar {
            (x_lo - 0.5, x_hi + 0.5)
        } else {
            (x_lo, x_hi)
        };
        let mut x_labels: Vec<String> = Vec::new();
        for p in [first, middle, last].into_iter().flatten() {
            if x_labels.last() != Some(&p.label) && !x_labels.contains(&p.label) {
                x_labels.push(p.label.clone());
            }
        }
        if x_labels.len() == 1 {
            // One point sits in the middle; the axis draws labels only in twos or more.
            x_labels = vec![String::new(), x_labels.remove(0), String::new()];
        }
        let graph = match spec.kind {
            ChartKind::Bar => GraphType::Bar,
            ChartKind::Line if data.len() < 2 => GraphType::Scatter,
            ChartKind::Line => GraphType::Line,
        };
        let dataset = Dataset::default()
            .marker(Marker::Braille)
            .graph_type(graph)
            .style(self.styles.series)
            .data(&data);
        let mid = lo + (hi - lo) / 2.0;
        Chart::new(vec![dataset])
            .block(block)
            .x_axis(
                Axis::default()
                    .title(Span::styled(spec.x_title.clone(), self.styles.axis))
                    .style(self.styles.axis)
                    .bounds([x_lo, x_hi])
                    .labels(x_labels),
            )
            .y_axis(
                Axis::default()
                    .title(Span::styled(spec.y_title.clone(), self.styles.axis))
                    .style(self.styles.axis)
                    .bounds([lo, hi])
                    .labels([compact_number(lo), compact_number(mid), compact_number(hi)]),
            )
            .render(area, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, t: &str) -> Column {
        Column {
            name: name.into(),
            base_type: Some(t.into()),
            ..Column::default()
        }
    }

    fn result(cols: Vec<Column>, rows: Vec<Vec<Cell>>) -> ResultSet {
        ResultSet {
            columns: cols,
            rows: rows.into_iter().map(Vec::into_boxed_slice).collect(),
        }
    }

    #[test]
    fn a_time_breakout_makes_a_line_in_time_order() {
        let rs = result(
            vec![
                column("CREATED_AT", "type/DateTime"),
                column("sum", "type/Float"),
            ],
            vec![
                vec![Cell::Text("2024-02-01T00:00:00Z".into()), Cell::Float(2.0)],
                vec![Cell::Text("2024-01-01T00:00:00Z".into()), Cell::Float(-1.0)],
                vec![Cell::Text("2024-03-01T00:00:00Z".into()), Cell::Null],
            ],
        );
        let spec = ChartSpec::from_result(&rs).expect("chartable");
        assert_eq!(spec.kind, ChartKind::Line);
        assert_eq!(spec.points.len(), 2);
        assert!(spec.points[0].x < spec.points[1].x);
        assert_eq!(spec.points[0].y, -1.0);
        assert_eq!(spec.skipped, 1);
        assert_eq!(spec.y_bounds(), (-1.0, 2.0));
        assert_eq!(spec.x_title, "CREATED_AT");
    }

    #[test]
    fn a_category_breakout_makes_bars_capped_at_the_first_ones() {
        let rows = (0..120)
            .map(|i| vec![Cell::Text(format!("cat {i}").into()), Cell::Int(i)])
            .collect();
        let rs = result(
            vec![
                column("CATEGORY", "type/Text"),
                column("count", "type/BigInteger"),
            ],
            rows,
        );
        let spec = ChartSpec::from_result(&rs).expect("chartable");
        assert_eq!(spec.kind, ChartKind::Bar);
        assert_eq!(spec.points.len(), MAX_BARS);
        assert_eq!(spec.points[0].label, "cat 0");
        assert_eq!(spec.note().as_deref(), Some("showing 30 of 120"));
    }

    #[test]
    fn the_number_column_may_come_later() {
        let rs = result(
            vec![
                column("STATE", "type/Text"),
                column("CITY", "type/Text"),
                column("avg", "type/Float"),
            ],
            vec![vec![
                Cell::Text("TX".into()),
                Cell::Text("Austin".into()),
                Cell::Float(3.5),
            ]],
        );
        let spec = ChartSpec::from_result(&rs).expect("chartable");
        assert_eq!(spec.y_title, "avg");
        assert_eq!(spec.points.len(), 1);
    }

    #[test]
    fn shapes_without_a_breakout_and_a_number_are_refused_with_a_reason() {
        let numbers_first = result(
            vec![column("ID", "type/Integer"), column("TOTAL", "type/Float")],
            vec![vec![Cell::Int(1), Cell::Float(2.0)]],
        );
        let err = ChartSpec::from_result(&numbers_first).expect_err("not chartable");
        assert!(
            err.0
                .contains("date or category column followed by a number")
        );
        let text_only = result(
            vec![column("A", "type/Text"), column("B", "type/Text")],
            vec![vec![Cell::Text("x".into()), Cell::Text("y".into())]],
        );
        assert!(ChartSpec::from_result(&text_only).is_err());
        let one_col = result(vec![column("A", "type/Text")], vec![]);
        assert!(ChartSpec::from_result(&one_col).is_err());
        let empty = result(
            vec![column("A", "type/Text"), column("n", "type/Integer")],
            vec![],
        );
        let err = ChartSpec::from_result(&empty).expect_err("no rows");
        assert!(err.0.contains("no rows"));
    }

    #[test]
    fn compact_numbers_are_short() {
        assert_eq!(compact_number(12.0), "12");
        assert_eq!(compact_number(12.25), "12.2");
        assert_eq!(compact_number(15_234.5), "15.2k");
        assert_eq!(compact_number(-2_500_000.0), "-2.5M");
    }
}

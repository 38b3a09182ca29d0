//! The results pane: the spinner and elapsed time while a query runs, its error when it failed,
//! and a grid of the rows when it is done. Only the visible rows and columns are formatted.

use super::{fit, human_duration, layout, line, pad, pad_left, pane_block};
use crate::data::{Cell, Column, ResultSet};
use crate::tui::state::{App, Focus, Run, list_offset};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

/// Widest a column gets when fitted to its content.
const MAX_WIDTH: u16 = 40;
/// How many rows are sampled to fit widths.
const SAMPLE: usize = 500;

pub fn draw(app: &App, f: &mut Frame, rect: Rect) {
    let s = &app.styles;
    f.render_widget(pane_block(app, Focus::Results, "Results"), rect);
    let area = layout::inner(rect);
    let text = match &app.results.run {
        Run::Idle => vec![
            line("Press r to run the builder's query.", s.muted),
            line(
                "With a table open and nothing added, r shows its first rows.",
                s.muted,
            ),
        ],
        Run::Running { started, what, .. } => {
            let elapsed = app.now.saturating_duration_since(*started);
            vec![
                line(
                    format!("{} running {what}… {}", app.spin(), human_duration(elapsed)),
                    s.accent,
                ),
                line("Esc cancels.", s.muted),
            ]
        }
        Run::Cancelled { what } => vec![line(format!("Cancelled the {what}."), s.warning)],
        Run::Failed { error, what } => vec![
            line(format!("The {what} failed:"), s.error),
            line(error.clone(), s.error),
        ],
        Run::Done {
            result,
            elapsed,
            what,
        } => {
            draw_grid(app, f, rect, &result.result);
            let (_, _, footer) = layout::results_parts(rect);
            let rs = &result.result;
            let mut spans = vec![Span::styled(
                format!(
                    "row {}/{} · col {}/{} · {} rows · {} ms · {}",
                    (app.results.row + 1).min(rs.row_count()),
                    rs.row_count(),
                    (app.results.col + 1).min(rs.column_count()),
                    rs.column_count(),
                    result.row_count,
                    result.running_time_ms,
                    human_duration(*elapsed),
                ),
                s.muted,
            )];
            if result.maybe_truncated() {
                let why = match result.row_cap {
                    Some(cap) if result.row_count >= cap => {
                        format!(" ⚠ may be cut at the server's {cap}-row cap")
                    }
                    _ => " ⚠ more rows available".to_string(),
                };
                spans.push(Span::styled(why, s.warning));
            }
            let _ = what;
            f.render_widget(Paragraph::new(Line::from(spans)), footer);
            return;
        }
    };
    f.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), area);
}

/// A cell as shown (display only; the data stays exact).
pub fn cell_text(c: &Cell) -> String {
    match c {
        Cell::Null => "null".into(),
        Cell::Bool(b) => b.to_string(),
        Cell::Int(i) => i.to_string(),
        Cell::Float(x) => {
            if x.fract() == 0.0 && x.abs() < 1e15 {
                format!("{x:.0}")
            } else {
                let t = format!("{x:.4}");
                t.trim_end_matches('0').trim_end_matches('.').to_string()
            }
        }
        Cell::Text(t) => t.replace(['\n', '\r'], "⏎"),
        Cell::Json(j) => j.to_string(),
    }
}

fn right_aligned(col: &Column, c: &Cell) -> bool {
    col.is_numeric() || matches!(c, Cell::Int(_) | Cell::Float(_))
}

/// Column widths fitted to the header and a sample of rows, capped.
pub fn fit_widths(rs: &ResultSet) -> Vec<u16> {
    rs.columns
        .iter()
        .enumerate()
        .map(|(i, col)| {
            let head = col.label().width();
            let body = rs
                .rows
                .iter()
                .take(SAMPLE)
                .map(|r| r.get(i).map(|c| cell_text(c).width()).unwrap_or(0))
                .max()
                .unwrap_or(0);
            head.max(body).clamp(3, usize::from(MAX_WIDTH)) as u16
        })
        .collect()
}

/// The first column shown so that `col` is visible, and how many columns fit from there.
pub fn column_window(widths: &[u16], col: usize, width: u16) -> (usize, usize) {
    let fits = |from: usize, to: usize| -> bool {
        let used: u32 = widths[from..=to].iter().map(|w| u32::from(*w) + 1).sum();
        used <= u32::from(width)
    };
    if widths.is_empty() {
        return (0, 0);
    }
    let col = col.min(widths.len() - 1);
    let mut start = 0;
    while start < col && !fits(start, col) {
        start += 1;
    }
    let mut end = start;
    while end + 1 < widths.len() && fits(start, end + 1) {
        end += 1;
    }
    (start, end + 1 - start)
}

fn draw_grid(app: &App, f: &mut Frame, rect: Rect, rs: &ResultSet) {
    let s = &app.styles;
    let (header, body, _) = layout::results_parts(rect);
    let widths = &app.results.widths;
    let (start, count) = column_window(widths, app.results.col, header.width);
    let cols = start..start + count;
    let mut head = Vec::new();
    for i in cols.clone() {
        let w = usize::from(widths[i]);
        let col = &rs.columns[i];
        let text = if col.is_numeric() {
            pad_left(col.label(), w)
        } else {
            pad(col.label(), w)
        };
        head.push(Span::styled(format!("{text} "), s.header));
    }
    f.render_widget(Paragraph::new(Line::from(head)), header);

    let h = usize::from(body.height);
    let offset = list_offset(app.results.row, h);
    let focused = app.focus == Focus::Results;
    let lines: Vec<Line> = rs
        .rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(h)
        .map(|(r, row)| {
            let selected_row = r == app.results.row;
            let spans: Vec<Span> = cols
                .clone()
                .map(|i| {
                    let w = usize::from(widths[i]);
                    let cell = row.get(i).unwrap_or(&Cell::Null);
                    let text = cell_text(cell);
                    let text = if right_aligned(&rs.columns[i], cell) {
                        pad_left(&text, w)
                    } else {
                        pad(&text, w)
                    };
                    let mut st = match cell {
                        Cell::Null => s.null,
                        Cell::Int(_) | Cell::Float(_) => s.number,
                        _ => s.base,
                    };
                    if selected_row {
                        st = if focused && i == app.results.col {
                            s.selected.add_modifier(ratatui::style::Modifier::REVERSED)
                        } else if focused {
                            st.patch(s.selected)
                        } else {
                            st.patch(s.selected_unfocused)
                        };
                    }
                    Span::styled(format!("{} ", fit(&text, w)), st)
                })
                .collect();
            Line::from(spans)
        })
        .collect();
    f.render_widget(Paragraph::new(lines), body);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_column_window_keeps_the_current_column_visible() {
        let widths = [10, 10, 10, 10, 10];
        assert_eq!(column_window(&widths, 0, 33), (0, 3));
        assert_eq!(column_window(&widths, 4, 33), (2, 3));
        assert_eq!(column_window(&widths, 1, 5), (1, 1));
        assert_eq!(column_window(&[], 3, 40), (0, 0));
    }

    #[test]
    fn cells_read_well_and_stay_short() {
        assert_eq!(cell_text(&Cell::Float(39.7200)), "39.72");
        assert_eq!(cell_text(&Cell::Float(50.0)), "50");
        assert_eq!(cell_text(&Cell::Text("a\nb".into())), "a⏎b");
        let rs = ResultSet {
            columns: vec![Column {
                name: "X".into(),
                ..Column::default()
            }],
            rows: vec![vec![Cell::Text("y".repeat(100).into())].into_boxed_slice()],
        };
        assert_eq!(fit_widths(&rs), vec![MAX_WIDTH]);
    }
}

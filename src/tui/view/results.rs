//! The results pane: the spinner and elapsed time while a query runs, its error when it failed,
//! and the virtual grid (`crate::grid`) with a footer when it is done.

use super::{fit, human_duration, layout, line, pane_block};
use crate::grid::{ChartSpec, ChartView, GridView, chart::ChartStyles};
use crate::tui::state::{App, Export, Focus, Run};
use crate::tui::update::grid_area;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

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
            row_count,
            running_time_ms,
            elapsed,
            what,
        } => {
            let Some(grid) = &app.results.grid else {
                return;
            };
            if app.results.chart {
                let spec = ChartSpec::from_result(grid.result());
                let styles = ChartStyles {
                    series: s.accent,
                    axis: s.border,
                    label: s.base,
                    muted: s.muted,
                };
                f.render_widget(ChartView::new(&spec).styles(styles), grid_area(rect));
            } else {
                f.render_widget(GridView::new(grid).styles(s.grid), grid_area(rect));
            }
            let (_, _, footer) = layout::results_parts(rect);
            let width = usize::from(footer.width);
            let special = footer_line(app, width);
            let text = special.unwrap_or_else(|| {
                let mut spans = vec![Span::styled(
                    format!(
                        "{} · {what} · {row_count} rows in {running_time_ms:>5} ms ({:>7})",
                        grid.status_line(),
                        human_duration(*elapsed),
                    ),
                    s.muted,
                )];
                if grid.is_partial() {
                    spans.insert(0, Span::styled("⚠ ", s.warning));
                }
                Line::from(spans)
            });
            f.render_widget(Paragraph::new(text), footer);
            return;
        }
    };
    f.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), area);
}

/// The footer when something other than the grid's status needs it: the search box, the export
/// prompt or progress, or a note ("copied …").
fn footer_line(app: &App, width: usize) -> Option<Line<'static>> {
    let s = &app.styles;
    if let Some(q) = &app.results.search {
        return Some(Line::from(vec![
            Span::styled("/", s.key),
            Span::styled(format!("{q}▏"), s.input),
            Span::styled(
                fit(
                    "  Enter keeps · Esc clears · n/N next/previous",
                    width.saturating_sub(q.len() + 2),
                ),
                s.muted,
            ),
        ]));
    }
    let text = |t: String, st| Some(line(fit(&t, width), st));
    match &app.results.export {
        Some(Export::Prompt(path)) => {
            let hint =
                app.results.notice.clone().unwrap_or_else(|| {
                    ".csv .json .jsonl · Enter writes · Esc cancels".to_string()
                });
            return Some(Line::from(vec![
                Span::styled("Export to: ", s.key),
                Span::styled(format!("{path}▏ "), s.input),
                Span::styled(fit(&hint, width.saturating_sub(path.len() + 13)), s.muted),
            ]));
        }
        Some(Export::Running { path, progress, .. }) => {
            return text(
                format!(
                    "{} exporting to {path}: {}/{} rows…",
                    app.spin(),
                    progress.done,
                    progress.total
                ),
                s.accent,
            );
        }
        Some(Export::Done(msg)) if app.results.notice.is_none() => {
            return text(format!("✓ {msg}"), s.success);
        }
        Some(Export::Failed(msg)) if app.results.notice.is_none() => {
            return text(format!("✗ {msg}"), s.error);
        }
        _ => {}
    }
    app.results
        .notice
        .clone()
        .map(|n| line(fit(&n, width), s.accent))
}

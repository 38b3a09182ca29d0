//! The results pane: the spinner and elapsed time while a query runs, its error when it failed,
//! and the virtual grid (`crate::grid`) with a footer when it is done.

use super::{human_duration, layout, line, pane_block};
use crate::grid::GridView;
use crate::tui::state::{App, Focus, Run};
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
            f.render_widget(GridView::new(grid).styles(s.grid), grid_area(rect));
            let (_, _, footer) = layout::results_parts(rect);
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
            f.render_widget(Paragraph::new(Line::from(spans)), footer);
            return;
        }
    };
    f.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), area);
}

//! The history overlay: past runs newest first (star, time, user, outcome, body), and the
//! selected run's body.

use super::help::popup_block;
use super::log::clock;
use super::{draw_list, fit, line, pad};
use crate::tui::log_keys::pretty;
use crate::tui::state::{App, HistoryView};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use std::time::{Duration, UNIX_EPOCH};

fn run_line(app: &App, r: &crate::history::Run, width: usize) -> Line<'static> {
    let s = &app.styles;
    let at = UNIX_EPOCH + Duration::from_secs(u64::try_from(r.at).unwrap_or(0));
    let outcome = match (&r.error, r.row_count) {
        (Some(_), _) => ("failed".to_string(), s.error),
        (None, Some(n)) => (format!("{n} rows"), s.success),
        (None, None) => (r.status.clone(), s.muted),
    };
    let used = 2 + 9 + 21 + 12;
    Line::from(vec![
        Span::styled(if r.starred { "★ " } else { "  " }, s.warning),
        Span::styled(format!("{} ", clock(at)), s.muted),
        Span::styled(format!("{} ", pad(&r.user, 20)), s.accent),
        Span::styled(format!("{} ", pad(&outcome.0, 11)), outcome.1),
        Span::styled(fit(&r.body, width.saturating_sub(used)), s.base),
    ])
}

pub fn draw(app: &App, f: &mut Frame, area: Rect, v: &HistoryView) {
    let s = &app.styles;
    f.render_widget(Clear, area);
    let which = if v.starred_only { "starred" } else { "all" };
    let block = popup_block(app, format!("History · {which} · {} runs", v.runs.len()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [list, body, footer] = Layout::vertical([
        Constraint::Percentage(50),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    if let Some(e) = &v.error {
        f.render_widget(Paragraph::new(line(e.clone(), s.error)), list);
    } else if v.loading && v.runs.is_empty() {
        f.render_widget(
            Paragraph::new(line(format!("{} reading…", app.spin()), s.accent)),
            list,
        );
    } else if v.runs.is_empty() {
        f.render_widget(
            Paragraph::new(line(
                "No runs yet: every query you run is kept here.",
                s.muted,
            )),
            list,
        );
    } else {
        let width = usize::from(list.width);
        let lines = v.runs.iter().map(|r| run_line(app, r, width)).collect();
        draw_list(f, list, lines, Some(v.selected), true, s);
    }
    if let Some(r) = v.runs.get(v.selected) {
        let mut lines: Vec<Line> = pretty(&r.body)
            .lines()
            .map(|l| line(l.to_string(), s.muted))
            .collect();
        if let Some(e) = &r.error {
            lines.insert(0, line(e.clone(), s.error));
        }
        f.render_widget(Paragraph::new(lines), body);
    }
    f.render_widget(
        Paragraph::new(line(
            fit(
                "Enter re-run · e edit in the builder · s star · * starred only · Esc close",
                usize::from(footer.width),
            ),
            s.muted,
        )),
        footer,
    );
}

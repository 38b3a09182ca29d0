//! The request log overlay: every call (time, user, method, path, status, duration, size), and
//! the selected call's request and response bodies.

use super::help::popup_block;
use super::{draw_list, fit, human_duration, line, pad, pad_left};
use crate::api::LogEntry;
use crate::tui::log_keys::pretty;
use crate::tui::state::{App, LogView};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use std::time::SystemTime;

/// `HH:MM:SS` in UTC.
pub fn clock(at: SystemTime) -> String {
    let t = time::OffsetDateTime::from(at);
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

fn size(bytes: usize) -> String {
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < 1024 * 1024 {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    }
}

fn entry_line(app: &App, e: &LogEntry, width: usize) -> Line<'static> {
    let s = &app.styles;
    let (status, style) = match (e.status, &e.error) {
        (Some(code), _) if code < 400 => (code.to_string(), s.success),
        (Some(code), _) => (code.to_string(), s.error),
        (None, _) => ("ERR".to_string(), s.error),
    };
    let user_w = if width >= 120 { 24 } else { 14 };
    let fixed = 9 + user_w + 1 + 5 + 4 + 9 + 10;
    let path_w = width.saturating_sub(fixed).max(10);
    Line::from(vec![
        Span::styled(format!("{} ", clock(e.at)), s.muted),
        Span::styled(format!("{} ", pad(&e.user, user_w)), s.accent),
        Span::styled(pad(&e.method, 5), s.base),
        Span::styled(format!("{} ", pad(&e.path, path_w)), s.base),
        Span::styled(pad_left(&status, 3), style),
        Span::styled(pad_left(&human_duration(e.duration), 9), s.muted),
        Span::styled(pad_left(&size(e.bytes), 10), s.muted),
    ])
}

/// Text cut into lines of at most `width` characters (compact JSON has no spaces to wrap at).
fn chunked(text: &str, width: usize, style: ratatui::style::Style) -> Vec<Line<'static>> {
    let width = width.max(1);
    let mut out = Vec::new();
    for l in text.lines() {
        let chars: Vec<char> = l.chars().collect();
        if chars.is_empty() {
            out.push(Line::default());
        }
        for piece in chars.chunks(width) {
            out.push(line(piece.iter().collect::<String>(), style));
        }
    }
    out
}

fn body_lines(app: &App, e: &LogEntry, width: usize) -> Vec<Line<'static>> {
    let s = &app.styles;
    let mut out = chunked(
        &format!("{} {}{}", e.method, e.base_url, e.path),
        width,
        s.section,
    );
    if let Some(err) = &e.error {
        out.push(line(err.clone(), s.error));
    }
    out.push(line("Request body", s.header));
    match &e.request_body {
        Some(b) => out.extend(chunked(&pretty(b), width, s.base)),
        None => out.push(line("(none)", s.muted)),
    }
    if e.response_preview.ends_with('…') {
        out.push(line(
            "Response (its start only: the log keeps 4 KB)",
            s.header,
        ));
    } else {
        out.push(line("Response", s.header));
    }
    if e.response_preview.is_empty() {
        out.push(line("(empty)", s.muted));
    } else {
        out.extend(chunked(&pretty(&e.response_preview), width, s.base));
    }
    out
}

pub fn draw(app: &App, f: &mut Frame, area: Rect, v: &LogView) {
    let s = &app.styles;
    f.render_widget(Clear, area);
    let title = format!("Request log · {} calls", v.entries.len());
    let block = popup_block(app, title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [list, bodies, footer] = Layout::vertical([
        Constraint::Percentage(40),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    let width = usize::from(list.width);
    if v.entries.is_empty() {
        f.render_widget(Paragraph::new(line("No calls yet.", s.muted)), list);
    } else {
        let lines = v
            .entries
            .iter()
            .map(|e| entry_line(app, e, width))
            .collect();
        draw_list(f, list, lines, Some(v.selected), true, s);
    }
    if let Some(e) = v.selected_entry() {
        f.render_widget(
            Paragraph::new(body_lines(app, e, usize::from(bodies.width))).scroll((v.scroll, 0)),
            bodies,
        );
    }
    let text = match &v.notice {
        Some(n) => line(fit(n, usize::from(footer.width)), s.warning),
        None => line(
            fit(
                "↑↓ call · PgUp/PgDn scroll · y copy as curl · Y copy response · T curl with a live token · Esc close",
                usize::from(footer.width),
            ),
            s.muted,
        ),
    };
    f.render_widget(Paragraph::new(text), footer);
}

//! Overlays: the help generated from the keymap, error popups, and the builder's pickers.

use super::{fit, line};
use crate::tui::picker::{Choice, Picker};
use crate::tui::state::{App, Overlay};
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

pub fn draw_overlay(app: &App, f: &mut Frame, area: Rect) {
    match &app.overlay {
        None => {}
        Some(Overlay::Help(scroll)) => help(app, f, area, *scroll),
        Some(Overlay::Error(e)) => error(app, f, area, e),
        Some(Overlay::Picker(p)) => picker(app, f, area, p),
        Some(Overlay::Cell(detail, scroll)) => {
            let r = crate::grid::PopupView::centered(area, 80, 70);
            f.render_widget(
                crate::grid::PopupView::new(detail)
                    .scroll(*scroll)
                    .styles(app.styles.grid),
                r,
            );
        }
        Some(Overlay::Log(v)) => super::log::draw(app, f, overlay_area(area), v),
        Some(Overlay::Compare(v)) => super::compare::draw(app, f, overlay_area(area), v),
        Some(Overlay::History(v)) => super::history::draw(app, f, overlay_area(area), v),
    }
}

/// Everything above the status bar: big overlays keep the status line visible.
fn overlay_area(area: Rect) -> Rect {
    Rect {
        height: area.height.saturating_sub(2),
        ..area
    }
}

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let [r] = Layout::horizontal([Constraint::Length(w.min(area.width))])
        .flex(Flex::Center)
        .areas(area);
    let [r] = Layout::vertical([Constraint::Length(h.min(area.height))])
        .flex(Flex::Center)
        .areas(r);
    r
}

pub fn popup_block<'a>(app: &App, title: String) -> Block<'a> {
    Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(app.styles.border_focused)
        .title(Span::styled(format!(" {title} "), app.styles.title_focused))
        .style(app.styles.popup)
}

/// The help lines for the focused pane, straight from the keymap.
pub fn help_lines(app: &App) -> Vec<Line<'static>> {
    let s = &app.styles;
    let scope = app.focus.scope();
    let mut out = Vec::new();
    let mut last_scope = None;
    for b in app.keymap.for_scope(scope) {
        if last_scope != Some(b.scope) {
            if last_scope.is_some() {
                out.push(Line::default());
            }
            out.push(line(b.scope.title(), s.section));
            last_scope = Some(b.scope);
        }
        let keys: Vec<String> = b.keys.iter().map(ToString::to_string).collect();
        out.push(Line::from(vec![
            Span::styled(format!("  {:<18}", keys.join(" ")), s.key),
            Span::styled(b.help.to_string(), s.base),
        ]));
    }
    out.push(Line::default());
    out.push(line("Typing", s.section));
    out.push(line(
        "  search box: type to search · Enter opens the hit · Esc leaves · empty: browse",
        s.base,
    ));
    out.push(line(
        "  pickers: type to filter or to give a value · ↑↓ · Tab marks several · Enter · Esc",
        s.base,
    ));
    out.push(line(
        "  Mouse: click focuses and selects · wheel scrolls",
        s.base,
    ));
    out
}

fn help(app: &App, f: &mut Frame, area: Rect, scroll: u16) {
    let lines = help_lines(app);
    let max_scroll = (lines.len() as u16).saturating_sub(area.height.saturating_sub(4));
    let w = area.width.saturating_sub(4).min(96);
    let h = (lines.len() as u16 + 2).min(area.height.saturating_sub(2));
    let r = centered(area, w, h);
    f.render_widget(Clear, r);
    let title = format!(
        "Keys · {} (↑↓ scroll · Esc closes)",
        app.focus.scope().title()
    );
    f.render_widget(
        Paragraph::new(lines)
            .block(popup_block(app, title))
            .scroll((scroll.min(max_scroll), 0)),
        r,
    );
}

fn error(app: &App, f: &mut Frame, area: Rect, e: &str) {
    let w = area.width.saturating_sub(8).min(70);
    // Tall enough for the whole message as wrapped (words may wrap a little earlier than this
    // estimate; the hint line below absorbs that), plus the hint and the borders.
    let inner = usize::from(w.saturating_sub(2)).max(1);
    let rows: usize = e
        .lines()
        .map(|l| {
            unicode_width::UnicodeWidthStr::width(l)
                .div_ceil(inner)
                .max(1)
        })
        .sum();
    let h = u16::try_from(rows + 4).unwrap_or(u16::MAX).max(6);
    let r = centered(area, w, h.min(area.height.saturating_sub(2)));
    f.render_widget(Clear, r);
    let mut text: Vec<Line> = e
        .lines()
        .map(|l| line(l.to_string(), app.styles.error))
        .collect();
    text.extend([
        Line::default(),
        line("Esc or Enter closes", app.styles.muted),
    ]);
    f.render_widget(
        Paragraph::new(text)
            .block(popup_block(app, "Problem".into()))
            .wrap(Wrap { trim: true }),
        r,
    );
}

fn picker(app: &App, f: &mut Frame, area: Rect, p: &Picker) {
    let s = &app.styles;
    let w = area.width.saturating_sub(6).min(72);
    let h = area.height.saturating_sub(4).min(22);
    let r = centered(area, w, h);
    f.render_widget(Clear, r);
    let block = popup_block(app, p.title.clone());
    let inner = block.inner(r);
    f.render_widget(block, r);
    let [input, problem, list, hint] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    let prompt = if p.free_text { "value: " } else { "filter: " };
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(prompt, s.key),
            Span::styled(p.input.clone(), s.input),
            Span::styled("▏", s.accent),
        ])),
        input,
    );
    let note = match (&p.problem, p.loading) {
        (Some(e), _) => line(e.clone(), s.error),
        (None, true) => line(format!("{} loading values…", app.spin()), s.muted),
        _ => Line::default(),
    };
    f.render_widget(Paragraph::new(note), problem);
    let width = usize::from(list.width);
    let lines: Vec<Line> = p
        .visible()
        .into_iter()
        .map(|c| match c {
            Choice::Typed(t) => Line::from(vec![
                Span::styled("  use ", s.muted),
                Span::styled(format!("“{t}”"), s.accent),
            ]),
            Choice::Item(i) => {
                let Some(it) = p.items.get(i) else {
                    return Line::default();
                };
                let mark = if !p.multi {
                    "  "
                } else if p.marked.contains(&i) {
                    "☑ "
                } else {
                    "☐ "
                };
                let label_w = (width / 2).max(10);
                Line::from(vec![
                    Span::styled(mark, s.accent),
                    Span::styled(super::pad(&it.label, label_w), s.base),
                    Span::styled(fit(&it.detail, width.saturating_sub(label_w + 3)), s.muted),
                ])
            }
        })
        .collect();
    super::draw_list(f, list, lines, Some(p.selected), true, s);
    let tips = if p.multi {
        "Enter choose · Tab mark several · Esc cancel"
    } else {
        "Enter choose · type to filter · Esc cancel"
    };
    f.render_widget(Paragraph::new(line(tips, s.muted)), hint);
}

//! The status bar: who, how, where, the last request, and key hints for the focused pane.

use super::log::clock;
use super::{fit, human_duration};
use crate::tui::state::App;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

pub fn draw(app: &App, f: &mut Frame, area: Rect) {
    let s = &app.styles;
    let sep = || Span::styled(" │ ", s.border);
    let mut who = vec![
        Span::styled(format!(" {}", app.session.email), s.accent),
        sep(),
    ];
    if let Some(p) = &app.profile {
        who.push(Span::styled(format!("profile {p}"), s.header));
        who.push(sep());
    }
    who.extend([Span::styled(app.session.mode.clone(), s.base)]);
    if let Some(age) = app.auth.token_age {
        // A token is good for 180 s; it turns yellow when renewal is near.
        let style = if age.as_secs() >= 150 {
            s.warning
        } else {
            s.muted
        };
        who.push(Span::styled(
            format!(" token {:>3}s/180s", age.as_secs()),
            style,
        ));
    }
    if let Some(age) = app.auth.session_age {
        who.push(Span::styled(
            format!(" session {}", human_duration(age)),
            s.muted,
        ));
    }
    // When it was renewed only where there is room: the age already says how fresh it is.
    if let Some(at) = app.auth.renewed_at
        && area.width >= 120
    {
        who.push(Span::styled(format!(" renewed {}", clock(at)), s.muted));
    }
    who.push(sep());
    who.push(Span::styled(
        app.era.map(|e| e.as_str()).unwrap_or("api ?").to_string(),
        s.base,
    ));
    who.push(sep());
    match &app.last {
        None if app.is_busy() => who.push(Span::styled(format!("{} …", app.spin()), s.accent)),
        None => who.push(Span::styled("no requests yet", s.muted)),
        Some(last) => {
            let (mark, style) = match &last.error {
                None => ("✓", s.success),
                Some(_) => ("✗", s.error),
            };
            // The label gives way so that the time after it is never cut.
            let used: usize = who.iter().map(|sp| sp.content.width()).sum();
            let room = usize::from(area.width).saturating_sub(used + 2 + 8 + 2);
            who.push(Span::styled(
                format!("{mark} {}", fit(&last.label, room.max(6))),
                style,
            ));
            // Fixed width, so that what follows does not shift as times change.
            who.push(Span::styled(
                format!(" {:>7}", human_duration(last.elapsed)),
                s.muted,
            ));
            if app.is_busy() {
                who.push(Span::styled(format!(" {}", app.spin()), s.accent));
            }
        }
    }
    // The URL last, without its scheme, cut cleanly to what is left of the line.
    let used: usize = who.iter().map(|sp| sp.content.width()).sum();
    let room = usize::from(area.width).saturating_sub(used + 3);
    if room >= 8 {
        let url = app
            .session
            .url
            .split("://")
            .nth(1)
            .unwrap_or(&app.session.url);
        who.push(sep());
        who.push(Span::styled(fit(url, room), s.base));
    }
    let mut hints = vec![Span::raw(" ")];
    for (key, action) in app.keymap.hints(app.focus.scope()) {
        hints.push(Span::styled(key, s.key));
        hints.push(Span::styled(
            format!(" {}  ", action.replace('_', " ")),
            s.muted,
        ));
    }
    f.render_widget(
        Paragraph::new(vec![Line::from(who), Line::from(hints)]),
        area,
    );
}

//! `view(&App, &mut Frame)`: draws the state, and nothing else.

pub mod builder;
pub mod catalog;
pub mod compare;
pub mod help;
pub mod history;
pub mod inspector;
pub mod layout;
pub mod log;
pub mod results;
pub mod status;

use super::state::{App, Focus, list_offset};
use super::theme::Styles;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};
use unicode_width::UnicodeWidthStr;

pub fn view(app: &App, f: &mut Frame) {
    let area = f.area();
    f.render_widget(Block::new().style(app.styles.base), area);
    if layout::too_small(area) {
        let msg = format!(
            "mbx needs at least {}×{} (this terminal is {}×{}): please make it larger.",
            layout::MIN_WIDTH,
            layout::MIN_HEIGHT,
            area.width,
            area.height
        );
        f.render_widget(
            Paragraph::new(msg)
                .style(app.styles.warning)
                .wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return;
    }
    let areas = layout::areas(area, app.focus, app.zoom);
    for pane in Focus::ALL {
        let rect = areas.pane(pane);
        if rect.area() == 0 {
            continue;
        }
        match pane {
            Focus::Catalog => catalog::draw(app, f, rect),
            Focus::Inspector => inspector::draw(app, f, rect),
            Focus::Builder => builder::draw(app, f, rect),
            Focus::Results => results::draw(app, f, rect),
        }
    }
    status::draw(app, f, areas.status);
    help::draw_overlay(app, f, area);
}

/// A pane's frame: the focused one has a bright, thick border and a bold title.
pub fn pane_block<'a>(app: &App, pane: Focus, title: impl Into<String>) -> Block<'a> {
    let s = &app.styles;
    let focused = app.focus == pane;
    let (border, title_style, kind) = if focused {
        (s.border_focused, s.title_focused, BorderType::Thick)
    } else {
        (s.border, s.title, BorderType::Plain)
    };
    Block::new()
        .borders(Borders::ALL)
        .border_type(kind)
        .border_style(border)
        .title(Span::styled(format!(" {} ", title.into()), title_style))
        .style(s.base)
}

/// Draws lines as a scrolled list with the selected one highlighted.
pub fn draw_list(
    f: &mut Frame,
    area: Rect,
    lines: Vec<Line<'static>>,
    selected: Option<usize>,
    focused: bool,
    styles: &Styles,
) {
    let h = usize::from(area.height);
    let offset = selected.map(|s| list_offset(s, h)).unwrap_or(0);
    let sel_style = if focused {
        styles.selected
    } else {
        styles.selected_unfocused
    };
    let shown: Vec<Line> = lines
        .into_iter()
        .enumerate()
        .skip(offset)
        .take(h)
        .map(|(i, line)| {
            if Some(i) == selected {
                highlight(line, sel_style)
            } else {
                line
            }
        })
        .collect();
    f.render_widget(Paragraph::new(shown), area);
}

/// A selected line: the selection background over the whole line, its spans keep their colours.
fn highlight(line: Line<'static>, sel: Style) -> Line<'static> {
    let spans = line
        .spans
        .into_iter()
        .map(|s| {
            let st = s.style.bg(sel.bg.unwrap_or_default());
            let st = st.add_modifier(sel.add_modifier);
            Span::styled(s.content, st)
        })
        .collect::<Vec<_>>();
    Line::from(spans).style(sel)
}

/// Cuts text to a display width, with an ellipsis when cut.
pub fn fit(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in text.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if w + cw + 1 > width {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

/// Pads (or cuts) text to exactly a display width.
pub fn pad(text: &str, width: usize) -> String {
    let t = fit(text, width);
    let w = t.width();
    format!("{t}{}", " ".repeat(width.saturating_sub(w)))
}

/// Right-aligns (or cuts) text to a display width.
pub fn pad_left(text: &str, width: usize) -> String {
    let t = fit(text, width);
    let w = t.width();
    format!("{}{t}", " ".repeat(width.saturating_sub(w)))
}

/// One line of text in one style.
pub fn line(text: impl Into<String>, style: Style) -> Line<'static> {
    Line::from(Span::styled(text.into(), style))
}

/// A duration as people read it in a status line.
pub fn human_duration(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{}m{:02}s", d.as_secs() / 60, d.as_secs() % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cut_with_an_ellipsis_by_display_width() {
        assert_eq!(fit("ORDERS", 10), "ORDERS");
        assert_eq!(fit("ORDERS", 4), "ORD…");
        assert_eq!(fit("日本語テキスト", 5), "日本…");
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(pad_left("7", 3), "  7");
        assert_eq!(
            human_duration(std::time::Duration::from_millis(1500)),
            "1.5 s"
        );
    }
}

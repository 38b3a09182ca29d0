//! The catalog pane: the search box and what it found, or the databases to browse.

use super::{draw_list, fit, layout, line, pane_block};
use crate::api::types::ItemKind;
use crate::tui::state::{App, Browse, Entry, Focus, Tables};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(app: &App, f: &mut Frame, rect: Rect) {
    let s = &app.styles;
    let c = &app.catalog;
    f.render_widget(pane_block(app, Focus::Catalog, "Catalog"), rect);
    let (search, list) = layout::catalog_parts(rect);

    let mut spans = vec![Span::styled("/ ", s.key)];
    if c.query.is_empty() && !c.editing {
        spans.push(Span::styled("search tables and metrics", s.muted));
    } else {
        spans.push(Span::styled(c.query.clone(), s.input));
    }
    if c.editing && app.focus == Focus::Catalog {
        spans.push(Span::styled("▏", s.accent));
    }
    if c.search.is_some() {
        spans.push(Span::styled(format!(" {}", app.spin()), s.accent));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), search);

    let width = usize::from(list.width);
    let entries = c.entries();
    if entries.is_empty() {
        f.render_widget(
            Paragraph::new(empty_text(app)).wrap(ratatui::widgets::Wrap { trim: true }),
            list,
        );
        return;
    }
    let lines = entries.iter().map(|e| entry_line(app, *e, width)).collect();
    let focused = app.focus == Focus::Catalog && !c.editing;
    draw_list(f, list, lines, Some(c.cursor.selected), focused, s);
}

fn empty_text(app: &App) -> Vec<Line<'static>> {
    let s = &app.styles;
    let c = &app.catalog;
    if let Some(e) = &c.error {
        return vec![line(format!("search failed: {e}"), s.error)];
    }
    if !c.browsing() {
        return match &c.searched {
            _ if c.search.is_some() => vec![line(format!("{} searching…", app.spin()), s.muted)],
            Some(term) => vec![line(
                format!("nothing matches “{term}” for this user"),
                s.muted,
            )],
            None => vec![line("…", s.muted)],
        };
    }
    match &c.browse {
        Browse::NotLoaded => vec![line("Press / and type to search.", s.muted)],
        Browse::Loading(_) => vec![line(format!("{} loading databases…", app.spin()), s.muted)],
        Browse::Unavailable(e) => vec![
            line("Press / and type to search tables and metrics.", s.muted),
            line(format!("(no database list here: {e})"), s.muted),
        ],
        Browse::Loaded(_) => vec![line("no databases visible to this user", s.muted)],
    }
}

fn entry_line(app: &App, e: Entry, width: usize) -> Line<'static> {
    let s = &app.styles;
    let c = &app.catalog;
    match e {
        Entry::Hit(i) => {
            let Some(hit) = c.hits.get(i) else {
                return Line::default();
            };
            let icon = match hit.kind {
                ItemKind::Table => "▦",
                ItemKind::Metric => "∑",
                ItemKind::Other(_) => "·",
            };
            let mut spans = vec![
                Span::styled(format!("{icon} "), s.accent),
                Span::styled(hit.name.clone(), s.base),
            ];
            if let Some(d) = &hit.display_name
                && d != &hit.name
            {
                spans.push(Span::styled(format!("  {d}"), s.muted));
            }
            if hit.verified == Some(true) {
                spans.push(Span::styled(" ✓verified", s.badge));
            }
            if let Some(desc) = &hit.description {
                let used: usize = spans.iter().map(|s| s.width()).sum();
                let room = width.saturating_sub(used + 3);
                if room > 8 {
                    spans.push(Span::styled(format!(" — {}", fit(desc, room)), s.muted));
                }
            }
            Line::from(spans)
        }
        Entry::Db(d) => {
            let Browse::Loaded(dbs) = &c.browse else {
                return Line::default();
            };
            let Some(node) = dbs.get(d) else {
                return Line::default();
            };
            let (arrow, tail) = match &node.tables {
                Tables::Collapsed => ("▸", String::new()),
                Tables::Loading(_) => ("▸", format!(" {}", app.spin())),
                Tables::Expanded(ts) => ("▾", format!("  {} tables", ts.len())),
                Tables::Failed(e) => ("▸", format!("  {e}")),
            };
            let tail_style = if matches!(node.tables, Tables::Failed(_)) {
                s.error
            } else {
                s.muted
            };
            let mut spans = vec![
                Span::styled(format!("{arrow} ◫ "), s.accent),
                Span::styled(node.db.name.clone(), s.base),
            ];
            if let Some(engine) = &node.db.engine {
                spans.push(Span::styled(format!(" ({engine})"), s.muted));
            }
            spans.push(Span::styled(tail, tail_style));
            Line::from(spans)
        }
        Entry::DbTable(d, t) => {
            let Browse::Loaded(dbs) = &c.browse else {
                return Line::default();
            };
            let Some(Tables::Expanded(ts)) = dbs.get(d).map(|n| &n.tables) else {
                return Line::default();
            };
            let Some(table) = ts.get(t) else {
                return Line::default();
            };
            let mut spans = vec![
                Span::styled("    ▦ ", s.accent),
                Span::styled(table.name.clone(), s.base),
            ];
            if let Some(dn) = &table.display_name
                && dn != &table.name
            {
                spans.push(Span::styled(format!("  {dn}"), s.muted));
            }
            Line::from(spans)
        }
    }
}

//! The comparison of two users, side by side: the verdict on top, then what each one got, with
//! what only one of them has marked.

use super::help::popup_block;
use super::{fit, line};
use crate::compare::{Comparison, Details, Failure, SetDiff};
use crate::tui::state::{App, CompareView};
use crate::tui::theme::Styles;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph, Wrap};

type Lines = Vec<Line<'static>>;

fn failure_line(f: &Failure, s: &Styles) -> Line<'static> {
    let code = f
        .status
        .map(|c| c.to_string())
        .unwrap_or_else(|| "error".into());
    line(format!("✗ {code}: {}", f.message), s.error)
}

/// One side's part of a set difference: the count in common and what only this side has.
fn set_side(out: &mut Lines, title: &str, both: usize, only: &[String], s: &Styles) {
    out.push(line(format!("{title}: {both} in common"), s.header));
    if only.is_empty() {
        out.push(line("  nothing only here", s.muted));
    }
    for x in only {
        out.push(line(format!("  + {x}"), s.warning));
    }
}

fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "∅".into(),
        serde_json::Value::String(t) => t.clone(),
        other => other.to_string(),
    }
}

fn sides(c: &Comparison, s: &Styles) -> (Lines, Lines) {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for (out, fail) in [(&mut a, &c.a_failure), (&mut b, &c.b_failure)] {
        match fail {
            Some(f) => out.push(failure_line(f, s)),
            None => out.push(line("✓ 200", s.success)),
        }
    }
    match &c.details {
        Details::Failed => {}
        Details::Search {
            items,
            a_total,
            b_total,
        } => {
            let names = |xs: &[crate::compare::ItemRef]| {
                xs.iter()
                    .map(|i| format!("{} {} ({})", i.kind, i.name, i.id))
                    .collect::<Vec<_>>()
            };
            a.push(line(format!("{a_total} results"), s.base));
            b.push(line(format!("{b_total} results"), s.base));
            set_side(&mut a, "results", items.both, &names(&items.only_a), s);
            set_side(&mut b, "results", items.both, &names(&items.only_b), s);
        }
        Details::Table {
            table,
            fields,
            related_tables,
            metrics,
        } => {
            for out in [&mut a, &mut b] {
                out.push(line(format!("table {table}"), s.base));
            }
            let parts: [(&str, &SetDiff<String>); 3] = [
                ("fields", fields),
                ("related tables", related_tables),
                ("metrics", metrics),
            ];
            for (title, d) in parts {
                set_side(&mut a, title, d.both, &d.only_a, s);
                set_side(&mut b, title, d.both, &d.only_b, s);
            }
        }
        Details::Query {
            columns,
            a_rows,
            b_rows,
            rows,
        } => {
            let style = |x, y| if x == y { s.base } else { s.warning };
            a.push(line(format!("{a_rows} rows"), style(a_rows, b_rows)));
            b.push(line(format!("{b_rows} rows"), style(a_rows, b_rows)));
            set_side(&mut a, "columns", columns.both, &columns.only_a, s);
            set_side(&mut b, "columns", columns.both, &columns.only_b, s);
            let head = if rows.is_empty() {
                "no differing rows"
            } else {
                "first differing rows"
            };
            for out in [&mut a, &mut b] {
                out.push(line(head, s.header));
            }
            for d in rows {
                for (out, row) in [(&mut a, &d.a), (&mut b, &d.b)] {
                    let text = match row {
                        Some(vals) => vals.iter().map(value_text).collect::<Vec<_>>().join(" · "),
                        None => "(no such row)".into(),
                    };
                    out.push(line(format!("  #{} {text}", d.row + 1), s.warning));
                }
            }
        }
    }
    (a, b)
}

pub fn draw(app: &App, f: &mut Frame, area: Rect, v: &CompareView) {
    let s = &app.styles;
    f.render_widget(Clear, area);
    let block = popup_block(app, format!("Compare · {}", v.what));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(c) = &v.result else {
        let text = vec![
            line(
                format!(
                    "{} running the {} as {} and as {}…",
                    app.spin(),
                    v.what,
                    app.session.email,
                    v.other
                ),
                s.accent,
            ),
            line("Esc cancels.", s.muted),
        ];
        f.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), inner);
        return;
    };
    let [verdict, body, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    let vstyle: Style = if c.identical { s.success } else { s.warning };
    f.render_widget(
        Paragraph::new(line(c.verdict.clone(), vstyle)).wrap(Wrap { trim: false }),
        verdict,
    );
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body);
    let (a, b) = sides(c, s);
    for (rect, user, lines) in [(left, &c.a_user, a), (right, &c.b_user, b)] {
        let mut all = vec![line(fit(user, usize::from(rect.width)), s.title_focused)];
        all.extend(lines);
        f.render_widget(
            Paragraph::new(all)
                .wrap(Wrap { trim: false })
                .scroll((v.scroll, 0)),
            rect.inner(ratatui::layout::Margin::new(1, 0)),
        );
    }
    f.render_widget(
        Paragraph::new(line(
            fit(
                "+ only this user has it · ↑↓ scroll · Esc close",
                usize::from(footer.width),
            ),
            s.muted,
        )),
        footer,
    );
}

//! The builder pane: the query being assembled, a live preview of its construct-query body, and
//! the raw JSON editor.

use super::{draw_list, layout, line, pane_block};
use crate::query::{Aggregation, Filter, QueryRequest};
use crate::tui::state::{App, Focus, FormRow, Section, form_rows};
use crate::tui::update::value_text;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

pub fn draw(app: &App, f: &mut Frame, rect: Rect) {
    let s = &app.styles;
    let b = &app.builder;
    let title = if b.editor.is_some() {
        "Builder · JSON (Ctrl-S apply · Esc cancel)"
    } else {
        "Builder"
    };
    f.render_widget(pane_block(app, Focus::Builder, title), rect);
    let rows = app.draft().map(|q| form_rows(&q).len()).unwrap_or(1);
    let (form, preview, problem) = layout::builder_parts(rect, rows);
    if let Some(p) = &b.problem {
        f.render_widget(Paragraph::new(line(p.clone(), s.error)), problem);
    }
    if let Some(editor) = &b.editor {
        let area = Rect {
            height: form.height + preview.height,
            ..form
        };
        f.render_widget(editor, area);
        return;
    }
    let Some(q) = app.draft() else {
        f.render_widget(
            Paragraph::new(vec![line(
                "Open a table or metric to build a query on it.",
                s.muted,
            )])
            .wrap(Wrap { trim: true }),
            form,
        );
        return;
    };
    let lines = form_rows(&q)
        .into_iter()
        .map(|r| row_line(app, &q, r))
        .collect();
    draw_list(
        f,
        form,
        lines,
        Some(b.cursor.selected),
        app.focus == Focus::Builder,
        s,
    );
    let body = q.to_body();
    let pretty = serde_json::to_string_pretty(&body).unwrap_or_default();
    let mut text = vec![line("construct-query body", s.section)];
    // Pretty-printed lines, cut whole at the bottom when there is no room: every line shown
    // reads on its own, and the count says how much more `e` shows.
    let room = usize::from(preview.height).saturating_sub(1);
    let lines: Vec<&str> = pretty.lines().collect();
    if lines.len() <= room {
        text.extend(lines.iter().map(|l| line(l.to_string(), s.muted)));
    } else {
        let keep = room.saturating_sub(1);
        text.extend(lines[..keep].iter().map(|l| line(l.to_string(), s.muted)));
        text.push(line(
            format!("… {} more lines · e: all", lines.len() - keep),
            s.muted,
        ));
    }
    f.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), preview);
}

fn row_line(app: &App, q: &QueryRequest, row: FormRow) -> Line<'static> {
    let s = &app.styles;
    match row {
        FormRow::Section(Section::Limit) => {
            let v = match q.limit {
                Some(n) => n.to_string(),
                None if q.is_bare() => {
                    format!("— (r previews {} rows)", app.settings.preview_rows)
                }
                None => "—".into(),
            };
            Line::from(vec![
                Span::styled("Limit ", s.section),
                Span::styled(v, s.base),
            ])
        }
        FormRow::Section(sec) => Line::from(vec![
            Span::styled(format!("{} ", sec.title()), s.section),
            Span::styled(format!("({})  a: add", sec.len(q)), s.muted),
        ]),
        FormRow::Item(sec, i) => {
            let text = describe(app, q, sec, i).unwrap_or_default();
            Line::from(vec![
                Span::styled("  • ", s.accent),
                Span::styled(text, s.base),
            ])
        }
    }
}

fn field_name(app: &App, id: &crate::query::FieldId) -> String {
    app.field(id)
        .map(|f| match &f.table_reference {
            Some(t) => format!("{t} → {}", f.name),
            None => f.name.clone(),
        })
        .unwrap_or_else(|| id.to_string())
}

/// A builder item in words: `TOTAL greater-than 50`, `count`, `CREATED_AT by month`.
pub fn describe(app: &App, q: &QueryRequest, sec: Section, i: usize) -> Option<String> {
    Some(match sec {
        Section::Filters => match q.filters.get(i)? {
            Filter::Segment { segment_id } => format!("segment {segment_id}"),
            Filter::Field {
                field_id,
                operation,
                value,
                values,
                bucket,
            } => {
                let mut t = format!("{} {operation}", field_name(app, field_id));
                if let Some(v) = value {
                    t.push_str(&format!(" {}", value_text(v)));
                }
                if let Some(vs) = values {
                    let list: Vec<String> = vs.iter().map(value_text).collect();
                    t.push_str(&format!(" {}", list.join(" | ")));
                }
                if let Some(b) = bucket {
                    t.push_str(&format!(" ({b})"));
                }
                t
            }
        },
        Section::Aggregations => match q.aggregations.get(i)? {
            Aggregation::Measure { measure_id, .. } => format!("measure {measure_id}"),
            Aggregation::Function {
                function, field_id, ..
            } => match field_id {
                Some(f) => format!("{} of {}", function.as_str(), field_name(app, f)),
                None => function.as_str().to_string(),
            },
        },
        Section::GroupBy => {
            let g = q.group_by.get(i)?;
            match g.field_granularity {
                Some(u) => format!("{} by {u}", field_name(app, &g.field_id)),
                None => field_name(app, &g.field_id),
            }
        }
        Section::OrderBy => {
            let o = q.order_by.get(i)?;
            format!(
                "{} {}",
                field_name(app, &o.field.field_id),
                o.direction.as_str()
            )
        }
        Section::Limit => q.limit?.to_string(),
    })
}

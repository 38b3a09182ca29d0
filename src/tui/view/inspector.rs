//! The inspector pane: a table's or metric's parts, and the selected field's values and
//! statistics with a small picture of their distribution.

use super::{draw_list, fit, layout, line, pad, pane_block};
use crate::api::types::{Field, FieldStats, FieldType};
use crate::tui::distribution::bar_lines;
use crate::tui::state::{App, Distribution, Focus, InspRow, Inspected, Values};
use crate::tui::update::value_text;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

pub fn draw(app: &App, f: &mut Frame, rect: Rect) {
    let s = &app.styles;
    let ins = &app.inspector;
    f.render_widget(pane_block(app, Focus::Inspector, "Inspector"), rect);
    let (title, list, details) = layout::inspector_parts(rect);

    let mut head = Vec::new();
    if let Some(cur) = &ins.current {
        let kind = match cur {
            Inspected::Table(_) => "table",
            Inspected::Metric(_) => "metric",
        };
        head.push(Span::styled(cur.title(), s.header));
        head.push(Span::styled(format!("  {kind}"), s.muted));
        if !ins.history.is_empty() {
            head.push(Span::styled(
                format!("  ← {} back (Backspace)", ins.history.len()),
                s.muted,
            ));
        }
    }
    let gap = if head.is_empty() { "" } else { "  " };
    if ins.loading.is_some() {
        head.push(Span::styled(
            format!("{gap}{} loading…", app.spin()),
            s.accent,
        ));
    } else if let Some(e) = &ins.error {
        head.push(Span::styled(format!("{gap}{e}"), s.error));
    }
    f.render_widget(Paragraph::new(Line::from(head)), title);

    let Some(cur) = &ins.current else {
        let text = if ins.loading.is_some() {
            vec![]
        } else {
            vec![
                line("Nothing open yet.", s.muted),
                line(
                    "Pick a table or metric in the catalog and press Enter.",
                    s.muted,
                ),
            ]
        };
        f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), list);
        return;
    };
    let width = usize::from(list.width);
    let rows = cur.rows();
    let lines = rows.iter().map(|r| row_line(app, cur, *r, width)).collect();
    draw_list(
        f,
        list,
        lines,
        Some(ins.cursor.selected),
        app.focus == Focus::Inspector,
        s,
    );
    let detail = rows
        .get(ins.cursor.selected)
        .map(|r| details_text(app, cur, *r, usize::from(details.width)))
        .unwrap_or_default();
    f.render_widget(Paragraph::new(detail).wrap(Wrap { trim: false }), details);
}

fn type_icon(t: Option<FieldType>) -> &'static str {
    match t {
        Some(FieldType::Number) => "#",
        Some(FieldType::String) => "A",
        Some(FieldType::Boolean) => "?",
        Some(FieldType::Date | FieldType::Datetime | FieldType::Time) => "◷",
        None => "·",
    }
}

/// A field's name, with the table it is reached through when it is an implicit join.
fn qualified_name(field: &Field) -> String {
    match &field.table_reference {
        Some(t) => format!("{t} → {}", field.name),
        None => field.name.clone(),
    }
}

fn row_line(app: &App, cur: &Inspected, row: InspRow, width: usize) -> Line<'static> {
    let s = &app.styles;
    match row {
        InspRow::Header(title, n) => line(format!("{title} ({n})"), s.section),
        InspRow::Empty => line("  none", s.muted),
        InspRow::Field(_) => {
            let Some(field) = cur.field(row) else {
                return Line::default();
            };
            let name_w = (width / 3).clamp(8, 24);
            let mut spans = vec![
                Span::styled(format!("  {} ", type_icon(field.field_type)), s.accent),
                Span::styled(pad(&qualified_name(field), name_w), s.base),
            ];
            let rest = width.saturating_sub(name_w + 4);
            let mut tail = format!(
                " {}",
                field.field_type.map(FieldType::as_str).unwrap_or("?")
            );
            if let Inspected::Metric(m) = cur
                && m.default_time_dimension_field_id.as_ref() == Some(&field.field_id)
            {
                tail.push_str(" (default time)");
            }
            if let Some(sem) = &field.semantic_type {
                tail.push_str(&format!(" {}", sem.trim_start_matches("type/")));
            }
            if field.label() != field.name {
                tail.push_str(&format!("  “{}”", field.label()));
            }
            spans.push(Span::styled(fit(&tail, rest), s.muted));
            Line::from(spans)
        }
        InspRow::Related(i) => match cur {
            Inspected::Table(t) => t
                .related_tables
                .get(i)
                .map(|r| {
                    Line::from(vec![
                        Span::styled("  → ", s.accent),
                        Span::styled(r.name.clone(), s.base),
                        Span::styled(format!("  via {}", r.related_by), s.muted),
                    ])
                })
                .unwrap_or_default(),
            Inspected::Metric(_) => Line::default(),
        },
        InspRow::Metric(i) => match cur {
            Inspected::Table(t) => t
                .metrics
                .get(i)
                .map(|m| {
                    Line::from(vec![
                        Span::styled("  ∑ ", s.accent),
                        Span::styled(m.name.clone(), s.base),
                    ])
                })
                .unwrap_or_default(),
            Inspected::Metric(_) => Line::default(),
        },
        InspRow::Measure(i) => match cur {
            Inspected::Table(t) => t
                .measures
                .get(i)
                .map(|m| {
                    Line::from(vec![
                        Span::styled("  ◇ ", s.accent),
                        Span::styled(m.display_name.clone().unwrap_or(m.name.clone()), s.base),
                    ])
                })
                .unwrap_or_default(),
            Inspected::Metric(_) => Line::default(),
        },
        InspRow::Segment(i) => {
            let seg = match cur {
                Inspected::Table(t) => t.segments.get(i),
                Inspected::Metric(m) => m.segments.get(i),
            };
            seg.map(|m| {
                Line::from(vec![
                    Span::styled("  ◈ ", s.accent),
                    Span::styled(m.display_name.clone().unwrap_or(m.name.clone()), s.base),
                ])
            })
            .unwrap_or_default()
        }
    }
}

fn details_text(app: &App, cur: &Inspected, row: InspRow, width: usize) -> Vec<Line<'static>> {
    let s = &app.styles;
    let mut out = Vec::new();
    match (cur, row) {
        (_, InspRow::Field(_)) => {
            if let Some(field) = cur.field(row) {
                field_details(app, cur, field, width, &mut out);
            }
        }
        (Inspected::Table(t), InspRow::Related(i)) => {
            if let Some(r) = t.related_tables.get(i) {
                out.push(line(
                    format!("{} via {} — Enter opens it", r.name, r.related_by),
                    s.header,
                ));
                for fld in &r.fields {
                    out.push(line(
                        format!(
                            "  {} {}",
                            type_icon(fld.field_type),
                            fld.table_reference
                                .as_ref()
                                .map(|t| format!("{t} → {}", fld.name))
                                .unwrap_or(fld.name.clone())
                        ),
                        s.base,
                    ));
                }
            }
        }
        (Inspected::Table(t), InspRow::Metric(i)) => {
            if let Some(m) = t.metrics.get(i) {
                out.push(line(format!("{} — Enter opens it", m.name), s.header));
                if let Some(d) = &m.description {
                    out.push(line(d.clone(), s.base));
                }
            }
        }
        (Inspected::Table(t), InspRow::Measure(i)) => {
            if let Some(m) = t.measures.get(i) {
                out.push(line(
                    format!("{} — Enter aggregates by it", m.name),
                    s.header,
                ));
                if let Some(d) = &m.description {
                    out.push(line(d.clone(), s.base));
                }
            }
        }
        (_, InspRow::Segment(i)) => {
            let seg = match cur {
                Inspected::Table(t) => t.segments.get(i),
                Inspected::Metric(m) => m.segments.get(i),
            };
            if let Some(m) = seg {
                out.push(line(format!("{} — Enter filters by it", m.name), s.header));
                if let Some(d) = &m.description {
                    out.push(line(d.clone(), s.base));
                }
            }
        }
        _ => {}
    }
    out
}

fn field_details(
    app: &App,
    cur: &Inspected,
    field: &Field,
    width: usize,
    out: &mut Vec<Line<'static>>,
) {
    let s = &app.styles;
    let mut kind = format!(
        "  {} · {}",
        field.field_id,
        field.field_type.map(FieldType::as_str).unwrap_or("?")
    );
    if let Some(sem) = &field.semantic_type {
        kind.push_str(&format!(" · {}", sem.trim_start_matches("type/")));
    }
    out.push(Line::from(vec![
        Span::styled(qualified_name(field), s.header),
        Span::styled(kind, s.muted),
    ]));
    let key = (cur.entity(), field.field_id.clone());
    match app.inspector.values.get(&key) {
        None => {}
        Some(Values::Loading(_)) => out.push(line(format!("{} values…", app.spin()), s.muted)),
        Some(Values::Failed(e)) => out.push(line(format!("values: {e}"), s.error)),
        Some(Values::Loaded(v)) => {
            if let Some(st) = &v.statistics {
                stats_lines(app, st, width, out);
            }
            match app.inspector.distribution.get(&key) {
                None => {}
                Some(Distribution::Loading(_)) => {
                    out.push(line(format!("{} counts…", app.spin()), s.muted))
                }
                Some(Distribution::Failed(e)) => out.push(line(format!("counts: {e}"), s.error)),
                Some(Distribution::Loaded(bars)) => {
                    for (label, bar, count) in bar_lines(bars, width.saturating_sub(2)) {
                        out.push(Line::from(vec![
                            Span::styled(label, s.base),
                            Span::styled(bar, s.number),
                            Span::styled(count, s.muted),
                        ]));
                    }
                }
            }
            if !v.values.is_empty() {
                let shown: Vec<String> = v
                    .values
                    .iter()
                    .take(60)
                    .map(|x| match x {
                        serde_json::Value::Array(p) => {
                            p.first().map(value_text).unwrap_or_default()
                        }
                        other => value_text(other),
                    })
                    .collect();
                out.push(Line::from(vec![
                    Span::styled(format!("{} values: ", v.values.len()), s.section),
                    Span::styled(shown.join(" · "), s.base),
                ]));
            }
        }
    }
    if let Some(d) = &field.description {
        out.push(line(d.clone(), s.muted));
    }
}

fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

fn stats_lines(app: &App, st: &FieldStats, width: usize, out: &mut Vec<Line<'static>>) {
    let s = &app.styles;
    let mut facts = Vec::new();
    if let Some(d) = st.distinct_count {
        facts.push(format!("{d} distinct"));
    }
    if let Some(p) = st.percent_null {
        facts.push(format!("{:.0}% null", p * 100.0));
    }
    if let Some(a) = st.avg {
        facts.push(format!("avg {}", num(a)));
    }
    if let Some(sd) = st.sd {
        facts.push(format!("sd {}", num(sd)));
    }
    if let (Some(e), Some(l)) = (&st.earliest, &st.latest) {
        facts.push(format!(
            "{} … {}",
            e.get(..10).unwrap_or(e),
            l.get(..10).unwrap_or(l)
        ));
    }
    if !facts.is_empty() {
        out.push(line(facts.join(" · "), s.base));
    }
    if let Some(b) = box_line(st, width.saturating_sub(2)) {
        out.push(line(b, s.number));
        // The statistics carry no median: the mark inside the box is the average.
        let mut legend = Vec::new();
        if st.q1.is_some() && st.q3.is_some() {
            legend.push("[ ] q1…q3");
        }
        if st.avg.is_some() {
            legend.push("┃ avg");
        }
        if !legend.is_empty() && st.max > st.min {
            out.push(line(legend.join(" · "), s.muted));
        }
    }
    if let Some(p) = st.percent_null.filter(|p| *p > 0.0) {
        let w = 20usize;
        let filled = ((p.clamp(0.0, 1.0)) * w as f64).round() as usize;
        out.push(Line::from(vec![
            Span::styled("null ", s.muted),
            Span::styled("█".repeat(filled), s.null),
            Span::styled("░".repeat(w - filled), s.muted),
        ]));
    }
}

/// min ├──[──|──]──┤ max: quartiles as a box, the average as the bar inside it.
pub fn box_line(st: &FieldStats, width: usize) -> Option<String> {
    let (min, max) = (st.min?, st.max?);
    let lo = num(min);
    let hi = num(max);
    let inner = width.checked_sub(lo.len() + hi.len() + 2)?;
    if inner < 5 || max <= min {
        return Some(format!("{lo} … {hi}"));
    }
    let pos = |x: f64| -> usize {
        let t = ((x - min) / (max - min)).clamp(0.0, 1.0);
        ((t * (inner - 1) as f64).round() as usize).min(inner - 1)
    };
    let mut cells: Vec<char> = vec!['─'; inner];
    cells[0] = '├';
    cells[inner - 1] = '┤';
    if let (Some(q1), Some(q3)) = (st.q1, st.q3) {
        let (a, b) = (pos(q1), pos(q3));
        for c in cells.iter_mut().take(b).skip(a + 1) {
            *c = '═';
        }
        cells[a] = '[';
        cells[b] = ']';
    }
    if let Some(avg) = st.avg {
        cells[pos(avg)] = '┃';
    }
    Some(format!(
        "{lo} {} {hi}",
        cells.into_iter().collect::<String>()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_box_line_places_quartiles_and_average() {
        let st = FieldStats {
            min: Some(0.0),
            max: Some(100.0),
            q1: Some(25.0),
            q3: Some(75.0),
            avg: Some(50.0),
            ..FieldStats::default()
        };
        let b = box_line(&st, 27).unwrap();
        assert_eq!(b, "0 ├────[════┃════]────┤ 100");
        let flat = FieldStats {
            min: Some(3.0),
            max: Some(3.0),
            ..FieldStats::default()
        };
        assert_eq!(box_line(&flat, 40).unwrap(), "3 … 3");
        assert_eq!(box_line(&FieldStats::default(), 40), None);
    }
}

//! A field's "small distribution picture": its top values with their counts, fetched with a
//! grouped count query once the field's values show it is low-cardinality.

use super::msg::{Effect, Request, Res};
use super::state::{App, Distribution, Inspected};
use super::update::{cancel, send};
use crate::api::types::{Entity, Field, FieldId, FieldType, FieldValues, QueryResult};
use crate::data::Cell;
use crate::query::{AggFunction, Aggregation, GroupBy, QueryRequest, SortDir, Source};

/// How many bars the picture shows.
pub const TOP: u64 = 10;

/// Fields with more distinct values than this get no bars: the top ten say little about them.
const MAX_DISTINCT: u64 = 100;

/// `count` grouped by the field, largest first, the top ten.
pub fn query(table: i64, field: &FieldId) -> QueryRequest {
    QueryRequest {
        source: Source::Table(table),
        filters: Vec::new(),
        fields: Vec::new(),
        aggregations: vec![Aggregation::Function {
            function: AggFunction::Count,
            field_id: None,
            bucket: None,
            sort_order: Some(SortDir::Desc),
        }],
        group_by: vec![GroupBy {
            field_id: field.clone(),
            field_granularity: None,
        }],
        order_by: Vec::new(),
        limit: Some(TOP),
    }
}

/// Bars help for categories (strings, booleans) with a known, small set of values; numbers
/// and dates keep their box line and range.
pub fn helps(field: &Field, values: &FieldValues) -> bool {
    let categorical = matches!(
        field.field_type,
        Some(FieldType::String) | Some(FieldType::Boolean)
    );
    let few = values
        .statistics
        .as_ref()
        .and_then(|s| s.distinct_count)
        .unwrap_or(values.values.len() as u64)
        <= MAX_DISTINCT;
    categorical && few && !values.values.is_empty()
}

/// (value, count) pairs from the grouped result: the first column is the value, the last numeric
/// one the count.
pub fn bars(result: &QueryResult) -> Vec<(String, f64)> {
    let rs = &result.result;
    let Some(count_col) = rs.columns.iter().rposition(|c| c.is_numeric()) else {
        return Vec::new();
    };
    rs.rows
        .iter()
        .filter_map(|row| {
            let count = match row.get(count_col)? {
                Cell::Int(i) => *i as f64,
                Cell::Float(f) => *f,
                _ => return None,
            };
            let label = match row.first()? {
                Cell::Null => "∅".to_string(),
                Cell::Text(t) | Cell::Json(t) => t.to_string(),
                other => other.to_json().to_string(),
            };
            Some((label, count))
        })
        .collect()
}

/// Asks for the selected field's counts when its values are known and bars would help.
pub fn request(app: &mut App, entity: Entity, field: &FieldId) -> Vec<Effect> {
    let Entity::Table(table) = entity else {
        // A metric query takes no aggregation of ours: no counts to ask for.
        return Vec::new();
    };
    let key = (entity, field.clone());
    if app.inspector.distribution.contains_key(&key) {
        return Vec::new();
    }
    let Some(f) = app.inspector.selected_field() else {
        return Vec::new();
    };
    if &f.field_id != field {
        return Vec::new();
    }
    let helps = match app.inspector.values.get(&key) {
        Some(super::state::Values::Loaded(v)) => helps(f, v),
        _ => false,
    };
    if !helps {
        return Vec::new();
    }
    let (id, e) = send(app, Request::Distribution(query(table, field)));
    app.inspector
        .distribution
        .insert(key, Distribution::Loading(id));
    vec![e]
}

/// Cancels counts still loading for a field no longer selected (newest wins).
pub fn drop_stale(app: &mut App) -> Vec<Effect> {
    let entity = app.inspector.current.as_ref().map(Inspected::entity);
    let field = app.inspector.selected_field().map(|f| f.field_id.clone());
    let wanted = entity.zip(field);
    let stale: Vec<_> = app
        .inspector
        .distribution
        .iter()
        .filter_map(|(k, d)| match d {
            Distribution::Loading(id) if Some(k) != wanted.as_ref() => Some((k.clone(), *id)),
            _ => None,
        })
        .collect();
    stale
        .into_iter()
        .map(|(k, id)| {
            app.inspector.distribution.remove(&k);
            cancel(app, id)
        })
        .collect()
}

/// Files the counts under the field they were asked for.
pub fn loaded(app: &mut App, id: super::msg::ReqId, r: Res<QueryResult>) {
    let key = app
        .inspector
        .distribution
        .iter()
        .find(|(_, d)| matches!(d, Distribution::Loading(l) if *l == id))
        .map(|(k, _)| k.clone());
    if let Some(key) = key {
        let d = match r {
            Ok(res) => Distribution::Loaded(bars(&res)),
            Err(e) => Distribution::Failed(e),
        };
        app.inspector.distribution.insert(key, d);
    }
}

/// `label ████▌      count` lines, the longest bar filling `width`.
pub fn bar_lines(bars: &[(String, f64)], width: usize) -> Vec<(String, String, String)> {
    let max = bars.iter().map(|b| b.1).fold(0.0_f64, f64::max);
    let label_w = bars
        .iter()
        .map(|b| b.0.chars().count())
        .max()
        .unwrap_or(0)
        .min(width / 3)
        .max(1);
    let count_w = bars
        .iter()
        .map(|b| count_text(b.1).len())
        .max()
        .unwrap_or(1);
    let bar_w = width.saturating_sub(label_w + count_w + 2);
    bars.iter()
        .map(|(label, count)| {
            let label: String = label.chars().take(label_w).collect();
            let label = format!("{label:<label_w$} ");
            let eighths = if max > 0.0 {
                ((count / max).clamp(0.0, 1.0) * (bar_w * 8) as f64).round() as usize
            } else {
                0
            };
            let mut bar = "█".repeat(eighths / 8);
            if eighths % 8 > 0 {
                bar.push(PARTIAL[eighths % 8 - 1]);
            }
            let pad = bar_w.saturating_sub(bar.chars().count());
            bar.push_str(&" ".repeat(pad));
            (label, bar, format!(" {:>count_w$}", count_text(*count)))
        })
        .collect()
}

const PARTIAL: [char; 7] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉'];

fn count_text(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_bar_fills_the_width_and_others_scale() {
        let bars = vec![("Widget".to_string(), 8.0), ("Gizmo".to_string(), 4.0)];
        let lines = bar_lines(&bars, 20);
        // label 6 + space, count " 8" → 2 + 1 … bar width 20 - (6 + 1 + 2) = 11
        assert_eq!(lines[0].0, "Widget ");
        assert_eq!(lines[0].1.chars().count(), 11);
        assert_eq!(lines[0].1, "███████████");
        assert_eq!(lines[1].1.trim_end(), "█████▌");
        assert_eq!(lines[1].2, " 4");
    }

    #[test]
    fn the_counts_query_groups_by_the_field_largest_first() {
        let q = query(7, &FieldId::from("t7-3"));
        assert_eq!(q.source, Source::Table(7));
        assert_eq!(q.limit, Some(TOP));
        assert_eq!(q.group_by[0].field_id, FieldId::from("t7-3"));
        assert!(matches!(
            q.aggregations[0],
            Aggregation::Function {
                function: AggFunction::Count,
                sort_order: Some(SortDir::Desc),
                ..
            }
        ));
    }
}

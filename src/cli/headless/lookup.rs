//! Names a person types, turned into what the API wants: a table or metric id (by search),
//! and a field id (by name, display name, id, or `TABLE.FIELD`).

use super::Failure;
use crate::api::Client;
use crate::api::types::*;
use crate::query::Source;

pub fn kind_name(k: &ItemKind) -> &str {
    match k {
        ItemKind::Table => "table",
        ItemKind::Metric => "metric",
        ItemKind::Other(s) => s,
    }
}

/// An id as given, or the one table/metric whose name or display name matches (via search).
pub async fn resolve_id(c: &Client, text: &str, kind: ItemKind) -> Result<i64, Failure> {
    if let Ok(id) = text.trim().parse::<i64>() {
        return if id > 0 {
            Ok(id)
        } else {
            Err(Failure::usage(format!("{text:?} is not a positive id")))
        };
    }
    let label = kind_name(&kind).to_string();
    let r = c
        .search(&SearchRequest {
            term_queries: vec![text.to_string()],
            ..SearchRequest::default()
        })
        .await?;
    let of_kind: Vec<&SearchItem> = r.data.iter().filter(|i| i.kind == kind).collect();
    let same = |a: &str| a.eq_ignore_ascii_case(text.trim());
    let exact: Vec<&&SearchItem> = of_kind
        .iter()
        .filter(|i| same(&i.name) || i.display_name.as_deref().is_some_and(same))
        .collect();
    let pick: Vec<i64> = if exact.is_empty() {
        of_kind.iter().map(|i| i.id).collect()
    } else {
        exact.iter().map(|i| i.id).collect()
    };
    match pick.as_slice() {
        [id] => Ok(*id),
        [] => Err(Failure {
            code: 4,
            message: format!(
                "no {label} named {text:?} that {} can see",
                c.identity().email
            ),
        }),
        many => Err(Failure::usage(format!(
            "{text:?} names several {label}s (ids {}): give an id",
            many.iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The fields a query on `source` may name: the table's own and its related tables' (whose ids
/// are usable on the main table), or the metric's dimensions.
pub async fn fields_of(
    c: &Client,
    source: Source,
) -> Result<Vec<(Option<String>, Field)>, Failure> {
    Ok(match source {
        Source::Table(id) => {
            let t = c
                .table(
                    id,
                    TableOptions {
                        with_metrics: false,
                        with_measures: false,
                        with_segments: false,
                        ..TableOptions::default()
                    },
                )
                .await?;
            let mut all: Vec<(Option<String>, Field)> =
                t.fields.into_iter().map(|f| (None, f)).collect();
            for r in t.related_tables {
                let name = r.name.clone();
                all.extend(r.fields.into_iter().map(|f| (Some(name.clone()), f)));
            }
            all
        }
        Source::Metric(id) => c
            .metric(id, MetricOptions::default())
            .await?
            .queryable_dimensions
            .into_iter()
            .map(|f| (None, f))
            .collect(),
    })
}

/// A field named by id (`t42-3`, `302`), name, display name, or `TABLE.FIELD` for related ones.
pub fn find_field(fields: &[(Option<String>, Field)], text: &str) -> Result<Field, Failure> {
    let t = text.trim();
    let by_id = fields.iter().find(|(_, f)| f.field_id.to_string() == t);
    let by_name = || {
        let (table, name) = match t.split_once('.') {
            Some((a, b)) => (Some(a), b),
            None => (None, t),
        };
        let matches: Vec<&Field> = fields
            .iter()
            .filter(|(owner, f)| {
                let name_ok = f.name.eq_ignore_ascii_case(name)
                    || f.display_name
                        .as_deref()
                        .is_some_and(|d| d.eq_ignore_ascii_case(name));
                // A related field is named through its table, or through the FK's name
                // (`table_reference`) on a metric's joined dimensions.
                let owner = owner.as_deref().or(f.table_reference.as_deref());
                let table_ok = match (table, owner) {
                    (Some(want), Some(o)) => o.eq_ignore_ascii_case(want),
                    (Some(_), None) => false,
                    (None, o) => o.is_none(),
                };
                name_ok && table_ok
            })
            .map(|(_, f)| f)
            .collect();
        matches.first().map(|f| (*f).clone())
    };
    by_id
        .map(|(_, f)| f.clone())
        .or_else(by_name)
        .ok_or_else(|| Failure::usage(format!("no field {t:?} here (give a name or a field id)")))
}

//! Compare what two users see: the same search, table inspection or query, run as both, and the
//! differences between the answers — the tool for debugging permission scoping. Pure functions
//! over the client's types; the explorer and `mbx compare` both render these.

use crate::api::ApiError;
use crate::api::types::{SearchItem, SearchResults, TableDetails};
use crate::data::{Cell, ResultSet};
use serde::Serialize;
use std::collections::BTreeSet;

/// How many differing rows a query comparison lists.
pub const MAX_ROW_DIFFS: usize = 5;

/// Why a side has no answer: the HTTP status (if any) and the one-line message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub status: Option<u16>,
    pub message: String,
    /// The server's own answer, without the user the message names: what two sides compare.
    #[serde(skip)]
    pub answer: String,
    /// False when the failure says nothing about permissions (the server failed, or could not
    /// be reached or read): then there is nothing to compare.
    #[serde(skip)]
    pub conclusive: bool,
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Failure {
        Failure {
            status: e.status(),
            answer: e.answer(),
            conclusive: !e.says_nothing_about_access(),
            message: e.to_string(),
        }
    }
}

impl Failure {
    fn code(&self) -> String {
        self.status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "error".into())
    }
}

/// One user's answer.
pub type Outcome<T> = Result<T, Failure>;

/// An item named in a difference.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ItemRef {
    pub kind: String,
    pub id: i64,
    pub name: String,
}

impl ItemRef {
    fn from_search(i: &SearchItem) -> ItemRef {
        let kind = match &i.kind {
            crate::api::types::ItemKind::Table => "table".to_string(),
            crate::api::types::ItemKind::Metric => "metric".to_string(),
            crate::api::types::ItemKind::Other(k) => k.clone(),
        };
        ItemRef {
            kind,
            id: i.id,
            name: i.name.clone(),
        }
    }
}

/// Items only one side has, and how many both have.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SetDiff<T> {
    pub only_a: Vec<T>,
    pub only_b: Vec<T>,
    pub both: usize,
}

impl<T: Ord + Clone> SetDiff<T> {
    /// Keeps each side's own order (a search's ranking, a table's field order).
    fn of(a: &[T], b: &[T]) -> SetDiff<T> {
        let sa: BTreeSet<&T> = a.iter().collect();
        let sb: BTreeSet<&T> = b.iter().collect();
        let only = |xs: &[T], other: &BTreeSet<&T>| {
            let mut seen = BTreeSet::new();
            xs.iter()
                .filter(|x| !other.contains(x) && seen.insert(*x))
                .cloned()
                .collect()
        };
        SetDiff {
            only_a: only(a, &sb),
            only_b: only(b, &sa),
            both: sa.intersection(&sb).count(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.only_a.is_empty() && self.only_b.is_empty()
    }
}

/// A row that differs between the two results (by position), with both versions.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RowDiff {
    /// 0-based row index.
    pub row: usize,
    pub a: Option<Vec<serde_json::Value>>,
    pub b: Option<Vec<serde_json::Value>>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "what", rename_all = "lowercase")]
pub enum Details {
    Search {
        items: SetDiff<ItemRef>,
        a_total: usize,
        b_total: usize,
    },
    Table {
        /// The table's name, from whichever side could read it.
        table: String,
        fields: SetDiff<String>,
        related_tables: SetDiff<String>,
        metrics: SetDiff<String>,
    },
    Query {
        columns: SetDiff<String>,
        a_rows: usize,
        b_rows: usize,
        rows: Vec<RowDiff>,
    },
    /// At least one side failed: nothing else to compare.
    Failed,
}

/// The whole comparison: who, what each got, the differences and a one-line verdict.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    pub a_user: String,
    pub b_user: String,
    pub a_failure: Option<Failure>,
    pub b_failure: Option<Failure>,
    pub details: Details,
    pub identical: bool,
    pub verdict: String,
}

fn failures<A, B>(a: &Outcome<A>, b: &Outcome<B>) -> (Option<Failure>, Option<Failure>) {
    (a.as_ref().err().cloned(), b.as_ref().err().cloned())
}

/// Sentences about failures: "sales@example.com cannot read PEOPLE (403)".
fn failure_phrases(
    what: &str,
    a_user: &str,
    b_user: &str,
    a: &Option<Failure>,
    b: &Option<Failure>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (user, f) in [(a_user, a), (b_user, b)] {
        if let Some(f) = f {
            let verb = match f.status {
                Some(403) => format!("cannot read {what}"),
                Some(404) => format!("does not find {what}"),
                Some(401) => "is not accepted by the server".to_string(),
                _ => format!("gets an error for {what}"),
            };
            out.push(format!("{user} {verb} ({})", f.code()));
        }
    }
    out
}

fn finish(
    a_user: &str,
    b_user: &str,
    a_failure: Option<Failure>,
    b_failure: Option<Failure>,
    details: Details,
    phrases: Vec<String>,
) -> Comparison {
    let unanswered = [&a_failure, &b_failure]
        .into_iter()
        .flatten()
        .find(|f| !f.conclusive);
    let (identical, verdict) = match (&a_failure, &b_failure) {
        _ if unanswered.is_some() => (
            false,
            format!(
                "nothing to compare: {}",
                unanswered.map(|f| f.message.as_str()).unwrap_or_default()
            ),
        ),
        (None, None) if phrases.is_empty() => (true, format!("{a_user} and {b_user} see the same")),
        (Some(x), Some(y)) if x.status == y.status && x.answer == y.answer => (
            true,
            format!("{a_user} and {b_user} get the same answer: {}", x.answer),
        ),
        _ => (false, phrases.join("; ")),
    };
    Comparison {
        a_user: a_user.to_string(),
        b_user: b_user.to_string(),
        a_failure,
        b_failure,
        details,
        identical,
        verdict,
    }
}

/// Same search, two users.
pub fn search(
    a_user: &str,
    b_user: &str,
    a: &Outcome<SearchResults>,
    b: &Outcome<SearchResults>,
) -> Comparison {
    let (fa, fb) = failures(a, b);
    let mut phrases = failure_phrases("the search", a_user, b_user, &fa, &fb);
    let details = match (a, b) {
        (Ok(ra), Ok(rb)) => {
            let ia: Vec<ItemRef> = ra.data.iter().map(ItemRef::from_search).collect();
            let ib: Vec<ItemRef> = rb.data.iter().map(ItemRef::from_search).collect();
            let items = SetDiff::of(&ia, &ib);
            let union = items.both + items.only_a.len() + items.only_b.len();
            for (user, hidden) in [(b_user, &items.only_a), (a_user, &items.only_b)] {
                if !hidden.is_empty() {
                    let names: Vec<&str> = hidden.iter().map(|i| i.name.as_str()).collect();
                    phrases.push(format!(
                        "{} of {union} search results hidden from {user} ({})",
                        hidden.len(),
                        names.join(", ")
                    ));
                }
            }
            Details::Search {
                items,
                a_total: ia.len(),
                b_total: ib.len(),
            }
        }
        _ => Details::Failed,
    };
    finish(a_user, b_user, fa, fb, details, phrases)
}

/// Same table inspection, two users.
pub fn table(
    a_user: &str,
    b_user: &str,
    requested: &str,
    a: &Outcome<TableDetails>,
    b: &Outcome<TableDetails>,
) -> Comparison {
    let name = a
        .as_ref()
        .or(b.as_ref())
        .map(|t| t.name.clone())
        .unwrap_or_else(|_| requested.to_string());
    let (fa, fb) = failures(a, b);
    let mut phrases = failure_phrases(&name, a_user, b_user, &fa, &fb);
    let details = match (a, b) {
        (Ok(ta), Ok(tb)) => {
            let names =
                |t: &TableDetails| t.fields.iter().map(|f| f.name.clone()).collect::<Vec<_>>();
            let related = |t: &TableDetails| {
                t.related_tables
                    .iter()
                    .map(|r| format!("{} (by {})", r.name, r.related_by))
                    .collect::<Vec<_>>()
            };
            let metrics =
                |t: &TableDetails| t.metrics.iter().map(|m| m.name.clone()).collect::<Vec<_>>();
            let fields = SetDiff::of(&names(ta), &names(tb));
            let related_tables = SetDiff::of(&related(ta), &related(tb));
            let metrics = SetDiff::of(&metrics(ta), &metrics(tb));
            for (label, d) in [
                ("fields", &fields),
                ("related tables", &related_tables),
                ("metrics", &metrics),
            ] {
                if !d.only_a.is_empty() {
                    phrases.push(format!(
                        "{} {label} only {a_user} sees ({})",
                        d.only_a.len(),
                        d.only_a.join(", ")
                    ));
                }
                if !d.only_b.is_empty() {
                    phrases.push(format!(
                        "{} {label} only {b_user} sees ({})",
                        d.only_b.len(),
                        d.only_b.join(", ")
                    ));
                }
            }
            Details::Table {
                table: name,
                fields,
                related_tables,
                metrics,
            }
        }
        _ => Details::Failed,
    };
    finish(a_user, b_user, fa, fb, details, phrases)
}

fn row_json(rs: &ResultSet, row: usize) -> Option<Vec<serde_json::Value>> {
    rs.rows
        .get(row)
        .map(|r| r.iter().map(Cell::to_json).collect())
}

/// Same query, two users. Rows are compared by position (both results come from one query).
pub fn query(
    a_user: &str,
    b_user: &str,
    what: &str,
    a: &Outcome<ResultSet>,
    b: &Outcome<ResultSet>,
) -> Comparison {
    let (fa, fb) = failures(a, b);
    let mut phrases = failure_phrases(what, a_user, b_user, &fa, &fb);
    let details = match (a, b) {
        (Ok(ra), Ok(rb)) => {
            let cols = |r: &ResultSet| r.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
            let columns = SetDiff::of(&cols(ra), &cols(rb));
            if !columns.is_empty() {
                phrases.push("the columns differ".into());
            }
            let (na, nb) = (ra.row_count(), rb.row_count());
            if na != nb {
                phrases.push(format!("{a_user} gets {na} rows, {b_user} gets {nb}"));
            }
            let mut rows = Vec::new();
            let mut differing = 0;
            for i in 0..na.max(nb) {
                let (x, y) = (ra.rows.get(i), rb.rows.get(i));
                if x != y {
                    differing += 1;
                    if rows.len() < MAX_ROW_DIFFS {
                        rows.push(RowDiff {
                            row: i,
                            a: row_json(ra, i),
                            b: row_json(rb, i),
                        });
                    }
                }
            }
            if differing > 0 && na == nb {
                phrases.push(format!("{differing} of {na} rows differ"));
            }
            Details::Query {
                columns,
                a_rows: na,
                b_rows: nb,
                rows,
            }
        }
        _ => Details::Failed,
    };
    finish(a_user, b_user, fa, fb, details, phrases)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::types::ItemKind;
    use crate::data::Column;

    fn item(kind: ItemKind, id: i64, name: &str) -> SearchItem {
        SearchItem {
            id,
            kind,
            name: name.into(),
            display_name: None,
            description: None,
            database_id: Some(1),
            database_schema: None,
            verified: None,
            collection: None,
            updated_at: None,
            created_at: None,
        }
    }

    fn results(items: Vec<SearchItem>) -> SearchResults {
        SearchResults {
            total_count: items.len(),
            data: items,
        }
    }

    #[test]
    fn search_names_what_the_second_user_cannot_find() {
        let a = Ok(results(vec![
            item(ItemKind::Table, 1, "ORDERS"),
            item(ItemKind::Table, 2, "PEOPLE"),
            item(ItemKind::Metric, 1, "Revenue"),
        ]));
        let b = Ok(results(vec![item(ItemKind::Table, 1, "ORDERS")]));
        let c = search("analyst@example.com", "sales@example.com", &a, &b);
        assert!(!c.identical);
        assert_eq!(
            c.verdict,
            "2 of 3 search results hidden from sales@example.com (PEOPLE, Revenue)"
        );
        let Details::Search { items, .. } = &c.details else {
            panic!("not a search comparison");
        };
        assert_eq!(items.only_a.len(), 2);
        assert_eq!(items.both, 1);
    }

    fn refused(user: &str) -> Failure {
        Failure::from(ApiError::Forbidden {
            status: 403,
            message: "You don't have permissions to do that.".into(),
            user: user.into(),
            action: "read table 2".into(),
        })
    }

    #[test]
    fn a_403_against_a_200_is_the_verdict() {
        let a: Outcome<TableDetails> = Err(refused("x@e"));
        let b = Err(refused("y@e"));
        // each message names its own user; the server's answer is the same
        let same = table("x@e", "y@e", "PEOPLE", &a, &b);
        assert!(same.identical, "both refused alike");
        assert_eq!(
            same.verdict,
            "x@e and y@e get the same answer: You don't have permissions to do that. (403)"
        );
        let b = Err(refused("sales@example.com"));
        let ok: Outcome<TableDetails> = Ok(TableDetails {
            id: 2,
            name: "PEOPLE".into(),
            display_name: None,
            database_id: None,
            database_engine: None,
            database_schema: None,
            description: None,
            fields: vec![],
            related_tables: vec![],
            metrics: vec![],
            measures: vec![],
            segments: vec![],
        });
        let c = table("analyst@example.com", "sales@example.com", "2", &ok, &b);
        assert!(!c.identical);
        assert_eq!(c.verdict, "sales@example.com cannot read PEOPLE (403)");
    }

    #[test]
    fn a_server_failure_on_both_sides_is_nothing_to_compare() {
        let failed = || {
            Failure::from(ApiError::Server {
                status: 500,
                message: "boom".into(),
                action: "search".into(),
            })
        };
        let c = search("a@e", "b@e", &Err(failed()), &Err(failed()));
        assert!(!c.identical);
        assert_eq!(
            c.verdict,
            "nothing to compare: the server failed to search (500): boom"
        );
        let unreachable = Failure::from(ApiError::Refused {
            url: "http://127.0.0.1:9".into(),
        });
        let c = search("a@e", "b@e", &Err(unreachable), &Err(refused("b@e")));
        assert!(!c.identical);
        assert!(
            c.verdict.starts_with("nothing to compare: no server at"),
            "{}",
            c.verdict
        );
    }

    #[test]
    fn queries_report_row_counts_and_the_first_differing_rows() {
        let rs = |rows: Vec<i64>| ResultSet {
            columns: vec![Column {
                name: "count".into(),
                ..Column::default()
            }],
            rows: rows
                .into_iter()
                .map(|n| vec![Cell::Int(n)].into_boxed_slice())
                .collect(),
        };
        let c = query(
            "a@e",
            "b@e",
            "the query",
            &Ok(rs(vec![1, 2, 3])),
            &Ok(rs(vec![1, 5])),
        );
        assert_eq!(c.verdict, "a@e gets 3 rows, b@e gets 2");
        let Details::Query { rows, .. } = &c.details else {
            panic!("not a query comparison");
        };
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].row, 1);
        assert_eq!(rows[1].b, None);
        let same = query("a@e", "b@e", "q", &Ok(rs(vec![7])), &Ok(rs(vec![7])));
        assert!(same.identical);
        assert_eq!(same.verdict, "a@e and b@e see the same");
    }
}

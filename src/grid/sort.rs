//! Type-aware, stable ordering of one column as a row-index permutation: numbers as numbers,
//! dates as instants, text case-insensitively then exactly, nulls last in both directions.

use super::format::Stamp;
use crate::data::{Cell, Column, ResultSet};
use std::cmp::Ordering;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Ascending,
    Descending,
}

impl Direction {
    pub fn label(self) -> &'static str {
        match self {
            Direction::Ascending => "asc",
            Direction::Descending => "desc",
        }
    }
}

/// A cell reduced to what it sorts by. Kinds of value order among themselves by rank
/// (booleans, numbers, instants, text) so a mixed column still has one total order.
enum Key<'a> {
    Bool(bool),
    Num(f64),
    Time(i128),
    Text(&'a str),
    Null,
}

impl Key<'_> {
    fn rank(&self) -> u8 {
        match self {
            Key::Bool(_) => 0,
            Key::Num(_) => 1,
            Key::Time(_) => 2,
            Key::Text(_) => 3,
            Key::Null => 4,
        }
    }
}

fn key<'a>(cell: &'a Cell, column: &Column) -> Key<'a> {
    match cell {
        Cell::Null => Key::Null,
        Cell::Bool(b) => Key::Bool(*b),
        Cell::Int(i) => Key::Num(*i as f64),
        Cell::Float(f) if f.is_nan() => Key::Null,
        Cell::Float(f) => Key::Num(*f),
        Cell::Text(t) => {
            if column.is_temporal()
                && let Some(stamp) = Stamp::parse(t)
            {
                return Key::Time(stamp.instant_nanos());
            }
            if column.is_numeric()
                && let Ok(n) = t.parse::<f64>()
            {
                return Key::Num(n);
            }
            Key::Text(t)
        }
        Cell::Json(j) => Key::Text(j),
    }
}

fn compare_text(a: &str, b: &str) -> Ordering {
    let folded = a
        .chars()
        .flat_map(char::to_lowercase)
        .cmp(b.chars().flat_map(char::to_lowercase));
    folded.then_with(|| a.cmp(b))
}

/// Compares two non-null keys ascending.
fn compare(a: &Key, b: &Key) -> Ordering {
    match (a, b) {
        (Key::Bool(x), Key::Bool(y)) => x.cmp(y),
        (Key::Num(x), Key::Num(y)) => x.total_cmp(y),
        (Key::Time(x), Key::Time(y)) => x.cmp(y),
        (Key::Text(x), Key::Text(y)) => compare_text(x, y),
        _ => a.rank().cmp(&b.rank()),
    }
}

/// The order of `rows` (row indices) sorted by column `col`. Stable: equal values keep their
/// original order in both directions; nulls always come last.
pub fn sorted_order(rs: &ResultSet, col: usize, dir: Direction) -> Vec<u32> {
    static NONE: std::sync::LazyLock<Column> = std::sync::LazyLock::new(Column::default);
    let column = rs.columns.get(col).unwrap_or(&NONE);
    // Int keys stay exact: comparing big integers through f64 would tie distinct values.
    let keys: Vec<(Key, Option<i64>)> = (0..rs.row_count())
        .map(|r| {
            let cell = rs.cell(r, col);
            let exact = match cell {
                Cell::Int(i) => Some(*i),
                _ => None,
            };
            (key(cell, column), exact)
        })
        .collect();
    let mut order: Vec<u32> = (0..rs.row_count() as u32).collect();
    order.sort_by(|&a, &b| {
        let (ka, ea) = &keys[a as usize];
        let (kb, eb) = &keys[b as usize];
        match (matches!(ka, Key::Null), matches!(kb, Key::Null)) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Greater,
            (false, true) => return Ordering::Less,
            (false, false) => {}
        }
        let asc = match (ea, eb) {
            (Some(x), Some(y)) => x.cmp(y),
            _ => compare(ka, kb),
        };
        match dir {
            Direction::Ascending => asc,
            Direction::Descending => asc.reverse(),
        }
    });
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_col(t: &str, cells: Vec<Cell>) -> ResultSet {
        ResultSet {
            columns: vec![Column {
                name: "C".into(),
                base_type: Some(t.into()),
                ..Column::default()
            }],
            rows: cells
                .into_iter()
                .map(|c| vec![c].into_boxed_slice())
                .collect(),
        }
    }

    #[test]
    fn numbers_sort_as_numbers_with_nulls_last_both_ways() {
        let rs = one_col(
            "type/Float",
            vec![
                Cell::Float(10.0),
                Cell::Null,
                Cell::Int(9),
                Cell::Float(-1.5),
                Cell::Text("100".into()),
            ],
        );
        assert_eq!(
            sorted_order(&rs, 0, Direction::Ascending),
            vec![3, 2, 0, 4, 1]
        );
        assert_eq!(
            sorted_order(&rs, 0, Direction::Descending),
            vec![4, 0, 2, 3, 1]
        );
    }

    #[test]
    fn big_integers_stay_exact() {
        let rs = one_col(
            "type/BigInteger",
            vec![Cell::Int(i64::MAX), Cell::Int(i64::MAX - 1)],
        );
        assert_eq!(sorted_order(&rs, 0, Direction::Ascending), vec![1, 0]);
    }

    #[test]
    fn dates_sort_chronologically_across_offsets() {
        let rs = one_col(
            "type/DateTime",
            vec![
                Cell::Text("2024-03-05T10:00:00+02:00".into()), // 08:00Z
                Cell::Text("2024-03-05T09:00:00Z".into()),
                Cell::Null,
                Cell::Text("2024-03-05T03:30:00-05:00".into()), // 08:30Z
                Cell::Text("2023-12-31".into()),
            ],
        );
        assert_eq!(
            sorted_order(&rs, 0, Direction::Ascending),
            vec![4, 0, 3, 1, 2]
        );
        assert_eq!(
            sorted_order(&rs, 0, Direction::Descending),
            vec![1, 3, 0, 4, 2]
        );
    }

    #[test]
    fn text_sorts_case_insensitively_then_exactly() {
        let rs = one_col(
            "type/Text",
            vec![
                Cell::Text("banana".into()),
                Cell::Text("Apple".into()),
                Cell::Null,
                Cell::Text("apple".into()),
                Cell::Text("Émile".into()),
            ],
        );
        assert_eq!(
            sorted_order(&rs, 0, Direction::Ascending),
            vec![1, 3, 0, 4, 2]
        );
        assert_eq!(
            sorted_order(&rs, 0, Direction::Descending),
            vec![4, 0, 3, 1, 2]
        );
    }

    #[test]
    fn equal_values_keep_original_order_in_both_directions() {
        let rs = one_col(
            "type/Integer",
            vec![Cell::Int(2), Cell::Int(1), Cell::Int(2), Cell::Int(1)],
        );
        assert_eq!(sorted_order(&rs, 0, Direction::Ascending), vec![1, 3, 0, 2]);
        assert_eq!(
            sorted_order(&rs, 0, Direction::Descending),
            vec![0, 2, 1, 3]
        );
    }
}

//! A query result as plain values: the columns and rows the client decodes an execute response
//! into, and the grid draws. It knows nothing of HTTP or of the screen.

use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One result column, as the server described it (`data.cols[]`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub base_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub semantic_type: Option<String>,
}

impl Column {
    /// The type that decides how values sort and align: `effective_type`, else `base_type`.
    pub fn value_type(&self) -> &str {
        self.effective_type
            .as_deref()
            .or(self.base_type.as_deref())
            .unwrap_or("type/*")
    }

    pub fn is_numeric(&self) -> bool {
        matches!(
            self.value_type(),
            "type/Integer"
                | "type/BigInteger"
                | "type/Float"
                | "type/Decimal"
                | "type/Number"
                | "type/Currency"
        )
    }

    pub fn is_temporal(&self) -> bool {
        let t = self.value_type();
        t.starts_with("type/Date") || t.starts_with("type/Time") || t == "type/Temporal"
    }

    pub fn label(&self) -> &str {
        self.display_name.as_deref().unwrap_or(&self.name)
    }
}

/// One cell, exactly as received. Nested arrays and objects are kept as their JSON text.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(Box<str>),
    Json(Box<str>),
}

impl Cell {
    /// The value as JSON again (exports write values exactly as received).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Cell::Null => Value::Null,
            Cell::Bool(b) => Value::Bool(*b),
            Cell::Int(i) => Value::from(*i),
            Cell::Float(f) => serde_json::Number::from_f64(*f)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            Cell::Text(s) => Value::String(s.to_string()),
            Cell::Json(s) => {
                serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.to_string()))
            }
        }
    }
}

impl<'de> Deserialize<'de> for Cell {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct CellVisitor;
        impl<'de> Visitor<'de> for CellVisitor {
            type Value = Cell;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E>(self) -> Result<Cell, E> {
                Ok(Cell::Null)
            }
            fn visit_none<E>(self) -> Result<Cell, E> {
                Ok(Cell::Null)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Cell, E> {
                Ok(Cell::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Cell, E> {
                Ok(Cell::Int(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Cell, E> {
                Ok(match i64::try_from(v) {
                    Ok(i) => Cell::Int(i),
                    Err(_) => Cell::Text(v.to_string().into()),
                })
            }
            fn visit_f64<E>(self, v: f64) -> Result<Cell, E> {
                Ok(Cell::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Cell, E> {
                Ok(Cell::Text(v.into()))
            }
            fn visit_string<E>(self, v: String) -> Result<Cell, E> {
                Ok(Cell::Text(v.into_boxed_str()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Cell, A::Error> {
                let v = serde_json::Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                Ok(Cell::Json(v.to_string().into()))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Cell, A::Error> {
                let v = serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Cell::Json(v.to_string().into()))
            }
        }
        d.deserialize_any(CellVisitor)
    }
}

impl Serialize for Cell {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Null => s.serialize_unit(),
            Cell::Bool(b) => s.serialize_bool(*b),
            Cell::Int(i) => s.serialize_i64(*i),
            Cell::Float(f) => s.serialize_f64(*f),
            Cell::Text(t) => s.serialize_str(t),
            Cell::Json(_) => self.to_json().serialize(s),
        }
    }
}

/// The most cells (rows × columns, an empty row counting as one) one answer may hold: 10,000
/// rows of 400 columns, far past any page the Agent API sends. The byte limit alone does not
/// bound memory: 64 MB of `[0,0],` is ten million cells.
pub const MAX_CELLS: usize = 4_000_000;

/// Rows of a result: a list of rows, each a list of cells, decoded without an intermediate
/// `serde_json::Value` tree.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Rows(pub Vec<Box<[Cell]>>);

impl<'de> Deserialize<'de> for Rows {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RowsVisitor;
        impl<'de> Visitor<'de> for RowsVisitor {
            type Value = Rows;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of rows")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Rows, A::Error> {
                let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                let mut width = 0;
                let mut left = MAX_CELLS;
                while let Some(row) = seq.next_element_seed(RowSeed { width, left })? {
                    width = row.len();
                    // RowSeed stops a row past the budget, so this cannot underflow
                    left = left.saturating_sub(width.max(1));
                    rows.push(row);
                }
                // The list grew by doubling without a length hint: give back the slack.
                rows.shrink_to_fit();
                Ok(Rows(rows))
            }
        }
        d.deserialize_seq(RowsVisitor)
    }
}

/// Decodes one row, pre-sizing it from the previous row's width, within what is `left` of
/// the answer's cell budget.
struct RowSeed {
    width: usize,
    left: usize,
}

/// How the decoder's error over the cell budget starts, so the client can name it.
pub const TOO_MANY_CELLS: &str = "too many cells";

fn too_many_cells<E: de::Error>() -> E {
    E::custom(format_args!("{TOO_MANY_CELLS}: more than {MAX_CELLS}"))
}

impl<'de> DeserializeSeed<'de> for RowSeed {
    type Value = Box<[Cell]>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        struct RowVisitor(RowSeed);
        impl<'de> Visitor<'de> for RowVisitor {
            type Value = Box<[Cell]>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a row (a list of values)")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let RowSeed { width, left } = self.0;
                if left == 0 {
                    return Err(too_many_cells());
                }
                let mut cells = Vec::with_capacity(width.min(left));
                while let Some(c) = seq.next_element::<Cell>()? {
                    if cells.len() == left {
                        return Err(too_many_cells());
                    }
                    cells.push(c);
                }
                Ok(cells.into_boxed_slice())
            }
        }
        d.deserialize_seq(RowVisitor(self))
    }
}

/// A whole result: columns and rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResultSet {
    pub columns: Vec<Column>,
    pub rows: Vec<Box<[Cell]>>,
}

impl ResultSet {
    pub fn row_count(&self) -> usize {
        self.rows.len()
    }

    pub fn column_count(&self) -> usize {
        self.columns.len()
    }

    /// The cell at (row, col); `Null` outside a short row.
    pub fn cell(&self, row: usize, col: usize) -> &Cell {
        static NULL: Cell = Cell::Null;
        self.rows.get(row).and_then(|r| r.get(col)).unwrap_or(&NULL)
    }

    /// Appends another page of the same query.
    pub fn append(&mut self, more: ResultSet) {
        self.rows.extend(more.rows);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_past_the_cell_budget_is_refused() {
        let decode = |json: &str| serde_json::from_str::<Rows>(json).map(|r| r.0.len());
        // exactly the budget, in rows of ten cells
        let row = format!("[{}]", ["0"; 10].join(","));
        let at = format!("[{}]", vec![row.as_str(); MAX_CELLS / 10].join(","));
        assert_eq!(decode(&at).ok(), Some(MAX_CELLS / 10));
        let over = format!("[{},[0]]", &at[1..at.len() - 1]);
        let e = decode(&over)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.starts_with("too many cells: more than 4000000"), "{e}");
        // one endless row, and endless empty rows, are stopped by the same budget
        let wide = format!("[[{}]]", ["0"; MAX_CELLS + 1].join(","));
        assert!(decode(&wide).is_err());
        let empty = format!("[{}]", ["[]"; MAX_CELLS + 1].join(","));
        assert!(decode(&empty).is_err());
    }

    #[test]
    fn rows_decode_every_json_kind_exactly() {
        let text = r#"[[1, 2.5, "x", null, true, [1,2], {"a":1}, 18446744073709551615]]"#;
        let rows: Rows = serde_json::from_str(text).unwrap_or_default();
        assert_eq!(rows.0.len(), 1);
        let r = &rows.0[0];
        assert_eq!(r[0], Cell::Int(1));
        assert_eq!(r[1], Cell::Float(2.5));
        assert_eq!(r[2], Cell::Text("x".into()));
        assert_eq!(r[3], Cell::Null);
        assert_eq!(r[4], Cell::Bool(true));
        assert_eq!(r[5], Cell::Json("[1,2]".into()));
        assert_eq!(r[6], Cell::Json(r#"{"a":1}"#.into()));
        assert_eq!(r[7], Cell::Text("18446744073709551615".into()));
        let back = serde_json::to_string(&rows).unwrap_or_default();
        assert_eq!(
            back,
            r#"[[1,2.5,"x",null,true,[1,2],{"a":1},"18446744073709551615"]]"#
        );
    }
}

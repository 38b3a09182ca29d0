//! Shared bench data: an execute response shaped like agent-api.md §4.7, 20 mixed columns.

#![allow(dead_code)]

use mbx::data::{Column, ResultSet, Rows};
use serde::Deserialize;
use std::fmt::Write as _;

const COLUMNS: [(&str, &str); 20] = [
    ("ID", "type/BigInteger"),
    ("USER_ID", "type/Integer"),
    ("PRODUCT_ID", "type/Integer"),
    ("SUBTOTAL", "type/Float"),
    ("TAX", "type/Float"),
    ("TOTAL", "type/Float"),
    ("DISCOUNT", "type/Float"),
    ("CREATED_AT", "type/DateTime"),
    ("QUANTITY", "type/Integer"),
    ("CATEGORY", "type/Text"),
    ("TITLE", "type/Text"),
    ("VENDOR", "type/Text"),
    ("PRICE", "type/Float"),
    ("RATING", "type/Float"),
    ("EMAIL", "type/Text"),
    ("NAME", "type/Text"),
    ("CITY", "type/Text"),
    ("STATE", "type/Text"),
    ("ZIP", "type/Text"),
    ("ACTIVE", "type/Boolean"),
];

const WORDS: [&str; 8] = [
    "Rustic",
    "Paper",
    "Wallet",
    "Gizmo",
    "Ergonomic",
    "Concrete",
    "Lamp",
    "Durable",
];
const CATEGORIES: [&str; 4] = ["Widget", "Gizmo", "Gadget", "Doohickey"];

/// The JSON body of a completed execute response with `rows` rows.
pub fn execute_response(rows: usize) -> Vec<u8> {
    let mut s = String::with_capacity(rows * 260 + 4096);
    s.push_str(r#"{"status":"completed","row_count":"#);
    let _ = write!(s, "{rows}");
    s.push_str(r#","running_time":142,"database_id":1,"started_at":"2026-12-03T15:30:00Z","context":"agent","data":{"cols":["#);
    for (i, (name, t)) in COLUMNS.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(
            s,
            r#"{{"name":"{name}","display_name":"{name}","base_type":"{t}","effective_type":"{t}","semantic_type":null}}"#
        );
    }
    s.push_str(r#"],"rows":["#);
    for r in 0..rows {
        if r > 0 {
            s.push(',');
        }
        let w = |k: usize| WORDS[(r * 7 + k * 3) % WORDS.len()];
        let subtotal = 10.0 + (r % 1000) as f64 * 0.137;
        let tax = subtotal * 0.0725;
        let discount = if r % 5 == 0 {
            "null".to_string()
        } else {
            format!("{:.2}", (r % 17) as f64 * 0.5)
        };
        let _ = write!(
            s,
            r#"[{id},{user},{product},{subtotal},{tax},{total},{discount},"{y}-{m:02}-{d:02}T{h:02}:{mi:02}:00Z",{q},"{cat}","{w1} {w2} {w3}","{w2} and Sons",{price},{rating},"user{user}@example.com","{w1} {w3}","{w2}ville","TX","7{zip:04}",{active}]"#,
            id = r + 1,
            user = r % 2500 + 1,
            product = r % 200 + 1,
            total = subtotal + tax,
            y = 2022 + r % 4,
            m = r % 12 + 1,
            d = r % 28 + 1,
            h = r % 24,
            mi = r % 60,
            q = r % 9 + 1,
            cat = CATEGORIES[r % 4],
            w1 = w(0),
            w2 = w(1),
            w3 = w(2),
            price = 29.46 + (r % 50) as f64,
            rating = 1.0 + (r % 40) as f64 / 10.0,
            zip = r % 10000,
            active = r % 3 != 0,
        );
    }
    s.push_str(r#"],"native_form":{"query":"SELECT …"},"results_timezone":"UTC"}}"#);
    s.into_bytes()
}

#[derive(Deserialize)]
pub struct ExecuteBody {
    pub status: String,
    pub row_count: u64,
    pub data: ExecuteData,
}

#[derive(Deserialize)]
pub struct ExecuteData {
    pub cols: Vec<Column>,
    pub rows: Rows,
}

/// Decodes an execute response into the grid's model, as the client does.
pub fn decode(bytes: &[u8]) -> serde_json::Result<ResultSet> {
    let body: ExecuteBody = serde_json::from_slice(bytes)?;
    Ok(ResultSet {
        columns: body.data.cols,
        rows: body.data.rows.0,
    })
}

//! The bounded list envelope every v2 read answers with: `data`, `returned`, and — only when
//! they apply — `total`, `truncated`, `truncation_message`, `omitted`.

use serde_json::{Map, Value, json};

/// Roughly how many tokens a response may spend (JSON characters / 4).
pub const TOKEN_BUDGET: usize = 10_000;

pub fn estimate_tokens(v: &Value) -> usize {
    v.to_string().len() / 4
}

/// What a list page says about itself.
pub struct Page<'a> {
    pub limit: u64,
    pub offset: u64,
    /// The size of the whole set, when it is countable.
    pub total: Option<u64>,
    pub noun: &'a str,
    /// E.g. "in schema `PUBLIC`".
    pub scope: Option<String>,
    /// Parameters that shrink the set.
    pub narrow_with: &'a [&'a str],
}

/// One page of already-projected rows, cut back to the token budget (whole rows only, at least
/// one), with a steering message when rows remain.
pub fn paged(rows: Vec<Value>, page: &Page<'_>) -> Value {
    let mut included = Vec::new();
    let mut spent = 0;
    let mut cut = false;
    for row in rows {
        let cost = estimate_tokens(&row);
        if !included.is_empty() && spent + cost > TOKEN_BUDGET {
            cut = true;
            break;
        }
        spent += cost;
        included.push(row);
    }
    let returned = included.len() as u64;
    let more = cut
        || match page.total {
            Some(t) => page.offset + returned < t,
            None => returned == page.limit,
        };
    let message = more.then(|| truncation_message(page, returned));
    envelope(included, page.total, message, Vec::new())
}

pub fn envelope(
    data: Vec<Value>,
    total: Option<u64>,
    truncation_message: Option<String>,
    omitted: Vec<Value>,
) -> Value {
    let mut m = Map::new();
    m.insert("returned".into(), json!(data.len()));
    m.insert("data".into(), Value::Array(data));
    if let Some(t) = total {
        m.insert("total".into(), json!(t));
    }
    if let Some(text) = truncation_message {
        m.insert("truncated".into(), json!(true));
        m.insert("truncation_message".into(), json!(text));
    }
    if !omitted.is_empty() {
        m.insert("omitted".into(), Value::Array(omitted));
    }
    Value::Object(m)
}

fn truncation_message(page: &Page<'_>, returned: u64) -> String {
    let scope = page
        .scope
        .as_ref()
        .map(|s| format!(" {s}"))
        .unwrap_or_default();
    let head = match page.total {
        Some(t) => format!("{t} {}{scope} — showing {returned}", page.noun),
        None => format!("Showing {returned} {}{scope}", page.noun),
    };
    let mut actions = Vec::new();
    if !page.narrow_with.is_empty() {
        let names: Vec<String> = page.narrow_with.iter().map(|n| format!("`{n}`")).collect();
        actions.push(format!("narrow with {}", names.join(", ")));
    }
    actions.push(format!("page with `offset: {}`", page.offset + returned));
    format!("{head}. {}.", actions.join(" or "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_keys_stay_absent() {
        let page = Page {
            limit: 5,
            offset: 0,
            total: Some(2),
            noun: "tables",
            scope: None,
            narrow_with: &[],
        };
        let v = paged(vec![json!(1), json!(2)], &page);
        assert_eq!(v, json!({"data": [1, 2], "returned": 2, "total": 2}));
    }

    #[test]
    fn a_partial_page_steers() {
        let page = Page {
            limit: 2,
            offset: 0,
            total: Some(3),
            noun: "tables",
            scope: Some("in schema `PUBLIC`".into()),
            narrow_with: &["search"],
        };
        let v = paged(vec![json!(1), json!(2)], &page);
        assert_eq!(v["truncated"], true);
        assert_eq!(
            v["truncation_message"],
            "3 tables in schema `PUBLIC` — showing 2. narrow with `search` or page with `offset: 2`."
        );
    }
}

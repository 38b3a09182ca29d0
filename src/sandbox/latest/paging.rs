//! Pages of read-resource lists: 25 items a page, 1-based, and an error (not a clamp) for a
//! page outside `[1, pages]`.

use serde_json::{Value, json};

pub const PAGE_SIZE: usize = 25;

/// The `structured-output` of a list: `result-type`, `list-type`, `items`, `total`, `page`,
/// `pages`. The error is the per-URI text.
pub fn list_result(list_type: &str, items: Vec<Value>, page: i64) -> Result<Value, String> {
    let total = items.len();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    if page < 1 || page as u64 > pages as u64 {
        let unit = if pages == 1 { "page" } else { "pages" };
        return Err(format!(
            "Invalid page {page}. This list has {pages} {unit}."
        ));
    }
    let start = (page as usize - 1) * PAGE_SIZE;
    let items: Vec<Value> = items.into_iter().skip(start).take(PAGE_SIZE).collect();
    Ok(json!({
        "result-type": "metabot-list",
        "list-type": list_type,
        "items": items,
        "total": total,
        "page": page,
        "pages": pages,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(n: usize) -> Vec<Value> {
        (0..n).map(|i| json!(i)).collect()
    }

    #[test]
    fn pages_of_25() {
        let first = list_result("database-tables", numbers(32), 1).unwrap();
        assert_eq!(first["items"].as_array().map(Vec::len), Some(25));
        assert_eq!(first["pages"], 2);
        assert_eq!(first["total"], 32);
        let second = list_result("database-tables", numbers(32), 2).unwrap();
        assert_eq!(second["items"], json!([25, 26, 27, 28, 29, 30, 31]));
        assert_eq!(second["page"], 2);
    }

    #[test]
    fn out_of_range_pages_are_errors() {
        assert_eq!(
            list_result("x", numbers(32), 3).err().as_deref(),
            Some("Invalid page 3. This list has 2 pages.")
        );
        assert_eq!(
            list_result("x", numbers(0), 0).err().as_deref(),
            Some("Invalid page 0. This list has 1 page.")
        );
        let empty = list_result("x", numbers(0), 1).unwrap();
        assert_eq!(empty["pages"], 1);
        assert_eq!(empty["items"], json!([]));
    }
}

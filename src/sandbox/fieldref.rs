//! The E2/E3 positional field ids of `agent-api.md` §3: `t42-3` is column 3 of table 42's
//! visible columns, `c101-7` column 7 of metric 101's.

use super::errors::ApiError;
use axum::http::StatusCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entity {
    Table(i64),
    Metric(i64),
}

impl Entity {
    pub fn prefix(self) -> String {
        match self {
            Entity::Table(id) => format!("t{id}-"),
            Entity::Metric(id) => format!("c{id}-"),
        }
    }

    /// The field id of column `index` of this entity.
    pub fn field_id(self, index: usize) -> String {
        format!("{}{index}", self.prefix())
    }
}

/// Parses `raw` against the entity it must belong to and returns the column index; the caller
/// checks the index against the column count with `out_of_range`.
pub fn parse(raw: &str, expected: Entity) -> Result<usize, ApiError> {
    let invalid = || {
        ApiError::plain(
            StatusCode::BAD_REQUEST,
            format!("Invalid field_id format: {raw}"),
        )
    };
    let mut chars = raw.chars();
    let kind = chars.next().ok_or_else(invalid)?;
    if !matches!(kind, 't' | 'c' | 'q') {
        return Err(invalid());
    }
    let rest = chars.as_str();
    let (middle, index) = rest.rsplit_once('-').ok_or_else(invalid)?;
    if middle.is_empty() || index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let expected_prefix = expected.prefix();
    if !raw.starts_with(&expected_prefix) || raw.len() != expected_prefix.len() + index.len() {
        return Err(ApiError::plain(
            StatusCode::BAD_REQUEST,
            format!("field {raw} does not match expected prefix {expected_prefix}"),
        ));
    }
    Ok(index.parse::<usize>().unwrap_or(usize::MAX))
}

pub fn out_of_range(raw: &str) -> ApiError {
    let index = raw.rsplit_once('-').map(|(_, i)| i).unwrap_or("");
    ApiError::plain(
        StatusCode::NOT_FOUND,
        format!("field {raw} not found - no column at index {index}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(e: ApiError) -> String {
        match e {
            ApiError::Plain(_, t) => t,
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn parses_like_metabase() {
        assert_eq!(parse("t42-3", Entity::Table(42)).ok(), Some(3));
        assert_eq!(parse("c10-12", Entity::Metric(10)).ok(), Some(12));
        assert_eq!(
            text(parse("not-a-valid-id", Entity::Table(42)).unwrap_err()),
            "Invalid field_id format: not-a-valid-id"
        );
        assert_eq!(
            text(parse("t123-0", Entity::Metric(10)).unwrap_err()),
            "field t123-0 does not match expected prefix c10-"
        );
        assert_eq!(
            text(parse("t421-0", Entity::Table(42)).unwrap_err()),
            "field t421-0 does not match expected prefix t42-"
        );
        assert_eq!(
            text(parse("t42-x", Entity::Table(42)).unwrap_err()),
            "Invalid field_id format: t42-x"
        );
    }
}

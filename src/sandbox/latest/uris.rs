//! `metabase://` URIs of `POST /v1/read-resource`: parsing into the resources the sandbox
//! serves, with Metabase's per-URI error texts, and building the `uri` of list items.

/// What a URI names. Ids are as written (Metabase parses them as longs, sign included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    Databases,
    Database(i64),
    DatabaseTables(i64),
    DatabaseSchemas(i64),
    SchemaTables(i64, String),
    Table(i64),
    TableFields(i64),
    /// The field segment as written: it is echoed back as `field_id`.
    TableField(i64, String),
    Metric(i64),
    MetricDimensions(i64),
    MetricDimension(i64, String),
    Measure(i64),
    Segment(i64),
    /// The reader's recently viewed items.
    Recents,
    /// A shape Metabase serves for content the sandbox does not have (models, questions,
    /// dashboards, …): answered as not found.
    Absent,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub resource: Resource,
    /// `?page=N` as written; `None` when absent.
    pub page: Option<String>,
}

/// The entity types whose next segment must be a numeric id.
const NUMERIC_ID_TYPES: [&str; 10] = [
    "database",
    "collection",
    "table",
    "model",
    "question",
    "metric",
    "measure",
    "segment",
    "transform",
    "dashboard",
];

const SCHEME: &str = "metabase://";

/// Parses one URI; the error is the per-URI `error` text.
pub fn parse(uri: &str) -> Result<Parsed, String> {
    let Some(rest) = uri.strip_prefix(SCHEME) else {
        return Err(format!(
            "Invalid URI scheme. Expected 'metabase://' but got: {uri}"
        ));
    };
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.trim().is_empty())
        .map(decode)
        .collect();
    if segments.is_empty() {
        return Err(format!("Invalid URI: {uri} — empty path"));
    }
    if let [kind, id, ..] = segments.as_slice()
        && NUMERIC_ID_TYPES.contains(&kind.as_str())
        && parse_long(id).is_none()
    {
        return Err(format!(
            "Invalid id `{id}` in URI. read_resource URIs use the numeric entity id — copy the \
             `uri` attribute from a search result, or build the URI from its numeric `id` \
             attribute, e.g. metabase://{kind}/42."
        ));
    }
    let page = query.and_then(page_param);
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    let id = |raw: &str| parse_long(raw).unwrap_or(0);
    let resource = match s.as_slice() {
        ["databases"] => Resource::Databases,
        ["database", d] => Resource::Database(id(d)),
        ["database", d, "tables"] => Resource::DatabaseTables(id(d)),
        ["database", d, "schemas"] => Resource::DatabaseSchemas(id(d)),
        ["database", d, "schemas", schema, "tables"] => {
            Resource::SchemaTables(id(d), schema.to_string())
        }
        ["table", t] => Resource::Table(id(t)),
        ["table", t, "fields"] => Resource::TableFields(id(t)),
        ["table", t, "fields", rest @ ..] => Resource::TableField(id(t), rest.join("/")),
        ["metric", m] => Resource::Metric(id(m)),
        ["metric", m, "dimensions"] => Resource::MetricDimensions(id(m)),
        ["metric", m, "dimensions", rest @ ..] => Resource::MetricDimension(id(m), rest.join("/")),
        ["measure", m] => Resource::Measure(id(m)),
        ["segment", m] => Resource::Segment(id(m)),
        ["user", "recent-items"] => Resource::Recents,
        ["collections"] => Resource::Absent,
        ["database", _, "models"]
        | ["collection", _]
        | ["collection", _, "items" | "subcollections"]
        | ["table", _, "derived"]
        | ["model" | "question", _]
        | ["model" | "question", _, "fields" | "sources"]
        | ["model" | "question", _, "fields", ..]
        | ["transform", _]
        | ["transform", _, "sources" | "target"]
        | ["dashboard", _]
        | ["dashboard", _, "items"] => Resource::Absent,
        _ => return Err(format!("Unsupported URI: {uri}")),
    };
    Ok(Parsed { resource, page })
}

/// Like Clojure's `parse-long`: an optional sign and digits, within i64.
fn parse_long(raw: &str) -> Option<i64> {
    let digits = raw.strip_prefix(['+', '-']).unwrap_or(raw);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse().ok()
}

fn page_param(query: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(k, _)| *k == "page")
        .map(|(_, v)| v.to_string())
}

/// The 1-based page a `?page=` value asks for: absent or not a number means page 1, as in
/// Metabase (`parse-long` yields nil).
pub fn requested_page(raw: Option<&str>) -> i64 {
    raw.and_then(parse_long).unwrap_or(1)
}

/// Percent-decoding of one path segment; invalid escapes stay as written.
fn decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Percent-encodes everything but unreserved characters, so a schema named `a/b` round-trips.
pub fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub fn database_uri(id: i64) -> String {
    format!("{SCHEME}database/{id}")
}

pub fn table_uri(id: i64) -> String {
    format!("{SCHEME}table/{id}")
}

pub fn metric_uri(id: i64) -> String {
    format!("{SCHEME}metric/{id}")
}

pub fn schema_tables_uri(db: i64, schema: &str) -> String {
    format!("{SCHEME}database/{db}/schemas/{}/tables", encode(schema))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(uri: &str) -> Resource {
        parse(uri).map(|p| p.resource).unwrap_or(Resource::Absent)
    }

    #[test]
    fn parses_the_catalog() {
        assert_eq!(res("metabase://databases"), Resource::Databases);
        assert_eq!(
            res("metabase://database/2/tables"),
            Resource::DatabaseTables(2)
        );
        assert_eq!(
            res("metabase://database/1/schemas/weird%2Fname/tables"),
            Resource::SchemaTables(1, "weird/name".into())
        );
        assert_eq!(
            res("metabase://table/2/fields/7"),
            Resource::TableField(2, "7".into())
        );
        assert_eq!(
            res("metabase://metric/101/dimensions/9"),
            Resource::MetricDimension(101, "9".into())
        );
        assert_eq!(res("metabase://metric//101/"), Resource::Metric(101));
    }

    #[test]
    fn errors_use_metabase_texts() {
        let err = |u: &str| parse(u).err().unwrap_or_default();
        assert_eq!(
            err("metabase://nonsense/path"),
            "Unsupported URI: metabase://nonsense/path"
        );
        assert!(err("metabase://table/abc").starts_with("Invalid id `abc` in URI."));
        assert!(err("metabase://metric/AbCdEfGhIjKlMnOpQrStU").contains("metabase://metric/42"));
        assert_eq!(
            err("http://x/table/1"),
            "Invalid URI scheme. Expected 'metabase://' but got: http://x/table/1"
        );
        assert_eq!(err("metabase://"), "Invalid URI: metabase:// — empty path");
    }

    #[test]
    fn page_parameter_is_read_like_parse_long() {
        let page = |u: &str| parse(u).ok().and_then(|p| p.page);
        assert_eq!(
            page("metabase://database/2/tables?page=2"),
            Some("2".into())
        );
        assert_eq!(
            page("metabase://database/2/tables?x=1&page=-1"),
            Some("-1".into())
        );
        assert_eq!(requested_page(Some("abc")), 1);
        assert_eq!(requested_page(Some("-1")), -1);
        assert_eq!(requested_page(None), 1);
    }

    #[test]
    fn encoding_round_trips() {
        assert_eq!(encode("a/b c"), "a%2Fb%20c");
        assert_eq!(decode(&encode("weird/näme")), "weird/näme");
        assert_eq!(decode("100%"), "100%");
    }
}

//! The headless commands: one answer on stdout, errors on stderr as one line, and an exit code
//! a script can act on (0 ok, 1 other, 2 usage, 3 authentication, 4 permission or not found,
//! 5 query failed).

use super::connect::{Connected, connect};
use super::{Command, ConnArgs, EntityKind, HeadlessArgs, OutputFormat, QuerySpec, UiArgs};
use crate::api::types::*;
use crate::api::{ApiError, Client};
use crate::data::{Cell, ResultSet};
use crate::export::ExportFormat;
use crate::query::{
    AggFunction, Aggregation, Arity, FieldRef, Filter, FilterOp, GroupBy, OrderBy, QueryRequest,
    SortDir, Source, TemporalUnit,
};
use serde_json::{Map, Value, json};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// Follows at most this many continuation pages (`--all-pages`), a guard against a server
/// that never stops paging.
const MAX_PAGES: usize = 1000;

/// A failure, with the exit code it maps to.
#[derive(Debug)]
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: 2,
            message: message.into(),
        }
    }

    fn other(message: impl Into<String>) -> Failure {
        Failure {
            code: 1,
            message: message.into(),
        }
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Failure {
        Failure {
            code: e.exit_code(),
            message: e.to_string(),
        }
    }
}

/// What a command prints: its JSON, a table of rows, and lines that introduce the table.
struct Output {
    json: Value,
    summary: Vec<String>,
    headers: Vec<String>,
    rows: Vec<Vec<Value>>,
    /// A query result: JSON, JSONL and CSV come from the export writer.
    result: Option<ResultSet>,
}

pub fn run(command: Command, conn: &ConnArgs, _ui: &UiArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mbx: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(dispatch(command, conn));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("mbx: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

async fn dispatch(command: Command, outer: &ConnArgs) -> Result<(), Failure> {
    let (common, job): (HeadlessArgs, Job) = match command {
        Command::Ping(common) => (common, Job::Ping),
        Command::Search {
            terms,
            semantic,
            limit,
            common,
        } => (
            common,
            Job::Search(SearchRequest {
                term_queries: terms,
                semantic_queries: semantic,
                limit,
            }),
        ),
        Command::Table {
            table,
            with_field_values,
            common,
        } => (common, Job::Table(table, with_field_values)),
        Command::Metric { metric, common } => (common, Job::Metric(metric)),
        Command::Values {
            entity,
            id,
            field,
            limit,
            common,
        } => (common, Job::Values(entity, id, field, limit)),
        Command::Query(args) => (args.common, Job::Query(args.spec, args.all_pages)),
        Command::Serve(_) => return Err(Failure::other("serve is not a headless command")),
        Command::Compare(_) => return Err(Failure::other("compare is not available yet")),
        Command::Config { .. } => return Err(Failure::other("config is not available yet")),
        Command::Keys => return Err(Failure::other("keys is not available yet")),
        Command::Completions { .. } => {
            return Err(Failure::other("completions are not available yet"));
        }
        Command::Man => return Err(Failure::other("man is not available yet")),
    };
    let conn = common.conn.or(outer);
    let format = common.format.unwrap_or_else(|| {
        if std::io::stdout().is_terminal() {
            OutputFormat::Table
        } else {
            OutputFormat::Json
        }
    });
    // Parse what can be checked offline before starting a sandbox or touching the network.
    if let Job::Query(spec, _) = &job {
        check_spec(spec)?;
    }
    let Connected { client, sandbox } = connect(&conn).await.map_err(|e| Failure {
        code: e.exit_code(),
        message: e.to_string(),
    })?;
    let out = job.run(&client).await;
    if let Some(sb) = sandbox {
        sb.shutdown().await;
    }
    let out = out?;
    let mut stdout = std::io::stdout().lock();
    match write_output(&out, format, &mut stdout).and_then(|_| stdout.flush()) {
        // A reader that stopped early (`| head`) is not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::other(format!("cannot write the output: {e}"))),
        Ok(()) => Ok(()),
    }
}

enum Job {
    Ping,
    Search(SearchRequest),
    Table(String, bool),
    Metric(String),
    Values(EntityKind, String, String, Option<u32>),
    Query(QuerySpec, bool),
}

impl Job {
    async fn run(self, c: &Client) -> Result<Output, Failure> {
        match self {
            Job::Ping => ping(c).await,
            Job::Search(req) => search(c, &req).await,
            Job::Table(t, values) => table(c, &t, values).await,
            Job::Metric(m) => metric(c, &m).await,
            Job::Values(kind, id, field, limit) => values(c, kind, &id, &field, limit).await,
            Job::Query(spec, all) => query(c, &spec, all).await,
        }
    }
}

async fn ping(c: &Client) -> Result<Output, Failure> {
    let info = c.ping_info().await?;
    let era = c.era().await?;
    let ms = info.round_trip.as_secs_f64() * 1000.0;
    let version = info.server_version.clone();
    Ok(Output {
        summary: vec![format!(
            "pong from {} as {} ({}): API {}, Metabase {}, {ms:.1} ms",
            c.base_url(),
            info.identity.email,
            info.identity.mode,
            era.as_str(),
            version.as_deref().unwrap_or("version unknown"),
        )],
        json: json!({
            "url": c.base_url(),
            "user": info.identity.email,
            "auth": info.identity.mode,
            "era": era.as_str(),
            "server_version": version,
            "round_trip_ms": (ms * 10.0).round() / 10.0,
        }),
        headers: Vec::new(),
        rows: Vec::new(),
        result: None,
    })
}

fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn opt(s: &Option<String>) -> Value {
    s.clone().map(Value::String).unwrap_or(Value::Null)
}

async fn search(c: &Client, req: &SearchRequest) -> Result<Output, Failure> {
    let r = c.search(req).await?;
    let rows = r
        .data
        .iter()
        .map(|i| {
            vec![
                json!(kind_name(&i.kind)),
                json!(i.id),
                json!(i.name),
                opt(&i.display_name),
                opt(&i.description),
            ]
        })
        .collect();
    Ok(Output {
        json: to_json(&r),
        summary: vec![format!("{} results", r.total_count)],
        headers: strings(&["type", "id", "name", "display_name", "description"]),
        rows,
        result: None,
    })
}

fn kind_name(k: &ItemKind) -> &str {
    match k {
        ItemKind::Table => "table",
        ItemKind::Metric => "metric",
        ItemKind::Other(s) => s,
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// An id as given, or the one table/metric whose name or display name matches (via search).
async fn resolve_id(c: &Client, text: &str, kind: ItemKind) -> Result<i64, Failure> {
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

fn field_rows(fields: &[Field]) -> Vec<Vec<Value>> {
    fields
        .iter()
        .map(|f| {
            vec![
                to_json(&f.field_id),
                json!(f.name),
                f.field_type
                    .map(|t| json!(t.as_str()))
                    .unwrap_or(Value::Null),
                opt(&f.semantic_type),
                opt(&f.description),
            ]
        })
        .collect()
}

const FIELD_HEADERS: [&str; 5] = ["field_id", "name", "type", "semantic_type", "description"];

async fn table(c: &Client, text: &str, with_values: bool) -> Result<Output, Failure> {
    let id = resolve_id(c, text, ItemKind::Table).await?;
    let opts = TableOptions {
        with_field_values: with_values,
        ..TableOptions::default()
    };
    let t = c.table(id, opts).await?;
    let mut summary = vec![format!(
        "table {} {}{}{}",
        t.id,
        t.name,
        t.display_name
            .as_deref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default(),
        t.description
            .as_deref()
            .map(|d| format!(": {d}"))
            .unwrap_or_default()
    )];
    for r in &t.related_tables {
        summary.push(format!(
            "related: table {} {} by {}",
            r.id, r.name, r.related_by
        ));
    }
    for m in &t.metrics {
        summary.push(format!("metric: {} {}", m.id, m.name));
    }
    for m in &t.measures {
        summary.push(format!("measure: {} {}", m.id, m.name));
    }
    for s in &t.segments {
        summary.push(format!("segment: {} {}", s.id, s.name));
    }
    Ok(Output {
        json: to_json(&t),
        summary,
        headers: strings(&FIELD_HEADERS),
        rows: field_rows(&t.fields),
        result: None,
    })
}

async fn metric(c: &Client, text: &str) -> Result<Output, Failure> {
    let id = resolve_id(c, text, ItemKind::Metric).await?;
    let m = c.metric(id, MetricOptions::default()).await?;
    let mut summary = vec![format!(
        "metric {} {}{}{}",
        m.id,
        m.name,
        if m.verified { " (verified)" } else { "" },
        m.description
            .as_deref()
            .map(|d| format!(": {d}"))
            .unwrap_or_default()
    )];
    if let Some(f) = &m.default_time_dimension_field_id {
        summary.push(format!("default time dimension: {f}"));
    }
    for s in &m.segments {
        summary.push(format!("segment: {} {}", s.id, s.name));
    }
    Ok(Output {
        json: to_json(&m),
        summary,
        headers: strings(&FIELD_HEADERS),
        rows: field_rows(&m.queryable_dimensions),
        result: None,
    })
}

/// The fields a query on `source` may name: the table's own and its related tables' (whose ids
/// are usable on the main table), or the metric's dimensions.
async fn fields_of(c: &Client, source: Source) -> Result<Vec<(Option<String>, Field)>, Failure> {
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
fn find_field(fields: &[(Option<String>, Field)], text: &str) -> Result<Field, Failure> {
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

async fn values(
    c: &Client,
    kind: EntityKind,
    id: &str,
    field: &str,
    limit: Option<u32>,
) -> Result<Output, Failure> {
    let (item, make): (ItemKind, fn(i64) -> Source) = match kind {
        EntityKind::Table => (ItemKind::Table, Source::Table),
        EntityKind::Metric => (ItemKind::Metric, Source::Metric),
    };
    let id = resolve_id(c, id, item).await?;
    let source = make(id);
    let fields = fields_of(c, source).await?;
    let f = find_field(&fields, field)?;
    let entity = match source {
        Source::Table(id) => Entity::Table(id),
        Source::Metric(id) => Entity::Metric(id),
    };
    let v = c.field_values(entity, &f.field_id, limit).await?;
    let mut summary = vec![format!("{} ({})", f.name, f.field_id)];
    if let Some(s) = &v.statistics
        && let Value::Object(m) = to_json(s)
    {
        let stats: Vec<String> = m
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if !stats.is_empty() {
            summary.push(stats.join(" "));
        }
    }
    Ok(Output {
        json: to_json(&v),
        summary,
        headers: strings(&["value"]),
        rows: v.values.iter().map(|x| vec![x.clone()]).collect(),
        result: None,
    })
}

/// Checks the parts of a query spec that need no server.
fn check_spec(spec: &QuerySpec) -> Result<(), Failure> {
    if let Some(body) = &spec.body {
        read_body(body)?;
        return Ok(());
    }
    if spec.table.is_none() && spec.metric.is_none() {
        return Err(Failure::usage(
            "query needs --table, --metric or --body (see mbx query --help)",
        ));
    }
    if spec.metric.is_some()
        && (!spec.aggs.is_empty() || !spec.order.is_empty() || spec.limit.is_some())
    {
        return Err(Failure::usage(
            "a metric query takes only --filter and --by; remove --agg, --order and --limit",
        ));
    }
    for f in &spec.filters {
        let mut words = f.split_whitespace();
        let (Some(_), Some(op)) = (words.next(), words.next()) else {
            return Err(Failure::usage(format!(
                "--filter {f:?}: write FIELD OPERATION [VALUE], e.g. \"TOTAL greater-than 50\""
            )));
        };
        if FilterOp::parse(op).is_none() {
            return Err(Failure::usage(format!(
                "--filter {f:?}: unknown operation {op:?}"
            )));
        }
    }
    Ok(())
}

fn read_body(body: &str) -> Result<QueryRequest, Failure> {
    let text = match body.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| Failure::usage(format!("cannot read --body file {path}: {e}")))?,
        None => body.to_string(),
    };
    QueryRequest::from_json(&text).map_err(|e| Failure::usage(format!("--body: {e}")))
}

/// A filter value as typed: integers, then numbers, else text (quotes removed).
fn literal(text: &str, op: FilterOp) -> Result<Value, Failure> {
    let t = text.trim();
    if op.is_extraction() {
        return t
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| Failure::usage(format!("{op} needs a whole number, not {t:?}")));
    }
    if let Ok(i) = t.parse::<i64>() {
        return Ok(Value::from(i));
    }
    if let Ok(f) = t.parse::<f64>()
        && f.is_finite()
    {
        return Ok(json!(f));
    }
    let unquoted = t
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(t);
    Ok(Value::from(unquoted))
}

async fn build_query(c: &Client, spec: &QuerySpec) -> Result<QueryRequest, Failure> {
    if let Some(body) = &spec.body {
        return read_body(body);
    }
    let source = match (&spec.table, &spec.metric) {
        (Some(t), _) => Source::Table(resolve_id(c, t, ItemKind::Table).await?),
        (None, Some(m)) => Source::Metric(resolve_id(c, m, ItemKind::Metric).await?),
        (None, None) => return Err(Failure::usage("query needs --table, --metric or --body")),
    };
    let mut q = QueryRequest::new(source);
    q.limit = spec.limit;
    let needs_fields = !spec.filters.is_empty()
        || spec
            .aggs
            .iter()
            .any(|a| a.contains(':') && !a.starts_with("measure:"))
        || !spec.by.is_empty()
        || !spec.order.is_empty();
    let fields = if needs_fields {
        fields_of(c, source).await?
    } else {
        Vec::new()
    };
    for f in &spec.filters {
        let mut words = f.trim().splitn(3, char::is_whitespace);
        let (Some(name), Some(op)) = (words.next(), words.next()) else {
            return Err(Failure::usage(format!(
                "--filter {f:?}: write FIELD OPERATION [VALUE]"
            )));
        };
        let op = FilterOp::parse(op)
            .ok_or_else(|| Failure::usage(format!("--filter {f:?}: unknown operation {op:?}")))?;
        let field = find_field(&fields, name)?;
        let rest = words.next().unwrap_or("").trim();
        let (value, values) = match op.arity() {
            Arity::None => (None, None),
            Arity::One => (Some(literal(rest, op)?), None),
            Arity::OneOrMany => {
                let parts: Vec<&str> = rest.split(',').collect();
                if parts.len() > 1 {
                    let vs = parts
                        .iter()
                        .map(|p| literal(p, op))
                        .collect::<Result<Vec<_>, _>>()?;
                    (None, Some(vs))
                } else {
                    (Some(literal(rest, op)?), None)
                }
            }
        };
        let value = value.filter(|v| v.as_str() != Some(""));
        q.filters.push(Filter::Field {
            field_id: field.field_id,
            operation: op,
            value,
            values,
            bucket: None,
        });
    }
    for a in &spec.aggs {
        let (func, arg) = match a.split_once(':') {
            Some((f, arg)) => (f.trim(), Some(arg.trim())),
            None => (a.trim(), None),
        };
        if func == "measure" {
            let id = arg
                .and_then(|s| s.parse::<i64>().ok())
                .ok_or_else(|| Failure::usage(format!("--agg {a:?}: write measure:ID")))?;
            q.aggregations.push(Aggregation::Measure {
                measure_id: id,
                sort_order: None,
            });
            continue;
        }
        let function = AggFunction::parse(func).ok_or_else(|| {
            Failure::usage(format!(
                "--agg {a:?}: unknown function (count, sum, avg, min, max, count-distinct, measure)"
            ))
        })?;
        let field_id = match arg {
            Some(name) => Some(find_field(&fields, name)?.field_id),
            None => None,
        };
        q.aggregations.push(Aggregation::Function {
            function,
            field_id,
            bucket: None,
            sort_order: None,
        });
    }
    for b in &spec.by {
        let (name, unit) = split_suffix(b);
        let field_granularity = match unit {
            Some(u) => Some(TemporalUnit::parse(u).ok_or_else(|| {
                Failure::usage(format!(
                    "--by {b:?}: unknown unit {u:?} (day, week, month, …)"
                ))
            })?),
            None => None,
        };
        q.group_by.push(GroupBy {
            field_id: find_field(&fields, name)?.field_id,
            field_granularity,
        });
    }
    for o in &spec.order {
        let (name, dir) = split_suffix(o);
        let direction = match dir.map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") => SortDir::Asc,
            Some("desc") => SortDir::Desc,
            Some(d) => {
                return Err(Failure::usage(format!(
                    "--order {o:?}: {d:?} is not asc or desc"
                )));
            }
        };
        let field_id = find_field(&fields, name)?.field_id;
        // Ordering by a grouped temporal field means ordering by its bucket.
        let bucket = q
            .group_by
            .iter()
            .find(|g| g.field_id == field_id)
            .and_then(|g| g.field_granularity);
        q.order_by.push(OrderBy {
            field: FieldRef { field_id, bucket },
            direction,
        });
    }
    q.validate()
        .map_err(|e| Failure::usage(format!("the query cannot be sent: {e}")))?;
    Ok(q)
}

/// `NAME:suffix` → (NAME, Some(suffix)); a name with no colon has no suffix.
fn split_suffix(s: &str) -> (&str, Option<&str>) {
    match s.rsplit_once(':') {
        Some((name, suffix)) => (name.trim(), Some(suffix.trim())),
        None => (s.trim(), None),
    }
}

async fn query(c: &Client, spec: &QuerySpec, all_pages: bool) -> Result<Output, Failure> {
    let q = build_query(c, spec).await?;
    let mut r = c.run_query(&q).await?;
    let mut pages = 1;
    // Paging servers page past a query's own limit; the limit still bounds what is shown.
    let wanted = q.limit.map(|n| usize::try_from(n).unwrap_or(usize::MAX));
    while all_pages && pages < MAX_PAGES && wanted.is_none_or(|n| r.result.row_count() < n) {
        let Some(cursor) = r.next.take() else { break };
        let more = c.next_page(&cursor).await?;
        r.row_count += more.row_count;
        r.running_time_ms += more.running_time_ms;
        r.next = more.next;
        r.result.append(more.result);
        pages += 1;
    }
    if let Some(n) = wanted
        && r.result.row_count() >= n
    {
        r.result.rows.truncate(n);
        r.row_count = n as u64;
        r.next = None;
    }
    let mut summary = vec![format!(
        "{} rows in {} ms",
        r.result.row_count(),
        r.running_time_ms
    )];
    if r.next.is_some() {
        summary.push("more rows are available: add --all-pages".into());
    } else if r.maybe_truncated() {
        summary.push(format!(
            "the server caps this query at {} rows: the result may be cut",
            r.row_cap.unwrap_or_default()
        ));
    }
    Ok(Output {
        json: Value::Null,
        summary,
        headers: r.result.columns.iter().map(|c| c.name.clone()).collect(),
        rows: r
            .result
            .rows
            .iter()
            .map(|row| row.iter().map(Cell::to_json).collect())
            .collect(),
        result: Some(r.result),
    })
}

fn write_output(out: &Output, format: OutputFormat, w: &mut impl Write) -> std::io::Result<()> {
    let export = match format {
        OutputFormat::Json => Some(ExportFormat::Json),
        OutputFormat::Jsonl => Some(ExportFormat::Jsonl),
        OutputFormat::Csv => Some(ExportFormat::Csv),
        OutputFormat::Table => None,
    };
    if let (Some(rs), Some(export)) = (&out.result, export) {
        return crate::export::write(rs, export, w, |_| {});
    }
    match format {
        OutputFormat::Json => {
            let text = serde_json::to_string_pretty(&out.json).map_err(std::io::Error::other)?;
            writeln!(w, "{text}")
        }
        OutputFormat::Jsonl => {
            if out.headers.is_empty() {
                return writeln!(w, "{}", out.json);
            }
            for row in &out.rows {
                let m: Map<String, Value> = out
                    .headers
                    .iter()
                    .cloned()
                    .zip(row.iter().cloned())
                    .collect();
                writeln!(w, "{}", Value::Object(m))?;
            }
            Ok(())
        }
        OutputFormat::Csv => {
            let mut csv = csv::Writer::from_writer(w);
            if out.headers.is_empty() {
                // A command without rows (ping) prints its fields as one record.
                if let Value::Object(m) = &out.json {
                    csv.write_record(m.keys())?;
                    csv.write_record(m.values().map(plain))?;
                }
            } else {
                csv.write_record(&out.headers)?;
                for row in &out.rows {
                    csv.write_record(row.iter().map(plain))?;
                }
            }
            csv.flush()
        }
        OutputFormat::Table => {
            for line in &out.summary {
                writeln!(w, "{line}")?;
            }
            if !out.headers.is_empty() {
                write_table(out, w)?;
            }
            Ok(())
        }
    }
}

/// A value as a person reads it: strings bare, null empty, everything else as JSON.
fn plain(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// An aligned plain-text table; wide cells are cut so one row stays on one line.
fn write_table(out: &Output, w: &mut impl Write) -> std::io::Result<()> {
    use unicode_width::UnicodeWidthStr;
    const MAX_CELL: usize = 48;
    let cut = |s: String| -> String {
        let s = s.replace(['\n', '\r', '\t'], " ");
        if s.width() <= MAX_CELL {
            return s;
        }
        let mut t = String::new();
        for ch in s.chars() {
            if t.width() + 1 >= MAX_CELL {
                break;
            }
            t.push(ch);
        }
        t.push('…');
        t
    };
    let cells: Vec<Vec<String>> = out
        .rows
        .iter()
        .map(|r| r.iter().map(|v| cut(plain(v))).collect())
        .collect();
    let mut widths: Vec<usize> = out.headers.iter().map(|h| h.width()).collect();
    for row in &cells {
        for (i, c) in row.iter().enumerate() {
            if let Some(wd) = widths.get_mut(i) {
                *wd = (*wd).max(c.width());
            }
        }
    }
    let line = |items: &[String], w: &mut dyn Write| -> std::io::Result<()> {
        let mut s = String::new();
        for (i, item) in items.iter().enumerate() {
            let pad = widths
                .get(i)
                .copied()
                .unwrap_or(0)
                .saturating_sub(item.width());
            s.push_str(item);
            if i + 1 < items.len() {
                s.push_str(&" ".repeat(pad + 2));
            }
        }
        writeln!(w, "{}", s.trim_end())
    };
    line(&out.headers, w)?;
    let rule: Vec<String> = widths.iter().map(|n| "-".repeat(*n)).collect();
    line(&rule, w)?;
    for row in &cells {
        line(row, w)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out() -> Output {
        Output {
            json: json!([{"A": 1, "B": "x,y"}]),
            summary: vec!["1 rows".into()],
            headers: vec!["A".into(), "B".into()],
            rows: vec![vec![json!(1), json!("x,y")], vec![Value::Null, json!("é")]],
            result: None,
        }
    }

    fn render(format: OutputFormat) -> String {
        let mut buf = Vec::new();
        write_output(&out(), format, &mut buf).expect("writes");
        String::from_utf8(buf).expect("utf8")
    }

    #[test]
    fn each_format_renders_rows() {
        assert_eq!(render(OutputFormat::Csv), "A,B\n1,\"x,y\"\n,é\n");
        assert_eq!(
            render(OutputFormat::Jsonl),
            "{\"A\":1,\"B\":\"x,y\"}\n{\"A\":null,\"B\":\"é\"}\n"
        );
        assert_eq!(
            render(OutputFormat::Table),
            "1 rows\nA  B\n-  ---\n1  x,y\n   é\n"
        );
        assert!(render(OutputFormat::Json).contains("\"B\": \"x,y\""));
    }

    #[test]
    fn specs_are_checked_before_connecting() {
        let spec = QuerySpec {
            filters: vec!["TOTAL bigger 5".into()],
            table: Some("1".into()),
            ..QuerySpec::default()
        };
        assert_eq!(check_spec(&spec).err().map(|f| f.code), Some(2));
        assert_eq!(
            check_spec(&QuerySpec::default()).err().map(|f| f.code),
            Some(2)
        );
        let body = QuerySpec {
            body: Some(r#"{"table_id": 3, "limit": 2}"#.into()),
            ..QuerySpec::default()
        };
        assert!(check_spec(&body).is_ok());
        assert_eq!(
            split_suffix("CREATED_AT:month"),
            ("CREATED_AT", Some("month"))
        );
        assert_eq!(literal("12.5", FilterOp::Equals).ok(), Some(json!(12.5)));
        assert_eq!(literal("CA", FilterOp::Equals).ok(), Some(json!("CA")));
        assert!(literal("x", FilterOp::YearEquals).is_err());
    }
}

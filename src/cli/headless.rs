//! The headless commands: one answer on stdout, errors on stderr as one line, and an exit code
//! a script can act on (0 ok, 1 other, 2 usage, 3 authentication, 4 permission or not found,
//! 5 query failed).

mod compare;
mod lookup;
mod output;
mod query_flags;

use super::connect::{Connected, connect};
use super::{Command, ConnArgs, EntityKind, HeadlessArgs, OutputFormat, QuerySpec, UiArgs};
use crate::api::types::*;
use crate::api::{ApiError, Client};
use crate::printable::printable;
use crate::query::Source;
use lookup::{fields_of, find_field, kind_name, resolve_id};
use output::{Output, write_output};
use query_flags::{build_query, check_spec};
use serde_json::{Value, json};
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
    if let Command::Compare(args) = command {
        return match runtime.block_on(compare::run(args, conn)) {
            Ok(true) => ExitCode::SUCCESS,
            // The users differ: the difference is on stdout, not an error.
            Ok(false) => ExitCode::from(1),
            Err(f) => {
                eprintln!("mbx: {}", printable(&f.message));
                // 1 means "they differ"; a failure to compare must not look like that.
                ExitCode::from(if f.code == 1 { 2 } else { f.code })
            }
        };
    }
    let result = runtime.block_on(dispatch(command, conn));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("mbx: {}", printable(&f.message));
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
        Command::Compare(_) => return Err(Failure::other("compare runs apart from dispatch")),
        Command::Config { .. } => return Err(Failure::other("config is not available yet")),
        Command::Keys => return Err(Failure::other("keys is not available yet")),
        Command::Completions { .. } => {
            return Err(Failure::other("completions are not available yet"));
        }
        Command::Man => return Err(Failure::other("man is not available yet")),
    };
    let conn = common.conn.or(outer);
    let format = common
        .format
        .or_else(|| super::connect::profile_format(&conn))
        .unwrap_or_else(|| {
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

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
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
        // every format reads the rows from the result itself
        rows: Vec::new(),
        result: Some(r.result),
    })
}

//! `mbx compare --as A --vs B (search TERM… | table ID|NAME | query …)`: the same question as
//! two users at once, and what differs. Exit 0 when they see the same, 1 when they differ — for
//! scripts that audit permissions.

use super::Failure;
use super::lookup::resolve_id;
use super::query_flags::{build_query, check_spec};
use crate::api::types::{ItemKind, SearchRequest, TableOptions};
use crate::api::{ApiError, Client};
use crate::cli::connect::{Connected, connect};
use crate::cli::{CompareArgs, CompareWhat, ConnArgs, OutputFormat};
use crate::compare::{self, Comparison, Details, Outcome};
use crate::printable::printable;
use serde_json::{Value, json};
use std::io::{IsTerminal, Write};

fn outcome<T>(r: Result<T, ApiError>) -> Outcome<T> {
    r.map_err(compare::Failure::from)
}

/// Answers that say nothing about permissions — the server is unreachable or failed, or neither
/// user is accepted at all (a wrong secret) — mean there is nothing to compare.
fn comparable<T, U>(a: &Result<T, ApiError>, b: &Result<U, ApiError>) -> Result<(), Failure> {
    let (ea, eb) = (a.as_ref().err(), b.as_ref().err());
    for e in [ea, eb].into_iter().flatten() {
        if e.says_nothing_about_access() {
            return Err(Failure::from(e.clone()));
        }
    }
    if let (Some(x), Some(_)) = (ea, eb)
        && x.status() == Some(401)
        && eb.and_then(ApiError::status) == Some(401)
    {
        return Err(Failure::from(x.clone()));
    }
    Ok(())
}

/// Resolves a name as the first user, else as the second (one of them may not see it).
async fn resolve(a: &Client, b: &Client, text: &str, kind: ItemKind) -> Result<i64, Failure> {
    match resolve_id(a, text, kind.clone()).await {
        Ok(id) => Ok(id),
        Err(first) => resolve_id(b, text, kind).await.map_err(|_| first),
    }
}

/// Runs the comparison; `Ok(true)` when both users see the same.
pub async fn run(args: CompareArgs, outer: &ConnArgs) -> Result<bool, Failure> {
    let (inner, job) = match args.what {
        CompareWhat::Search { terms, common } => (common, Job::Search(terms)),
        CompareWhat::Table { table, common } => (common, Job::Table(table)),
        CompareWhat::Query { spec, common } => {
            check_spec(&spec)?;
            (common, Job::Query(Box::new(spec)))
        }
    };
    let conn = inner.conn.or(&args.common.conn.clone().or(outer));
    let format = inner
        .format
        .or(args.common.format)
        .or_else(|| crate::cli::connect::profile_format(&conn))
        .unwrap_or_else(|| {
            if std::io::stdout().is_terminal() {
                OutputFormat::Table
            } else {
                OutputFormat::Json
            }
        });
    let Connected { client: a, sandbox } = connect(&conn).await.map_err(|e| Failure {
        code: e.exit_code(),
        message: e.to_string(),
    })?;
    let b = a.as_user(&args.vs, &[]);
    let result = job.compare(&a, &b).await;
    if let Some(sb) = sandbox {
        sb.shutdown().await;
    }
    let c = result?;
    let mut stdout = std::io::stdout().lock();
    let written = match format {
        OutputFormat::Json | OutputFormat::Jsonl => {
            let v = serde_json::to_value(&c).unwrap_or(Value::Null);
            writeln!(stdout, "{v}")
        }
        OutputFormat::Table | OutputFormat::Csv => {
            // Names, messages and cells come from the server: no escape sequence reaches the terminal.
            let mut text = Vec::new();
            write_text(&c, &mut text).and_then(|_| {
                stdout.write_all(printable(&String::from_utf8_lossy(&text)).as_bytes())
            })
        }
    };
    match written.and_then(|_| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::other(format!("cannot write the output: {e}")))
        }
        _ => Ok(c.identical),
    }
}

enum Job {
    Search(Vec<String>),
    Table(String),
    Query(Box<crate::cli::QuerySpec>),
}

impl Job {
    async fn compare(self, a: &Client, b: &Client) -> Result<Comparison, Failure> {
        let (ua, ub) = (a.identity().email, b.identity().email);
        Ok(match self {
            Job::Search(terms) => {
                let req = SearchRequest {
                    term_queries: terms,
                    ..SearchRequest::default()
                };
                let (ra, rb) = tokio::join!(a.search(&req), b.search(&req));
                comparable(&ra, &rb)?;
                compare::search(&ua, &ub, &outcome(ra), &outcome(rb))
            }
            Job::Table(text) => {
                let id = resolve(a, b, &text, ItemKind::Table).await?;
                let opts = TableOptions::default();
                let (ra, rb) = tokio::join!(a.table(id, opts), b.table(id, opts));
                comparable(&ra, &rb)?;
                compare::table(&ua, &ub, &text, &outcome(ra), &outcome(rb))
            }
            Job::Query(spec) => {
                let q = match build_query(a, &spec).await {
                    Ok(q) => q,
                    Err(first) => build_query(b, &spec).await.map_err(|_| first)?,
                };
                let (ra, rb) = tokio::join!(a.run_query(&q), b.run_query(&q));
                comparable(&ra, &rb)?;
                let rows = |r: Result<crate::api::types::QueryResult, ApiError>| {
                    outcome(r.map(|r| r.result))
                };
                compare::query(&ua, &ub, "the query", &rows(ra), &rows(rb))
            }
        })
    }
}

fn list<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

impl std::fmt::Display for compare::ItemRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({} {})", self.name, self.kind, self.id)
    }
}

/// The text form: the verdict first, then each difference on its own line.
fn write_text(c: &Comparison, w: &mut impl Write) -> std::io::Result<()> {
    writeln!(
        w,
        "{} {}",
        if c.identical { "SAME" } else { "DIFFERENT" },
        c.verdict
    )?;
    for (user, failure) in [(&c.a_user, &c.a_failure), (&c.b_user, &c.b_failure)] {
        if let Some(f) = failure {
            writeln!(w, "  {user}: {}", f.message)?;
        }
    }
    let mut pair = |label: &str, only_a: String, only_b: String| -> std::io::Result<()> {
        if !only_a.is_empty() {
            writeln!(w, "  {label} only {}: {only_a}", c.a_user)?;
        }
        if !only_b.is_empty() {
            writeln!(w, "  {label} only {}: {only_b}", c.b_user)?;
        }
        Ok(())
    };
    match &c.details {
        Details::Search {
            items,
            a_total,
            b_total,
        } => {
            pair("results", list(&items.only_a), list(&items.only_b))?;
            writeln!(
                w,
                "  {} results for {}, {} for {}, {} in common",
                a_total, c.a_user, b_total, c.b_user, items.both
            )?;
        }
        Details::Table {
            fields,
            related_tables,
            metrics,
            ..
        } => {
            pair("fields", list(&fields.only_a), list(&fields.only_b))?;
            pair(
                "related tables",
                list(&related_tables.only_a),
                list(&related_tables.only_b),
            )?;
            pair("metrics", list(&metrics.only_a), list(&metrics.only_b))?;
        }
        Details::Query {
            columns,
            a_rows,
            b_rows,
            rows,
        } => {
            pair("columns", list(&columns.only_a), list(&columns.only_b))?;
            writeln!(
                w,
                "  rows: {a_rows} for {}, {b_rows} for {}",
                c.a_user, c.b_user
            )?;
            for r in rows {
                let show = |v: &Option<Vec<Value>>| {
                    v.as_ref()
                        .map(|cells| json!(cells).to_string())
                        .unwrap_or_else(|| "(none)".into())
                };
                writeln!(w, "  row {}: {} vs {}", r.row + 1, show(&r.a), show(&r.b))?;
            }
        }
        Details::Failed => {}
    }
    Ok(())
}

//! A bounded loopback load generator for the sandbox (or any Agent API server that shares its
//! users): many concurrent clients, each request signed with a JWT the server verifies, answers
//! checked against what each user may see.
//!
//! ```sh
//! mbx serve --port 8765 &            # a second process
//! cargo run --release --example load -- --url http://127.0.0.1:8765 --scenario ping
//! cargo run --release --example load -- --url http://127.0.0.1:8765 --scenario execute --concurrency 4
//! cargo run --release --example load -- --url http://127.0.0.1:8765 --scenario mixed --concurrency 50 --seconds 20 --pid $!
//! ```
//! Prints requests, requests/s, p50/p99/max latency, unexpected answers (errors) and, with
//! `--pid`, the server's resident memory before, after and at its peak (sampled each second),
//! and its growth over the run's second half, when warm-up is over and a leak would show.

use clap::{Parser, ValueEnum};
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Scenario {
    /// GET /v1/ping as analyst.
    Ping,
    /// POST /v1/execute of a 2000-row ORDERS query as admin.
    Execute,
    /// Ping, search, table details and previews as four users; permissions checked.
    Mixed,
    /// POST /v1/search for ORDERS as admin (the catalog's search).
    Search,
    /// GET /v1/table/{ORDERS} as admin (the catalog's table details).
    Table,
    /// Execute a 20-row ORDERS preview as admin.
    Preview,
    /// Execute sum(TOTAL) by CREATED_AT month over all of ORDERS as admin.
    Aggregate,
}

#[derive(Debug, Parser)]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:8765")]
    url: String,
    #[arg(long, default_value = mbx::sandbox::DEMO_SECRET)]
    secret: String,
    #[arg(long, value_enum, default_value = "ping")]
    scenario: Scenario,
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// The server's pid, to report its memory before and after.
    #[arg(long)]
    pid: Option<u32>,
}

/// One planned request and the status it must get.
#[derive(Clone, Debug)]
struct Call {
    user: &'static str,
    post: bool,
    path: String,
    body: Option<Value>,
    expect: u16,
    /// For searches: whether the answer may name a table only analyst and admin see.
    forbid_in_body: Option<&'static str>,
}

fn jwt(secret: &str, email: &str) -> Result<String, jsonwebtoken::errors::Error> {
    let iat = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    jsonwebtoken::encode(
        &Header::default(),
        &json!({"iat": iat, "email": email}),
        &EncodingKey::from_secret(secret.as_bytes())?,
    )
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

async fn send(
    http: &reqwest::Client,
    base: &str,
    secret: &str,
    call: &Call,
) -> Result<(u16, String), String> {
    let token = jwt(secret, call.user).map_err(|e| e.to_string())?;
    let url = format!("{base}/api/agent{}", call.path);
    let req = if call.post {
        http.post(&url)
            .json(call.body.as_ref().unwrap_or(&json!({})))
    } else {
        http.get(&url)
    };
    let resp = req
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let body = resp.text().await.map_err(|e| e.to_string())?;
    Ok((status, body))
}

/// Finds a table's id by name, as admin.
async fn table_id(http: &reqwest::Client, args: &Args, name: &str) -> Result<i64, String> {
    let call = Call {
        user: "admin@example.com",
        post: true,
        path: "/v1/search".into(),
        body: Some(json!({"term_queries": [name]})),
        expect: 200,
        forbid_in_body: None,
    };
    let (_, body) = send(http, &args.url, &args.secret, &call).await?;
    let v: Value = serde_json::from_str(&body).map_err(|e| e.to_string())?;
    v["data"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["type"] == "table" && i["name"] == name)
        .and_then(|i| i["id"].as_i64())
        .ok_or_else(|| format!("no table {name} found by search"))
}

/// A table's field id (opaque: string or number) by column name, from its details, as admin.
async fn field_id(
    http: &reqwest::Client,
    args: &Args,
    table: i64,
    name: &str,
) -> Result<Value, String> {
    let call = Call {
        user: "admin@example.com",
        post: false,
        path: format!("/v1/table/{table}"),
        body: None,
        expect: 200,
        forbid_in_body: None,
    };
    let (status, body) = send(http, &args.url, &args.secret, &call).await?;
    let v: Value = serde_json::from_str(&body).map_err(|e| e.to_string())?;
    v["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["name"] == name)
        .map(|f| f["field_id"].clone())
        .ok_or_else(|| format!("table {table} has no field {name} (answered {status})"))
}

/// Constructs `construct` as admin and returns the execute call of its query (202, not failed).
async fn execute_call(
    http: &reqwest::Client,
    args: &Args,
    construct: Value,
) -> Result<Call, String> {
    let call = Call {
        user: "admin@example.com",
        post: true,
        path: "/v1/construct-query".into(),
        body: Some(construct),
        expect: 200,
        forbid_in_body: None,
    };
    let (status, body) = send(http, &args.url, &args.secret, &call).await?;
    let v: Value = serde_json::from_str(&body).map_err(|e| e.to_string())?;
    let query = v["query"]
        .as_str()
        .ok_or_else(|| format!("construct-query answered {status}: {body}"))?;
    Ok(Call {
        user: "admin@example.com",
        post: true,
        path: "/v1/execute".into(),
        body: Some(json!({"query": query})),
        expect: 202,
        forbid_in_body: Some("\"failed\""),
    })
}

async fn plan(http: &reqwest::Client, args: &Args) -> Result<Vec<Call>, String> {
    let ping = |user| Call {
        user,
        post: false,
        path: "/v1/ping".into(),
        body: None,
        expect: 200,
        forbid_in_body: None,
    };
    match args.scenario {
        Scenario::Ping => Ok(vec![ping("analyst@example.com")]),
        Scenario::Execute => {
            let orders = table_id(http, args, "ORDERS").await?;
            let q = json!({"table_id": orders, "limit": 2000});
            Ok(vec![execute_call(http, args, q).await?])
        }
        Scenario::Preview => {
            let orders = table_id(http, args, "ORDERS").await?;
            let q = json!({"table_id": orders, "limit": 20});
            Ok(vec![execute_call(http, args, q).await?])
        }
        Scenario::Aggregate => {
            let orders = table_id(http, args, "ORDERS").await?;
            let (total, created) = (
                field_id(http, args, orders, "TOTAL").await?,
                field_id(http, args, orders, "CREATED_AT").await?,
            );
            let q = json!({
                "table_id": orders,
                "aggregations": [{"function": "sum", "field_id": total}],
                "group_by": [{"field_id": created, "field_granularity": "month"}],
            });
            Ok(vec![execute_call(http, args, q).await?])
        }
        Scenario::Search => Ok(vec![Call {
            user: "admin@example.com",
            post: true,
            path: "/v1/search".into(),
            body: Some(json!({"term_queries": ["ORDERS"]})),
            expect: 200,
            forbid_in_body: None,
        }]),
        Scenario::Table => {
            let orders = table_id(http, args, "ORDERS").await?;
            Ok(vec![Call {
                user: "admin@example.com",
                post: false,
                path: format!("/v1/table/{orders}"),
                body: None,
                expect: 200,
                forbid_in_body: None,
            }])
        }
        Scenario::Mixed => {
            let orders = table_id(http, args, "ORDERS").await?;
            let people = table_id(http, args, "PEOPLE").await?;
            let mut calls = Vec::new();
            for (user, sees_people, sees_orders) in [
                ("admin@example.com", true, true),
                ("analyst@example.com", true, true),
                ("sales@example.com", false, true),
                ("nodata@example.com", false, false),
            ] {
                calls.push(ping(user));
                calls.push(Call {
                    user,
                    post: true,
                    path: "/v1/search".into(),
                    body: Some(json!({"term_queries": ["people"]})),
                    expect: 200,
                    forbid_in_body: (!sees_people).then_some("\"PEOPLE\""),
                });
                for (id, sees) in [(orders, sees_orders), (people, sees_people)] {
                    calls.push(Call {
                        user,
                        post: false,
                        path: format!("/v1/table/{id}"),
                        body: None,
                        expect: if sees { 200 } else { 403 },
                        forbid_in_body: None,
                    });
                    calls.push(Call {
                        user,
                        post: true,
                        path: "/v1/construct-query".into(),
                        body: Some(json!({"table_id": id, "limit": 20})),
                        expect: if sees { 200 } else { 403 },
                        forbid_in_body: None,
                    });
                }
            }
            Ok(calls)
        }
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if let Err(e) = run(args).await {
        eprintln!("load: {e}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> Result<(), String> {
    let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(args.concurrency)
        .build()
        .map_err(|e| e.to_string())?;
    let calls = Arc::new(plan(&http, &args).await?);
    let rss_before = args.pid.and_then(rss_kib);
    // Sampled once a second so a leak shows as growth across the run, not just two end points.
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let sampler = args.pid.map(|pid| {
        tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tokio::select! {
                    _ = &mut stopped => break samples,
                    _ = tick.tick() => match rss_kib(pid) {
                        Some(kib) => samples.push(kib),
                        None => break samples,
                    },
                }
            }
        })
    });
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let mut workers = Vec::new();
    for w in 0..args.concurrency {
        let (http, calls, base, secret) = (
            http.clone(),
            calls.clone(),
            args.url.clone(),
            args.secret.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = Vec::new();
            let mut i = w;
            while Instant::now() < deadline {
                let call = &calls[i % calls.len()];
                i += 1;
                let t = Instant::now();
                let outcome = send(&http, &base, &secret, call).await;
                latencies.push(t.elapsed().as_micros() as u64);
                let wrong = match &outcome {
                    Err(e) => Some(e.clone()),
                    Ok((status, _)) if *status != call.expect => Some(format!(
                        "{} {} → {status}, expected {}",
                        call.user, call.path, call.expect
                    )),
                    Ok((_, body)) => call
                        .forbid_in_body
                        .filter(|f| body.contains(f))
                        .map(|f| format!("{} {}: answer contains {f}", call.user, call.path)),
                };
                if let Some(e) = wrong {
                    errors.push(e);
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = Vec::new();
    for w in workers {
        let (l, e) = w.await.map_err(|e| e.to_string())?;
        latencies.extend(l);
        errors.extend(e);
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * p).round() as usize)
            .map(|us| *us as f64 / 1000.0)
            .unwrap_or(0.0)
    };
    println!(
        "{:?}: {} requests in {elapsed:.1}s = {:.0} req/s with {} clients; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {} unexpected answers",
        args.scenario,
        latencies.len(),
        latencies.len() as f64 / elapsed,
        args.concurrency,
        pct(0.5),
        pct(0.99),
        pct(1.0),
        errors.len()
    );
    let samples = match sampler {
        Some(task) => {
            let _ = stop.send(());
            task.await.unwrap_or_default()
        }
        None => Vec::new(),
    };
    if let (Some(before), Some(after)) = (rss_before, args.pid.and_then(rss_kib)) {
        let peak = samples.iter().copied().max().unwrap_or(after).max(after);
        // Growth over the second half of the run: warm-up allocations (pools, caches) are
        // excluded, so a steady leak is what remains.
        let half = samples.get(samples.len() / 2).copied().unwrap_or(before);
        println!(
            "server memory: {before} KiB before, {after} KiB after, peak {peak} KiB; \
             second-half growth {:+} KiB over {} samples",
            after as i64 - half as i64,
            samples.len()
        );
    }
    for e in errors.iter().take(5) {
        println!("  {e}");
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("{} unexpected answers", errors.len()))
    }
}

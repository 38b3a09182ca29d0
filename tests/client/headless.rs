//! The headless commands as a separate process: output formats, exit codes, one-line errors on
//! stderr, and never a secret in either stream.

use crate::common::*;
use crate::sandbox::start;
use mbx::sandbox::Profile;
use std::process::{Command, Output};

const SECRET_VAR: &str = "MBX_TEST_CLIENT_SECRET";

fn mbx(args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mbx"));
    for var in [
        "MBX_URL",
        "MBX_EMAIL",
        "MBX_SECRET",
        "MBX_API_KEY",
        "MBX_PROFILE",
        "MBX_CONFIG",
    ] {
        cmd.env_remove(var);
    }
    cmd.env(SECRET_VAR, TEST_SECRET)
        .args(args)
        .output()
        .expect("runs")
}

fn text(o: &Output) -> (String, String) {
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_no_secret(&format!("{out}{err}"), &[TEST_SECRET]);
    (out, err)
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_reports_who_and_which_surface_in_each_auth_mode() {
    let key = "headless-api-key-0123456789";
    let sb = start(Profile::E2, |c| {
        c.api_keys.push((key.into(), "admin@example.com".into()))
    })
    .await;
    let url = sb.url();
    let base = [
        "--url",
        url.as_str(),
        "--secret-env",
        SECRET_VAR,
        "--format",
        "json",
    ];
    for mode in ["jwt", "session"] {
        let mut args = vec!["ping", "--as", "sales@example.com", "--auth", mode];
        args.extend(base);
        let o = mbx(&args);
        let (out, err) = text(&o);
        assert_eq!(code(&o), 0, "{mode}: {err}");
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        assert_eq!(v["user"], "sales@example.com");
        assert_eq!(v["auth"], mode);
        assert_eq!(v["era"], "e2");
        assert!(v["server_version"].is_string());
    }
    let o = mbx(&[
        "ping",
        "--url",
        &url,
        "--auth",
        "api-key",
        "--api-key",
        key,
        "--format",
        "csv",
    ]);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "{err}");
    assert!(
        out.starts_with("url,user,auth,era,server_version,round_trip_ms\n"),
        "{out}"
    );
    assert!(!out.contains(key) && !err.contains(key));
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_exit_with_their_codes_and_one_line() {
    let sb = start(Profile::E2, |_| {}).await;
    let url = sb.url();
    let o = mbx(&[
        "ping",
        "--url",
        &url,
        "--as",
        "inactive@example.com",
        "--secret-env",
        SECRET_VAR,
    ]);
    let (_, err) = text(&o);
    assert_eq!(code(&o), 3, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("mbx: JWT rejected for inactive@example.com"),
        "{err}"
    );

    let o = mbx(&["ping", "--url", &url, "--as", "analyst@example.com"]);
    let (_, err) = text(&o);
    assert_eq!(code(&o), 2, "{err}");
    assert!(err.contains("needs the JWT shared secret"), "{err}");

    let o = mbx(&[
        "ping",
        "--url",
        "http://127.0.0.1:9",
        "--as",
        "a@x",
        "--secret-env",
        SECRET_VAR,
    ]);
    let (_, err) = text(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert_eq!(
        err.trim(),
        "mbx: no server at http://127.0.0.1:9: connection refused"
    );

    // a deadline millions of years away would be a hang, not a timeout
    let o = mbx(&[
        "ping",
        "--url",
        "http://127.0.0.1:9",
        "--as",
        "a@x",
        "--secret-env",
        SECRET_VAR,
        "--timeout",
        "99999999999999",
    ]);
    let (_, err) = text(&o);
    assert_eq!(code(&o), 2, "{err}");
    assert!(err.contains("must be from 1 second to 86400"), "{err}");

    let o = mbx(&["query", "--table", "1", "--filter", "TOTAL bigger 5"]);
    let (_, err) = text(&o);
    assert_eq!(code(&o), 2, "{err}");
    assert!(err.contains("unknown operation"), "{err}");

    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_url_an_in_process_sandbox_answers_as_the_analyst() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("secret");
    std::fs::write(&file, format!("{TEST_SECRET}\n")).expect("write");
    let o = mbx(&["ping", "--format", "json"]);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["user"], "analyst@example.com");
    // A secret from a file (trailing newline trimmed) is used for the sandbox too.
    let path = file.display().to_string();
    let o = mbx(&[
        "ping",
        "--secret-file",
        &path,
        "--sandbox",
        "e3",
        "--format",
        "table",
    ]);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "{err}");
    assert!(out.starts_with("pong from http://127.0.0.1:"), "{out}");
    assert!(out.contains("API e3"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_commands_print_each_format() {
    let sb = start(Profile::E2, |_| {}).await;
    let url = sb.url();
    let run = |args: &[&str]| {
        let mut all = vec!["--url", url.as_str(), "--as", "analyst@example.com"];
        all.extend(["--secret-env", SECRET_VAR]);
        all.extend(args);
        let o = mbx(&all);
        let (out, err) = text(&o);
        (code(&o), out, err)
    };
    let (c, out, err) = run(&["search", "orders", "--format", "json"]);
    assert_eq!(c, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert!(
        v["data"]
            .as_array()
            .is_some_and(|d| d.iter().any(|i| i["name"] == "ORDERS"))
    );

    let (c, out, err) = run(&["table", "orders", "--format", "csv"]);
    assert_eq!(c, 0, "{err}");
    assert!(
        out.starts_with("field_id,name,type,semantic_type,description\n"),
        "{out}"
    );
    assert!(out.contains(",TOTAL,number,"), "{out}");

    let (c, out, err) = run(&["metric", "Revenue", "--format", "jsonl"]);
    assert_eq!(c, 0, "{err}");
    assert!(
        out.lines()
            .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
    );

    let (c, out, err) = run(&[
        "values", "table", "ORDERS", "QUANTITY", "--limit", "2", "--format", "json",
    ]);
    assert_eq!(c, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["values"].as_array().map(Vec::len), Some(2));

    let (c, out, err) = run(&[
        "query",
        "--table",
        "ORDERS",
        "--agg",
        "count",
        "--by",
        "CREATED_AT:year",
        "--order",
        "CREATED_AT:desc",
        "--format",
        "csv",
    ]);
    assert_eq!(c, 0, "{err}");
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("CREATED_AT,count"));
    let years: Vec<&str> = lines.map(|l| &l[..4]).collect();
    assert!(
        years.len() > 1 && years.windows(2).all(|w| w[0] > w[1]),
        "{years:?}"
    );

    let (c, out, err) = run(&[
        "query",
        "--body",
        r#"{"table_id": 2, "limit": 3}"#,
        "--format",
        "jsonl",
    ]);
    assert_eq!((c, out.lines().count()), (0, 3), "{err}");

    let (c, _, err) = run(&["query", "--table", "ORDERS", "--filter", "NOPE equals 1"]);
    assert_eq!(c, 2, "{err}");
    let (c, _, err) = run(&["table", "99999"]);
    assert_eq!(c, 4, "{err}");
    assert!(err.contains("not found (404)"), "{err}");
    let (c, _, err) = run(&["table", "ORDERS", "--as", "nodata@example.com"]);
    assert_eq!(c, 4, "{err}");
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn escape_sequences_from_a_server_never_reach_the_terminal() {
    use axum::Router;
    use axum::http::{StatusCode, header};
    use axum::routing::get;
    // A hostile 403: set the window title, clear the screen, turn the text red.
    let app = Router::new().route(
        "/api/agent/v1/ping",
        get(|| async {
            (
                StatusCode::FORBIDDEN,
                [(header::CONTENT_TYPE, "text/plain")],
                "You \u{1b}]0;PWNED\u{7} \u{1b}[2J\u{1b}[31mdon't have permissions\u{9b}0m.",
            )
        }),
    );
    let url = serve(app).await;
    let o = tokio::task::spawn_blocking(move || {
        mbx(&[
            "ping",
            "--url",
            &url,
            "--api",
            "e2",
            "--as",
            "a@example.com",
            "--secret-env",
            SECRET_VAR,
        ])
    })
    .await
    .expect("mbx ran");
    let (out, err) = text(&o);
    assert_eq!(code(&o), 4, "{err}");
    for stream in [&out, &err] {
        assert!(
            !stream.chars().any(|c| c.is_control() && c != '\n'),
            "{stream:?}"
        );
    }
    assert!(
        err.contains("You \\u{1b}]0;PWNED\\u{7} \\u{1b}[2J\\u{1b}[31mdon't have permissions"),
        "{err}"
    );
}

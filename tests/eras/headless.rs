//! The headless binary with `--sandbox e2|e3|latest`: the same query prints the same CSV, and
//! `ping` names the surface (detected, or forced with `--api`).

use crate::common::*;
use mbx::sandbox::Profile;
use std::process::{Command, Output};

const SECRET_VAR: &str = "MBX_TEST_ERAS_SECRET";

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
    cmd.env(SECRET_VAR, SECRET)
        .args(args)
        .output()
        .expect("runs")
}

fn ok(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn the_same_query_prints_the_same_csv_in_every_profile() {
    let questions: [&[&str]; 2] = [
        &[
            "query",
            "--table",
            "ORDERS",
            "--agg",
            "count",
            "--by",
            "CREATED_AT:month",
            "--filter",
            "TOTAL greater-than 50",
            "--format",
            "csv",
        ],
        &[
            "query", "--table", "ORDERS", "--limit", "5", "--format", "csv",
        ],
    ];
    for question in questions {
        let answers: Vec<String> = ["e2", "e3", "latest"]
            .iter()
            .map(|profile| {
                let mut args = question.to_vec();
                args.extend(["--sandbox", profile, "--as", "analyst@example.com"]);
                ok(&mbx(&args))
            })
            .collect();
        assert!(answers[0].lines().count() > 5, "{}", answers[0]);
        assert_eq!(answers[1], answers[0], "e3 differs from e2");
        assert_eq!(answers[2], answers[0], "latest differs from e2");
    }
    let o = mbx(&[
        "values",
        "table",
        "ORDERS",
        "QUANTITY",
        "--sandbox",
        "latest",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&ok(&o)).expect("json");
    assert!(v["values"].as_array().is_some_and(|a| !a.is_empty()), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_names_the_detected_or_forced_surface() {
    let sb = start(Profile::Latest).await;
    let url = sb.url();
    for (api, expected) in [(None, "latest"), (Some("rr"), "rr"), (Some("e3"), "e3")] {
        let mut args = vec![
            "ping",
            "--url",
            url.as_str(),
            "--secret-env",
            SECRET_VAR,
            "--as",
            "analyst@example.com",
            "--format",
            "json",
        ];
        if let Some(api) = api {
            args.extend(["--api", api]);
        }
        let out = ok(&mbx(&args));
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        assert_eq!(v["era"], expected, "{out}");
    }
    sb.shutdown().await;
}

#[test]
fn compare_finds_the_same_differences_in_every_profile() {
    for question in [
        &["search", "people"][..],
        &["table", "ORDERS"][..],
        &["query", "--table", "ORDERS", "--limit", "3"][..],
    ] {
        let verdicts: Vec<(Option<i32>, String)> = ["e2", "e3", "latest"]
            .iter()
            .map(|profile| {
                let mut args = vec![
                    "compare",
                    "--sandbox",
                    profile,
                    "--as",
                    "analyst@example.com",
                    "--vs",
                    "sales@example.com",
                ];
                args.extend(question);
                args.extend(["--format", "json"]);
                let o = mbx(&args);
                let out = String::from_utf8_lossy(&o.stdout).into_owned();
                let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| {
                    panic!(
                        "{profile} {question:?}: not JSON ({e}): {out} {}",
                        String::from_utf8_lossy(&o.stderr)
                    )
                });
                (o.status.code(), v["verdict"].to_string())
            })
            .collect();
        assert!(matches!(verdicts[0].0, Some(0 | 1)), "{verdicts:?}");
        assert_eq!(verdicts[1], verdicts[0], "{question:?}: e3 differs from e2");
        assert_eq!(
            verdicts[2], verdicts[0],
            "{question:?}: latest differs from e2"
        );
    }
}

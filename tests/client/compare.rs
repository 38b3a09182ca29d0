//! `mbx compare` as a separate process: the verdict and the differences between two users, and
//! exit codes a permission audit script can act on (0 same, 1 different).

use crate::common::*;
use crate::sandbox::start;
use mbx::sandbox::Profile;
use serde_json::Value;
use std::process::{Command, Output};

const SECRET_VAR: &str = "MBX_TEST_COMPARE_SECRET";

fn compare(url: &str, a: &str, b: &str, what: &[&str]) -> Output {
    compare_with(url, a, b, what, &[])
}

fn compare_with(url: &str, a: &str, b: &str, what: &[&str], extra: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mbx"));
    for var in [
        "MBX_URL",
        "MBX_EMAIL",
        "MBX_SECRET",
        "MBX_PROFILE",
        "MBX_CONFIG",
    ] {
        cmd.env_remove(var);
    }
    cmd.env(SECRET_VAR, TEST_SECRET)
        .args(["compare", "--url", url, "--secret-env", SECRET_VAR])
        .args(["--as", a, "--vs", b])
        .args(extra)
        .args(what)
        .output()
        .expect("mbx runs")
}

fn json(o: &Output) -> Value {
    let out = String::from_utf8_lossy(&o.stdout);
    assert_no_secret(&out, &[TEST_SECRET]);
    assert_no_secret(&String::from_utf8_lossy(&o.stderr), &[TEST_SECRET]);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pairs_of_users_differ_exactly_where_their_permissions_do() {
    let sb = start(Profile::E2, |_| {}).await;
    let url = sb.url();
    let (analyst, sales, admin) = (
        "analyst@example.com",
        "sales@example.com",
        "admin@example.com",
    );

    let o = compare(
        &url,
        analyst,
        sales,
        &["search", "people", "--format", "json"],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "analyst finds PEOPLE, sales does not"
    );
    let v = json(&o);
    let hidden: Vec<&str> = v["details"]["items"]["only_a"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["name"].as_str())
        .collect();
    assert!(hidden.contains(&"PEOPLE"), "{v}");
    assert!(
        v["details"]["items"]["only_b"]
            .as_array()
            .is_some_and(|a| a.is_empty())
    );
    assert!(
        v["verdict"]
            .as_str()
            .is_some_and(|s| s.contains("hidden from sales@example.com"))
    );

    let o = compare(
        &url,
        analyst,
        sales,
        &["table", "PEOPLE", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(v["b_failure"]["status"], 403, "{v}");
    assert_eq!(v["verdict"], "sales@example.com cannot read PEOPLE (403)");

    // Both may read ORDERS, but only the analyst sees the PEOPLE link and the Revenue metric.
    let o = compare(
        &url,
        analyst,
        sales,
        &["table", "ORDERS", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(
        v["details"]["related_tables"]["only_a"][0],
        "PEOPLE (by USER_ID)"
    );
    assert_eq!(v["details"]["metrics"]["only_a"][0], "Revenue");

    let o = compare(
        &url,
        analyst,
        sales,
        &[
            "query", "--table", "ORDERS", "--limit", "5", "--format", "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "the same preview for both");
    assert_eq!(json(&o)["identical"], true);

    let o = compare(
        &url,
        analyst,
        admin,
        &["search", "orders", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(0));

    // The text form leads with the verdict.
    let o = compare(
        &url,
        admin,
        "nodata@example.com",
        &["table", "ORDERS", "--format", "table"],
    );
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.starts_with("DIFFERENT nodata@example.com cannot read ORDERS (403)"),
        "{text}"
    );
    sb.shutdown().await;
}

#[test]
fn a_failure_to_compare_is_not_mistaken_for_a_difference() {
    let o = compare(
        "http://127.0.0.1:9",
        "a@example.com",
        "b@example.com",
        &["search", "x"],
    );
    let code = o.status.code();
    assert!(code != Some(0) && code != Some(1), "{code:?}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("127.0.0.1:9"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_users_refused_alike_see_the_same() {
    let sb = start(Profile::E2, |_| {}).await;
    let url = sb.url();
    // Neither may read PEOPLE (table 3; neither finds its name either): the server's answer is
    // the same, though each error message names its own user.
    let o = compare(
        &url,
        "sales@example.com",
        "nodata@example.com",
        &["table", "3", "--format", "json"],
    );
    let v = json(&o);
    assert_eq!(o.status.code(), Some(0), "{v}");
    assert_eq!(v["identical"], true);
    assert_eq!(
        v["verdict"],
        "sales@example.com and nodata@example.com get the same answer: \
         You don't have permissions to do that. (403)"
    );
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_failure_is_not_mistaken_for_the_same_answer() {
    use axum::Router;
    use axum::http::{StatusCode, header};
    use axum::routing::{get, post};
    let stack_map = r#"{"message":"Cannot invoke \"Object.toString()\" because x is null",
        "via":[{"type":"java.lang.NullPointerException"}],"trace":["a.clj:1"]}"#;
    let app = Router::new()
        .route(
            "/api/agent/v1/ping",
            get(|| async { "{\"message\":\"pong\"}" }),
        )
        .route(
            "/api/agent/v1/search",
            post(move || async move {
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    [(header::CONTENT_TYPE, "application/json")],
                    stack_map,
                )
            }),
        );
    let url = serve(app).await;
    let o = tokio::task::spawn_blocking(move || {
        compare_with(
            &url,
            "a@example.com",
            "b@example.com",
            &["search", "x", "--format", "json"],
            &["--api", "e2"],
        )
    })
    .await
    .expect("compare ran");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the server failed to search (500)"),
        "{stderr}"
    );
    assert!(o.stdout.is_empty());
}

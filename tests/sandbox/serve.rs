//! The `mbx serve` binary: prints `listening on …` first, answers, stops on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[tokio::test]
async fn serve_prints_the_address_first_and_answers() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mbx"))
        .args(["serve", "--port", "0", "--secret", "s3cret"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn mbx serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("a line").expect("utf-8");
    let url = first
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line was {first:?}"))
        .to_string();
    let rest: Vec<String> = lines.by_ref().take(3).map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l.contains("s3cret")), "{rest:?}");
    let key = jsonwebtoken::EncodingKey::from_secret(b"s3cret").unwrap();
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &serde_json::json!({"email": "analyst@example.com"}),
        &key,
    )
    .unwrap();
    let res = reqwest::Client::new()
        .get(format!("{url}/api/agent/v1/ping"))
        .bearer_auth(token)
        .send()
        .await
        .expect("ping");
    assert_eq!(res.status(), 200);
    // SIGTERM stops it cleanly
    let pid = child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = child.wait().expect("exit");
    assert!(status.success(), "{status:?}");
}

//! The `mbx serve` binary: prints `listening on …` first, answers, stops on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

#[tokio::test]
async fn serve_prints_the_address_first_and_answers() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mbx"))
        .args(["serve", "--port", "0", "--secret", "s3cret"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn mbx serve");
    let stdout = child.stdout.take().expect("stdout");
    // Read on a thread so that a silent server fails the test instead of hanging it.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let next = || rx.recv_timeout(Duration::from_secs(60));
    let Ok(first) = next() else {
        let _ = child.kill();
        panic!("mbx serve printed nothing");
    };
    let url = first
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line was {first:?}"))
        .to_string();
    let rest: Vec<String> = (0..3).filter_map(|_| next().ok()).collect();
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
    // SIGTERM stops it cleanly (the shell's built-in kill: no procps needed)
    let killed = Command::new("sh")
        .args(["-c", &format!("kill -TERM {}", child.id())])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = child.wait().expect("exit");
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn start_errors_are_typed_and_readable() {
    use mbx::sandbox::{self, SandboxConfig, SandboxError};
    let zero = sandbox::start(SandboxConfig {
        scale: 0,
        ..SandboxConfig::default()
    })
    .await;
    assert!(matches!(zero, Err(SandboxError::Config(_))));
    let first = sandbox::start(SandboxConfig::default())
        .await
        .expect("starts");
    let taken = sandbox::start(SandboxConfig {
        port: first.addr().port(),
        ..SandboxConfig::default()
    })
    .await;
    let Err(e @ SandboxError::Bind { .. }) = taken else {
        panic!("a taken port must not bind");
    };
    assert!(
        e.to_string().starts_with("cannot listen on 127.0.0.1:"),
        "{e}"
    );
    assert!(first.url().starts_with("http://127.0.0.1:"));
    first.shutdown().await;
}

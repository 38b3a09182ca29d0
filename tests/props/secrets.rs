//! The shared secret, JWTs, session tokens and API keys appear nowhere in what `mbx` writes:
//! the `--log-file` (at the most verbose level), stdout, stderr, or a panic report.

use crate::common::{Env, SECRET};
use crate::tokens::has_uuid;
use mbx::api::{AuthConfig, Client, ClientConfig, JwtConfig, Secret};
use std::path::Path;
use std::process::Command;

const SECRET_VAR: &str = "MBX_PROPS_SECRET";
const WRONG_SECRET: &str = "a-wrong-secret-that-must-not-leak-either-0123";
const API_KEY: &str = "props-api-key-fedcba9876543210";

/// No credential of any kind: the secrets by value, and any JWT (`eyJ` is a base64 JSON
/// object's start, as every JWT header is) or session token by shape.
fn assert_clean(what: &str, text: &str) {
    for s in [SECRET, WRONG_SECRET, API_KEY] {
        assert!(!text.contains(s), "{what} contains a secret: {text}");
    }
    assert!(!text.contains("eyJ"), "{what} contains a JWT: {text}");
    assert!(
        !has_uuid(text),
        "{what} contains a session-shaped token: {text}"
    );
}

fn mbx(tmp: &Path, log: &Path, args: &[&str]) -> (i32, String, String) {
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
    let log = log.to_string_lossy().into_owned();
    let o = cmd
        .env(SECRET_VAR, SECRET)
        .env("MBX_LOG", "trace")
        // A crash report would land here (the panic hook writes to the temp dir).
        .env("TMPDIR", tmp)
        .env("HOME", tmp)
        .env("XDG_CONFIG_HOME", tmp)
        .env("XDG_DATA_HOME", tmp)
        .args(["--log-file", log.as_str(), "--no-history"])
        .args(args)
        .output()
        .expect("mbx runs");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn env_with_api_key() -> Env {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let sb = rt
        .block_on(mbx::sandbox::start(mbx::sandbox::SandboxConfig {
            secret: Some(SECRET.into()),
            api_keys: vec![(API_KEY.into(), "admin@example.com".into())],
            ..Default::default()
        }))
        .expect("sandbox starts");
    Env {
        rt,
        sb,
        http: reqwest::Client::new(),
    }
}

#[test]
fn headless_commands_never_write_a_credential_to_the_log_file_stdout_or_stderr() {
    let env = env_with_api_key();
    let tmp = tempfile::tempdir().expect("tempdir");
    let log = tmp.path().join("mbx.log");
    let url = env.sb.url();
    let jwt = [
        "--url",
        url.as_str(),
        "--secret-env",
        SECRET_VAR,
        "--email",
        "analyst@example.com",
    ];
    let runs: Vec<(Vec<&str>, bool)> = vec![
        (vec!["ping", "--auth", "jwt"], true),
        (vec!["ping", "--auth", "session"], true),
        (
            vec![
                "ping",
                "--url",
                &url,
                "--auth",
                "api-key",
                "--api-key",
                API_KEY,
            ],
            true,
        ),
        (
            vec!["search", "orders", "--auth", "session", "--format", "json"],
            true,
        ),
        (vec!["table", "ORDERS", "--format", "json"], true),
        (
            vec!["values", "table", "ORDERS", "QUANTITY", "--limit", "2"],
            true,
        ),
        (
            vec![
                "query", "--table", "ORDERS", "--agg", "count", "--format", "json",
            ],
            true,
        ),
        (
            vec![
                "query", "--table", "ORDERS", "--limit", "3", "--auth", "session", "--format",
                "csv",
            ],
            true,
        ),
        (
            vec!["compare", "--vs", "sales@example.com", "table", "ORDERS"],
            true,
        ),
        // Failures: refused permission, refused JWT, a secret given inline on the command line.
        (vec!["table", "PEOPLE", "--as", "sales@example.com"], false),
        (
            vec![
                "ping",
                "--url",
                &url,
                "--as",
                "sales@example.com",
                "--secret",
                WRONG_SECRET,
            ],
            false,
        ),
        (
            vec![
                "ping",
                "--url",
                &url,
                "--as",
                "sales@example.com",
                "--secret",
                WRONG_SECRET,
                "--auth",
                "session",
            ],
            false,
        ),
        (
            vec![
                "ping",
                "--url",
                &url,
                "--auth",
                "api-key",
                "--api-key",
                "wrong-key-not-in-sandbox",
            ],
            false,
        ),
    ];
    let mut failures = 0;
    for (args, needs_jwt_flags) in &runs {
        let mut all: Vec<&str> = Vec::new();
        if *needs_jwt_flags && !args.contains(&"--url") {
            all.extend(jwt);
        }
        all.extend(args.iter().copied());
        let (code, out, err) = mbx(tmp.path(), &log, &all);
        assert_clean(&format!("stdout of {all:?}"), &out);
        assert_clean(&format!("stderr of {all:?}"), &err);
        // compare exits 1 when the two users' answers differ, as diff does.
        let differs = args.first() == Some(&"compare") && code == 1 && !out.is_empty();
        if code != 0 && !differs {
            failures += 1;
            assert!(!err.trim().is_empty(), "{all:?} failed silently");
            assert!(!needs_jwt_flags, "{all:?} failed: {err}");
        }
    }
    // The failure cases failed (so their error paths ran), and nothing else did.
    assert_eq!(
        failures, 4,
        "expected exactly the four failure cases to fail"
    );
    let written = std::fs::read_to_string(&log).expect("the log file exists");
    assert!(
        !written.trim().is_empty(),
        "nothing was logged at trace level"
    );
    assert_clean("the log file", &written);
    let crashes: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("tempdir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("mbx-crash"))
        .collect();
    assert!(crashes.is_empty(), "a run panicked: {crashes:?}");
    env.stop();
}

/// The panic hook writes `{info}` (the panic's message and place) and a symbol-only backtrace.
/// The message holds only what the panicking code formatted, so what matters is that no value
/// carrying a credential formats it: a client, its config, its fresh token, its errors.
#[test]
fn a_panic_report_cannot_carry_credentials_from_what_it_formats() {
    let env = env_with_api_key();
    let url = env.sb.url();
    let configs = [
        AuthConfig::Jwt(JwtConfig::new(Secret::new(SECRET), "admin@example.com")),
        AuthConfig::Session(JwtConfig::new(Secret::new(SECRET), "sales@example.com")),
        AuthConfig::Session(JwtConfig::new(
            Secret::new(WRONG_SECRET),
            "sales@example.com",
        )),
        AuthConfig::ApiKey {
            key: Secret::new(API_KEY),
            label: "key".into(),
        },
    ];
    for auth in configs {
        let config = ClientConfig::new(url.clone(), auth);
        let client = Client::new(config.clone()).expect("client");
        let token = client.fresh_token().expect("token");
        let answer = env.rt.block_on(client.ping_info());
        let log = client.log().entries();
        let report = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            panic!("{config:?} {client:?} {token:?} {answer:?} {log:?}");
        }));
        let message = report
            .err()
            .and_then(|p| p.downcast::<String>().ok())
            .map(|s| *s)
            .expect("a formatted panic message");
        assert!(
            message.contains("ClientConfig") || message.contains(&url),
            "{message}"
        );
        assert_clean("a panic message", &message);
        if let Some(t) = token {
            assert!(!message.contains(t.expose()), "the JWT leaked: {message}");
        }
    }
    env.stop();
}

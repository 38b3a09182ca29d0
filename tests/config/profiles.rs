//! A config file with two profiles and a secret command, checked end to end against a real
//! sandbox on a loopback port; flags over env over file.

use crate::common::*;
use mbx::sandbox::{self, Profile, Sandbox, SandboxConfig};

async fn sandbox() -> Sandbox {
    sandbox::start(SandboxConfig {
        port: 0,
        profile: Profile::E3,
        secret: Some(SECRET.to_string()),
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts")
}

/// The analyst's secret comes from a command (as `pass show …` would give it), the admin's from
/// a file.
fn two_profiles(url: &str, secret_file: &std::path::Path) -> String {
    format!(
        r#"default_profile = "analyst"

[profiles.analyst]
url = "{url}"
email = "analyst@example.com"
secret_command = "cat '{}'"
timeout = 10

[profiles.admin]
url = "{url}"
auth = "session"
email = "admin@example.com"
secret_file = "{}"
api = "e3"
"#,
        secret_file.display(),
        secret_file.display()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_check_walks_every_step_for_each_profile() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let secret_file = home.path().join("admin.secret");
    std::fs::write(&secret_file, format!("{SECRET}\n")).unwrap();
    write_config(
        home.path(),
        "config.toml",
        &two_profiles(&sb.url(), &secret_file),
    );

    let o = mbx_async(home.path(), &["config", "check"], &[]).await;
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("✓ config file:") && lines[0].contains("(2 profiles)"),
        "{out}"
    );
    assert!(
        lines[1].contains("analyst found (default_profile)"),
        "{out}"
    );
    assert!(
        lines[2].contains("as analyst@example.com, jwt auth") && lines[2].contains("timeout 10 s"),
        "{out}"
    );
    assert_eq!(lines[3], "✓ theme: dark loads");
    assert_eq!(lines[4], "– keys file: none (default keys)");
    assert!(
        lines[5].starts_with("✓ secret: from command") && lines[5].contains("not shown"),
        "{out}"
    );
    assert!(
        lines[6].contains("as analyst@example.com (jwt): API e3"),
        "{out}"
    );
    assert_eq!(lines[7], "all checks passed");

    let o = mbx_async(home.path(), &["config", "check", "--profile", "admin"], &[]).await;
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "{out}{err}");
    assert!(
        out.contains("admin found (--profile or MBX_PROFILE)"),
        "{out}"
    );
    assert!(out.contains("as admin@example.com (session)"), "{out}");

    // the headless commands connect through the same profiles
    let o = mbx_async(
        home.path(),
        &["ping", "--format", "json"],
        &[("MBX_PROFILE", "admin")],
    )
    .await;
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["user"], "admin@example.com");
    assert_eq!(v["auth"], "session");
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_step_stops_the_check_with_its_reason() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let text_ = format!(
        r#"[profiles.wrong]
url = "{url}"
email = "analyst@example.com"
secret_command = "echo not-the-secret"

[profiles.broken]
url = "{url}"
email = "analyst@example.com"
secret_command = "echo 'pass: no such entry' >&2; exit 1"
"#,
        url = sb.url()
    );
    write_config(home.path(), "config.toml", &text_);
    let o = mbx_async(home.path(), &["config", "check", "--profile", "wrong"], &[]).await;
    let (out, _) = text(&o);
    assert_eq!(code(&o), 3, "{out}");
    assert!(out.contains("✓ secret:"), "{out}");
    assert!(
        out.contains("✗ server:") && out.ends_with("config check failed\n"),
        "{out}"
    );

    let o = mbx_async(
        home.path(),
        &["config", "check", "--profile", "broken"],
        &[],
    )
    .await;
    let (out, _) = text(&o);
    assert_eq!(code(&o), 2, "{out}");
    assert!(
        out.contains("✗ secret:") && out.contains("no such entry"),
        "{out}"
    );
    assert!(!out.contains("server"), "{out}");

    let o = mbx_async(
        home.path(),
        &["config", "check", "--profile", "wrong", "--theme", "nrod"],
        &[],
    )
    .await;
    let (out, _) = text(&o);
    assert_eq!(code(&o), 2, "{out}");
    assert!(
        out.contains("✗ theme `nrod` is neither") && !out.contains("secret"),
        "{out}"
    );
    write_config(home.path(), "keys.toml", "qiut = \"q\"\n");
    let o = mbx_async(home.path(), &["config", "check", "--profile", "wrong"], &[]).await;
    let (out, _) = text(&o);
    assert_eq!(code(&o), 2, "{out}");
    assert!(
        out.contains("✗ keys file") && out.contains("line 1") && out.contains("`qiut`"),
        "{out}"
    );

    let o = mbx_async(home.path(), &["config", "check", "--profile", "prod"], &[]).await;
    let (out, _) = text(&o);
    assert_eq!(code(&o), 2);
    assert!(
        out.contains("✗ profile:") && out.contains("broken, wrong"),
        "{out}"
    );
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flags_win_over_env_and_env_over_the_file() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let good = home.path().join("good.secret");
    std::fs::write(&good, SECRET).unwrap();
    write_config(
        home.path(),
        "config.toml",
        &format!(
            "default_profile = \"p\"\n[profiles.p]\nurl = \"{}\"\nemail = \"analyst@example.com\"\nsecret_command = \"echo wrong\"\n",
            sb.url()
        ),
    );
    let ping = ["ping", "--format", "json"];
    // the file's wrong secret fails…
    let o = mbx_async(home.path(), &ping, &[]).await;
    assert_eq!(code(&o), 3);
    // …MBX_SECRET beats it, and MBX_EMAIL beats the file's email…
    let o = mbx_async(
        home.path(),
        &ping,
        &[("MBX_SECRET", SECRET), ("MBX_EMAIL", "admin@example.com")],
    )
    .await;
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "{err}");
    assert!(out.contains("admin@example.com"), "{out}");
    // …and a --secret-file flag beats a wrong MBX_SECRET.
    let good = good.to_string_lossy().into_owned();
    let o = mbx_async(
        home.path(),
        &["ping", "--secret-file", &good],
        &[("MBX_SECRET", "wrong-secret")],
    )
    .await;
    let (_, err) = text(&o);
    assert_eq!(code(&o), 0, "{err}");
    sb.shutdown().await;
}

#[test]
fn a_profile_sets_the_default_output_format_of_headless_commands() {
    let home = tempfile::tempdir().unwrap();
    write_config(
        home.path(),
        "config.toml",
        "default_profile = \"p\"\n[profiles.p]\nformat = \"csv\"\n",
    );
    // not a terminal: JSON would be the default; the profile says CSV; a flag still wins
    let o = mbx(home.path(), &["ping"], &[]);
    let (out, err) = text(&o);
    assert_eq!(code(&o), 0, "{err}");
    assert!(out.starts_with("url,user,auth,era"), "{out}");
    let (out, _) = text(&mbx(home.path(), &["ping", "--format", "json"], &[]));
    assert!(out.trim_start().starts_with('{'), "{out}");
}

#[test]
fn a_bad_config_file_is_a_clear_error_before_anything_connects() {
    let home = tempfile::tempdir().unwrap();
    write_config(
        home.path(),
        "config.toml",
        "[profiles.p]\nemail = \"a@x\"\nsecret_comand = \"pass x\"\n",
    );
    let path = home.path().join("mbx").join("config.toml");
    for args in [&["config", "check"][..], &["ping"], &[]] {
        let o = mbx(home.path(), args, &[]);
        let (out, err) = text(&o);
        assert_eq!(code(&o), 2, "{args:?}: {out}{err}");
        let all = format!("{out}{err}");
        assert!(
            all.contains(&format!("{}, line 3", path.display())) && all.contains("secret_comand"),
            "{args:?}: {all}"
        );
    }
}

#[test]
fn config_path_says_where_it_looks_and_what_it_found() {
    let home = tempfile::tempdir().unwrap();
    let o = mbx(home.path(), &["config", "path"], &[]);
    let (out, _) = text(&o);
    assert_eq!(code(&o), 0);
    let file = home.path().join("mbx").join("config.toml");
    assert!(
        out.contains(&format!(
            "config file: {} (not found; optional)",
            file.display()
        )),
        "{out}"
    );
    write_config(home.path(), "config.toml", "");
    let (out, _) = text(&mbx(home.path(), &["config", "path"], &[]));
    assert!(
        out.contains(&format!("{} (exists)", file.display())),
        "{out}"
    );
    let other = home.path().join("elsewhere.toml");
    let other = other.to_string_lossy().into_owned();
    let (out, _) = text(&mbx(
        home.path(),
        &["config", "path"],
        &[("MBX_CONFIG", &other)],
    ));
    assert!(
        out.contains(&format!(
            "{other} (not found; named by --config or MBX_CONFIG)"
        )),
        "{out}"
    );
}

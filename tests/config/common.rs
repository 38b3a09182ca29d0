//! Runs `mbx` as a process with its config directory in a temp dir and no `MBX_*` variables
//! from the caller's environment.

use std::path::Path;
use std::process::{Command, Output};

pub const SECRET: &str = "config-test-secret-0123456789abcdef";

pub fn mbx(config_home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mbx"));
    for var in [
        "MBX_URL",
        "MBX_EMAIL",
        "MBX_SECRET",
        "MBX_API_KEY",
        "MBX_PROFILE",
        "MBX_CONFIG",
        "NO_COLOR",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("XDG_CONFIG_HOME", config_home)
        .env("XDG_DATA_HOME", config_home.join("data"))
        .envs(env.iter().copied())
        .args(args)
        .output()
        .expect("mbx runs")
}

/// The same, off the async runtime (the sandbox under test runs on it).
pub async fn mbx_async(config_home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let home = config_home.to_path_buf();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        mbx(&home, &args, &env)
    })
    .await
    .expect("the process finished")
}

/// stdout and stderr, after checking that the secret is in neither.
pub fn text(o: &Output) -> (String, String) {
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(
        !out.contains(SECRET) && !err.contains(SECRET),
        "the secret leaked: {out}{err}"
    );
    (out, err)
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// Writes `$home/mbx/<name>`.
pub fn write_config(home: &Path, name: &str, text: &str) {
    let dir = home.join("mbx");
    std::fs::create_dir_all(&dir).expect("config dir");
    std::fs::write(dir.join(name), text).expect("config file");
}

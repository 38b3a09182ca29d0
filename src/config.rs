//! Config file, profiles, environment and flags, merged in that order (flags win over env, env
//! over the file). Secrets are never stored by us: a profile names where to read one (an
//! environment variable, a file, or a command), and we read it when connecting.
//!
//! ```toml
//! default_profile = "prod"
//!
//! [profiles.prod]
//! url = "https://metabase.example.com"
//! auth = "session"              # jwt | session | api-key
//! email = "analyst@example.com"
//! email_claim = "email"
//! renewal_age = 120
//! theme = "light"
//! format = "csv"
//! secret_command = "pass show metabase/jwt"
//! ```

use crate::api::Secret;
use crate::cli::{ApiChoice, AuthMode, ConnArgs, OutputFormat};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// How long a `secret_command` may take before we give up on it.
const SECRET_COMMAND_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path}, line {line}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("no profile named `{name}` in {path} (profiles: {known})")]
    UnknownProfile {
        name: String,
        path: String,
        known: String,
    },
    #[error("the secret {source_desc} could not be read: {reason}")]
    Secret { source_desc: String, reason: String },
    #[error("{0}")]
    Missing(String),
}

/// One named profile. Unknown keys are refused so a typo is never silently ignored.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub url: Option<String>,
    pub auth: Option<AuthModeName>,
    pub email: Option<String>,
    pub email_claim: Option<String>,
    pub groups: Option<Vec<String>>,
    /// Seconds.
    pub renewal_age: Option<u64>,
    /// Seconds.
    pub timeout: Option<u64>,
    pub api: Option<ApiName>,
    pub theme: Option<String>,
    pub format: Option<FormatName>,
    pub secret_env: Option<String>,
    pub secret_file: Option<PathBuf>,
    pub secret_command: Option<String>,
    pub api_key_env: Option<String>,
    pub api_key_file: Option<PathBuf>,
    pub api_key_command: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthModeName {
    Jwt,
    Session,
    ApiKey,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApiName {
    E2,
    E3,
    Rr,
    Latest,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FormatName {
    Table,
    Json,
    Jsonl,
    Csv,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub default_profile: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// A config file as loaded, with where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedConfig {
    pub path: PathBuf,
    pub file: ConfigFile,
}

/// Where the config file is looked for when neither `--config` nor `MBX_CONFIG` names one:
/// `$XDG_CONFIG_HOME/mbx/config.toml` (the platform's config dir elsewhere).
pub fn default_path() -> Option<PathBuf> {
    config_dir().map(|d| d.join("config.toml"))
}

/// The directory of `config.toml` and `keys.toml`.
pub fn config_dir() -> Option<PathBuf> {
    if let Some(xdg) = std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(xdg).join("mbx"));
    }
    directories::ProjectDirs::from("", "", "mbx").map(|p| p.config_dir().to_path_buf())
}

/// Where history and panic reports go: `$XDG_DATA_HOME/mbx` (the platform's data dir elsewhere).
pub fn data_dir() -> Option<PathBuf> {
    if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(xdg).join("mbx"));
    }
    directories::ProjectDirs::from("", "", "mbx").map(|p| p.data_dir().to_path_buf())
}

/// Loads the config file: the one named (which must exist), else the default one if present.
pub fn load(explicit: Option<&Path>) -> Result<Option<LoadedConfig>, ConfigError> {
    let (path, must_exist) = match explicit {
        Some(p) => (p.to_path_buf(), true),
        None => match default_path() {
            Some(p) => (p, false),
            None => return Ok(None),
        },
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => return Ok(None),
        Err(source) => return Err(ConfigError::Read { path, source }),
    };
    parse(&path, &text).map(Some)
}

pub fn parse(path: &Path, text: &str) -> Result<LoadedConfig, ConfigError> {
    match toml::from_str::<ConfigFile>(text) {
        Ok(file) => Ok(LoadedConfig {
            path: path.to_path_buf(),
            file,
        }),
        Err(e) => {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
                .unwrap_or(1);
            Err(ConfigError::Parse {
                path: path.to_path_buf(),
                line,
                message: e.message().trim().replace("unknown field", "unknown key"),
            })
        }
    }
}

/// Where a secret comes from; resolved only when connecting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretSource {
    Value(Secret),
    Env(String),
    File(PathBuf),
    Command(String),
}

impl SecretSource {
    pub fn describe(&self) -> String {
        match self {
            SecretSource::Value(_) => "given on the command line".into(),
            SecretSource::Env(v) => format!("from environment variable {v}"),
            SecretSource::File(p) => format!("from file {}", p.display()),
            SecretSource::Command(c) => format!("from command `{c}`"),
        }
    }

    /// Reads the secret, trimmed of trailing newlines. An empty secret is an error.
    pub fn resolve(&self) -> Result<Secret, ConfigError> {
        let fail = |reason: String| ConfigError::Secret {
            source_desc: self.describe(),
            reason,
        };
        let raw = match self {
            SecretSource::Value(s) => s.expose().to_string(),
            SecretSource::Env(var) => {
                std::env::var(var).map_err(|_| fail(format!("${var} is not set (or not UTF-8)")))?
            }
            SecretSource::File(path) => {
                std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?
            }
            SecretSource::Command(cmd) => run_secret_command(cmd).map_err(fail)?,
        };
        let trimmed = raw.trim_end_matches(['\n', '\r']);
        if trimmed.is_empty() {
            return Err(fail("it is empty".into()));
        }
        Ok(Secret::new(trimmed))
    }
}

fn run_secret_command(cmd: &str) -> Result<String, String> {
    let child = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start it: {e}"))?;
    let (tx, rx) = std::sync::mpsc::channel();
    let pid = child.id();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let output = match rx.recv_timeout(SECRET_COMMAND_TIMEOUT) {
        Ok(r) => r.map_err(|e| e.to_string())?,
        Err(_) => {
            // The waiting thread still owns the child; kill it by pid so it does not linger.
            let _ = Command::new("kill").arg(pid.to_string()).status();
            return Err(format!(
                "it did not finish within {} s",
                SECRET_COMMAND_TIMEOUT.as_secs()
            ));
        }
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr.lines().next().unwrap_or("").trim();
        return Err(format!("it exited with {}: {first}", output.status));
    }
    String::from_utf8(output.stdout).map_err(|_| "its output is not UTF-8".to_string())
}

/// Everything needed to connect, after flags, environment and the profile are merged.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// The profile used, if any.
    pub profile: Option<String>,
    pub url: Option<String>,
    pub email: Option<String>,
    pub auth: AuthMode,
    pub secret: Option<SecretSource>,
    pub api_key: Option<SecretSource>,
    pub email_claim: String,
    pub groups: Vec<String>,
    pub renewal_age: Duration,
    pub timeout: Duration,
    pub api: Option<ApiChoice>,
    pub theme: Option<String>,
    pub format: Option<OutputFormat>,
}

pub const DEFAULT_RENEWAL_AGE: Duration = Duration::from_secs(120);
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Merges the command line (which clap already merged with `MBX_*` variables) over the profile.
/// `env_secret` is `MBX_SECRET`, passed in so that every explicit secret flag wins over it.
pub fn resolve(
    conn: &ConnArgs,
    config: Option<&LoadedConfig>,
    env_secret: Option<String>,
) -> Result<Settings, ConfigError> {
    let profile_name = conn
        .profile
        .clone()
        .or_else(|| config.and_then(|c| c.file.default_profile.clone()));
    let profile = match (&profile_name, config) {
        (None, _) => Profile::default(),
        (Some(name), Some(c)) => match c.file.profiles.get(name) {
            Some(p) => p.clone(),
            None => return Err(unknown_profile(name, Some(c))),
        },
        (Some(name), None) => return Err(unknown_profile(name, None)),
    };
    let secret = if let Some(s) = &conn.secret {
        Some(SecretSource::Value(Secret::new(s.clone())))
    } else if let Some(v) = &conn.secret_env {
        Some(SecretSource::Env(v.clone()))
    } else if let Some(p) = &conn.secret_file {
        Some(SecretSource::File(p.clone()))
    } else if let Some(s) = env_secret.filter(|s| !s.is_empty()) {
        Some(SecretSource::Value(Secret::new(s)))
    } else if let Some(v) = &profile.secret_env {
        Some(SecretSource::Env(v.clone()))
    } else if let Some(p) = &profile.secret_file {
        Some(SecretSource::File(expand_home(p)))
    } else {
        profile.secret_command.clone().map(SecretSource::Command)
    };
    let api_key = if let Some(k) = &conn.api_key {
        Some(SecretSource::Value(Secret::new(k.clone())))
    } else if let Some(v) = &profile.api_key_env {
        Some(SecretSource::Env(v.clone()))
    } else if let Some(p) = &profile.api_key_file {
        Some(SecretSource::File(expand_home(p)))
    } else {
        profile.api_key_command.clone().map(SecretSource::Command)
    };
    let auth = conn.auth.unwrap_or(match profile.auth {
        Some(AuthModeName::Session) => AuthMode::Session,
        Some(AuthModeName::ApiKey) => AuthMode::ApiKey,
        Some(AuthModeName::Jwt) | None => AuthMode::Jwt,
    });
    Ok(Settings {
        profile: profile_name,
        url: conn.url.clone().or(profile.url),
        email: conn.email.clone().or(profile.email),
        auth,
        secret,
        api_key,
        email_claim: conn
            .email_claim
            .clone()
            .or(profile.email_claim)
            .unwrap_or_else(|| "email".into()),
        groups: if conn.groups.is_empty() {
            profile.groups.unwrap_or_default()
        } else {
            conn.groups.clone()
        },
        renewal_age: conn
            .renewal_age
            .or(profile.renewal_age)
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_RENEWAL_AGE),
        timeout: conn
            .timeout
            .or(profile.timeout)
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_TIMEOUT),
        api: conn.api.or(profile.api.map(|a| match a {
            ApiName::E2 => ApiChoice::E2,
            ApiName::E3 => ApiChoice::E3,
            ApiName::Rr => ApiChoice::Rr,
            ApiName::Latest => ApiChoice::Latest,
        })),
        theme: profile.theme,
        format: profile.format.map(|f| match f {
            FormatName::Table => OutputFormat::Table,
            FormatName::Json => OutputFormat::Json,
            FormatName::Jsonl => OutputFormat::Jsonl,
            FormatName::Csv => OutputFormat::Csv,
        }),
    })
}

fn unknown_profile(name: &str, config: Option<&LoadedConfig>) -> ConfigError {
    ConfigError::UnknownProfile {
        name: name.to_string(),
        path: config
            .map(|c| c.path.display().to_string())
            .or_else(|| default_path().map(|p| p.display().to_string()))
            .unwrap_or_else(|| "the config file".into()),
        known: config
            .map(|c| {
                c.file
                    .profiles
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .filter(|k| !k.is_empty())
            .unwrap_or_else(|| "none".into()),
    }
}

fn expand_home(p: &Path) -> PathBuf {
    match (p.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => p.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
default_profile = "prod"

[profiles.prod]
url = "https://metabase.example.com"
auth = "session"
email = "analyst@example.com"
renewal_age = 90
theme = "light"
format = "csv"
secret_command = "printf 'from-command\n\n'"

[profiles.staging]
url = "https://staging.example.com"
email_claim = "mail"
secret_env = "MBX_TEST_STAGING_SECRET"
"#;

    fn loaded() -> LoadedConfig {
        parse(Path::new("/etc/mbx.toml"), FILE).unwrap()
    }

    #[test]
    fn the_default_profile_fills_what_flags_leave_unset() {
        let s = resolve(&ConnArgs::default(), Some(&loaded()), None).unwrap();
        assert_eq!(s.profile.as_deref(), Some("prod"));
        assert_eq!(s.url.as_deref(), Some("https://metabase.example.com"));
        assert_eq!(s.auth, AuthMode::Session);
        assert_eq!(s.renewal_age, Duration::from_secs(90));
        assert_eq!(s.format, Some(OutputFormat::Csv));
        assert_eq!(s.theme.as_deref(), Some("light"));
        let secret = s.secret.unwrap().resolve().unwrap();
        assert_eq!(secret.expose(), "from-command");
    }

    #[test]
    fn flags_win_over_env_and_env_over_the_file() {
        let conn = ConnArgs {
            email: Some("sales@example.com".into()),
            secret_file: Some("/run/secret".into()),
            profile: Some("staging".into()),
            ..ConnArgs::default()
        };
        let s = resolve(&conn, Some(&loaded()), Some("env-secret".into())).unwrap();
        assert_eq!(s.email.as_deref(), Some("sales@example.com"));
        assert_eq!(s.url.as_deref(), Some("https://staging.example.com"));
        assert_eq!(s.email_claim, "mail");
        assert_eq!(s.secret, Some(SecretSource::File("/run/secret".into())));
        // MBX_SECRET beats the profile's secret_env when no secret flag is given
        let conn = ConnArgs {
            profile: Some("staging".into()),
            ..ConnArgs::default()
        };
        let s = resolve(&conn, Some(&loaded()), Some("env-secret".into())).unwrap();
        assert_eq!(s.secret.unwrap().resolve().unwrap().expose(), "env-secret");
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_file_line_and_key() {
        let text = "[profiles.prod]\nurl = \"x\"\nurll = \"y\"\n";
        let err = parse(Path::new("/home/u/config.toml"), text).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("/home/u/config.toml, line 3"), "{msg}");
        assert!(msg.contains("urll"), "{msg}");
        let text = "[profiles.prod]\n\nauth = \"kerberos\"\n";
        let msg = parse(Path::new("c.toml"), text).unwrap_err().to_string();
        assert!(msg.contains("line 3") && msg.contains("kerberos"), "{msg}");
        let text = "[profiles.prod]\nrenewal_age = \"soon\"\n";
        let msg = parse(Path::new("c.toml"), text).unwrap_err().to_string();
        assert!(msg.contains("line 2"), "{msg}");
    }

    #[test]
    fn an_unknown_profile_lists_the_known_ones() {
        let conn = ConnArgs {
            profile: Some("prd".into()),
            ..ConnArgs::default()
        };
        let msg = resolve(&conn, Some(&loaded()), None)
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("`prd`") && msg.contains("prod, staging"),
            "{msg}"
        );
    }

    #[test]
    fn secrets_are_trimmed_and_failures_are_explained_without_the_secret() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        std::fs::write(&path, "file-secret\r\n").unwrap();
        let s = SecretSource::File(path).resolve().unwrap();
        assert_eq!(s.expose(), "file-secret");
        let err = SecretSource::Command("echo oops >&2; exit 3".into())
            .resolve()
            .unwrap_err()
            .to_string();
        assert!(err.contains("exited") && err.contains("oops"), "{err}");
        let err = SecretSource::Env("MBX_TEST_SURELY_UNSET_VAR".into())
            .resolve()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("MBX_TEST_SURELY_UNSET_VAR is not set"),
            "{err}"
        );
        let err = SecretSource::Command("printf ''".into())
            .resolve()
            .unwrap_err();
        assert!(err.to_string().contains("empty"));
    }
}

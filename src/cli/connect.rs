//! Turns connection flags into a connected `Client`: with `--url`, the given server and secret;
//! without it, an in-process sandbox on a free loopback port, acting as the demo analyst.

use super::{ApiChoice, AuthMode, ConnArgs, SandboxProfile};
use crate::api::types::ApiEra;
use crate::api::{
    ApiError, AuthConfig, Client, ClientConfig, DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUT, JwtConfig,
    Secret,
};
use crate::sandbox::{self, Profile, Sandbox, SandboxConfig};
use std::path::PathBuf;
use std::time::Duration;

/// Who the sandbox acts as when no `--email` is given.
pub const DEFAULT_SANDBOX_EMAIL: &str = "analyst@example.com";

/// A client, and the sandbox it talks to when there was no `--url`.
pub struct Connected {
    pub client: Client,
    pub sandbox: Option<Sandbox>,
}

impl std::fmt::Debug for Connected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connected")
            .field("client", &self.client)
            .field("sandbox", &self.sandbox.as_ref().map(Sandbox::url))
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(
        "--url {url} needs the JWT shared secret: pass --secret-env VAR, --secret-file PATH or --secret"
    )]
    MissingSecret { url: String },
    #[error("--url {url} needs an email to act as: pass --email (or --as)")]
    MissingEmail { url: String },
    #[error("--auth api-key needs --api-key KEY (or MBX_API_KEY)")]
    MissingApiKey,
    #[error("the environment variable {0} named by --secret-env is not set")]
    SecretEnv(String),
    #[error("cannot read the secret file {path}: {reason}")]
    SecretFile { path: PathBuf, reason: String },
    #[error("the secret from {0} is empty")]
    EmptySecret(String),
    #[error(
        "config profiles are not available yet: drop --profile/--config (or MBX_PROFILE/MBX_CONFIG)"
    )]
    ProfilesNotAvailable,
    #[error("--timeout must be at least 1 second")]
    ZeroTimeout,
    #[error("the client does not speak the sandbox's {0} profile yet: use --sandbox e2 or e3")]
    SandboxProfile(&'static str),
    #[error("cannot start the built-in sandbox: {0}")]
    Sandbox(String),
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl ConnectError {
    /// Flag problems are usage errors (2); a failed client follows its own code.
    pub fn exit_code(&self) -> u8 {
        match self {
            // A client refusing its configuration (a malformed URL) is a usage error too.
            ConnectError::Api(ApiError::Config(_)) => 2,
            ConnectError::Api(e) => e.exit_code(),
            ConnectError::Sandbox(_) => 1,
            _ => 2,
        }
    }
}

/// Fills connection settings from the config file and profile. Profiles come in a later task;
/// until then naming one is an error rather than being silently ignored.
fn resolve(conn: &ConnArgs) -> Result<ConnArgs, ConnectError> {
    if conn.profile.is_some() || conn.config.is_some() {
        return Err(ConnectError::ProfilesNotAvailable);
    }
    Ok(conn.clone())
}

/// The shared secret from `--secret`, `--secret-env VAR` or `--secret-file PATH`, in that order.
pub fn read_secret(conn: &ConnArgs) -> Result<Option<Secret>, ConnectError> {
    if let Some(s) = &conn.secret {
        return non_empty(s.clone(), "--secret").map(Some);
    }
    if let Some(var) = &conn.secret_env {
        let value = std::env::var(var).map_err(|_| ConnectError::SecretEnv(var.clone()))?;
        return non_empty(value, &format!("${var}")).map(Some);
    }
    if let Some(path) = &conn.secret_file {
        let text = std::fs::read_to_string(path).map_err(|e| ConnectError::SecretFile {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let trimmed = text.trim_end_matches(['\n', '\r']).to_string();
        return non_empty(trimmed, &path.display().to_string()).map(Some);
    }
    Ok(None)
}

fn non_empty(value: String, from: &str) -> Result<Secret, ConnectError> {
    if value.is_empty() {
        Err(ConnectError::EmptySecret(from.to_string()))
    } else {
        Ok(Secret::new(value))
    }
}

fn era_of(choice: ApiChoice) -> ApiEra {
    match choice {
        ApiChoice::E2 => ApiEra::E2,
        ApiChoice::E3 => ApiEra::E3,
        ApiChoice::Rr => ApiEra::Rr,
        ApiChoice::Latest => ApiEra::Latest,
    }
}

/// Connects as `conn` says; without `--url`, starts the sandbox first (call inside a runtime).
pub async fn connect(conn: &ConnArgs) -> Result<Connected, ConnectError> {
    let conn = resolve(conn)?;
    if conn.timeout == Some(0) {
        return Err(ConnectError::ZeroTimeout);
    }
    let mode = conn.auth.unwrap_or(AuthMode::Jwt);
    let secret = read_secret(&conn)?;
    let (base_url, secret, email, sandbox, sandbox_era) = match &conn.url {
        Some(url) => {
            let email = conn.email.clone();
            if mode != AuthMode::ApiKey {
                if secret.is_none() {
                    return Err(ConnectError::MissingSecret { url: url.clone() });
                }
                if email.is_none() {
                    return Err(ConnectError::MissingEmail { url: url.clone() });
                }
            }
            (url.clone(), secret, email.unwrap_or_default(), None, None)
        }
        None => {
            let profile = match conn.sandbox.unwrap_or_default() {
                SandboxProfile::E2 => Profile::E2,
                SandboxProfile::E3 => Profile::E3,
                SandboxProfile::Latest => return Err(ConnectError::SandboxProfile("latest")),
            };
            let secret = secret.unwrap_or_else(|| Secret::new(sandbox::DEMO_SECRET));
            let email = conn
                .email
                .clone()
                .unwrap_or_else(|| DEFAULT_SANDBOX_EMAIL.to_string());
            let mut config = SandboxConfig {
                port: 0,
                profile,
                secret: Some(secret.expose().to_string()),
                ..SandboxConfig::default()
            };
            if let Some(claim) = &conn.email_claim {
                config.jwt_email_claim = claim.clone();
            }
            if let (AuthMode::ApiKey, Some(key)) = (mode, &conn.api_key) {
                config.api_keys.push((key.clone(), email.clone()));
            }
            let sb = sandbox::start(config)
                .await
                .map_err(|e| ConnectError::Sandbox(e.to_string()))?;
            let era = match profile {
                Profile::E2 => ApiEra::E2,
                Profile::E3 => ApiEra::E3,
                Profile::Latest => ApiEra::Latest,
            };
            (sb.url(), Some(secret), email, Some(sb), Some(era))
        }
    };
    let jwt = |secret: Secret| JwtConfig {
        email_claim: conn.email_claim.clone().unwrap_or_else(|| "email".into()),
        groups: conn.groups.clone(),
        renewal_age: conn
            .renewal_age
            .map(Duration::from_secs)
            .unwrap_or(crate::api::auth::DEFAULT_RENEWAL_AGE),
        ..JwtConfig::new(secret, email.clone())
    };
    let auth = match (mode, secret) {
        (AuthMode::ApiKey, _) => {
            let key = conn.api_key.clone().ok_or(ConnectError::MissingApiKey)?;
            let key = non_empty(key, "--api-key")?;
            let label = if email.is_empty() {
                "api key".to_string()
            } else {
                email.clone()
            };
            AuthConfig::ApiKey { key, label }
        }
        (AuthMode::Jwt, Some(s)) => AuthConfig::Jwt(jwt(s)),
        (AuthMode::Session, Some(s)) => AuthConfig::Session(jwt(s)),
        (_, None) => return Err(ConnectError::MissingSecret { url: base_url }),
    };
    let config = ClientConfig {
        base_url,
        auth,
        timeout: conn
            .timeout
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_TIMEOUT),
        era: conn.api.map(era_of).or(sandbox_era),
        max_body_bytes: DEFAULT_MAX_BODY_BYTES,
    };
    let client = Client::new(config)?;
    Ok(Connected { client, sandbox })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_come_from_flag_env_or_file_with_newlines_trimmed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("s");
        std::fs::write(&path, "from-file\n\n").expect("write");
        let conn = ConnArgs {
            secret_file: Some(path.clone()),
            ..ConnArgs::default()
        };
        let s = read_secret(&conn).expect("reads").expect("some");
        assert_eq!(s.expose(), "from-file");
        let conn = ConnArgs {
            secret_env: Some("MBX_TEST_SURELY_UNSET_VAR".into()),
            ..ConnArgs::default()
        };
        assert!(matches!(
            read_secret(&conn),
            Err(ConnectError::SecretEnv(_))
        ));
        std::fs::write(&path, "\n").expect("write");
        let conn = ConnArgs {
            secret_file: Some(path),
            ..ConnArgs::default()
        };
        assert!(matches!(
            read_secret(&conn),
            Err(ConnectError::EmptySecret(_))
        ));
    }

    #[tokio::test]
    async fn a_url_without_a_secret_is_a_usage_error() {
        let conn = ConnArgs {
            url: Some("http://127.0.0.1:9".into()),
            email: Some("a@x".into()),
            ..ConnArgs::default()
        };
        let e = connect(&conn).await.expect_err("refused");
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("--secret-env"), "{e}");
    }
}

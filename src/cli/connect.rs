//! Turns connection flags (merged with the environment and the config file's profile) into a
//! connected `Client`: with a URL, the given server and secret; without one, an in-process
//! sandbox on a free loopback port, acting as the demo analyst.

use super::{ApiChoice, AuthMode, ConnArgs, OutputFormat, SandboxProfile};
use crate::api::types::ApiEra;
use crate::api::{
    ApiError, AuthConfig, Client, ClientConfig, DEFAULT_MAX_BODY_BYTES, JwtConfig, Secret,
};
use crate::config::{self, ConfigError, SecretSource, Settings};
use crate::sandbox::{self, Profile, Sandbox, SandboxConfig};

/// Who the sandbox acts as when no `--email` is given.
/// The longest `--timeout`: longer is a typo, and a far-future deadline is a hang.
pub const MAX_TIMEOUT_SECS: u64 = 86_400;

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
        "--url {url} needs the JWT shared secret: pass --secret-env VAR or --secret-file PATH, \
         set MBX_SECRET, or give the profile secret_env, secret_file or secret_command"
    )]
    MissingSecret { url: String },
    #[error(
        "--url {url} needs an email to act as: pass --email (or --as), or set the profile's email"
    )]
    MissingEmail { url: String },
    #[error(
        "--auth api-key needs a key: pass --api-key KEY (or MBX_API_KEY), or give the profile \
         api_key_env, api_key_file or api_key_command"
    )]
    MissingApiKey,
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(
        "--timeout (or the profile's timeout) must be from 1 second to {MAX_TIMEOUT_SECS} (a day)"
    )]
    TimeoutRange,
    #[error("the client does not speak the sandbox's {0} profile yet: use --sandbox e2 or e3")]
    SandboxProfile(&'static str),
    #[error("cannot start the built-in sandbox: {0}")]
    Sandbox(String),
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl ConnectError {
    /// Flag and config problems are usage errors (2); a failed client follows its own code.
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

/// The settings to connect with: flags over `MBX_*` variables over the config file's profile
/// (`--profile`, `MBX_PROFILE` or the file's `default_profile`).
pub fn settings(conn: &ConnArgs) -> Result<Settings, ConnectError> {
    let loaded = config::load(conn.config.as_deref())?;
    let env_secret = std::env::var("MBX_SECRET").ok().filter(|s| !s.is_empty());
    let mut flags = conn.clone();
    // clap folds MBX_SECRET into --secret; hand it over as the environment's so that
    // --secret-env and --secret-file still win over it.
    if flags.secret.is_some() && flags.secret == env_secret {
        flags.secret = None;
    }
    Ok(config::resolve(&flags, loaded.as_ref(), env_secret)?)
}

/// The chosen profile's default output format for the headless commands. `None` also when the
/// config cannot be read: connecting reports that error right after.
pub fn profile_format(conn: &ConnArgs) -> Option<OutputFormat> {
    settings(conn).ok().and_then(|s| s.format)
}

/// The profiles the config file names (empty without a file), for a profile switcher.
pub fn profile_names(conn: &ConnArgs) -> Result<Vec<String>, ConnectError> {
    Ok(config::load(conn.config.as_deref())?
        .map(|c| c.file.profiles.into_keys().collect())
        .unwrap_or_default())
}

/// The settings for switching, inside the explorer, to profile `profile` of the config file at
/// `config` (the default place when `None`): the profile as the file writes it. The flags and
/// `MBX_*` variables given at launch chose the first connection only; a switch that kept them
/// would connect to the same server as the same user under another name. Pair with
/// `credentials` and `connect_with` on a blocking task: a `secret_command` may take a while.
pub fn settings_for_switch(
    config: Option<&std::path::Path>,
    profile: &str,
) -> Result<Settings, ConnectError> {
    let loaded = config::load(config)?;
    let flags = ConnArgs {
        profile: Some(profile.to_string()),
        ..ConnArgs::default()
    };
    Ok(config::resolve(&flags, loaded.as_ref(), None)?)
}

/// The secrets a connection needs, read once (a `secret_command` runs here).
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    /// The JWT shared secret (JWT and session modes).
    pub secret: Option<Secret>,
    /// The API key (api-key mode).
    pub api_key: Option<Secret>,
}

/// Reads only the secret the auth mode uses, so an unused `secret_command` never runs.
pub fn credentials(s: &Settings) -> Result<Credentials, ConnectError> {
    Ok(match s.auth {
        AuthMode::ApiKey => Credentials {
            secret: None,
            api_key: s.api_key.as_ref().map(SecretSource::resolve).transpose()?,
        },
        AuthMode::Jwt | AuthMode::Session => Credentials {
            secret: s.secret.as_ref().map(SecretSource::resolve).transpose()?,
            api_key: None,
        },
    })
}

fn era_of(choice: ApiChoice) -> ApiEra {
    match choice {
        ApiChoice::E2 => ApiEra::E2,
        ApiChoice::E3 => ApiEra::E3,
        ApiChoice::Rr => ApiEra::Rr,
        ApiChoice::Latest => ApiEra::Latest,
    }
}

/// Connects as `conn` and the config file say; without a URL, starts the sandbox first (call
/// inside a runtime).
pub async fn connect(conn: &ConnArgs) -> Result<Connected, ConnectError> {
    let s = settings(conn)?;
    let creds = credentials(&s)?;
    connect_with(&s, creds, conn.sandbox).await
}

/// Connects with merged settings and the credentials read for them.
pub async fn connect_with(
    s: &Settings,
    creds: Credentials,
    sandbox_profile: Option<SandboxProfile>,
) -> Result<Connected, ConnectError> {
    if s.timeout.is_zero() || s.timeout > std::time::Duration::from_secs(MAX_TIMEOUT_SECS) {
        return Err(ConnectError::TimeoutRange);
    }
    let mode = s.auth;
    let (base_url, secret, email, sandbox, sandbox_era) = match &s.url {
        Some(url) => {
            let email = s.email.clone();
            if mode != AuthMode::ApiKey {
                if creds.secret.is_none() {
                    return Err(ConnectError::MissingSecret { url: url.clone() });
                }
                if email.is_none() {
                    return Err(ConnectError::MissingEmail { url: url.clone() });
                }
            }
            (
                url.clone(),
                creds.secret,
                email.unwrap_or_default(),
                None,
                None,
            )
        }
        None => {
            let profile = match sandbox_profile.unwrap_or_default() {
                SandboxProfile::E2 => Profile::E2,
                SandboxProfile::E3 => Profile::E3,
                SandboxProfile::Latest => Profile::Latest,
            };
            let secret = creds
                .secret
                .unwrap_or_else(|| Secret::new(sandbox::DEMO_SECRET));
            let email = s
                .email
                .clone()
                .unwrap_or_else(|| DEFAULT_SANDBOX_EMAIL.to_string());
            let mut config = SandboxConfig {
                port: 0,
                profile,
                secret: Some(secret.expose().to_string()),
                jwt_email_claim: s.email_claim.clone(),
                ..SandboxConfig::default()
            };
            if let (AuthMode::ApiKey, Some(key)) = (mode, &creds.api_key) {
                config
                    .api_keys
                    .push((key.expose().to_string(), email.clone()));
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
        email_claim: s.email_claim.clone(),
        groups: s.groups.clone(),
        renewal_age: s.renewal_age,
        ..JwtConfig::new(secret, email.clone())
    };
    let auth = match (mode, secret) {
        (AuthMode::ApiKey, _) => {
            let key = creds.api_key.ok_or(ConnectError::MissingApiKey)?;
            let label = if email.is_empty() {
                "api key".to_string()
            } else {
                email.clone()
            };
            AuthConfig::ApiKey { key, label }
        }
        (AuthMode::Jwt, Some(secret)) => AuthConfig::Jwt(jwt(secret)),
        (AuthMode::Session, Some(secret)) => AuthConfig::Session(jwt(secret)),
        (_, None) => return Err(ConnectError::MissingSecret { url: base_url }),
    };
    let config = ClientConfig {
        base_url,
        auth,
        timeout: s.timeout,
        era: s.api.map(era_of).or(sandbox_era),
        max_body_bytes: DEFAULT_MAX_BODY_BYTES,
    };
    let client = Client::new(config)?;
    Ok(Connected { client, sandbox })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_url_without_a_secret_is_a_usage_error() {
        let conn = ConnArgs {
            url: Some("http://127.0.0.1:9".into()),
            email: Some("a@x".into()),
            config: Some("/surely/not/here/config.toml".into()),
            ..ConnArgs::default()
        };
        // a named config file must exist
        let e = connect(&conn).await.expect_err("refused");
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("/surely/not/here"), "{e}");
        let s = Settings {
            url: conn.url.clone(),
            email: conn.email.clone(),
            ..settings_without_file()
        };
        let e = connect_with(&s, Credentials::default(), None)
            .await
            .expect_err("refused");
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("secret_command"), "{e}");
    }

    fn settings_without_file() -> Settings {
        config::resolve(&ConnArgs::default(), None, None).expect("no profile, no file")
    }

    #[tokio::test]
    async fn the_merged_settings_reach_the_client() {
        let s = Settings {
            email: Some("sales@example.com".into()),
            timeout: Duration::from_secs(7),
            renewal_age: Duration::from_secs(60),
            auth: AuthMode::Session,
            secret: Some(SecretSource::Command("printf 'cmd-secret\\n'".into())),
            ..settings_without_file()
        };
        let creds = credentials(&s).expect("command runs");
        assert_eq!(
            creds.secret.as_ref().map(Secret::expose),
            Some("cmd-secret")
        );
        let c = connect_with(&s, creds, None).await.expect("sandbox");
        let id = c.client.identity();
        assert_eq!(id.email, "sales@example.com");
        assert_eq!(id.mode.to_string(), "session");
        if let Some(sb) = c.sandbox {
            sb.shutdown().await;
        }
    }

    #[test]
    fn another_profile_of_the_same_file_can_be_chosen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("c.toml");
        std::fs::write(
            &path,
            "default_profile = \"a\"\n[profiles.a]\nemail = \"a@x\"\n[profiles.b]\nemail = \"b@x\"\ntimeout = 3\n",
        )
        .expect("write");
        let conn = ConnArgs {
            config: Some(path.clone()),
            email: Some("flag@x".into()),
            ..ConnArgs::default()
        };
        assert_eq!(profile_names(&conn).expect("parses"), ["a", "b"]);
        // At launch the flag wins over the default profile ...
        assert_eq!(settings(&conn).expect("a").email.as_deref(), Some("flag@x"));
        // ... a switch takes the profile as written.
        let b = settings_for_switch(Some(&path), "b").expect("b");
        assert_eq!(b.profile.as_deref(), Some("b"));
        assert_eq!(b.email.as_deref(), Some("b@x"));
        assert_eq!(b.timeout, Duration::from_secs(3));
        let e = settings_for_switch(Some(&path), "c").expect_err("no such profile");
        assert!(e.to_string().contains("c"), "{e}");
    }

    #[test]
    fn only_the_secret_the_auth_mode_needs_is_read() {
        let s = Settings {
            auth: AuthMode::ApiKey,
            secret: Some(SecretSource::Command("exit 9".into())),
            api_key: Some(SecretSource::Value(Secret::new("k"))),
            ..settings_without_file()
        };
        let creds = credentials(&s).expect("the failing secret command is not run");
        assert!(creds.secret.is_none());
        assert_eq!(creds.api_key.as_ref().map(Secret::expose), Some("k"));
    }
}

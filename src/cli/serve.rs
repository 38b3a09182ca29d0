//! `mbx serve`: the sandbox as a standalone server.

use crate::sandbox::{self, Profile, SandboxConfig};
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ServeProfile {
    E2,
    E3,
    Latest,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on; 0 picks any free port.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// The JWT shared secret (raw UTF-8 bytes). Default: the fixed demo secret.
    #[arg(long, conflicts_with = "no_jwt")]
    pub secret: Option<String>,
    /// The JWT claim that holds the user's email.
    #[arg(long, default_value = "email", value_name = "NAME")]
    pub jwt_email_claim: String,
    /// Oldest accepted JWT `iat`, in seconds.
    #[arg(long = "jwt-max-age", default_value_t = 180, value_name = "SECS")]
    pub jwt_max_age: u64,
    /// Session lifetime, in seconds (default 14 days).
    #[arg(long = "session-max-age", default_value_t = 14 * 24 * 3600, value_name = "SECS")]
    pub session_max_age: u64,
    /// Which Agent API era to speak.
    #[arg(long, value_enum, default_value = "e2")]
    pub profile: ServeProfile,
    /// Multiplies the fact tables (ORDERS, REVIEWS).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub scale: u32,
    /// Start without JWT: Bearer tokens get `jwt_not_configured`.
    #[arg(long)]
    pub no_jwt: bool,
    /// Keep the sample database in this SQLite file (rebuilt on start) instead of memory.
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Answer `POST /auth/sso` with Metabase's 501 HTML page instead of a session.
    #[arg(long)]
    pub strict_sso: bool,
    /// Accept `X-API-Key: KEY` as the user EMAIL (repeatable).
    #[arg(long = "api-key", value_name = "KEY=EMAIL", value_parser = parse_api_key)]
    pub api_keys: Vec<(String, String)>,
}

fn parse_api_key(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, e)) if !k.is_empty() && !e.is_empty() => Ok((k.to_string(), e.to_string())),
        _ => Err("expected KEY=EMAIL".into()),
    }
}

impl ServeArgs {
    pub fn config(&self) -> SandboxConfig {
        SandboxConfig {
            host: self.host.clone(),
            port: self.port,
            secret: if self.no_jwt {
                None
            } else {
                Some(
                    self.secret
                        .clone()
                        .unwrap_or_else(|| sandbox::DEMO_SECRET.to_string()),
                )
            },
            jwt_email_claim: self.jwt_email_claim.clone(),
            jwt_max_age_secs: self.jwt_max_age,
            session_max_age_secs: self.session_max_age,
            profile: match self.profile {
                ServeProfile::E2 => Profile::E2,
                ServeProfile::E3 => Profile::E3,
                ServeProfile::Latest => Profile::Latest,
            },
            scale: self.scale,
            db_path: self.db.clone(),
            strict_sso: self.strict_sso,
            api_keys: self.api_keys.clone(),
            ..SandboxConfig::default()
        }
    }
}

pub fn run(args: ServeArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mbx serve: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(serve(args.config()))
}

async fn serve(config: SandboxConfig) -> ExitCode {
    let sandbox = match sandbox::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("mbx serve: {e}");
            return ExitCode::from(1);
        }
    };
    let mut out = std::io::stdout().lock();
    // The first line is what test harnesses wait for; flush it before anything else.
    let _ = writeln!(out, "listening on {}", sandbox.url());
    let _ = out.flush();
    let _ = writeln!(
        out,
        "Agent API: {}/api/agent/v1  ({:?} profile)",
        sandbox.url(),
        sandbox.profile()
    );
    match sandbox.secret() {
        Some(secret) => {
            let _ = writeln!(out, "JWT secret: {secret}");
        }
        None => {
            let _ = writeln!(out, "JWT: not configured (--no-jwt)");
        }
    }
    let _ = writeln!(out, "users:");
    for u in sandbox.users() {
        let state = if u.active { "" } else { " (deactivated)" };
        let _ = writeln!(out, "  {}{state}: {}", u.email, u.sees);
    }
    let _ = out.flush();
    drop(out);
    wait_for_stop().await;
    sandbox.shutdown().await;
    ExitCode::SUCCESS
}

/// Ctrl-C or SIGTERM.
async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn serve_args(args: &[&str]) -> ServeArgs {
        let argv = ["mbx", "serve"].iter().chain(args).copied();
        match Cli::try_parse_from(argv) {
            Ok(Cli {
                command: Some(Command::Serve(a)),
                ..
            }) => a,
            other => panic!("did not parse: {:?}", other.err()),
        }
    }

    #[test]
    fn defaults_match_the_sandbox_defaults() {
        let c = serve_args(&[]).config();
        let d = SandboxConfig::default();
        assert_eq!(c.host, d.host);
        assert_eq!(c.port, 0);
        assert_eq!(c.secret.as_deref(), Some(sandbox::DEMO_SECRET));
        assert_eq!(c.jwt_email_claim, "email");
        assert_eq!(c.jwt_max_age_secs, 180);
        assert_eq!(c.session_max_age_secs, 14 * 24 * 3600);
        assert_eq!(c.profile, Profile::E2);
        assert_eq!(c.scale, 1);
        assert!(c.db_path.is_none());
    }

    #[test]
    fn every_flag_reaches_the_config() {
        let c = serve_args(&[
            "--host",
            "0.0.0.0",
            "--port",
            "8123",
            "--jwt-email-claim",
            "mail",
            "--jwt-max-age",
            "30",
            "--session-max-age",
            "60",
            "--profile",
            "e3",
            "--scale",
            "3",
            "--db",
            "/tmp/x.db",
            "--strict-sso",
            "--api-key",
            "k1=a@example.com",
            "--api-key",
            "k2=b@example.com",
            "--secret",
            "s",
        ])
        .config();
        assert_eq!((c.host.as_str(), c.port), ("0.0.0.0", 8123));
        assert_eq!(c.jwt_email_claim, "mail");
        assert_eq!((c.jwt_max_age_secs, c.session_max_age_secs), (30, 60));
        assert_eq!((c.profile, c.scale), (Profile::E3, 3));
        assert_eq!(c.db_path, Some(PathBuf::from("/tmp/x.db")));
        assert!(c.strict_sso);
        assert_eq!(c.api_keys.len(), 2);
        assert_eq!(c.secret.as_deref(), Some("s"));
        assert!(serve_args(&["--no-jwt"]).config().secret.is_none());
    }

    #[test]
    fn bad_flags_are_usage_errors() {
        for bad in [
            vec!["--api-key", "nokey"],
            vec!["--scale", "0"],
            vec!["--profile", "e9"],
            vec!["--no-jwt", "--secret", "s"],
        ] {
            let argv = ["mbx", "serve"].into_iter().chain(bad.iter().copied());
            assert!(Cli::try_parse_from(argv).is_err(), "{bad:?}");
        }
    }
}

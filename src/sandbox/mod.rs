//! The sandbox: a built-in Agent API server (axum + SQLite) that behaves like Metabase, as
//! `/work/shared/agent-api.md` describes it. `start` builds the world (sample data, catalog,
//! users), binds a port and serves until `Sandbox::shutdown`.

mod auth;
mod catalog;
mod clock;
mod compile;
mod construct;
mod db;
mod errors;
mod execute;
mod fieldref;
mod generate;
mod handlers;
pub mod latest;
mod perms;
mod read;
mod search;
mod state;
mod stats;
mod users;

/// Exposed so property tests can drive the verifier directly (thousands of cases, no HTTP).
pub use auth::verify_jwt;
pub use clock::Clock;
pub use users::UserSummary;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The fixed demo secret `mbx serve` uses when no `--secret` is given.
pub const DEMO_SECRET: &str = "mbx-sandbox-demo-secret-0123456789abcdef0123456789abcdef";

/// Which era of the Agent API the sandbox speaks (`agent-api.md` §0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Profile {
    #[default]
    E2,
    E3,
    /// The newest surface (`agent-api-latest.md`), served by `latest`.
    Latest,
}

impl Profile {
    /// Rows a table query gets when it names no `limit`.
    pub(crate) fn default_limit(self) -> u64 {
        match self {
            Profile::E2 => 100,
            Profile::E3 | Profile::Latest => 200,
        }
    }
}

#[derive(Clone, Debug)]
pub struct SandboxConfig {
    pub host: String,
    /// 0 = any free port.
    pub port: u16,
    /// None = started without JWT (`--no-jwt`): Bearer tokens get `jwt_not_configured`.
    pub secret: Option<String>,
    pub jwt_email_claim: String,
    pub jwt_max_age_secs: u64,
    pub session_max_age_secs: u64,
    pub profile: Profile,
    /// Multiplies the fact tables (ORDERS, REVIEWS).
    pub scale: u32,
    /// None = in memory.
    pub db_path: Option<PathBuf>,
    /// `POST /auth/sso` answers Metabase's 501 HTML page instead of acting like `to_session`.
    pub strict_sso: bool,
    /// `X-API-Key` KEY → user email; accepted in every profile.
    pub api_keys: Vec<(String, String)>,
    /// The time every expiry check reads; tests advance it instead of sleeping.
    pub clock: Clock,
    /// Longest a single SQL query may run before it is interrupted.
    pub query_timeout_ms: u64,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            host: "127.0.0.1".into(),
            port: 0,
            secret: Some(DEMO_SECRET.into()),
            jwt_email_claim: "email".into(),
            jwt_max_age_secs: 180,
            session_max_age_secs: 14 * 24 * 3600,
            profile: Profile::E2,
            scale: 1,
            db_path: None,
            strict_sso: false,
            api_keys: Vec::new(),
            clock: Clock::default(),
            query_timeout_ms: 10_000,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("cannot build the sample database: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("invalid sandbox setting: {0}")]
    Config(String),
}

/// A running sandbox.
pub struct Sandbox {
    addr: SocketAddr,
    state: Arc<state::AppState>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

/// Builds the world, binds `config.host:config.port` and serves on a spawned task.
pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
    let began = std::time::Instant::now();
    if config.scale == 0 {
        return Err(SandboxError::Config("--scale must be at least 1".into()));
    }
    if config.jwt_email_claim.is_empty() {
        return Err(SandboxError::Config(
            "the JWT email claim name must not be empty".into(),
        ));
    }
    let addr_text = format!("{}:{}", config.host, config.port);
    let listener = tokio::net::TcpListener::bind(&addr_text)
        .await
        .map_err(|source| SandboxError::Bind {
            addr: addr_text.clone(),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
        addr: addr_text,
        source,
    })?;
    let state = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || state::AppState::build(config))
            .await
            .map_err(|e| SandboxError::Config(format!("start-up task failed: {e}")))??
    };
    let state = Arc::new(state);
    let app = handlers::router(state.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            let _ = stopped.await;
        });
        if let Err(e) = serve.await {
            tracing::error!("sandbox server stopped: {e}");
        }
    });
    // Read by scripts/startup.sh: the sandbox's share of the explorer's start-up.
    tracing::info!(
        "sandbox ready after {:.1} ms (scale {})",
        began.elapsed().as_secs_f64() * 1e3,
        config.scale
    );
    Ok(Sandbox {
        addr,
        state,
        stop: Some(stop),
        task: Some(task),
    })
}

impl Sandbox {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT`, without `/api/agent`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn secret(&self) -> Option<&str> {
        self.state.config.secret.as_deref()
    }

    pub fn users(&self) -> Vec<UserSummary> {
        self.state.user_summaries()
    }

    pub fn profile(&self) -> Profile {
        self.state.config.profile
    }

    /// Stops accepting connections and waits for open requests to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

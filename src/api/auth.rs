//! Credentials: HS256 JWT signing with age-based renewal, the session token obtained from a JWT,
//! and the clock both are measured with (injectable, so tests move time without sleeping).

use super::error::ApiError;
use super::secret::Secret;
use super::{AuthStatus, JwtConfig};
use serde_json::{Map, Value};
use std::fmt;
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Metabase's JWT `max-age` (seconds): a token whose `iat` is older is refused.
pub const JWT_WINDOW: Duration = Duration::from_secs(180);
/// The default age at which a JWT is re-signed.
pub const DEFAULT_RENEWAL_AGE: Duration = Duration::from_secs(120);
/// Headroom kept below the window so a token still valid when sent is valid when it arrives.
const WINDOW_MARGIN: Duration = Duration::from_secs(10);

/// The wall clock that token ages are measured with.
pub trait Clock: Send + Sync + fmt::Debug {
    fn now(&self) -> SystemTime;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that stands still until moved: for tests of renewal and expiry.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<SystemTime>>);

impl ManualClock {
    pub fn new(at: SystemTime) -> ManualClock {
        ManualClock(Arc::new(Mutex::new(at)))
    }

    pub fn advance(&self, by: Duration) {
        if let Ok(mut t) = self.0.lock() {
            *t += by;
        }
    }

    pub fn set(&self, at: SystemTime) {
        if let Ok(mut t) = self.0.lock() {
            *t = at;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        self.0
            .lock()
            .map(|t| *t)
            .unwrap_or_else(|e| *e.into_inner())
    }
}

fn install_crypto() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Another part of the process may have installed it first; either way one is in place.
        let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
    });
}

/// Signs one HS256 token for `cfg` with `iat = now`.
pub fn sign(cfg: &JwtConfig, now: SystemTime) -> Result<Secret, ApiError> {
    install_crypto();
    let iat = now
        .duration_since(UNIX_EPOCH)
        .map_err(|_| ApiError::Config("the clock is before 1970".into()))?
        .as_secs();
    let mut claims = Map::new();
    claims.insert("iat".into(), Value::from(iat));
    let claim = if cfg.email_claim.is_empty() {
        "email"
    } else {
        &cfg.email_claim
    };
    claims.insert(claim.into(), Value::from(cfg.email.clone()));
    if let Some(f) = &cfg.first_name {
        claims.insert("first_name".into(), Value::from(f.clone()));
    }
    if let Some(l) = &cfg.last_name {
        claims.insert("last_name".into(), Value::from(l.clone()));
    }
    if !cfg.groups.is_empty() {
        claims.insert("groups".into(), Value::from(cfg.groups.clone()));
    }
    let key = jsonwebtoken::EncodingKey::from_secret(cfg.secret.expose().as_bytes())
        .map_err(|e| ApiError::Config(format!("unusable JWT shared secret: {e}")))?;
    let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    jsonwebtoken::encode(&header, &Value::Object(claims), &key)
        .map(Secret::new)
        .map_err(|e| ApiError::Config(format!("cannot sign a JWT: {e}")))
}

/// The age at which a token is re-signed: the configured one, kept inside the window.
fn effective_renewal(cfg: &JwtConfig) -> Duration {
    cfg.renewal_age.min(JWT_WINDOW - WINDOW_MARGIN)
}

fn age(now: SystemTime, then: SystemTime) -> Duration {
    now.duration_since(then).unwrap_or(Duration::ZERO)
}

/// A signed token and when it was signed.
#[derive(Clone, Debug)]
struct Signed {
    token: Secret,
    at: SystemTime,
}

/// The JWT a client sends, re-signed by age inside the request path.
#[derive(Debug, Default)]
pub struct JwtCache {
    current: Mutex<Option<Signed>>,
}

impl JwtCache {
    /// The token to send now: the cached one while younger than the renewal age, else a new one.
    pub fn token(&self, cfg: &JwtConfig, now: SystemTime) -> Result<Secret, ApiError> {
        let mut slot = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = slot.as_ref()
            && s.at <= now
            && age(now, s.at) < effective_renewal(cfg)
        {
            return Ok(s.token.clone());
        }
        let token = sign(cfg, now)?;
        *slot = Some(Signed {
            token: token.clone(),
            at: now,
        });
        Ok(token)
    }

    /// Drops the cached token so the next request signs a new one.
    pub fn forget(&self) {
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    pub fn signed_at(&self) -> Option<SystemTime> {
        self.current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|s| s.at)
    }

    /// The status bar's view: the age of the token the next request would send.
    pub fn status(&self, cfg: &JwtConfig, now: SystemTime) -> AuthStatus {
        let at = self.signed_at();
        let token_age = at
            .map(|at| age(now, at))
            .filter(|a| *a < effective_renewal(cfg));
        AuthStatus {
            token_age: Some(token_age.unwrap_or(Duration::ZERO)),
            renewed_at: at,
            session_age: None,
        }
    }
}

/// The session token a session-mode client holds, exchanged from a JWT when needed.
#[derive(Debug, Default)]
pub struct SessionSlot {
    // An async lock: concurrent requests wait for one exchange instead of each making one.
    current: tokio::sync::Mutex<Option<Signed>>,
    /// When the held session was obtained, readable without awaiting (status bar).
    obtained: Mutex<Option<SystemTime>>,
}

impl SessionSlot {
    /// The held session, or a new one from `exchange`. When `stale` is the held token (the
    /// server refused it), it is replaced; a token already replaced by another request is kept.
    pub async fn get<F, Fut>(
        &self,
        stale: Option<&Secret>,
        now: SystemTime,
        exchange: F,
    ) -> Result<Secret, ApiError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Secret, ApiError>>,
    {
        let mut slot = self.current.lock().await;
        if let Some(held) = slot.as_ref()
            && stale != Some(&held.token)
        {
            return Ok(held.token.clone());
        }
        *slot = None;
        *self.obtained.lock().unwrap_or_else(|e| e.into_inner()) = None;
        let token = exchange().await?;
        *slot = Some(Signed {
            token: token.clone(),
            at: now,
        });
        *self.obtained.lock().unwrap_or_else(|e| e.into_inner()) = Some(now);
        Ok(token)
    }

    pub fn status(&self, now: SystemTime) -> AuthStatus {
        let at = *self.obtained.lock().unwrap_or_else(|e| e.into_inner());
        AuthStatus {
            token_age: None,
            renewed_at: at,
            session_age: at.map(|at| age(now, at)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> JwtConfig {
        JwtConfig {
            secret: Secret::new("test-secret-123"),
            email: "analyst@example.com".into(),
            email_claim: "email".into(),
            first_name: Some("Ann".into()),
            last_name: None,
            groups: vec!["Analysts".into()],
            renewal_age: Duration::from_secs(120),
        }
    }

    fn decode(token: &Secret) -> Value {
        install_crypto();
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        v.required_spec_claims.clear();
        v.validate_exp = false;
        let key = jsonwebtoken::DecodingKey::from_secret(b"test-secret-123").expect("key");
        jsonwebtoken::decode::<Value>(token.expose(), &key, &v)
            .map(|d| d.claims)
            .unwrap_or(Value::Null)
    }

    #[test]
    fn a_token_encodes_and_verifies_with_its_claims() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let t = sign(&cfg(), now).expect("signs");
        let claims = decode(&t);
        assert_eq!(claims["iat"], 1_700_000_000);
        assert_eq!(claims["email"], "analyst@example.com");
        assert_eq!(claims["first_name"], "Ann");
        assert_eq!(claims["groups"][0], "Analysts");
        assert!(claims.get("last_name").is_none());
        let mut c = cfg();
        c.email_claim = "mail".into();
        assert_eq!(
            decode(&sign(&c, now).expect("signs"))["mail"],
            "analyst@example.com"
        );
    }

    #[test]
    fn tokens_are_reused_until_the_renewal_age_and_never_past_the_window() {
        let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
        let cache = JwtCache::default();
        let c = cfg();
        let first = cache.token(&c, clock.now()).expect("signs");
        clock.advance(Duration::from_secs(119));
        assert_eq!(cache.token(&c, clock.now()).expect("signs"), first);
        clock.advance(Duration::from_secs(1));
        let second = cache.token(&c, clock.now()).expect("signs");
        assert_ne!(second, first);
        assert_eq!(decode(&second)["iat"], 1_700_000_120);

        // A renewal age beyond the window is capped inside it.
        let mut long = cfg();
        long.renewal_age = Duration::from_secs(600);
        let cache = JwtCache::default();
        let t0 = cache.token(&long, clock.now()).expect("signs");
        clock.advance(JWT_WINDOW - WINDOW_MARGIN);
        assert_ne!(cache.token(&long, clock.now()).expect("signs"), t0);
    }

    #[test]
    fn status_reports_the_age_of_the_token_in_use() {
        let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
        let cache = JwtCache::default();
        let c = cfg();
        cache.token(&c, clock.now()).expect("signs");
        clock.advance(Duration::from_secs(30));
        let s = cache.status(&c, clock.now());
        assert_eq!(s.token_age, Some(Duration::from_secs(30)));
        clock.advance(Duration::from_secs(100));
        assert_eq!(
            cache.status(&c, clock.now()).token_age,
            Some(Duration::ZERO)
        );
    }
}

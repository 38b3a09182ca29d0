//! The client against the real sandbox over HTTP: auth modes, renewal across the JWT window,
//! session expiry and re-exchange, era detection, and what the server's errors become.

use crate::common::*;
use mbx::api::types::ApiEra;
use mbx::api::{
    ApiError, AuthConfig, Client, ClientConfig, JwtConfig, LogAuth, ManualClock, Secret,
};
use mbx::sandbox::{self, Clock, Profile, Sandbox, SandboxConfig};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

pub async fn start(profile: Profile, tweak: impl FnOnce(&mut SandboxConfig)) -> Sandbox {
    let mut config = SandboxConfig {
        port: 0,
        profile,
        secret: Some(TEST_SECRET.into()),
        ..SandboxConfig::default()
    };
    tweak(&mut config);
    sandbox::start(config).await.expect("sandbox starts")
}

fn session_config(url: &str, email: &str) -> ClientConfig {
    ClientConfig {
        timeout: Duration::from_secs(10),
        ..ClientConfig::new(
            url,
            AuthConfig::Session(JwtConfig::new(Secret::new(TEST_SECRET), email)),
        )
    }
}

#[tokio::test]
async fn jwt_mode_answers_as_active_users_and_refuses_the_rest() {
    let sb = start(Profile::E2, |_| {}).await;
    let ok = jwt_client(&sb.url(), "analyst@example.com");
    let info = ok.ping_info().await.expect("pong");
    assert_eq!(info.identity.email, "analyst@example.com");
    assert!(info.server_version.is_some());
    for who in ["inactive@example.com", "nobody@example.com"] {
        let e = jwt_client(&sb.url(), who)
            .ping()
            .await
            .expect_err("refused");
        assert!(matches!(e, ApiError::JwtRejected { .. }), "{who}: {e}");
        assert_eq!(e.exit_code(), 3);
    }
    let wrong = ClientConfig::new(
        sb.url(),
        AuthConfig::Jwt(JwtConfig::new(
            Secret::new("not-the-secret"),
            "analyst@example.com",
        )),
    );
    let e = Client::new(wrong)
        .expect("client")
        .ping()
        .await
        .expect_err("refused");
    assert!(e.to_string().contains("check the shared secret"), "{e}");
    sb.shutdown().await;
}

#[tokio::test]
async fn tokens_renew_across_the_window_without_the_caller_doing_anything() {
    // A 5-second window on the server, a 2-second renewal age on the client; both clocks are
    // moved together instead of sleeping.
    let server_clock = Clock::default();
    let sb = start(Profile::E2, {
        let clock = server_clock.clone();
        move |c| {
            c.jwt_max_age_secs = 5;
            c.clock = clock;
        }
    })
    .await;
    let clock = ManualClock::new(SystemTime::now());
    let mut config = jwt_config(&sb.url(), "analyst@example.com");
    if let AuthConfig::Jwt(j) = &mut config.auth {
        j.renewal_age = Duration::from_secs(2);
    }
    let client = Client::with_clock(config, Arc::new(clock.clone())).expect("client");
    client.ping().await.expect("first token");
    let first = client.auth_status().renewed_at;
    let advance = |secs: u64| {
        clock.advance(Duration::from_secs(secs));
        server_clock.advance(secs as i64);
    };
    advance(1);
    client.ping().await.expect("reused token");
    assert_eq!(
        client.auth_status().renewed_at,
        first,
        "still young: reused"
    );
    assert_eq!(client.auth_status().token_age, Some(Duration::from_secs(1)));
    // Six seconds after the first token, it would be refused; the client has moved on.
    advance(5);
    client.ping().await.expect("renewed token");
    assert_ne!(client.auth_status().renewed_at, first);
    assert!(
        client.log().entries().iter().all(|e| e.status == Some(200)),
        "no request was refused"
    );

    // A client that (wrongly) believes its token is still fresh gets refused once, signs anew
    // and succeeds, all inside the one call.
    let mut config = jwt_config(&sb.url(), "analyst@example.com");
    if let AuthConfig::Jwt(j) = &mut config.auth {
        j.renewal_age = Duration::from_secs(100);
    }
    let lazy = Client::with_clock(config, Arc::new(clock.clone())).expect("client");
    lazy.ping().await.expect("first");
    advance(6);
    let before = lazy.log().len();
    lazy.ping().await.expect("retried with a fresh token");
    let statuses: Vec<Option<u16>> = lazy.log().entries()[before..]
        .iter()
        .map(|e| e.status)
        .collect();
    assert_eq!(statuses, [Some(401), Some(200)]);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_skewed_client_clock_is_reported_as_clock_skew() {
    let sb = start(Profile::E2, |c| c.jwt_max_age_secs = 30).await;
    let behind = ManualClock::new(SystemTime::now() - Duration::from_secs(120));
    let client = Client::with_clock(
        jwt_config(&sb.url(), "analyst@example.com"),
        Arc::new(behind),
    )
    .expect("client");
    let e = client.ping().await.expect_err("skewed");
    assert!(
        e.to_string().contains("clock skew is the usual cause"),
        "{e}"
    );
    assert_eq!(client.log().len(), 2, "one fresh retry, then the report");
    sb.shutdown().await;
}

#[tokio::test]
async fn sessions_are_exchanged_held_and_re_exchanged_when_they_expire() {
    let server_clock = Clock::default();
    let sb = start(Profile::E2, {
        let clock = server_clock.clone();
        move |c| {
            c.session_max_age_secs = 60;
            c.clock = clock;
        }
    })
    .await;
    let client = Client::new(session_config(&sb.url(), "analyst@example.com")).expect("client");
    assert_eq!(client.identity().mode, "session");
    client.ping().await.expect("first");
    client.ping().await.expect("second, same session");
    assert!(client.auth_status().session_age.is_some());
    server_clock.advance(120);
    client.ping().await.expect("re-exchanged after expiry");
    let trail: Vec<(String, Option<u16>, LogAuth)> = client
        .log()
        .entries()
        .iter()
        .map(|e| (e.path.clone(), e.status, e.auth))
        .collect();
    let exchange = (
        "/auth/sso/to_session".to_string(),
        Some(200),
        LogAuth::JwtInBody,
    );
    let ping = |s| ("/api/agent/v1/ping".to_string(), Some(s), LogAuth::Session);
    assert_eq!(
        trail,
        [
            exchange.clone(),
            ping(200),
            ping(200),
            ping(401),
            exchange,
            ping(200)
        ]
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn a_refused_session_exchange_says_why() {
    let sb = start(Profile::E2, |_| {}).await;
    let mut config = session_config(&sb.url(), "analyst@example.com");
    if let AuthConfig::Session(j) = &mut config.auth {
        j.secret = Secret::new("wrong-secret-entirely");
    }
    let e = Client::new(config)
        .expect("client")
        .ping()
        .await
        .expect_err("refused");
    assert!(
        matches!(e, ApiError::SessionRefused { status: 401, .. }),
        "{e}"
    );
    assert_eq!(e.exit_code(), 3);
    assert!(!e.to_string().contains("wrong-secret-entirely"));
    sb.shutdown().await;
}

#[tokio::test]
async fn api_keys_authenticate_and_never_show() {
    let key = "mbx-test-api-key-5f1c2e";
    let sb = start(Profile::E2, |c| {
        c.api_keys.push((key.into(), "analyst@example.com".into()))
    })
    .await;
    let config = ClientConfig::new(
        sb.url(),
        AuthConfig::ApiKey {
            key: Secret::new(key),
            label: "ci key".into(),
        },
    );
    let client = Client::new(config).expect("client");
    client.ping().await.expect("pong");
    assert_eq!(client.identity().mode, "api-key");
    let entry = client.log().last().expect("logged");
    let curl = entry.to_curl(None);
    assert!(curl.contains("$MBX_API_KEY"), "{curl}");
    assert_no_secret(&format!("{entry:?} {curl} {client:?}"), &[key]);
    assert!(
        entry.to_curl(Some(key)).contains(key),
        "inlined only when asked"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn the_era_is_detected_once_and_shared_by_clones_and_other_users() {
    let sb = start(Profile::E2, |_| {}).await;
    let client = jwt_client(&sb.url(), "analyst@example.com");
    assert_eq!(client.era().await.expect("era"), ApiEra::E2);
    let after_probe = client.log().len();
    // The ladder: ping, /v2/execute-query, /v1/read-resource, /v1/table/0, /v1/query.
    assert_eq!(after_probe, 5, "one walk down the probe ladder");
    let other = client.as_user("admin@example.com", &[]);
    assert_eq!(other.era().await.expect("era"), ApiEra::E2);
    assert_eq!(client.clone().era().await.expect("era"), ApiEra::E2);
    assert_eq!(client.log().len(), after_probe, "cached");
    other.ping().await.expect("admin pong");
    let last = client.log().last().expect("shared log");
    assert_eq!(last.user, "admin@example.com");
    sb.shutdown().await;
}

#[tokio::test]
async fn the_request_log_announces_each_call() {
    let sb = start(Profile::E2, |_| {}).await;
    let client = jwt_client(&sb.url(), "analyst@example.com");
    let mut rx = client.log().subscribe();
    let waiter = tokio::spawn(async move { rx.changed().await.map(|_| *rx.borrow()) });
    client.ping().await.expect("pong");
    let id = tokio::time::timeout(Duration::from_secs(5), waiter)
        .await
        .expect("woken")
        .expect("joined")
        .expect("changed");
    assert_eq!(id, 1);
    let e = client.log().last().expect("entry");
    assert_eq!((e.method.as_str(), e.status), ("GET", Some(200)));
    assert!(e.response_preview.contains("pong"));
    assert!(e.bytes > 0);
    sb.shutdown().await;
}

//! Servers that answer badly (or not at all): each failure becomes the right `ApiError`, one
//! line, and never a panic or a hang.

use crate::common::*;
use axum::Router;
use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use mbx::api::types::ApiEra;
use mbx::api::{ApiError, ClientConfig};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A raw TCP server that runs `handle` on each connection (for answers axum cannot give).
async fn raw_server<F, Fut>(handle: F) -> String
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            tokio::spawn(handle(sock));
        }
    });
    format!("http://{addr}")
}

/// Reads a request's head so the client is waiting for an answer.
async fn read_head(sock: &mut tokio::net::TcpStream) {
    let mut buf = vec![0u8; 8192];
    let _ = sock.read(&mut buf).await;
}

fn forced(url: &str) -> ClientConfig {
    ClientConfig {
        era: Some(ApiEra::E2),
        ..jwt_config(url, "analyst@example.com")
    }
}

async fn ping_error(config: ClientConfig) -> ApiError {
    let client = mbx::api::Client::new(config).expect("client");
    let e = client.ping().await.expect_err("must fail");
    let line = e.to_string();
    assert!(!line.contains('\n'), "one line: {line}");
    assert_no_secret(&line, &[TEST_SECRET]);
    // The log records the failure too, still without the secret.
    let entry = client.log().last().expect("logged");
    assert_no_secret(&format!("{entry:?}"), &[TEST_SECRET]);
    e
}

#[tokio::test]
async fn an_html_page_names_its_text() {
    let page = "<!DOCTYPE html><html><head><title>Metabase</title></head><body>\
        <h1>POST not valid for JWT SSO requests</h1></body></html>";
    let app = Router::new().route(
        "/api/agent/v1/ping",
        get(move || async move {
            (
                StatusCode::NOT_IMPLEMENTED,
                [(header::CONTENT_TYPE, "text/html")],
                page,
            )
        }),
    );
    let e = ping_error(forced(&serve(app).await)).await;
    assert_eq!(
        e.to_string(),
        "the server answered HTML, not JSON (501): POST not valid for JWT SSO requests"
    );
}

#[tokio::test]
async fn a_session_token_that_cannot_be_a_header_is_refused_once() {
    for token in ["SESSION\r\nX-Injected: 1".to_string(), "S".repeat(10_000)] {
        let body = serde_json::json!({ "id": token }).to_string();
        let app = Router::new().route(
            "/auth/sso/to_session",
            post(move || async move { ([(header::CONTENT_TYPE, "application/json")], body) }),
        );
        let mut config = forced(&serve(app).await);
        if let mbx::api::AuthConfig::Jwt(j) = config.auth {
            config.auth = mbx::api::AuthConfig::Session(j);
        }
        let client = mbx::api::Client::new(config).expect("client");
        let e = client.ping().await.expect_err("must fail");
        assert!(
            e.to_string()
                .contains("the session token is not a header-safe value of at most 1024"),
            "{e}"
        );
        assert_eq!(
            client.log().entries().len(),
            1,
            "no request carried the token"
        );
    }
}

#[tokio::test]
async fn a_session_exchange_answered_with_html_is_reported_as_html() {
    let page = "<html><body><p>POST not valid for JWT SSO requests</p></body></html>";
    let app = Router::new()
        .route(
            "/auth/sso/to_session",
            post(|| async { StatusCode::NOT_FOUND }),
        )
        .route(
            "/auth/sso",
            post(move || async move {
                (
                    StatusCode::NOT_IMPLEMENTED,
                    [(header::CONTENT_TYPE, "text/html")],
                    page,
                )
            }),
        );
    let url = serve(app).await;
    let mut config = forced(&url);
    if let mbx::api::AuthConfig::Jwt(j) = config.auth {
        config.auth = mbx::api::AuthConfig::Session(j);
    }
    let client = mbx::api::Client::new(config).expect("client");
    let e = client.ping().await.expect_err("must fail");
    assert_eq!(
        e.to_string(),
        "the server answered HTML, not JSON (501): POST not valid for JWT SSO requests"
    );
    let paths: Vec<String> = client
        .log()
        .entries()
        .iter()
        .map(|e| e.path.clone())
        .collect();
    assert_eq!(paths, ["/auth/sso/to_session", "/auth/sso"]);
}

#[tokio::test]
async fn invalid_and_truncated_json_are_told_apart() {
    let app = Router::new()
        .route(
            "/api/agent/v1/ping",
            get(|| async { ([(header::CONTENT_TYPE, "application/json")], "pong!") }),
        )
        .route(
            "/api/agent/v1/search",
            post(|| async {
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    r#"{"data": [{"id": 1,"#,
                )
            }),
        );
    let url = serve(app).await;
    let e = ping_error(forced(&url)).await;
    assert!(matches!(e, ApiError::NotJson { status: 200, .. }), "{e}");
    assert!(e.to_string().contains("pong!"), "{e}");
    let client = mbx::api::Client::new(forced(&url)).expect("client");
    let e = client
        .search(&mbx::api::types::SearchRequest::default())
        .await
        .expect_err("truncated");
    assert!(matches!(e, ApiError::Truncated { .. }), "{e}");
    assert!(e.to_string().contains("cut off"), "{e}");
}

#[tokio::test]
async fn a_java_stack_map_becomes_its_message() {
    let body = r#"{"message":"Cannot invoke \"Object.toString()\" because x is null",
        "via":[{"type":"java.lang.NullPointerException"}],"trace":["a.clj:1","b.clj:2"],
        "cause":"x","data":{}}"#;
    let app = Router::new().route(
        "/api/agent/v1/ping",
        get(move || async move {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "application/json")],
                body,
            )
        }),
    );
    let e = ping_error(forced(&serve(app).await)).await;
    assert_eq!(
        e.to_string(),
        "the server failed to ping (500): Cannot invoke \"Object.toString()\" because x is null"
    );
    assert_eq!(e.exit_code(), 1);
}

#[tokio::test]
async fn a_stream_that_ends_mid_body_is_truncated() {
    // A chunked 202 whose connection closes before the final chunk.
    let url = raw_server(|mut sock| async move {
        read_head(&mut sock).await;
        let head = "HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
        let chunk = r#"{"status":"completed","data":{"rows":[[1],[2"#;
        let _ = sock
            .write_all(format!("{head}{:x}\r\n{chunk}\r\n", chunk.len()).as_bytes())
            .await;
        let _ = sock.flush().await;
        drop(sock);
    })
    .await;
    let client = mbx::api::Client::new(forced(&url)).expect("client");
    let e = client.execute("abc").await.expect_err("truncated");
    assert!(matches!(e, ApiError::Truncated { status: 202, .. }), "{e}");
}

#[tokio::test]
async fn a_failed_query_in_a_202_is_a_query_failure() {
    let app = Router::new().route(
        "/api/agent/v1/execute",
        post(|| async {
            (
                StatusCode::ACCEPTED,
                [(header::CONTENT_TYPE, "application/json")],
                r#"{"status":"failed","error":"Column \"X\" not found","error_type":"invalid-query",
                   "row_count":0,"data":{"rows":[],"cols":[]}}"#,
            )
        }),
    );
    let client = mbx::api::Client::new(forced(&serve(app).await)).expect("client");
    let e = client.execute("abc").await.expect_err("failed");
    assert_eq!(
        e.to_string(),
        "the query failed: Column \"X\" not found (invalid-query)"
    );
    assert_eq!(e.exit_code(), 5);
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let url = raw_server(|mut sock| async move {
        read_head(&mut sock).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(sock);
    })
    .await;
    let config = ClientConfig {
        timeout: Duration::from_millis(300),
        ..forced(&url)
    };
    let started = std::time::Instant::now();
    let e = ping_error(config).await;
    assert!(matches!(e, ApiError::Timeout { .. }), "{e}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        e.to_string()
            .starts_with("no answer from http://127.0.0.1:"),
        "{e}"
    );
}

#[tokio::test]
async fn a_closed_port_is_connection_refused() {
    // Bind then drop: the port is free and nothing listens on it.
    let addr = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind")
        .local_addr()
        .expect("addr");
    let url = format!("http://{addr}");
    let e = ping_error(forced(&url)).await;
    assert_eq!(
        e.to_string(),
        format!("no server at {url}: connection refused")
    );
}

#[tokio::test]
async fn a_reset_connection_is_named() {
    let url = raw_server(|mut sock| async move {
        read_head(&mut sock).await;
        // Linger 0 makes close send RST instead of FIN.
        let _ = sock.set_zero_linger();
        drop(sock);
    })
    .await;
    let e = ping_error(forced(&url)).await;
    assert!(matches!(e, ApiError::Reset { .. }), "{e:?}");
    assert!(e.to_string().contains("closed the connection"), "{e}");
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_names_the_location() {
    let app = Router::new().route(
        "/api/agent/v1/ping",
        get(|| async {
            Response::builder()
                .status(StatusCode::FOUND)
                .header(header::LOCATION, "https://sso.example/login")
                .body(Body::empty())
                .map(IntoResponse::into_response)
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }),
    );
    let e = ping_error(forced(&serve(app).await)).await;
    assert_eq!(
        e.to_string(),
        "the server redirected (302) to https://sso.example/login: point --url at Metabase itself"
    );
}

#[tokio::test]
async fn a_huge_body_stops_at_the_limit() {
    // 8 MB of rows streamed in chunks, against a 64 KB limit and no Content-Length.
    let app = Router::new().route(
        "/api/agent/v1/ping",
        get(|| async {
            let chunk = bytes::Bytes::from(vec![b' '; 64 * 1024]);
            let stream = futures::stream::iter(
                (0..128).map(move |_| Ok::<_, std::io::Error>(chunk.clone())),
            );
            (
                [(header::CONTENT_TYPE, "application/json")],
                Body::from_stream(stream),
            )
        }),
    );
    let config = ClientConfig {
        max_body_bytes: 64 * 1024,
        ..forced(&serve(app).await)
    };
    let e = ping_error(config).await;
    assert!(matches!(e, ApiError::TooLarge { limit: 65536, .. }), "{e}");
    assert!(
        e.to_string().contains("larger than the 65536-byte limit"),
        "{e}"
    );
}

#[tokio::test]
async fn a_refused_jwt_is_retried_once_then_blamed_on_secret_or_clock() {
    let app = Router::new().route(
        "/api/agent/v1/ping",
        get(|| async {
            (
                StatusCode::UNAUTHORIZED,
                [(header::CONTENT_TYPE, "application/json")],
                r#"{"error":"invalid_jwt","message":"Invalid or expired JWT token."}"#,
            )
        }),
    );
    let client = mbx::api::Client::new(forced(&serve(app).await)).expect("client");
    let e = client.ping().await.expect_err("rejected");
    assert!(matches!(e, ApiError::JwtRejected { .. }), "{e}");
    assert!(
        e.to_string().contains("clock skew is the usual cause"),
        "{e}"
    );
    assert_eq!(e.exit_code(), 3);
    assert_eq!(client.log().len(), 2, "one retry with a fresh token");
}

#[tokio::test]
async fn a_body_that_trickles_past_the_timeout_times_out() {
    let url = raw_server(|mut sock| async move {
        read_head(&mut sock).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
        let _ = sock.write_all(head.as_bytes()).await;
        for _ in 0..100 {
            if sock.write_all(b"1\r\n \r\n").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    let config = ClientConfig {
        timeout: Duration::from_millis(400),
        ..forced(&url)
    };
    let started = std::time::Instant::now();
    let e = ping_error(config).await;
    assert!(matches!(e, ApiError::Timeout { .. }), "{e}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn a_newer_surface_is_detected_and_named_not_misread() {
    let app = Router::new()
        .route(
            "/api/agent/v1/ping",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    r#"{"message":"pong"}"#,
                )
            }),
        )
        .route(
            "/api/agent/v2/execute-query",
            post(|| async {
                (
                    StatusCode::BAD_REQUEST,
                    [(header::CONTENT_TYPE, "text/plain")],
                    "Provide exactly one of `query`, `query_handle`.",
                )
            }),
        );
    let client = mbx::api::Client::new(jwt_config(&serve(app).await, "a@x")).expect("client");
    assert_eq!(client.era().await.expect("detected"), ApiEra::Latest);
    let e = client
        .search(&mbx::api::types::SearchRequest::default())
        .await
        .expect_err("this fake server has no search");
    // The latest surface searches through `POST /v1/search`, which this server lacks.
    assert!(matches!(e, ApiError::NotFound { status: 404, .. }), "{e}");
    assert!(e.to_string().starts_with("search not found (404)"), "{e}");
}

#[tokio::test]
async fn a_server_without_the_agent_api_says_so() {
    let app = Router::new().fallback(|| async {
        (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain")],
            "API endpoint does not exist.",
        )
    });
    let client = mbx::api::Client::new(jwt_config(&serve(app).await, "a@x")).expect("client");
    let e = client.era().await.expect_err("no agent api");
    assert_eq!(
        e.to_string(),
        "the Agent API (GET /api/agent/v1/ping) not found (404): API endpoint does not exist."
    );
}

#[tokio::test]
async fn https_to_a_plain_http_server_is_a_tls_failure() {
    let app = Router::new().route("/api/agent/v1/ping", get(|| async { "pong" }));
    let url = serve(app).await.replace("http://", "https://");
    let e = ping_error(forced(&url)).await;
    assert!(matches!(e, ApiError::Tls { .. }), "{e:?}");
    assert!(
        e.to_string()
            .starts_with(&format!("TLS failure talking to {url}")),
        "{e}"
    );
}

#[tokio::test]
async fn requests_say_who_is_calling_and_what_they_accept() {
    let app = Router::new().route(
        "/api/agent/v1/ping",
        get(|headers: axum::http::HeaderMap| async move {
            let h = |n: &str| {
                headers
                    .get(n)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string()
            };
            let ok = h("user-agent") == concat!("mbx/", env!("CARGO_PKG_VERSION"))
                && h("accept") == "application/json"
                && h("authorization").starts_with("Bearer ");
            let status = if ok {
                StatusCode::OK
            } else {
                StatusCode::BAD_REQUEST
            };
            (
                status,
                [(header::CONTENT_TYPE, "application/json")],
                r#"{"message":"pong"}"#,
            )
        }),
    );
    let client = mbx::api::Client::new(forced(&serve(app).await)).expect("client");
    client
        .ping()
        .await
        .expect("the server saw the expected headers");
}

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;

/// Serves one request with `response` (over TLS when `tls`) and returns what it received
/// before the request line ended: the PROXY header, if any, and the request head.
async fn serve_once(response: &'static str, tls: bool) -> (u16, tokio::task::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let (s, _) = listener.accept().await.unwrap();
        if tls {
            let s = tls_acceptor().accept(s).await.unwrap();
            answer(s, response).await
        } else {
            answer(s, response).await
        }
    });
    (port, task)
}

async fn answer<S: AsyncRead + AsyncWrite + Unpin>(mut s: S, response: &str) -> Vec<u8> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        s.read_buf(&mut head).await.unwrap();
    }
    s.write_all(response.as_bytes()).await.unwrap();
    s.shutdown().await.unwrap();
    head
}

/// A TLS server with a self-signed certificate for `target.invalid` (no check trusts it).
fn tls_acceptor() -> tokio_rustls::TlsAcceptor {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let cert = CertificateDer::from(include_bytes!("../testdata/cert.der").to_vec());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        include_bytes!("../testdata/key.der").to_vec(),
    ));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .unwrap();
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

fn check(port: u16) -> HttpCheck {
    HttpCheck::new(
        Arc::new(Dialer::without_dns()),
        "127.0.0.1",
        port,
        "/health",
        Duration::from_secs(2),
    )
}

#[tokio::test]
async fn status_codes_decide() {
    let cases = [
        ("HTTP/1.1 200 OK\r\n\r\n", Probe::Success),
        ("HTTP/1.0 302 Found\r\nLocation: /\r\n\r\n", Probe::Success),
        (
            "HTTP/1.1 503 Service Unavailable\r\n\r\n",
            Probe::ResponseCodeMismatch(503),
        ),
    ];
    for (response, expect) in cases {
        let (port, server) = serve_once(response, false).await;
        assert_eq!(check(port).probe().await, expect, "{response:?}");
        let head = server.await.unwrap();
        assert!(head.starts_with(b"GET /health HTTP/1.1\r\n"), "{head:?}");
    }
    let (port, _server) = serve_once("+PONG\r\n", false).await;
    assert!(matches!(check(port).probe().await, Probe::Failed(_)));
}

#[tokio::test]
async fn the_matcher_decides_which_codes_pass() {
    // (matcher, status, passes)
    let cases = [
        ("200", "200 OK", true),
        ("200", "302 Found", false),
        ("200,202", "202 Accepted", true),
        ("200-299,404", "404 Not Found", true),
        ("", "399 Whatever", true),
        ("", "400 Bad Request", false),
    ];
    for (matcher, status, passes) in cases {
        let response: &'static str = format!("HTTP/1.1 {status}\r\n\r\n").leak();
        let (port, _server) = serve_once(response, false).await;
        let mut c = check(port);
        c.matcher = Matcher::parse(matcher);
        let code: u16 = status[..3].parse().unwrap();
        let want = if passes {
            Probe::Success
        } else {
            Probe::ResponseCodeMismatch(code)
        };
        assert_eq!(
            c.probe().await,
            want,
            "matcher {matcher:?}, status {status}"
        );
    }
}

#[tokio::test]
async fn https_checks_handshake_whatever_the_certificate() {
    let (port, server) = serve_once("HTTP/1.1 200 OK\r\n\r\n", true).await;
    let mut c = check(port);
    c.tls = true;
    assert_eq!(c.probe().await, Probe::Success);
    assert!(
        server
            .await
            .unwrap()
            .starts_with(b"GET /health HTTP/1.1\r\n")
    );
    // A plain HTTP target (one that answers at once, whatever it gets) fails an HTTPS check.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\n\r\n").await;
        let _ = s.shutdown().await;
    });
    let mut c = check(port);
    c.tls = true;
    assert!(matches!(c.probe().await, Probe::Failed(_)));
}

#[tokio::test]
async fn with_proxy_protocol_the_check_opens_with_a_local_header() {
    let (port, server) = serve_once("HTTP/1.1 200 OK\r\n\r\n", false).await;
    let mut c = check(port);
    c.proxy_protocol = true;
    assert_eq!(c.probe().await, Probe::Success);
    let got = server.await.unwrap();
    let local = crate::proxy_protocol::local();
    assert_eq!(&got[..local.len()], &local[..]);
    assert!(got[local.len()..].starts_with(b"GET /health HTTP/1.1\r\n"));
}

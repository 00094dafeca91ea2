//! The HTTP health check: `GET path` on a raw TCP connection, passing on status 200-399.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::checker::HealthCheck;
use super::state::Probe;
use super::tcp::dial_failure;
use crate::nlb::target::Dialer;

/// Longest response head read while looking for the status line.
const MAX_STATUS_LINE: usize = 8 * 1024;

/// Sends `GET path HTTP/1.1` to `host:port` and checks the status code (NLB's matcher 200-399).
#[derive(Debug, Clone)]
pub struct HttpCheck {
    dialer: Arc<Dialer>,
    host: String,
    port: u16,
    path: String,
    timeout: Duration,
}

impl HttpCheck {
    /// A check of `http://host:port{path}`, giving up dialling after `timeout`.
    pub fn new(dialer: Arc<Dialer>, host: &str, port: u16, path: &str, timeout: Duration) -> Self {
        Self {
            dialer,
            host: host.into(),
            port,
            path: path.into(),
            timeout,
        }
    }
}

/// The status code of an HTTP/1.x status line, if `head` holds a complete one.
fn status_code(head: &[u8]) -> Option<Result<u16, String>> {
    let end = head.windows(2).position(|w| w == b"\r\n")?;
    let line = String::from_utf8_lossy(&head[..end]);
    let mut parts = line.split(' ');
    let parsed = match (parts.next(), parts.next()) {
        (Some(v), Some(code)) if v.starts_with("HTTP/1.") => code.parse::<u16>().ok(),
        _ => None,
    };
    Some(parsed.ok_or_else(|| format!("not an HTTP status line: {line:?}")))
}

impl HealthCheck for HttpCheck {
    async fn probe(&self) -> Probe {
        let mut socket = match self.dialer.dial(&self.host, self.port, self.timeout).await {
            Ok(s) => s,
            Err(e) => return dial_failure(&e),
        };
        let request = format!(
            "GET {} HTTP/1.1\r\nHost: {}:{}\r\nUser-Agent: ELB-HealthChecker/2.0\r\nAccept: */*\r\nConnection: close\r\n\r\n",
            self.path, self.host, self.port
        );
        if let Err(e) = socket.write_all(request.as_bytes()).await {
            return Probe::Failed(e.to_string());
        }
        let mut head = Vec::with_capacity(256);
        loop {
            if let Some(status) = status_code(&head) {
                return match status {
                    Ok(code) if (200..=399).contains(&code) => Probe::Success,
                    Ok(code) => Probe::ResponseCodeMismatch(code),
                    Err(e) => Probe::Failed(e),
                };
            }
            if head.len() >= MAX_STATUS_LINE {
                return Probe::Failed("status line too long".into());
            }
            match socket.read_buf(&mut head).await {
                Ok(0) => return Probe::Failed("connection closed before a response".into()),
                Ok(_) => {}
                Err(e) => return Probe::Failed(e.to_string()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// Serves one request with `response` and returns the request head it got.
    async fn serve_once(response: &'static str) -> (u16, tokio::task::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut head = Vec::new();
            while !head.ends_with(b"\r\n\r\n") {
                s.read_buf(&mut head).await.unwrap();
            }
            s.write_all(response.as_bytes()).await.unwrap();
            String::from_utf8(head).unwrap()
        });
        (port, task)
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
            let (port, server) = serve_once(response).await;
            assert_eq!(check(port).probe().await, expect, "{response:?}");
            let head = server.await.unwrap();
            assert!(head.starts_with("GET /health HTTP/1.1\r\n"), "{head}");
        }
        let (port, _server) = serve_once("+PONG\r\n").await;
        assert!(matches!(check(port).probe().await, Probe::Failed(_)));
    }
}

//! The HTTP and HTTPS health checks: `GET path` (after a TLS handshake for HTTPS), passing when
//! the status code is one the target group's `Matcher` lists.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::checker::HealthCheck;
use super::state::Probe;
use super::tcp::dial_failure;
use super::tls;
use crate::nlb::target::Dialer;
use crate::proxy_protocol;

/// Longest response head read while looking for the status line.
const MAX_STATUS_LINE: usize = 8 * 1024;

/// The status codes of a passing answer (`Matcher.HttpCode`): ranges, inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Matcher(Vec<(u16, u16)>);

impl Matcher {
    /// Parses `200`, `200-299`, or a comma-separated list of either; empty or malformed
    /// (the control plane has checked it) means AWS's default, `200-399`.
    pub fn parse(s: &str) -> Self {
        let code = |p: &str| p.trim().parse::<u16>().ok();
        let ranges: Option<Vec<(u16, u16)>> = s
            .split(',')
            .map(|part| match part.split_once('-') {
                Some((lo, hi)) => Some((code(lo)?, code(hi)?)),
                None => code(part).map(|c| (c, c)),
            })
            .collect();
        match ranges {
            Some(r) if !s.is_empty() => Self(r),
            _ => Self(vec![(200, 399)]),
        }
    }

    /// Whether `code` passes.
    pub fn matches(&self, code: u16) -> bool {
        self.0.iter().any(|(lo, hi)| (*lo..=*hi).contains(&code))
    }
}

/// Sends `GET path HTTP/1.1` to `host:port`, over TLS for HTTPS, and checks the status code
/// against the matcher.
#[derive(Debug, Clone)]
pub struct HttpCheck {
    dialer: Arc<Dialer>,
    host: String,
    port: u16,
    path: String,
    timeout: Duration,
    /// HTTPS: a TLS handshake first, accepting any certificate.
    pub tls: bool,
    /// The codes that pass.
    pub matcher: Matcher,
    /// `proxy_protocol_v2.enabled`: the connection opens with a PROXY v2 `LOCAL` header.
    pub proxy_protocol: bool,
}

impl HttpCheck {
    /// A check of `http://host:port{path}` passing on 200-399, giving up dialling after
    /// `timeout`.
    pub fn new(dialer: Arc<Dialer>, host: &str, port: u16, path: &str, timeout: Duration) -> Self {
        Self {
            dialer,
            host: host.into(),
            port,
            path: path.into(),
            timeout,
            tls: false,
            matcher: Matcher::parse(""),
            proxy_protocol: false,
        }
    }

    /// Sends the request on `stream` and judges the answer.
    async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(&self, mut stream: S) -> Probe {
        let request = format!(
            "GET {} HTTP/1.1\r\nHost: {}:{}\r\nUser-Agent: ELB-HealthChecker/2.0\r\nAccept: */*\r\nConnection: close\r\n\r\n",
            self.path, self.host, self.port
        );
        if let Err(e) = stream.write_all(request.as_bytes()).await {
            return Probe::Failed(e.to_string());
        }
        let mut head = Vec::with_capacity(256);
        loop {
            if let Some(status) = status_code(&head) {
                return match status {
                    Ok(code) if self.matcher.matches(code) => Probe::Success,
                    Ok(code) => Probe::ResponseCodeMismatch(code),
                    Err(e) => Probe::Failed(e),
                };
            }
            if head.len() >= MAX_STATUS_LINE {
                return Probe::Failed("status line too long".into());
            }
            match stream.read_buf(&mut head).await {
                Ok(0) => return Probe::Failed("connection closed before a response".into()),
                Ok(_) => {}
                Err(e) => return Probe::Failed(e.to_string()),
            }
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
        if self.proxy_protocol
            && let Err(e) = socket.write_all(&proxy_protocol::local()).await
        {
            return Probe::Failed(e.to_string());
        }
        if !self.tls {
            return self.exchange(socket).await;
        }
        match tls::handshake(socket, &self.host).await {
            Ok(stream) => self.exchange(stream).await,
            Err(e) => Probe::Failed(format!("TLS handshake: {e}")),
        }
    }
}

#[cfg(test)]
mod tests;

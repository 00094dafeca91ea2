//! The TCP health check: connect to the target within the timeout, then close.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;

use super::checker::HealthCheck;
use super::state::Probe;
use crate::error::DialError;
use crate::nlb::target::Dialer;
use crate::proxy_protocol;

/// Connects to `host:port` and closes at once; success when the connection is accepted.
#[derive(Debug, Clone)]
pub struct TcpCheck {
    dialer: Arc<Dialer>,
    host: String,
    port: u16,
    timeout: Duration,
    /// `proxy_protocol_v2.enabled`: the check sends a PROXY v2 `LOCAL` header before closing.
    pub proxy_protocol: bool,
}

impl TcpCheck {
    /// A check of `host:port`, giving up after `timeout`.
    pub fn new(dialer: Arc<Dialer>, host: &str, port: u16, timeout: Duration) -> Self {
        Self {
            dialer,
            host: host.into(),
            port,
            timeout,
            proxy_protocol: false,
        }
    }
}

/// The probe result of a failed dial.
pub(super) fn dial_failure(e: &DialError) -> Probe {
    if e.is_timeout() {
        Probe::Timeout
    } else {
        Probe::Failed(e.to_string())
    }
}

impl HealthCheck for TcpCheck {
    async fn probe(&self) -> Probe {
        match self.dialer.dial(&self.host, self.port, self.timeout).await {
            Ok(mut socket) => {
                if self.proxy_protocol
                    && let Err(e) = socket.write_all(&proxy_protocol::local()).await
                {
                    return Probe::Failed(e.to_string());
                }
                drop(socket);
                Probe::Success
            }
            Err(e) => dial_failure(&e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    fn check(port: u16) -> TcpCheck {
        TcpCheck::new(
            Arc::new(Dialer::without_dns()),
            "127.0.0.1",
            port,
            Duration::from_secs(2),
        )
    }

    #[tokio::test]
    async fn listening_target_passes_and_sees_the_check_close() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let probe = tokio::spawn(async move { check(port).probe().await });
        let (mut conn, _) = listener.accept().await.unwrap();
        assert_eq!(probe.await.unwrap(), Probe::Success);
        let mut buf = [0u8; 1];
        let n = tokio::io::AsyncReadExt::read(&mut conn, &mut buf)
            .await
            .unwrap();
        assert_eq!(n, 0, "the check closes its connection");
    }

    #[tokio::test]
    async fn refusing_target_fails() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        assert!(matches!(check(port).probe().await, Probe::Failed(_)));
    }
}

//! Test helpers: a fake control plane, a fake provider agent and desired-state fixtures.

pub mod control_plane;
pub mod fixtures;
pub mod provider;

pub use control_plane::FakeControlPlane;
pub use provider::{FakeProvider, ProviderMode};

/// A UDP socket and a TCP listener on the same free `127.0.0.1` port, as
/// [`run`](crate::run) takes them for DNS. Retries when the TCP side of the
/// port the UDP socket got is taken.
///
/// # Errors
/// When no such port was found in a few attempts.
pub async fn dns_sockets() -> std::io::Result<(tokio::net::UdpSocket, tokio::net::TcpListener)> {
    let mut last = None;
    for _ in 0..20 {
        let udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
        match tokio::net::TcpListener::bind(udp.local_addr()?).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free DNS port")))
}

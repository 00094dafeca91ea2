//! Dialling targets: IP ids directly, host names through the system resolver.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use hickory_resolver::TokioResolver;
use plemu_proto::address_map::AddressMap;
use plemu_proto::pb::{TargetGroupSpec, TargetSpec};
use tokio::net::TcpStream;

use crate::error::DialError;

/// How long a flow waits for its target to accept.
pub const DIAL_TIMEOUT: Duration = Duration::from_secs(10);

/// The traffic port of `target` in `tg`: its own, or the group's when it registered none (0).
pub fn traffic_port(tg: &TargetGroupSpec, target: &TargetSpec) -> u32 {
    if target.port == 0 {
        tg.port
    } else {
        target.port
    }
}

/// Connects to targets by registered id (an IP address or a host name) and port.
///
/// Cheap to share behind an `Arc`: the resolver keeps one cache for every flow and health check.
#[derive(Clone)]
pub struct Dialer {
    /// The system resolver; `None` when the system configuration could not be read, in which
    /// case only IP ids and `localhost` can be dialled.
    resolver: Option<TokioResolver>,
    /// Modelled target IPs to real ones (a VPC standing as a Docker network); None: identity.
    address_map: Option<AddressMap>,
}

// === impl Dialer ===

impl Dialer {
    /// A dialer that resolves host names with the system configuration (`/etc/resolv.conf`,
    /// `/etc/hosts`). If that cannot be read it logs a warning and dials IP ids only.
    pub fn from_system() -> Self {
        let resolver = match TokioResolver::builder_tokio().and_then(|b| b.build()) {
            Ok(r) => Some(r),
            Err(e) => {
                tracing::warn!(error = %e, "system resolver unavailable; only IP targets and localhost can be dialled");
                None
            }
        };
        Self {
            resolver,
            address_map: None,
        }
    }

    /// A dialer that sends no DNS queries: IP ids and `localhost` only.
    pub fn without_dns() -> Self {
        Self {
            resolver: None,
            address_map: None,
        }
    }

    /// The same dialer, dialling a registered IP inside `map`'s modelled block at its real address.
    #[must_use]
    pub fn with_address_map(self, map: Option<AddressMap>) -> Self {
        Self {
            address_map: map,
            ..self
        }
    }

    /// The socket address of target `id` on `port`.
    ///
    /// # Errors
    /// [`DialError::Resolve`] or [`DialError::NoAddress`] when a host name does not resolve.
    pub async fn resolve(&self, id: &str, port: u16) -> Result<SocketAddr, DialError> {
        if let Ok(ip) = id.parse::<IpAddr>() {
            let real = match (ip, &self.address_map) {
                (IpAddr::V4(v4), Some(map)) => map.to_real(v4).map_or(ip, IpAddr::V4),
                _ => ip,
            };
            return Ok(SocketAddr::new(real, port));
        }
        let is_localhost = id.trim_end_matches('.').eq_ignore_ascii_case("localhost");
        let Some(resolver) = &self.resolver else {
            return if is_localhost {
                Ok(SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port))
            } else {
                Err(DialError::Resolve {
                    host: id.to_string(),
                    reason: "no system resolver configured".into(),
                })
            };
        };
        // `localhost.` is fully qualified so that no search domain is tried: the hosts file
        // (or RFC 6761's rule) answers it without a query.
        let name = if is_localhost { "localhost." } else { id };
        let lookup = resolver
            .lookup_ip(name)
            .await
            .map_err(|e| DialError::Resolve {
                host: id.to_string(),
                reason: e.to_string(),
            })?;
        let ips: Vec<IpAddr> = lookup.iter().collect();
        ips.iter()
            .find(|ip| ip.is_ipv4())
            .or_else(|| ips.first())
            .map(|ip| SocketAddr::new(*ip, port))
            .ok_or_else(|| DialError::NoAddress {
                host: id.to_string(),
            })
    }

    /// Connects to target `id` on `port`, resolving and connecting within `timeout`.
    ///
    /// # Errors
    /// The [`DialError`] that says why the target could not be reached.
    pub async fn dial(
        &self,
        id: &str,
        port: u16,
        timeout: Duration,
    ) -> Result<TcpStream, DialError> {
        self.dial_from(id, port, timeout, None).await
    }

    /// As [`Dialer::dial`], from the load balancer node's address `node` when the target is on
    /// loopback (in `plemu up` each node has a loopback address of its own, so the target sees
    /// the node as on AWS; a loopback source cannot reach any other address, so elsewhere the
    /// kernel picks the source, the agent's own address).
    ///
    /// # Errors
    /// The [`DialError`] that says why the target could not be reached.
    pub async fn dial_from(
        &self,
        id: &str,
        port: u16,
        timeout: Duration,
        node: Option<Ipv4Addr>,
    ) -> Result<TcpStream, DialError> {
        let attempt = async {
            let addr = self.resolve(id, port).await?;
            connect(
                addr,
                node.filter(|_| addr.ip().is_loopback() && addr.is_ipv4()),
            )
            .await
            .map_err(|source| DialError::Connect { addr, source })
        };
        match tokio::time::timeout(timeout, attempt).await {
            Ok(r) => r,
            Err(_) => Err(DialError::Timeout {
                target: format!("{id}:{port}"),
                after: timeout,
            }),
        }
    }
}

/// Connects to `addr`, from `source` (any port) when given.
///
/// The port is chosen at `connect`, not at `bind` (`IP_BIND_ADDRESS_NO_PORT`): a port taken at
/// `bind` is reserved for every destination, and stays so through TIME_WAIT, so a few tens of
/// thousands of short flows would use up the machine's ephemeral range (every `connect` on the
/// host then fails with EADDRNOTAVAIL, and each `bind` searches longer before). At `connect` the
/// port only has to make the 4-tuple unique, and TIME_WAIT ports are reused as for any client.
async fn connect(addr: SocketAddr, source: Option<Ipv4Addr>) -> std::io::Result<TcpStream> {
    let Some(source) = source else {
        return TcpStream::connect(addr).await;
    };
    let socket = tokio::net::TcpSocket::new_v4()?;
    nix::sys::socket::setsockopt(
        &socket,
        nix::sys::socket::sockopt::IpBindAddressNoPort,
        &true,
    )
    .map_err(std::io::Error::from)?;
    socket.bind(SocketAddr::new(source.into(), 0))?;
    socket.connect(addr).await
}

impl std::fmt::Debug for Dialer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dialer")
            .field("dns", &self.resolver.is_some())
            .field("address_map", &self.address_map)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    #[tokio::test]
    async fn dials_ip_and_localhost_targets() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        for dialer in [Dialer::from_system(), Dialer::without_dns()] {
            for id in ["127.0.0.1", "localhost"] {
                let s = dialer.dial(id, port, DIAL_TIMEOUT).await.unwrap();
                assert_eq!(s.peer_addr().unwrap().port(), port, "{id} via {dialer:?}");
                listener.accept().await.unwrap();
            }
        }
    }

    #[tokio::test]
    async fn a_modelled_ip_is_dialled_at_its_real_address() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let map = "127.0.0.0/8=10.0.0.0/8".parse().unwrap();
        let dialer = Dialer::without_dns().with_address_map(Some(map));
        let s = dialer.dial("10.0.0.1", port, DIAL_TIMEOUT).await.unwrap();
        assert_eq!(s.peer_addr().unwrap(), listener.local_addr().unwrap());
        // Outside the modelled block an IP is dialled as registered.
        assert_eq!(
            dialer.resolve("127.0.0.1", port).await.unwrap(),
            listener.local_addr().unwrap()
        );
    }

    #[tokio::test]
    async fn a_loopback_target_sees_the_node_address() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let node = Ipv4Addr::new(127, 0, 0, 77);
        let dialer = Dialer::without_dns();
        let s = dialer
            .dial_from("127.0.0.1", port, DIAL_TIMEOUT, Some(node))
            .await
            .unwrap();
        let (_, peer) = listener.accept().await.unwrap();
        assert_eq!(peer.ip(), IpAddr::V4(node));
        // Its port was chosen at connect, so it reserved nothing for other destinations.
        let no_port = nix::sys::socket::sockopt::IpBindAddressNoPort;
        assert!(nix::sys::socket::getsockopt(&s, no_port).unwrap());
        let _s = dialer
            .dial_from("127.0.0.1", port, DIAL_TIMEOUT, None)
            .await
            .unwrap();
        let (_, peer) = listener.accept().await.unwrap();
        assert_eq!(peer.ip(), IpAddr::V4(Ipv4Addr::LOCALHOST));
    }

    #[tokio::test]
    async fn refused_and_unresolvable_targets_fail() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let err = Dialer::without_dns()
            .dial("127.0.0.1", port, DIAL_TIMEOUT)
            .await
            .unwrap_err();
        assert!(matches!(err, DialError::Connect { .. }), "{err}");
        assert!(!err.is_timeout());
        let err = Dialer::without_dns()
            .dial("redis.internal", port, DIAL_TIMEOUT)
            .await
            .unwrap_err();
        assert!(matches!(err, DialError::Resolve { .. }), "{err}");
    }
}

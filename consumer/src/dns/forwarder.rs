//! The VPC resolver's upstream: a name plemu does not serve is forwarded, as the Route 53
//! Resolver at VPC+2 resolves every other name (the host's resolver by default). This is
//! hickory-server's own forwarding zone handler, mounted at the root of the catalog.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolveHosts};
use hickory_server::net::runtime::TokioRuntimeProvider;
use hickory_server::store::forwarder::{ForwardConfig, ForwardZoneHandler};
use tracing::warn;

/// How long one query to an explicit upstream may take.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(3);

/// Where names outside plemu's are resolved; with no upstream they are REFUSED.
#[derive(Clone, Default)]
pub(crate) struct Forwarder(Option<Arc<ForwardZoneHandler>>);

impl std::fmt::Debug for Forwarder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Forwarder")
            .field("upstream", &self.0.is_some())
            .finish()
    }
}

// === impl Forwarder ===

impl Forwarder {
    /// Forwards to `upstream` (`--dns-upstream`), or to the host's resolvers
    /// (`/etc/resolv.conf`, and `/etc/hosts` first, as a process on the host would resolve)
    /// when it is `None`.
    pub(crate) fn new(upstream: Option<SocketAddr>) -> Self {
        upstream.map_or_else(Self::from_system, Self::to)
    }

    /// Forwards to the host's resolvers; none (logged) if they cannot be read.
    pub(crate) fn from_system() -> Self {
        let built =
            ForwardZoneHandler::builder(TokioRuntimeProvider::default()).and_then(|mut b| {
                b.options_mut().use_hosts_file = ResolveHosts::Always;
                b.build()
            });
        match built {
            Ok(handler) => Self(Some(Arc::new(handler))),
            Err(e) => {
                warn!(error = %e, "no upstream resolver: names outside plemu's are refused");
                Self(None)
            }
        }
    }

    /// Forwards to the resolver at `upstream`, over UDP then TCP.
    pub(crate) fn to(upstream: SocketAddr) -> Self {
        let conns = [ConnectionConfig::udp(), ConnectionConfig::tcp()].map(|mut c| {
            c.port = upstream.port();
            c
        });
        let config = ForwardConfig {
            name_servers: vec![NameServerConfig::new(upstream.ip(), true, conns.to_vec())],
            options: None,
        };
        let mut builder = ForwardZoneHandler::builder_tokio(config);
        builder.options_mut().timeout = UPSTREAM_TIMEOUT;
        builder.options_mut().attempts = 1;
        match builder.build() {
            Ok(handler) => Self(Some(Arc::new(handler))),
            Err(e) => {
                warn!(%upstream, error = %e, "cannot forward to the upstream resolver: names outside plemu's are refused");
                Self(None)
            }
        }
    }

    /// The zone handler to mount at the root, if there is an upstream.
    pub(crate) fn handler(&self) -> Option<Arc<ForwardZoneHandler>> {
        self.0.clone()
    }
}

//! The VPC resolver's upstream: a name plemu does not serve is forwarded, as the Route 53
//! Resolver at VPC+2 resolves every other name (the host's resolver by default).

use std::net::SocketAddr;
use std::time::Duration;

use hickory_proto::rr::{LowerName, Name, Record, RecordType};
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::{Resolver, TokioResolver};
use tracing::warn;

/// How long one query to an explicit upstream may take.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(3);

/// What the upstream said about a forwarded name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Forwarded {
    /// NOERROR with these answer records (possibly none).
    Records(Vec<Record>),
    /// The name does not exist.
    NxDomain,
    /// The upstream failed or did not answer in time.
    ServFail,
}

/// Where names outside plemu's are resolved; `None` when no upstream could be configured (then
/// they are REFUSED).
#[derive(Clone)]
pub(crate) struct Forwarder {
    resolver: Option<TokioResolver>,
}

impl std::fmt::Debug for Forwarder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Forwarder")
            .field("upstream", &self.resolver.is_some())
            .finish()
    }
}

// === impl Forwarder ===

impl Forwarder {
    /// Forwards to the host's resolvers (`/etc/resolv.conf`); none if it cannot be read.
    pub(crate) fn from_system() -> Self {
        match Resolver::builder_tokio().and_then(|b| b.build()) {
            Ok(resolver) => Self {
                resolver: Some(resolver),
            },
            Err(e) => {
                warn!(error = %e, "no upstream resolver: names outside plemu's are refused");
                Self { resolver: None }
            }
        }
    }

    /// Forwards to the resolver at `upstream` (`--dns-upstream`), over UDP then TCP.
    pub(crate) fn to(upstream: SocketAddr) -> Self {
        let conns = [ConnectionConfig::udp(), ConnectionConfig::tcp()].map(|mut c| {
            c.port = upstream.port();
            c
        });
        let ns = NameServerConfig::new(upstream.ip(), true, conns.to_vec());
        let mut builder = Resolver::builder_with_config(
            ResolverConfig::from_name_servers(vec![ns]),
            TokioRuntimeProvider::default(),
        );
        builder.options_mut().timeout = UPSTREAM_TIMEOUT;
        builder.options_mut().attempts = 1;
        Self {
            resolver: builder.build().ok(),
        }
    }

    /// Resolves `name`'s `query_type` records upstream; `None` when there is no upstream.
    pub(crate) async fn forward(
        &self,
        name: &LowerName,
        query_type: RecordType,
    ) -> Option<Forwarded> {
        let resolver = self.resolver.as_ref()?;
        let name = Name::from(name.clone());
        let out = match resolver.lookup(name, query_type).await {
            Ok(lookup) => Forwarded::Records(lookup.answers().to_vec()),
            Err(e) if e.is_nx_domain() => Forwarded::NxDomain,
            Err(e) if e.is_no_records_found() => Forwarded::Records(Vec::new()),
            Err(e) => {
                warn!(error = %e, "upstream resolver failed");
                Forwarded::ServFail
            }
        };
        Some(out)
    }
}

//! A resolver that asks plemu's DNS server and nothing else.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::{Resolver, TokioResolver};

/// A resolver for plemu's DNS server at `dns`, with no cache.
///
/// # Errors
/// When the resolver cannot be built.
pub fn resolver(dns: SocketAddr) -> anyhow::Result<TokioResolver> {
    let mut udp = ConnectionConfig::udp();
    udp.port = dns.port();
    let mut tcp = ConnectionConfig::tcp();
    tcp.port = dns.port();
    let ns = NameServerConfig::new(dns.ip(), true, vec![udp, tcp]);
    let mut builder = Resolver::builder_with_config(
        ResolverConfig::from_name_servers(vec![ns]),
        TokioRuntimeProvider::default(),
    );
    let opts = builder.options_mut();
    opts.cache_size = 0;
    opts.timeout = Duration::from_secs(2);
    opts.attempts = 2;
    opts.use_hosts_file = ResolveHosts::Never;
    Ok(builder.build()?)
}

/// The IPv4 addresses of `name` (a trailing dot is added).
///
/// # Errors
/// When the name does not resolve.
pub async fn lookup(resolver: &TokioResolver, name: &str) -> anyhow::Result<Vec<IpAddr>> {
    let fqdn = if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    };
    let lookup = resolver.lookup_ip(fqdn.as_str()).await?;
    Ok(lookup.iter().collect())
}

//! `plemu resolve NAME`: looks a name up through plemu's DNS server, so that
//! `redis-cli -h "$(plemu resolve redis.example.internal)"` works without
//! changing the system resolver.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use hickory_resolver::Resolver;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;

/// Arguments of `plemu resolve`.
#[derive(clap::Args, Debug)]
pub struct ResolveArgs {
    /// The name to look up, e.g. an endpoint's DNS name or a service's private DNS name.
    pub name: String,
    /// plemu's DNS server.
    #[arg(long, env = "PLEMU_DNS", default_value = crate::DEFAULT_DNS)]
    pub dns: SocketAddr,
}

/// Prints the IPv4 addresses of `name`, one a line.
///
/// # Errors
/// When the name does not resolve.
pub async fn run(args: ResolveArgs) -> anyhow::Result<()> {
    let mut udp = ConnectionConfig::udp();
    udp.port = args.dns.port();
    let mut tcp = ConnectionConfig::tcp();
    tcp.port = args.dns.port();
    let ns = NameServerConfig::new(args.dns.ip(), true, vec![udp, tcp]);
    let mut builder = Resolver::builder_with_config(
        ResolverConfig::from_name_servers(vec![ns]),
        TokioRuntimeProvider::default(),
    );
    let opts = builder.options_mut();
    opts.cache_size = 0;
    opts.timeout = Duration::from_secs(2);
    opts.attempts = 2;
    opts.use_hosts_file = hickory_resolver::config::ResolveHosts::Never;
    let resolver = builder.build().context("cannot build the resolver")?;
    let fqdn = if args.name.ends_with('.') {
        args.name.clone()
    } else {
        format!("{}.", args.name)
    };
    let lookup = resolver.ipv4_lookup(fqdn.as_str()).await.with_context(|| {
        format!(
            "{} does not resolve through plemu's DNS at {}",
            args.name, args.dns
        )
    })?;
    for a in lookup.answers() {
        if let hickory_resolver::proto::rr::RData::A(a) = &a.data {
            println!("{}", a.0);
        }
    }
    Ok(())
}

//! `plemu up`: the control plane, a provider agent and a consumer agent in one
//! process on loopback, talking over the same gRPC API and tunnel as apart.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use anyhow::Context;
use plemu_proto::agent_token::Scope;
use tokio::net::{TcpListener, UdpSocket};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::shutdown;

/// Arguments of `plemu up`.
#[derive(clap::Args, Debug)]
pub struct UpArgs {
    /// Address of the API, gRPC and AWS's Query protocols on one port (the --endpoint-url of
    /// plemu's CLI and of the aws CLI). Port 0 picks a free port.
    #[arg(long, env = "PLEMU_API", default_value = crate::DEFAULT_API)]
    pub api: SocketAddr,
    /// Address of the DNS server (UDP and TCP) that answers endpoint and private DNS names. Port 0 picks a free port.
    #[arg(long, env = "PLEMU_DNS", default_value = crate::DEFAULT_DNS)]
    pub dns: SocketAddr,
    /// Address of the provider agent's tunnel server. Port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub tunnel: SocketAddr,
    #[command(flatten)]
    pub store: crate::store_args::StoreArgs,
    /// The address a local client is taken to have when endpoint security groups are evaluated.
    /// Default: the last usable address of the endpoint ENI's subnet (a host inside the consumer VPC).
    #[arg(long)]
    pub client_address: Option<Ipv4Addr>,
    #[command(flatten)]
    pub flow_limits: crate::roles::FlowLimitArgs,
    /// DNS server (ip:port) that names outside plemu's are forwarded to, as the VPC resolver
    /// resolves public names. Default: the host's resolvers, from /etc/resolv.conf.
    #[arg(long, env = "PLEMU_DNS_UPSTREAM")]
    pub dns_upstream: Option<SocketAddr>,
    /// Reset TCP flows idle this long (e.g. 2s), whatever each listener's
    /// `tcp.idle_timeout.seconds` says (350 s by default, 60 s at least on AWS): for tests that
    /// check how clients survive an NLB's idle timeout without waiting minutes.
    #[arg(long, value_parser = parse_duration)]
    pub tcp_idle_timeout: Option<Duration>,
    #[command(flatten)]
    pub docker: crate::docker::DockerArgs,
}

/// Runs everything until Ctrl-C or SIGTERM.
///
/// # Errors
/// When an address cannot be bound, the store cannot be opened, or a part fails.
pub async fn run(args: UpArgs) -> anyhow::Result<()> {
    shutdown::init_tracing();
    if args.docker.docker {
        return crate::docker::up(args).await;
    }
    // A flow holds a socket in the consumer and one in the provider agent.
    crate::fd_limit::raise(args.flow_limits.max_flows.saturating_mul(2));
    let api = TcpListener::bind(args.api)
        .await
        .with_context(|| format!("cannot listen for the API on {}", args.api))?;
    let (dns_udp, dns_tcp, dns_addr) = bind_dns(args.dns).await?;
    let tunnel = TcpListener::bind(args.tunnel)
        .await
        .with_context(|| format!("cannot listen for tunnels on {}", args.tunnel))?;
    // The agents' service on a loopback port of its own, apart from the API.
    let agents = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .context("cannot listen for agents on loopback")?;
    let api_addr = api.local_addr()?;
    let control_plane_url = format!("http://{}", agents.local_addr()?);

    // One registry for every role: `/metrics` on the API port shows them all.
    let metrics = plemu_proto::metrics::Metrics::new();
    let control_plane = args.store.open(metrics.clone()).await?;
    let public_dns = control_plane
        .public_dns_addr()
        .context("the public DNS is bound")?;
    let agent_token = Some(control_plane.agent_secret().mint(&Scope::All));

    let token = CancellationToken::new();
    let mut tasks = JoinSet::new();
    let t = token.child_token();
    tasks.spawn(async move {
        (
            "control plane",
            control_plane
                .serve(api, agents, t)
                .await
                .map_err(anyhow::Error::from),
        )
    });
    let provider = plemu_provider::Config {
        control_plane: control_plane_url.clone(),
        agent_id: "provider-0".into(),
        advertise_address: None,
        vpc_ids: Vec::new(),
        load_balancer_arns: Vec::new(),
        address_map: None,
        agent_token: agent_token.clone(),
        idle_timeout: args.tcp_idle_timeout,
        metrics: metrics.clone(),
    };
    let t = token.child_token();
    tasks.spawn(async move {
        (
            "provider agent",
            plemu_provider::run(provider, tunnel, t)
                .await
                .map_err(anyhow::Error::from),
        )
    });
    let consumer = plemu_consumer::Config {
        control_plane: control_plane_url,
        agent_id: "consumer-0".into(),
        client_address: match args.client_address {
            Some(a) => plemu_consumer::ClientAddress::Fixed(a),
            None => plemu_consumer::ClientAddress::SubnetHost,
        },
        agent_token,
        flow_limits: args.flow_limits.limits(),
        dns_upstream: args.dns_upstream,
        metrics,
        ..plemu_consumer::Config::default()
    };
    let t = token.child_token();
    tasks.spawn(async move {
        (
            "consumer agent",
            plemu_consumer::run(consumer, dns_udp, dns_tcp, t)
                .await
                .map_err(anyhow::Error::from),
        )
    });

    tracing::info!(api = %api_addr, dns = %dns_addr, %public_dns, data_dir = %args.store.data_dir.display(), "plemu ready");
    // A stable line on stdout for scripts and test harnesses to wait on.
    println!("plemu ready: api {api_addr} dns {dns_addr} public-dns {public_dns}");
    shutdown::supervise(token, tasks).await
}

/// Binds the DNS server's UDP socket and TCP listener on one address. With port 0 the UDP port
/// is picked first and may be taken for TCP (an outgoing connection's ephemeral port, say):
/// then another is tried, up to 20 times.
///
/// # Errors
/// When the address cannot be bound.
pub async fn bind_dns(addr: SocketAddr) -> anyhow::Result<(UdpSocket, TcpListener, SocketAddr)> {
    let mut attempts = 0;
    loop {
        let udp = UdpSocket::bind(addr)
            .await
            .with_context(|| format!("cannot bind the DNS server to udp {addr}"))?;
        let bound = udp.local_addr()?;
        match TcpListener::bind(bound).await {
            Ok(tcp) => return Ok((udp, tcp, bound)),
            Err(e)
                if addr.port() == 0
                    && e.kind() == std::io::ErrorKind::AddrInUse
                    && attempts < 20 =>
            {
                attempts += 1;
            }
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("cannot bind the DNS server to tcp {bound}"));
            }
        }
    }
}

/// The address to dial for a listener bound to `addr` (an unspecified address means loopback).
pub fn dialable(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V4(a) if a.ip().is_unspecified() => {
            SocketAddr::from((Ipv4Addr::LOCALHOST, a.port()))
        }
        SocketAddr::V6(a) if a.ip().is_unspecified() => {
            SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, a.port()))
        }
        other => other,
    }
}

/// Parses `0`, `250ms`, `2s` or `1m`.
///
/// # Errors
/// When the text is not a number with one of those units.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s
        .find(|c: char| !c.is_ascii_digit())
        .map_or((s, ""), |i| s.split_at(i));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("'{s}' is not a duration such as 0, 250ms, 2s or 1m"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        "h" => Ok(Duration::from_secs(n * 3600)),
        "" if n == 0 => Ok(Duration::ZERO),
        _ => Err(format!(
            "'{s}' is not a duration such as 0, 250ms, 2s or 1m"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("fast").is_err());
    }

    #[tokio::test]
    async fn dns_binds_udp_and_tcp_on_one_port_around_a_taken_one() {
        // Take many TCP ports, so that a UDP port 0 often lands on one of them.
        let mut held = Vec::new();
        for _ in 0..200 {
            held.push(TcpListener::bind("127.0.0.1:0").await.unwrap());
        }
        for _ in 0..50 {
            let (udp, tcp, addr) = bind_dns("127.0.0.1:0".parse().unwrap()).await.unwrap();
            assert_eq!(udp.local_addr().unwrap(), addr);
            assert_eq!(tcp.local_addr().unwrap(), addr);
        }
    }

    #[test]
    fn unspecified_addresses_dial_loopback() {
        assert_eq!(
            dialable("0.0.0.0:4599".parse().unwrap()),
            "127.0.0.1:4599".parse().unwrap()
        );
        assert_eq!(
            dialable("127.0.0.2:1".parse().unwrap()),
            "127.0.0.2:1".parse().unwrap()
        );
    }
}

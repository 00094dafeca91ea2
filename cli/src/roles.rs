//! `plemu control-plane`, `plemu provider`, `plemu consumer`: one role per
//! process, as containers run them.

use std::net::{Ipv4Addr, SocketAddr};

use anyhow::Context;
use plemu_proto::address_map::AddressMap;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::{shutdown, up::bind_dns, up::parse_duration};

/// Arguments of `plemu control-plane`.
#[derive(clap::Args, Debug)]
pub struct ControlPlaneArgs {
    /// Address of the API (gRPC and AWS's Query protocols).
    #[arg(long, env = "PLEMU_API", default_value = crate::DEFAULT_API)]
    pub api: SocketAddr,
    /// Address of the agents' service (watch streams, health reports); only agents holding a
    /// token from `plemu agent-token` are served there.
    #[arg(long, env = "PLEMU_AGENTS", default_value = crate::DEFAULT_AGENTS)]
    pub agents: SocketAddr,
    #[command(flatten)]
    pub store: crate::store_args::StoreArgs,
}

/// Arguments of `plemu provider`.
#[derive(clap::Args, Debug)]
pub struct ProviderArgs {
    /// URL of the control plane's agents' service (`plemu control-plane --agents`).
    #[arg(long, env = "PLEMU_CONTROL_PLANE", default_value = crate::DEFAULT_AGENTS_URL)]
    pub control_plane: String,
    /// This agent's token, from `plemu agent-token` (never printed).
    #[arg(long, env = "PLEMU_AGENT_TOKEN", hide_env_values = true)]
    pub agent_token: Option<plemu_proto::agent_token::AgentToken>,
    /// Name of this agent, unique among the provider agents of a control plane (target health
    /// is kept by it). Default: `provider@` and the address it advertises.
    #[arg(long, env = "PLEMU_AGENT_ID")]
    pub agent_id: Option<String>,
    /// Address of the tunnel server consumer agents dial.
    #[arg(long, env = "PLEMU_TUNNEL", default_value = "0.0.0.0:4600")]
    pub tunnel: SocketAddr,
    /// Address consumer agents should dial, when it is not the tunnel address (e.g. a container name and port).
    #[arg(long, env = "PLEMU_ADVERTISE")]
    pub advertise: Option<String>,
    /// VPCs this agent serves (repeat the flag); none means every VPC.
    #[arg(long = "vpc-id", env = "PLEMU_VPC_IDS", value_delimiter = ',')]
    pub vpc_ids: Vec<String>,
    /// Load balancers this agent serves (repeat the flag); none means every one in its VPCs.
    #[arg(
        long = "load-balancer-arn",
        env = "PLEMU_LOAD_BALANCER_ARNS",
        value_delimiter = ','
    )]
    pub load_balancer_arns: Vec<String>,
    /// REAL=MODELLED: the VPC is a network whose subnet REAL stands for its CIDR block MODELLED
    /// (Docker); a target registered by a modelled IP is dialled at its real one.
    #[arg(long, env = "PLEMU_ADDRESS_MAP")]
    pub address_map: Option<AddressMap>,
    /// Reset TCP flows idle this long (e.g. 2s), whatever each listener's
    /// `tcp.idle_timeout.seconds` says (350 s by default, 60 s at least on AWS): for tests.
    #[arg(long, env = "PLEMU_TCP_IDLE_TIMEOUT", value_parser = parse_duration)]
    pub tcp_idle_timeout: Option<std::time::Duration>,
    /// Serve this agent's own metrics (`/metrics`, Prometheus text format) on this address.
    #[arg(long, env = "PLEMU_METRICS")]
    pub metrics: Option<SocketAddr>,
}

/// Arguments of `plemu consumer`.
#[derive(clap::Args, Debug)]
pub struct ConsumerArgs {
    /// URL of the control plane's agents' service (`plemu control-plane --agents`).
    #[arg(long, env = "PLEMU_CONTROL_PLANE", default_value = crate::DEFAULT_AGENTS_URL)]
    pub control_plane: String,
    /// This agent's token, from `plemu agent-token` (never printed).
    #[arg(long, env = "PLEMU_AGENT_TOKEN", hide_env_values = true)]
    pub agent_token: Option<plemu_proto::agent_token::AgentToken>,
    /// Name of this agent. Default: `consumer@` and the host name.
    #[arg(long, env = "PLEMU_AGENT_ID")]
    pub agent_id: Option<String>,
    /// Address of the DNS server (UDP and TCP).
    #[arg(long, env = "PLEMU_DNS", default_value = crate::DEFAULT_DNS)]
    pub dns: SocketAddr,
    /// VPCs this agent serves (repeat the flag); none means every VPC.
    #[arg(long = "vpc-id", env = "PLEMU_VPC_IDS", value_delimiter = ',')]
    pub vpc_ids: Vec<String>,
    /// Endpoint network interfaces whose listeners this agent runs (repeat the flag); none means
    /// every ENI of its VPCs.
    #[arg(long = "eni-id", env = "PLEMU_ENI_IDS", value_delimiter = ',')]
    pub eni_ids: Vec<String>,
    /// Listen on the ENIs' modelled addresses (containers) instead of per-ENI loopback addresses.
    #[arg(long, env = "PLEMU_BIND_MODELLED", conflicts_with = "address_map")]
    pub bind_modelled: bool,
    /// REAL=MODELLED: the VPC is a network whose subnet REAL stands for its CIDR block MODELLED
    /// (Docker). Listeners bind the real image of each ENI's address, and security groups judge
    /// a client by the modelled image of its real address.
    #[arg(long, env = "PLEMU_ADDRESS_MAP", conflicts_with_all = ["client_address", "client_peer_address"])]
    pub address_map: Option<AddressMap>,
    /// Evaluate security groups on this client address instead of a host of the ENI's subnet.
    #[arg(long, conflicts_with = "client_peer_address")]
    pub client_address: Option<Ipv4Addr>,
    /// Evaluate security groups on the client's real address (containers).
    #[arg(long)]
    pub client_peer_address: bool,
    #[command(flatten)]
    pub flow_limits: FlowLimitArgs,
    /// DNS server (ip:port) that names outside plemu's are forwarded to. Default: the host's
    /// resolvers, from /etc/resolv.conf.
    #[arg(long, env = "PLEMU_DNS_UPSTREAM")]
    pub dns_upstream: Option<SocketAddr>,
    /// Serve this agent's own metrics (`/metrics`, Prometheus text format) on this address.
    #[arg(long, env = "PLEMU_METRICS")]
    pub metrics: Option<SocketAddr>,
}

/// Caps on the concurrent flows a consumer agent carries.
#[derive(clap::Args, Clone, Copy, Debug)]
pub struct FlowLimitArgs {
    /// Concurrent flows through one endpoint network interface; a connection past it is reset.
    #[arg(long, env = "PLEMU_MAX_FLOWS_PER_ENI", value_parser = clap::value_parser!(u64).range(1..),
        default_value_t = plemu_consumer::DEFAULT_MAX_FLOWS_PER_ENI as u64)]
    pub max_flows_per_eni: u64,
    /// Concurrent flows through all endpoints of the consumer agent; a connection past it is reset.
    #[arg(long, env = "PLEMU_MAX_FLOWS", value_parser = clap::value_parser!(u64).range(1..),
        default_value_t = plemu_consumer::DEFAULT_MAX_FLOWS as u64)]
    pub max_flows: u64,
}

impl FlowLimitArgs {
    /// The consumer agent's caps.
    pub fn limits(self) -> plemu_consumer::FlowLimits {
        let cap = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        plemu_consumer::FlowLimits {
            per_eni: cap(self.max_flows_per_eni),
            per_agent: cap(self.max_flows),
        }
    }
}

/// Runs the control plane alone.
///
/// # Errors
/// When the address cannot be bound or the store cannot be opened.
pub async fn control_plane(args: ControlPlaneArgs) -> anyhow::Result<()> {
    shutdown::init_tracing();
    let api = TcpListener::bind(args.api)
        .await
        .with_context(|| format!("cannot listen for the API on {}", args.api))?;
    let agents = TcpListener::bind(args.agents)
        .await
        .with_context(|| format!("cannot listen for agents on {}", args.agents))?;
    let cp = args
        .store
        .open(plemu_proto::metrics::Metrics::default())
        .await?;
    let addr = api.local_addr()?;
    let agents_addr = agents.local_addr()?;
    let public_dns = cp.public_dns_addr().context("the public DNS is bound")?;
    let token = CancellationToken::new();
    let mut tasks = JoinSet::new();
    let t = token.child_token();
    tasks.spawn(async move {
        (
            "control plane",
            cp.serve(api, agents, t).await.map_err(anyhow::Error::from),
        )
    });
    tracing::info!(api = %addr, agents = %agents_addr, %public_dns, "plemu control plane ready");
    println!("plemu control-plane ready: api {addr} agents {agents_addr} public-dns {public_dns}");
    shutdown::supervise(token, tasks).await
}

/// Serves an agent's metrics on `listener`, if one was bound, as one of `tasks`.
///
/// # Errors
/// When the listener's address cannot be read.
fn serve_metrics(
    tasks: &mut JoinSet<(&'static str, anyhow::Result<()>)>,
    token: &CancellationToken,
    listener: Option<TcpListener>,
    metrics: plemu_proto::metrics::Metrics,
) -> anyhow::Result<()> {
    let Some(listener) = listener else {
        return Ok(());
    };
    let addr = listener.local_addr()?;
    tracing::info!(metrics = %addr, "serving /metrics");
    println!("plemu metrics: http://{addr}/metrics");
    let t = token.child_token();
    tasks.spawn(async move {
        (
            "metrics server",
            crate::metrics_server::serve(listener, metrics, t).await,
        )
    });
    Ok(())
}

/// Runs a provider agent alone.
///
/// # Errors
/// When the tunnel address cannot be bound or the agent fails.
pub async fn provider(args: ProviderArgs) -> anyhow::Result<()> {
    shutdown::init_tracing();
    crate::fd_limit::raise(plemu_provider::MAX_FLOWS as u64);
    let tunnel = TcpListener::bind(args.tunnel)
        .await
        .with_context(|| format!("cannot listen for tunnels on {}", args.tunnel))?;
    let addr = tunnel.local_addr()?;
    let advertise = match args.advertise {
        Some(a) => a,
        None => advertised(addr, &hostname()?),
    };
    let cfg = plemu_provider::Config {
        control_plane: args.control_plane,
        agent_id: args
            .agent_id
            .unwrap_or_else(|| format!("provider@{advertise}")),
        advertise_address: Some(advertise.clone()),
        vpc_ids: args.vpc_ids,
        load_balancer_arns: args.load_balancer_arns,
        address_map: args.address_map,
        agent_token: args.agent_token,
        idle_timeout: args.tcp_idle_timeout,
        metrics: plemu_proto::metrics::Metrics::new(),
    };
    let metrics_listener = crate::metrics_server::bind(args.metrics).await?;
    let token = CancellationToken::new();
    let mut tasks = JoinSet::new();
    serve_metrics(&mut tasks, &token, metrics_listener, cfg.metrics.clone())?;
    let t = token.child_token();
    tasks.spawn(async move {
        (
            "provider agent",
            plemu_provider::run(cfg, tunnel, t)
                .await
                .map_err(anyhow::Error::from),
        )
    });
    tracing::info!(tunnel = %addr, %advertise, "plemu provider ready");
    println!("plemu provider ready: tunnel {addr}");
    shutdown::supervise(token, tasks).await
}

/// The address consumer agents are told to dial for a tunnel listener bound to `local`: an
/// unspecified address (`0.0.0.0`) cannot be dialled, so this host's name stands for it.
pub(crate) fn advertised(local: SocketAddr, hostname: &str) -> String {
    if local.ip().is_unspecified() {
        format!("{hostname}:{}", local.port())
    } else {
        local.to_string()
    }
}

/// This machine's (or container's) host name.
///
/// # Errors
/// When `/etc/hostname` cannot be read.
pub(crate) fn hostname() -> anyhow::Result<String> {
    let name = std::fs::read_to_string("/etc/hostname").context("cannot read /etc/hostname")?;
    Ok(name.trim().to_string())
}

/// Runs a consumer agent alone.
///
/// # Errors
/// When the DNS address cannot be bound or the agent fails.
pub async fn consumer(args: ConsumerArgs) -> anyhow::Result<()> {
    shutdown::init_tracing();
    crate::fd_limit::raise(args.flow_limits.max_flows);
    let (dns_udp, dns_tcp, dns_addr) = bind_dns(args.dns).await?;
    let cfg = plemu_consumer::Config {
        control_plane: args.control_plane,
        agent_id: match args.agent_id {
            Some(id) => id,
            None => format!("consumer@{}", hostname()?),
        },
        vpc_ids: args.vpc_ids,
        eni_ids: args.eni_ids,
        agent_token: args.agent_token,
        bind: match (args.address_map, args.bind_modelled) {
            (Some(map), _) => plemu_consumer::BindMode::Mapped(map),
            (None, true) => plemu_consumer::BindMode::Modelled,
            (None, false) => plemu_consumer::BindMode::Loopback,
        },
        client_address: match (
            args.address_map,
            args.client_address,
            args.client_peer_address,
        ) {
            (Some(map), _, _) => plemu_consumer::ClientAddress::Mapped(map),
            (None, Some(a), _) => plemu_consumer::ClientAddress::Fixed(a),
            (None, None, true) => plemu_consumer::ClientAddress::Peer,
            (None, None, false) => plemu_consumer::ClientAddress::SubnetHost,
        },
        flow_limits: args.flow_limits.limits(),
        dns_upstream: args.dns_upstream,
        ..plemu_consumer::Config::default()
    };
    let metrics_listener = crate::metrics_server::bind(args.metrics).await?;
    let token = CancellationToken::new();
    let mut tasks = JoinSet::new();
    serve_metrics(&mut tasks, &token, metrics_listener, cfg.metrics.clone())?;
    let t = token.child_token();
    tasks.spawn(async move {
        (
            "consumer agent",
            plemu_consumer::run(cfg, dns_udp, dns_tcp, t)
                .await
                .map_err(anyhow::Error::from),
        )
    });
    println!("plemu consumer ready: dns {dns_addr}");
    shutdown::supervise(token, tasks).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unspecified_tunnel_address_is_advertised_by_host_name() {
        let any: SocketAddr = "0.0.0.0:4600".parse().unwrap();
        let local: SocketAddr = "127.0.0.1:4600".parse().unwrap();
        assert_eq!(advertised(any, "nlb-1"), "nlb-1:4600");
        assert_eq!(advertised(local, "nlb-1"), "127.0.0.1:4600");
    }
}

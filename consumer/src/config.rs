//! The consumer agent's configuration and how it turns into runtime settings.

use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroUsize;
use std::time::Duration;

use ipnet::Ipv4Net;
use plemu_proto::address_map::AddressMap;
use plemu_proto::agent_token::AgentToken;
use tonic::transport::Endpoint;

use crate::Error;
use crate::endpoint::limits::FlowLimits;

/// Default control plane URL.
pub const DEFAULT_CONTROL_PLANE: &str = "http://127.0.0.1:4566";
/// Default agent name.
pub const DEFAULT_AGENT_ID: &str = "consumer-0";
/// Default number of HTTP/2 connections kept to each provider agent.
pub const DEFAULT_TUNNEL_CONNECTIONS: usize = 2;

/// How long dialling the control plane may take before the agent backs off and retries.
const CONTROL_PLANE_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Interval of HTTP/2 pings on the Watch connection, and how long an
/// answer may take: a control plane that vanished is noticed this fast.
const CONTROL_PLANE_KEEP_ALIVE: Duration = Duration::from_secs(10);

/// What the consumer agent serves and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Control plane gRPC URL, e.g. `http://127.0.0.1:4566`.
    pub control_plane: String,
    /// Stable agent name, e.g. `consumer-0`.
    pub agent_id: String,
    /// VPCs served; empty = all.
    pub vpc_ids: Vec<String>,
    /// Endpoint network interfaces served (one container per ENI in Docker); empty = every ENI
    /// of the VPCs served.
    pub eni_ids: Vec<String>,
    /// Which address each ENI listener binds.
    pub bind: BindMode,
    /// Which address a client is taken to have when security groups are evaluated.
    pub client_address: ClientAddress,
    /// HTTP/2 connections kept to each provider agent (flows are spread over them). Default 2.
    pub tunnel_connections: usize,
    /// Caps on concurrent flows, per ENI and for the whole agent.
    pub flow_limits: FlowLimits,
    /// Where the DNS server forwards names that are not plemu's; `None`: the host's resolvers
    /// (`/etc/resolv.conf`), as the VPC resolver at VPC+2 resolves public names.
    pub dns_upstream: Option<std::net::SocketAddr>,
    /// The token the control plane gave this agent; `None` only against a control plane that
    /// asks for none (tests).
    pub agent_token: Option<AgentToken>,
    /// Where the endpoints' `AWS/PrivateLinkEndpoints` metrics go (shared with the other roles in
    /// `plemu up`).
    pub metrics: plemu_proto::metrics::Metrics,
}

/// Which address each ENI listener binds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BindMode {
    /// `EniSpec.bind_address` (all-in-one on loopback).
    #[default]
    Loopback,
    /// `EniSpec.private_ip_address` (containers: the real address is the modelled one).
    Modelled,
    /// The real address of `EniSpec.private_ip_address` under this map (a container on a Docker
    /// network whose subnet stands for the VPC's CIDR block).
    Mapped(AddressMap),
}

/// Which address a client is taken to have when security groups are evaluated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ClientAddress {
    /// The last usable address of the ENI's subnet (e.g. 10.1.1.254 in
    /// 10.1.1.0/24): a local client counts as a host inside the consumer VPC.
    #[default]
    SubnetHost,
    /// This fixed modelled address.
    Fixed(Ipv4Addr),
    /// The real peer address (containers).
    Peer,
    /// The real peer address translated by this map (a Docker network standing for the VPC).
    Mapped(AddressMap),
}

/// The validated configuration the agent runs with.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    /// Where the control plane is dialled.
    pub control_plane: Endpoint,
    /// Sent in every Watch request.
    pub agent_id: String,
    /// Sent in every Watch request; empty = all VPCs.
    pub vpc_ids: Vec<String>,
    /// ENIs whose listeners this agent runs; empty = all.
    pub eni_ids: Vec<String>,
    /// Which ENI address listeners bind and DNS answers.
    pub bind: BindMode,
    /// How a client's modelled address is found.
    pub client_address: ClientAddress,
    /// HTTP/2 connections per provider agent.
    pub tunnel_connections: NonZeroUsize,
    /// Caps on concurrent flows (each at least 1).
    pub flow_limits: FlowLimits,
    /// Where other names are forwarded; `None`: the host's resolvers.
    pub dns_upstream: Option<std::net::SocketAddr>,
    /// Sent with every Watch.
    pub agent_token: Option<AgentToken>,
    /// Where the endpoints' `AWS/PrivateLinkEndpoints` metrics go (shared with the other roles in
    /// `plemu up`).
    pub metrics: plemu_proto::metrics::Metrics,
}

// === impl Config ===

impl Default for Config {
    fn default() -> Self {
        Self {
            control_plane: DEFAULT_CONTROL_PLANE.to_string(),
            agent_id: DEFAULT_AGENT_ID.to_string(),
            vpc_ids: Vec::new(),
            eni_ids: Vec::new(),
            bind: BindMode::default(),
            client_address: ClientAddress::default(),
            tunnel_connections: DEFAULT_TUNNEL_CONNECTIONS,
            flow_limits: FlowLimits::default(),
            dns_upstream: None,
            agent_token: None,
            metrics: plemu_proto::metrics::Metrics::default(),
        }
    }
}

impl Config {
    /// Checks every field and reports all problems at once.
    pub(crate) fn validate(self) -> Result<Settings, Error> {
        let mut problems = Vec::new();
        let control_plane = Endpoint::from_shared(self.control_plane.clone())
            .map(|e| {
                e.connect_timeout(CONTROL_PLANE_CONNECT_TIMEOUT)
                    .http2_keep_alive_interval(CONTROL_PLANE_KEEP_ALIVE)
                    .keep_alive_timeout(CONTROL_PLANE_KEEP_ALIVE)
            })
            .map_err(|e| problems.push(format!("control_plane {:?}: {e}", self.control_plane)))
            .ok();
        if self.agent_id.trim().is_empty() {
            problems.push("agent_id must not be empty".to_string());
        }
        let tunnel_connections = NonZeroUsize::new(self.tunnel_connections);
        if tunnel_connections.is_none() {
            problems.push("tunnel_connections must be at least 1".to_string());
        }
        if self.flow_limits.per_eni == 0 || self.flow_limits.per_agent == 0 {
            problems.push(format!(
                "flow limits must be at least 1 (per ENI {}, per agent {})",
                self.flow_limits.per_eni, self.flow_limits.per_agent
            ));
        }
        match (control_plane, tunnel_connections) {
            (Some(control_plane), Some(tunnel_connections)) if problems.is_empty() => {
                Ok(Settings {
                    control_plane,
                    agent_id: self.agent_id,
                    vpc_ids: self.vpc_ids,
                    eni_ids: self.eni_ids,
                    bind: self.bind,
                    client_address: self.client_address,
                    tunnel_connections,
                    flow_limits: self.flow_limits,
                    dns_upstream: self.dns_upstream,
                    agent_token: self.agent_token,
                    metrics: self.metrics,
                })
            }
            _ => Err(Error::Config(problems)),
        }
    }
}

// === impl ClientAddress ===

impl ClientAddress {
    /// The modelled address of a client that connected from `peer` to an ENI
    /// in the subnet `subnet_cidr`.
    pub(crate) fn modelled(self, subnet_cidr: &str, peer: IpAddr) -> Result<Ipv4Addr, String> {
        match self {
            Self::Fixed(a) => Ok(a),
            Self::Peer => peer_v4(peer),
            Self::Mapped(map) => {
                let real = peer_v4(peer)?;
                map.to_modelled(real).ok_or_else(|| {
                    format!(
                        "peer address {real} is outside the VPC's network {}",
                        map.real()
                    )
                })
            }
            Self::SubnetHost => {
                let net: Ipv4Net = subnet_cidr
                    .parse()
                    .map_err(|e| format!("subnet CIDR {subnet_cidr:?}: {e}"))?;
                Ok(last_usable(net))
            }
        }
    }
}

/// `peer` as IPv4 (an IPv4-mapped IPv6 address counts).
fn peer_v4(peer: IpAddr) -> Result<Ipv4Addr, String> {
    match peer {
        IpAddr::V4(a) => Ok(a),
        IpAddr::V6(a) => a
            .to_ipv4_mapped()
            .ok_or_else(|| format!("peer address {a} is not IPv4")),
    }
}

/// The last address of `net` a host may have: the one before the broadcast
/// address, or the broadcast address itself for /31 and /32.
fn last_usable(net: Ipv4Net) -> Ipv4Addr {
    let broadcast = net.broadcast();
    if net.prefix_len() >= 31 {
        broadcast
    } else {
        Ipv4Addr::from(u32::from(broadcast) - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_address_cases() {
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        let cases: &[(ClientAddress, &str, IpAddr, Result<Ipv4Addr, ()>)] = &[
            (
                ClientAddress::SubnetHost,
                "10.1.1.0/24",
                peer,
                Ok(Ipv4Addr::new(10, 1, 1, 254)),
            ),
            (
                ClientAddress::SubnetHost,
                "10.1.0.0/16",
                peer,
                Ok(Ipv4Addr::new(10, 1, 255, 254)),
            ),
            (
                ClientAddress::SubnetHost,
                "10.1.1.4/31",
                peer,
                Ok(Ipv4Addr::new(10, 1, 1, 5)),
            ),
            (
                ClientAddress::SubnetHost,
                "10.1.1.7/32",
                peer,
                Ok(Ipv4Addr::new(10, 1, 1, 7)),
            ),
            (ClientAddress::SubnetHost, "not-a-cidr", peer, Err(())),
            (
                ClientAddress::Fixed(Ipv4Addr::new(192, 168, 0, 9)),
                "10.1.1.0/24",
                peer,
                Ok(Ipv4Addr::new(192, 168, 0, 9)),
            ),
            (
                ClientAddress::Peer,
                "10.1.1.0/24",
                peer,
                Ok(Ipv4Addr::LOCALHOST),
            ),
            (
                ClientAddress::Peer,
                "",
                "::ffff:10.2.0.5".parse().unwrap(),
                Ok(Ipv4Addr::new(10, 2, 0, 5)),
            ),
            (ClientAddress::Peer, "", "::1".parse().unwrap(), Err(())),
            (
                ClientAddress::Mapped("10.96.0.0/16=10.1.0.0/16".parse().unwrap()),
                "",
                "10.96.3.9".parse().unwrap(),
                Ok(Ipv4Addr::new(10, 1, 3, 9)),
            ),
            (
                ClientAddress::Mapped("10.96.0.0/16=10.1.0.0/16".parse().unwrap()),
                "",
                "10.97.0.1".parse().unwrap(),
                Err(()),
            ),
        ];
        for (mode, cidr, peer, want) in cases {
            let got = mode.modelled(cidr, *peer).map_err(|_| ());
            assert_eq!(&got, want, "{mode:?} {cidr} {peer}");
        }
    }

    #[test]
    fn validation_reports_every_bad_field() {
        let cfg = Config {
            control_plane: "not a url".into(),
            agent_id: " ".into(),
            tunnel_connections: 0,
            ..Config::default()
        };
        let Err(Error::Config(problems)) = cfg.validate() else {
            panic!("expected a config error");
        };
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(Config::default().validate().is_ok());
    }
}

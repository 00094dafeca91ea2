//! The agent containers a topology asks for: one consumer agent per endpoint network interface,
//! one provider agent per load balancer, each with its address and DNS aliases on its VPC's
//! network. Pure: the same topology always gives the same specs.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use plemu_proto::address_map::AddressMap;
use plemu_proto::agent_token::{AgentToken, Scope};
use plemu_proto::pb::{DnsNameKind, EndpointSpec, LoadBalancerSpec, TopologyState};

use crate::names::{self, Kind};

/// The port every provider agent container serves its tunnel on (on the backbone).
pub const TUNNEL_PORT: u16 = 4600;

/// One agent container as it must run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerSpec {
    /// The container's name.
    pub name: String,
    /// ENI or NLB.
    pub kind: Kind,
    /// The AWS id it stands for (ENI id or load balancer ARN).
    pub id: String,
    /// The VPC network it joins.
    pub vpc_network: String,
    /// Its real address on that network: the image of the modelled address.
    pub ip: Ipv4Addr,
    /// Names other containers on the VPC network resolve to it.
    pub aliases: Vec<String>,
    /// The `plemu` arguments it runs.
    pub args: Vec<String>,
    /// What its agent token allows: its VPC (ENI) or its load balancer (NLB).
    pub scope: Scope,
}

/// What every agent container shares.
#[derive(Clone, Debug)]
pub struct AgentSettings {
    /// The control plane's agent URL as containers on the backbone dial it.
    pub control_plane: String,
}

// === impl ContainerSpec ===

impl ContainerSpec {
    /// Everything the container is created with, as one string: a container whose label differs
    /// is replaced. Of its token only the last 8 hex digits go in (a new secret replaces it).
    pub fn digest(&self, image: &str, backbone: &str, token: &AgentToken) -> String {
        let t = token.expose();
        format!(
            "{image} {backbone} {} {} [{}] {} token …{}",
            self.vpc_network,
            self.ip,
            self.aliases.join(","),
            self.args.join(" "),
            &t[t.len().saturating_sub(8)..]
        )
    }
}

/// The containers `topology` asks for, given each VPC's address map. Endpoints and load
/// balancers whose VPC has no network yet, or whose address has no image in it, are skipped
/// (logged at debug) until the next snapshot.
pub fn wanted(
    topology: &TopologyState,
    maps: &HashMap<String, AddressMap>,
    settings: &AgentSettings,
) -> Vec<ContainerSpec> {
    let mut out = Vec::new();
    for e in &topology.endpoints {
        if let Some(map) = maps.get(&e.vpc_id) {
            out.extend(eni_containers(e, map, settings));
        }
    }
    for lb in &topology.load_balancers {
        if let Some(map) = maps.get(&lb.vpc_id) {
            out.extend(nlb_container(lb, map, settings));
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// One consumer agent per ENI of `e`, answering the names that resolve to that ENI.
fn eni_containers<'a>(
    e: &'a EndpointSpec,
    map: &'a AddressMap,
    settings: &'a AgentSettings,
) -> impl Iterator<Item = ContainerSpec> + 'a {
    e.network_interfaces.iter().filter_map(move |eni| {
        let modelled: Ipv4Addr = eni.private_ip_address.parse().ok()?;
        let Some(ip) = map.to_real(modelled) else {
            tracing::debug!(eni = %eni.network_interface_id, %modelled, %map, "ENI address outside its VPC's network");
            return None;
        };
        let aliases = e
            .dns_names
            .iter()
            .filter(|d| match d.kind() {
                DnsNameKind::Zonal => d.availability_zone == eni.availability_zone,
                _ => true,
            })
            .map(|d| d.name.clone())
            .collect();
        let name = names::eni_container(&eni.network_interface_id);
        let args: Vec<String> = [
            "consumer",
            "--control-plane",
            &settings.control_plane,
            "--agent-id",
            &name,
            "--vpc-id",
            &e.vpc_id,
            "--eni-id",
            &eni.network_interface_id,
            "--address-map",
            &map.to_string(),
            "--dns",
            "127.0.0.1:53",
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        Some(ContainerSpec {
            name,
            kind: Kind::Eni,
            id: eni.network_interface_id.clone(),
            vpc_network: names::vpc_network(&e.vpc_id),
            ip,
            aliases,
            args,
            scope: Scope::Consumer {
                vpc_id: e.vpc_id.clone(),
            },
        })
    })
}

/// The provider agent of `lb`, at the address of its first node.
fn nlb_container(
    lb: &LoadBalancerSpec,
    map: &AddressMap,
    settings: &AgentSettings,
) -> Option<ContainerSpec> {
    let modelled: Ipv4Addr = lb.nodes.first()?.private_ipv4_address.parse().ok()?;
    let ip = map.to_real(modelled)?;
    let name = names::nlb_container(&lb.load_balancer_arn);
    let tunnel = format!("0.0.0.0:{TUNNEL_PORT}");
    let advertise = format!("{name}:{TUNNEL_PORT}");
    let args: Vec<String> = [
        "provider",
        "--control-plane",
        &settings.control_plane,
        "--agent-id",
        &name,
        "--vpc-id",
        &lb.vpc_id,
        "--load-balancer-arn",
        &lb.load_balancer_arn,
        "--tunnel",
        &tunnel,
        "--advertise",
        &advertise,
        "--address-map",
        &map.to_string(),
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    Some(ContainerSpec {
        name,
        kind: Kind::Nlb,
        id: lb.load_balancer_arn.clone(),
        vpc_network: names::vpc_network(&lb.vpc_id),
        ip,
        aliases: Vec::new(),
        args,
        scope: Scope::Provider {
            load_balancer_arn: lb.load_balancer_arn.clone(),
        },
    })
}

#[cfg(test)]
mod tests;

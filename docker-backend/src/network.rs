//! Docker networks: one per VPC, internal (no way out but through an endpoint), on the VPC's
//! CIDR block when it is free and on a block of the same size from the pool when it is not;
//! and the backbone the agents share.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use bollard::Docker;
use bollard::models::{Ipam, IpamConfig, NetworkCreateRequest};
use bollard::query_parameters::ListNetworksOptions;
use ipnet::Ipv4Net;
use plemu_proto::address_map::AddressMap;

use crate::error::{Error, refused};
use crate::names::{self, Kind, LABEL_CIDR, LABEL_ID, LABEL_KIND};

/// A VPC's network as it exists in Docker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VpcNetwork {
    /// `plemu-<vpc-id>`.
    pub name: String,
    /// The VPC's CIDR block onto the network's subnet.
    pub map: AddressMap,
}

/// The backbone as it exists in Docker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backbone {
    /// `plemu-backbone-<instance>`.
    pub name: String,
    /// The host's address on it (the bridge's gateway).
    pub gateway: Ipv4Addr,
}

/// The backbone of `instance`, created when missing. It is an ordinary bridge: the control plane
/// may run on the host, which containers reach at the gateway address.
///
/// # Errors
/// When Docker refuses, or the network has no IPv4 gateway.
pub async fn ensure_backbone(docker: &Docker, instance: &str) -> Result<Backbone, Error> {
    let name = names::backbone_network(instance);
    if docker.inspect_network(&name, None).await.is_err() {
        let req = NetworkCreateRequest {
            name: name.clone(),
            driver: Some("bridge".into()),
            labels: Some(names::labels(instance, Kind::Backbone, instance)),
            ..Default::default()
        };
        docker
            .create_network(req)
            .await
            .map_err(refused(format!("create network {name}")))?;
        tracing::info!(network = %name, "created the agents' backbone network");
    }
    let net = docker
        .inspect_network(&name, None)
        .await
        .map_err(refused(format!("inspect network {name}")))?;
    let gateway = net
        .ipam
        .and_then(|i| i.config)
        .unwrap_or_default()
        .into_iter()
        .find_map(|c| c.gateway?.parse().ok())
        .ok_or_else(|| Error::NoGateway(name.clone()))?;
    Ok(Backbone { name, gateway })
}

/// The VPC networks of `instance`, by VPC id.
///
/// # Errors
/// When Docker cannot list networks.
pub async fn vpc_networks(
    docker: &Docker,
    instance: &str,
) -> Result<HashMap<String, VpcNetwork>, Error> {
    let mut out = HashMap::new();
    for net in list(docker, Some(instance)).await? {
        let labels = net.labels.unwrap_or_default();
        if labels.get(LABEL_KIND).map(String::as_str) != Some(Kind::Vpc.as_str()) {
            continue;
        }
        let (Some(vpc), Some(cidr), Some(name)) =
            (labels.get(LABEL_ID), labels.get(LABEL_CIDR), net.name)
        else {
            continue;
        };
        let real = net
            .ipam
            .and_then(|i| i.config)
            .unwrap_or_default()
            .into_iter()
            .find_map(|c| c.subnet?.parse::<Ipv4Net>().ok());
        let map = match (real, cidr.parse::<Ipv4Net>()) {
            (Some(real), Ok(cidr)) => AddressMap::new(real, cidr).ok(),
            _ => None,
        };
        match map {
            Some(map) => {
                out.insert(vpc.clone(), VpcNetwork { name, map });
            }
            None => {
                tracing::warn!(network = %name, "plemu network with an unreadable subnet; ignored")
            }
        }
    }
    Ok(out)
}

/// Creates the network of VPC `vpc_id` with CIDR block `cidr`: on `cidr` itself when no network
/// or route of this host overlaps it, else on the first free block of the same size in `pool`.
///
/// # Errors
/// [`Error::NoSubnet`] when no block is free, or Docker's refusal.
pub async fn create_vpc_network(
    docker: &Docker,
    instance: &str,
    vpc_id: &str,
    cidr: Ipv4Net,
    pool: Ipv4Net,
) -> Result<VpcNetwork, Error> {
    let name = names::vpc_network(vpc_id);
    let mut taken = host_routes();
    for net in list(docker, None).await? {
        let configs = net.ipam.and_then(|i| i.config).unwrap_or_default();
        taken.extend(
            configs
                .into_iter()
                .filter_map(|c| c.subnet?.parse::<Ipv4Net>().ok()),
        );
    }
    let cidr = cidr.trunc();
    let candidates =
        std::iter::once(cidr).chain(pool.subnets(cidr.prefix_len()).into_iter().flatten());
    for real in candidates {
        if taken.iter().any(|t| overlaps(*t, real)) {
            continue;
        }
        let mut labels = names::labels(instance, Kind::Vpc, vpc_id);
        labels.insert(LABEL_CIDR.into(), cidr.to_string());
        let req = NetworkCreateRequest {
            name: name.clone(),
            driver: Some("bridge".into()),
            internal: Some(true),
            ipam: Some(Ipam {
                config: Some(vec![IpamConfig {
                    subnet: Some(real.to_string()),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            labels: Some(labels),
            ..Default::default()
        };
        match docker.create_network(req).await {
            Ok(_) => {
                let map = AddressMap::new(real, cidr).map_err(|_| Error::NoSubnet {
                    vpc: vpc_id.into(),
                    cidr,
                    pool,
                })?;
                tracing::info!(network = %name, subnet = %real, vpc.cidr = %cidr, "created VPC network");
                return Ok(VpcNetwork { name, map });
            }
            // Another engine user took it between the listing and now: try the next block.
            Err(e) if e.to_string().contains("overlaps") => continue,
            Err(e) => return Err(refused(format!("create network {name}"))(e)),
        }
    }
    Err(Error::NoSubnet {
        vpc: vpc_id.into(),
        cidr,
        pool,
    })
}

/// Removes network `name`; one that still has containers (an application's, say) stays, logged.
pub async fn remove(docker: &Docker, name: &str) {
    match docker.remove_network(name).await {
        Ok(()) => tracing::info!(network = %name, "removed network"),
        Err(e) => tracing::warn!(network = %name, error = %e, "cannot remove network yet"),
    }
}

/// Every network, or those of `instance`.
pub(crate) async fn list(
    docker: &Docker,
    instance: Option<&str>,
) -> Result<Vec<bollard::models::Network>, Error> {
    let options = ListNetworksOptions {
        filters: instance.map(names::instance_filter),
    };
    docker
        .list_networks(Some(options))
        .await
        .map_err(refused("list networks"))
}

/// Whether two blocks share an address.
fn overlaps(a: Ipv4Net, b: Ipv4Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// The blocks this host routes to (not the default route): a VPC network there would shadow them.
fn host_routes() -> Vec<Ipv4Net> {
    std::fs::read_to_string("/proc/net/route")
        .map(|text| parse_routes(&text))
        .unwrap_or_default()
}

/// The destination blocks of `/proc/net/route`'s table, without the default route.
fn parse_routes(text: &str) -> Vec<Ipv4Net> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let dest = u32::from_str_radix(f.get(1)?, 16).ok()?;
            let mask = u32::from_str_radix(f.get(7)?, 16).ok()?;
            // The kernel prints these in host byte order of a little-endian machine.
            let dest = Ipv4Addr::from(dest.swap_bytes());
            let prefix = u8::try_from(mask.count_ones()).ok()?;
            (prefix > 0)
                .then(|| Ipv4Net::new(dest, prefix).ok())
                .flatten()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_both_ways() {
        let n = |s: &str| s.parse::<Ipv4Net>().unwrap();
        assert!(overlaps(n("10.0.0.0/16"), n("10.0.1.0/24")));
        assert!(overlaps(n("10.0.1.0/24"), n("10.0.0.0/8")));
        assert!(!overlaps(n("10.0.0.0/16"), n("10.1.0.0/16")));
    }

    #[test]
    fn routes_are_parsed_without_the_default() {
        let text = "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n\
            eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n\
            docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n\
            eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";
        let got: Vec<String> = parse_routes(text).iter().map(ToString::to_string).collect();
        assert_eq!(got, ["172.17.0.0/16", "192.0.2.0/24"]);
    }
}

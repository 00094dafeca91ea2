//! The names endpoints answer in the VPC's DNS, rebuilt from every snapshot.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::Arc;

use arc_swap::ArcSwap;
use hickory_proto::rr::rdata::{A, CNAME, SOA};
use hickory_proto::rr::{LowerName, Name, RData, Record};
use hickory_server::net::runtime::TokioRuntimeProvider;
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, ZoneHandler, ZoneType};
use plemu_proto::pb::{ConsumerState, DnsNameKind, EndpointSpec, EniSpec};
use tracing::warn;

use super::forwarder::Forwarder;
use crate::BindMode;

/// Time to live of every answer, in seconds.
pub(crate) const TTL: u32 = 60;

/// What a known name holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum NameData {
    /// A records (regional and zonal names).
    Addresses(Vec<Ipv4Addr>),
    /// A CNAME to the endpoint's regional name, whose A records are given too
    /// (the service's private DNS name).
    Alias {
        /// The regional name.
        target: Name,
        /// The regional name's addresses.
        addresses: Vec<Ipv4Addr>,
    },
}

/// All names served, as one hickory catalog shared between the agent (which replaces it on
/// every snapshot) and the DNS server (which answers from the current one).
///
/// The catalog holds one in-memory zone handler with every name of the VPC, mounted at
/// `vpce.amazonaws.com.` and at each private DNS name (so an unknown name there is NXDOMAIN,
/// as in a private hosted zone, and a private name's CNAME is chased to the regional name's
/// addresses in the same answer), and the forwarder at the root for every other name.
#[derive(Clone)]
pub(crate) struct Zones {
    current: Arc<ArcSwap<Catalog>>,
    forwarder: Forwarder,
}

impl std::fmt::Debug for Zones {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Zones")
            .field("forwarder", &self.forwarder)
            .finish_non_exhaustive()
    }
}

/// The domain under which unknown names are NXDOMAIN rather than forwarded upstream.
const VPCE_DOMAIN: &str = "vpce.amazonaws.com.";

// === impl Zones ===

impl Zones {
    /// No names yet; names outside plemu's go to `forwarder`.
    pub fn new(forwarder: Forwarder) -> Self {
        let zones = Self {
            current: Arc::new(ArcSwap::from_pointee(Catalog::new())),
            forwarder,
        };
        zones.replace(HashMap::new());
        zones
    }

    /// The catalog that answers now.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.current.load_full()
    }

    /// Replaces every name with `names`.
    pub fn replace(&self, names: HashMap<LowerName, NameData>) {
        let mut handler = InMemoryZoneHandler::<TokioRuntimeProvider>::empty(
            Name::root(),
            ZoneType::Primary,
            AxfrPolicy::Deny,
        );
        // An SOA at the handler's origin: negative answers (NXDOMAIN, and NODATA such as a
        // client's AAAA query) carry it for negative caching, and hickory's catalog would
        // otherwise warn on each of them.
        if let Some(soa) = soa() {
            handler.upsert_mut(soa, 0);
        }
        let mut mounts = vec![LowerName::from(vpce_domain())];
        for (name, data) in &names {
            let owner = Name::from(name);
            for record in records(&owner, data) {
                handler.upsert_mut(record, 0);
            }
            if matches!(data, NameData::Alias { .. }) {
                // A wildcard name answers below its parent, which is where its zone is.
                mounts.push(if owner.is_wildcard() {
                    name.base_name()
                } else {
                    name.clone()
                });
            }
        }
        let handler: Arc<dyn ZoneHandler> = Arc::new(handler);
        let mut catalog = Catalog::new();
        for mount in mounts {
            catalog.upsert(mount, vec![handler.clone()]);
        }
        if let Some(forwarder) = self.forwarder.handler() {
            catalog.upsert(LowerName::from(Name::root()), vec![forwarder]);
        }
        self.current.store(Arc::new(catalog));
    }
}

/// The records `owner` holds: its A records, or a CNAME to the regional name (whose A records
/// the regional name holds itself).
fn records(owner: &Name, data: &NameData) -> Vec<Record> {
    match data {
        NameData::Addresses(addresses) => addresses
            .iter()
            .map(|ip| Record::from_rdata(owner.clone(), TTL, RData::A(A(*ip))))
            .collect(),
        NameData::Alias { target, .. } => vec![Record::from_rdata(
            owner.clone(),
            TTL,
            RData::CNAME(CNAME(target.clone())),
        )],
    }
}

/// The SOA of the VPC's names: plemu's DNS as the primary, negative answers cached for [`TTL`].
fn soa() -> Option<Record> {
    let mname = Name::from_ascii("dns.plemu.").ok()?;
    let rname = Name::from_ascii("hostmaster.plemu.").ok()?;
    let ttl = i32::try_from(TTL).ok()?;
    let rdata = SOA::new(mname, rname, 1, ttl, ttl, 7 * 24 * 3600, TTL);
    Some(Record::from_rdata(Name::root(), TTL, RData::SOA(rdata)))
}

/// `vpce.amazonaws.com.` as a name.
fn vpce_domain() -> Name {
    Name::from_ascii(VPCE_DOMAIN).unwrap_or_else(|_| Name::root())
}

/// The names of every endpoint in `state`. ENI addresses are the bind
/// addresses in [`BindMode::Loopback`], the modelled ones in
/// [`BindMode::Modelled`] and their real ones in [`BindMode::Mapped`]. When two endpoints claim one name, the endpoint
/// with the lower id keeps it.
pub(crate) fn build(state: &ConsumerState, bind: BindMode) -> HashMap<LowerName, NameData> {
    let mut endpoints: Vec<&EndpointSpec> = state.endpoints.iter().collect();
    endpoints.sort_by(|a, b| a.vpc_endpoint_id.cmp(&b.vpc_endpoint_id));
    let mut names = HashMap::new();
    for endpoint in endpoints {
        let all = addresses(endpoint, bind, None);
        let regional = endpoint
            .dns_names
            .iter()
            .find(|d| d.kind() == DnsNameKind::Regional)
            .and_then(|d| fqdn(&d.name, &endpoint.vpc_endpoint_id));
        for dns in &endpoint.dns_names {
            let Some(name) = fqdn(&dns.name, &endpoint.vpc_endpoint_id) else {
                continue;
            };
            let data = match dns.kind() {
                DnsNameKind::Regional => NameData::Addresses(all.clone()),
                DnsNameKind::Zonal => {
                    NameData::Addresses(addresses(endpoint, bind, Some(&dns.availability_zone)))
                }
                DnsNameKind::Private => match &regional {
                    Some(target) => NameData::Alias {
                        target: target.clone(),
                        addresses: all.clone(),
                    },
                    None => {
                        warn!(vpce = %endpoint.vpc_endpoint_id, name = %dns.name, "private DNS name without a regional name to point to; not served");
                        continue;
                    }
                },
                DnsNameKind::Unspecified => continue,
            };
            names.entry(LowerName::from(&name)).or_insert(data);
        }
    }
    names
}

/// The ENI addresses of `endpoint` (in `zone` only, when given), in order, without duplicates.
fn addresses(endpoint: &EndpointSpec, bind: BindMode, zone: Option<&str>) -> Vec<Ipv4Addr> {
    let mut out = Vec::new();
    for eni in endpoint
        .network_interfaces
        .iter()
        .filter(|e| zone.is_none_or(|z| e.availability_zone == z))
    {
        if let Some(ip) = eni_address(eni, bind)
            && !out.contains(&ip)
        {
            out.push(ip);
        }
    }
    out
}

/// The address of `eni` that clients use in this bind mode.
pub(crate) fn eni_address(eni: &EniSpec, bind: BindMode) -> Option<Ipv4Addr> {
    match bind {
        BindMode::Loopback => eni.bind_address.parse().ok(),
        BindMode::Modelled => eni.private_ip_address.parse().ok(),
        BindMode::Mapped(map) => map.to_real(eni.private_ip_address.parse().ok()?),
    }
}

/// `name` as a fully qualified name, or `None` (logged) when it is not a valid name.
fn fqdn(name: &str, vpce: &str) -> Option<Name> {
    match Name::from_ascii(name) {
        Ok(mut n) => {
            n.set_fqdn(true);
            Some(n)
        }
        Err(e) => {
            warn!(vpce, name, error = %e, "invalid DNS name in the desired state; not served");
            None
        }
    }
}

#[cfg(test)]
mod tests;

//! The names endpoints answer in the VPC's DNS, rebuilt from every snapshot.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::{Arc, RwLock};

use hickory_proto::rr::rdata::{A, CNAME};
use hickory_proto::rr::{LowerName, Name, RData, Record, RecordType};
use plemu_proto::pb::{ConsumerState, DnsNameKind, EndpointSpec, EniSpec};
use tracing::warn;

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

/// How a query is answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Answer {
    /// NOERROR with these answer records (possibly none).
    Records(Vec<Record>),
    /// An unknown name in plemu's own domain.
    NxDomain,
    /// A name plemu does not serve: the server forwards it upstream.
    Refused,
}

/// All names served, shared between the agent (writer) and the DNS server (reader).
#[derive(Clone, Debug, Default)]
pub(crate) struct Zones(Arc<RwLock<HashMap<LowerName, NameData>>>);

/// The domain under which unknown names are NXDOMAIN rather than forwarded upstream.
const VPCE_DOMAIN: &str = "vpce.amazonaws.com.";

// === impl Zones ===

impl Zones {
    /// Replaces every name with those of `state`.
    pub fn replace(&self, names: HashMap<LowerName, NameData>) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = names;
    }

    /// The answer to a query for `name` of type `query_type`.
    pub fn answer(&self, name: &LowerName, query_type: RecordType) -> Answer {
        let mut owner = Name::from(name);
        owner.set_fqdn(true);
        let name = &LowerName::from(&owner);
        let names = self.0.read().unwrap_or_else(|p| p.into_inner());
        let Some(data) = names.get(name) else {
            return if LowerName::from(vpce_domain()).zone_of(name) {
                Answer::NxDomain
            } else {
                Answer::Refused
            };
        };
        let a_records = |owner: &Name, addresses: &[Ipv4Addr]| {
            addresses
                .iter()
                .map(|ip| Record::from_rdata(owner.clone(), TTL, RData::A(A(*ip))))
                .collect::<Vec<_>>()
        };
        let records = match (data, query_type) {
            (NameData::Addresses(addresses), RecordType::A | RecordType::ANY) => {
                a_records(&owner, addresses)
            }
            (NameData::Alias { target, addresses }, RecordType::A | RecordType::ANY) => {
                let mut records = vec![cname(&owner, target)];
                records.extend(a_records(target, addresses));
                records
            }
            (NameData::Alias { target, .. }, RecordType::CNAME) => vec![cname(&owner, target)],
            _ => Vec::new(),
        };
        Answer::Records(records)
    }
}

/// A CNAME record from `owner` to `target`.
fn cname(owner: &Name, target: &Name) -> Record {
    Record::from_rdata(owner.clone(), TTL, RData::CNAME(CNAME(target.clone())))
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

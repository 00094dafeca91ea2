//! The rules an endpoint's placement and settings follow, on create and on modify: one network
//! interface per zone of the service, private DNS only where AWS allows it, a policy that is one.

use std::net::Ipv4Addr;

use plemu_proto::ids::{NetworkInterfaceId, SubnetId};
use plemu_proto::meta::Caller;

use crate::api::vpc::{allocate_ip, visible_subnet};
use crate::error::ApiError;
use crate::model::{Eni, PrivateDnsState, Resources, Service};
use crate::validate;

/// A new network interface for the endpoint in `subnet_id`, beside `others`: the subnet must be
/// in `vpc`, in a zone none of `others` is in, and in a zone of `svc`.
///
/// # Errors
/// `InvalidSubnetID.Malformed`/`.NotFound`, `DuplicateSubnetsInSameZone`, `InvalidParameter`
/// (a zone the service lacks), `InsufficientFreeAddressesInSubnet`.
pub(crate) fn new_eni(
    res: &Resources,
    bind_net: ipnet::Ipv4Net,
    caller: &Caller,
    vpc: &crate::model::Vpc,
    svc: &Service,
    id: &str,
    others: &[Eni],
) -> Result<Eni, ApiError> {
    validate::ec2_id::<SubnetId>(id, "InvalidSubnetID.Malformed")?;
    let subnet = visible_subnet(res, caller, id)
        .ok()
        .filter(|n| n.vpc_id == vpc.id)
        .ok_or_else(|| {
            ApiError::not_found(
                "InvalidSubnetID.NotFound",
                format!("The subnet ID '{id}' does not exist in VPC '{}'", vpc.id),
            )
        })?;
    if others.iter().any(|n| n.az == subnet.az) {
        return Err(ApiError::invalid(
            "DuplicateSubnetsInSameZone",
            format!(
                "Found another subnet in the same availability zone as {id}: only one subnet per zone"
            ),
        ));
    }
    if !svc.azs.contains(&subnet.az) {
        return Err(ApiError::invalid(
            "InvalidParameter",
            format!(
                "The VPC endpoint service {} does not support the availability zone of the subnet: {id}.",
                svc.name
            ),
        ));
    }
    let bind = allocate_bind(res, bind_net, others)?;
    Ok(Eni {
        id: NetworkInterfaceId::generate().to_string(),
        subnet_id: id.to_string(),
        az: subnet.az.clone(),
        ip: allocate_ip(res, subnet)?,
        bind,
    })
}

/// A policy document as given, if it is one (`None`: the default full-access policy).
///
/// # Errors
/// `InvalidPolicyDocument` unless it is a JSON object with a `Statement`.
pub(crate) fn policy_document(doc: &str) -> Result<Option<String>, ApiError> {
    if doc.is_empty() {
        return Ok(None);
    }
    let parsed: Result<serde_json::Value, _> = serde_json::from_str(doc);
    match parsed {
        Ok(serde_json::Value::Object(o)) if o.contains_key("Statement") => {
            Ok(Some(doc.to_string()))
        }
        _ => Err(ApiError::invalid(
            "InvalidPolicyDocument",
            "The policy document (PolicyDocument) is not a JSON policy with a Statement",
        )),
    }
}

/// Whether private DNS ends up enabled for an endpoint in `vpc` to `svc` when `requested`,
/// with AWS's checks when it is. `this` is the endpoint being modified, which cannot clash
/// with itself.
pub(crate) fn private_dns(
    res: &Resources,
    requested: Option<bool>,
    vpc: &crate::model::Vpc,
    svc: &Service,
    this: Option<&str>,
) -> Result<bool, ApiError> {
    let verified = svc
        .private_dns
        .as_ref()
        .filter(|d| d.state == PrivateDnsState::Verified);
    let enabled = match (requested, &svc.private_dns) {
        (Some(false), _) => return Ok(false),
        (None, _) => verified.is_some(),
        (Some(true), None) => {
            return Err(ApiError::invalid(
                "InvalidParameter",
                format!(
                    "Private DNS can't be enabled because the service {} does not provide a private DNS name.",
                    svc.name
                ),
            ));
        }
        (Some(true), Some(_)) if verified.is_none() => {
            return Err(ApiError::invalid(
                "InvalidParameter",
                format!(
                    "Private DNS can only be enabled after the service {} has verified its private DNS name.",
                    svc.name
                ),
            ));
        }
        (Some(true), Some(_)) => true,
    };
    if !enabled {
        return Ok(false);
    }
    if !(vpc.enable_dns_support && vpc.enable_dns_hostnames) {
        return Err(ApiError::invalid(
            "InvalidParameter",
            format!(
                "Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for {}",
                vpc.id
            ),
        ));
    }
    let name = verified.map(|d| d.name.as_str()).unwrap_or_default();
    let clash = res.endpoints.values().any(|e| {
        Some(e.id.as_str()) != this
            && !e.state.is_gone()
            && e.vpc_id == vpc.id
            && e.private_dns_enabled
            && res
                .services
                .get(&e.service_id)
                .and_then(|v| v.private_dns.as_ref())
                .is_some_and(|d| d.name == name)
    });
    if clash {
        return Err(ApiError::invalid(
            "InvalidParameter",
            format!(
                "private-dns-enabled cannot be set because there is already a conflicting DNS domain for {name} in the VPC {}",
                vpc.id
            ),
        ));
    }
    Ok(true)
}

/// The first free address of `net` (network address skipped) not bound by any ENI.
fn allocate_bind(
    res: &Resources,
    net: ipnet::Ipv4Net,
    also_taken: &[Eni],
) -> Result<Ipv4Addr, ApiError> {
    first_free_bind(res, net, |ip| also_taken.iter().any(|n| n.bind == *ip))
}

/// The first free address of `net` for a new load balancer node, beside `also_taken` (the load
/// balancer's other new nodes).
pub(in crate::api) fn allocate_node_bind(
    res: &Resources,
    net: ipnet::Ipv4Net,
    also_taken: &[crate::model::LbNode],
) -> Result<Ipv4Addr, ApiError> {
    first_free_bind(res, net, |ip| {
        also_taken.iter().any(|n| n.bind == Some(*ip))
    })
}

/// The first address of `net` (network address skipped) that no ENI or load balancer node
/// binds, nor `also_taken` says is taken.
fn first_free_bind(
    res: &Resources,
    net: ipnet::Ipv4Net,
    also_taken: impl Fn(&Ipv4Addr) -> bool,
) -> Result<Ipv4Addr, ApiError> {
    let taken = |ip: &Ipv4Addr| {
        res.endpoints
            .values()
            .flat_map(|e| &e.enis)
            .any(|n| n.bind == *ip)
            || res
                .load_balancers
                .values()
                .flat_map(|l| &l.nodes)
                .any(|n| n.bind == Some(*ip))
            || also_taken(ip)
    };
    net.hosts()
        .find(|ip| *ip != net.network() && !taken(ip))
        .ok_or_else(|| {
            ApiError::conflict(
                "InsufficientFreeAddressesInSubnet",
                format!("No free bind address left in {net}"),
            )
        })
}

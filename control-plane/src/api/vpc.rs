//! VPC and subnet actions, and address allocation inside subnets.

use std::net::Ipv4Addr;

use plemu_proto::ids::{DhcpOptionsId, SubnetId, VpcId};
use plemu_proto::meta::Caller;
use plemu_proto::pb;

use super::{security_group, tags, visible_vpc};
use crate::error::ApiError;
use crate::filter;
use crate::model::{Owner, Resources, Subnet, Tag, Vpc};
use crate::state::Shared;
use crate::validate;

pub(super) async fn create_vpc(
    s: &Shared,
    caller: &Caller,
    req: pb::CreateVpcRequest,
) -> Result<pb::CreateVpcResponse, ApiError> {
    let cidr = validate::vpc_cidr(&req.cidr_block)?;
    let tags = tags::ec2(&req.tag_specifications, "vpc")?;
    let vpc = Vpc {
        id: VpcId::generate().to_string(),
        owner: Owner::of(caller),
        cidr,
        dhcp_options_id: DhcpOptionsId::generate().to_string(),
        enable_dns_support: true,
        enable_dns_hostnames: false,
        tags,
    };
    let sg = security_group::default_group(&vpc);
    let out = vpc_to_pb(&vpc);
    s.mutate(move |res| {
        res.security_groups.insert(sg.id.clone(), sg);
        res.vpcs.insert(vpc.id.clone(), vpc);
        Ok(())
    })
    .await?;
    Ok(pb::CreateVpcResponse { vpc: Some(out) })
}

pub(super) async fn describe_vpcs(
    s: &Shared,
    caller: &Caller,
    req: pb::DescribeVpcsRequest,
) -> Result<pb::DescribeVpcsResponse, ApiError> {
    s.read(|st| {
        let mut vpcs: Vec<&Vpc> = st
            .res
            .vpcs
            .values()
            .filter(|v| v.owner.visible_to(caller))
            .collect();
        if !req.vpc_ids.is_empty() {
            for id in &req.vpc_ids {
                visible_vpc(&st.res, caller, id)?;
            }
            vpcs.retain(|v| req.vpc_ids.contains(&v.id));
        }
        let vpcs = filter::apply(vpcs.into_iter().map(vpc_to_pb), &req.filters)?;
        let (vpcs, next_token) = crate::page::page(
            vpcs,
            req.max_results,
            &req.next_token,
            crate::page::Sizes::Ec2Range,
        )?;
        Ok(pb::DescribeVpcsResponse { vpcs, next_token })
    })
    .await
}

pub(super) async fn modify_vpc_attribute(
    s: &Shared,
    caller: &Caller,
    req: pb::ModifyVpcAttributeRequest,
) -> Result<pb::ModifyVpcAttributeResponse, ApiError> {
    if req.enable_dns_support.is_some() == req.enable_dns_hostnames.is_some() {
        let given = if req.enable_dns_support.is_some() {
            "Fields for multiple attribute types specified: enableDnsSupport, enableDnsHostnames."
        } else {
            "No attribute specified."
        };
        return Err(ApiError::invalid(
            "InvalidParameterCombination",
            format!("{given} Specify exactly one of enableDnsSupport, enableDnsHostnames."),
        ));
    }
    s.mutate(|res| {
        visible_vpc(res, caller, &req.vpc_id)?;
        let vpc = res.vpcs.get_mut(&req.vpc_id).expect("checked above");
        if let Some(v) = req.enable_dns_support {
            vpc.enable_dns_support = v;
        }
        if let Some(v) = req.enable_dns_hostnames {
            vpc.enable_dns_hostnames = v;
        }
        Ok(pb::ModifyVpcAttributeResponse {})
    })
    .await
}

pub(super) async fn describe_vpc_attribute(
    s: &Shared,
    caller: &Caller,
    req: pb::DescribeVpcAttributeRequest,
) -> Result<pb::DescribeVpcAttributeResponse, ApiError> {
    s.read(|st| {
        let vpc = visible_vpc(&st.res, caller, &req.vpc_id)?;
        let mut out = pb::DescribeVpcAttributeResponse { vpc_id: vpc.id.clone(), ..Default::default() };
        match req.attribute.as_str() {
            "enableDnsSupport" => out.enable_dns_support = Some(vpc.enable_dns_support),
            "enableDnsHostnames" => out.enable_dns_hostnames = Some(vpc.enable_dns_hostnames),
            other => {
                return Err(ApiError::invalid(
                    "InvalidParameterValue",
                    format!("Value ({other}) for parameter attribute is invalid. Valid values: enableDnsSupport, enableDnsHostnames"),
                ));
            }
        }
        Ok(out)
    })
    .await
}

pub(super) async fn create_subnet(
    s: &Shared,
    caller: &Caller,
    req: pb::CreateSubnetRequest,
) -> Result<pb::CreateSubnetResponse, ApiError> {
    let cidr = validate::subnet_cidr(&req.cidr_block)?;
    let by_id =
        (req.availability_zone.is_empty() && !req.availability_zone_id.is_empty()).then(|| {
            ('a'..='f')
                .map(|l| format!("{}{l}", caller.region))
                .find(|az| {
                    validate::availability_zone_id(&caller.region, az) == req.availability_zone_id
                })
        });
    let az = match by_id {
        // `--availability-zone-id` alone names the zone.
        Some(Some(az)) => az,
        _ => validate::availability_zone(&caller.region, &req.availability_zone)?,
    };
    if !req.availability_zone_id.is_empty()
        && req.availability_zone_id != validate::availability_zone_id(&caller.region, &az)
    {
        return Err(ApiError::invalid(
            "InvalidParameterValue",
            format!(
                "Value ({}) for parameter availabilityZoneId is invalid.",
                req.availability_zone_id
            ),
        ));
    }
    let tags = tags::ec2(&req.tag_specifications, "subnet")?;
    let out = s
        .mutate(|res| {
            let vpc = visible_vpc(res, caller, &req.vpc_id)?;
            if !vpc.cidr.contains(&cidr) {
                return Err(ApiError::invalid(
                    "InvalidSubnet.Range",
                    format!("The CIDR '{cidr}' is invalid."),
                ));
            }
            let clash = res
                .subnets
                .values()
                .find(|o| o.vpc_id == vpc.id && (o.cidr.contains(&cidr) || cidr.contains(&o.cidr)));
            if let Some(o) = clash {
                return Err(ApiError::conflict(
                    "InvalidSubnet.Conflict",
                    format!("The CIDR '{cidr}' conflicts with another subnet ({})", o.id),
                ));
            }
            let subnet = Subnet {
                id: SubnetId::generate().to_string(),
                owner: Owner::of(caller),
                vpc_id: vpc.id.clone(),
                cidr,
                az,
                tags,
            };
            let out = subnet_to_pb(res, &subnet);
            res.subnets.insert(subnet.id.clone(), subnet);
            Ok(out)
        })
        .await?;
    Ok(pb::CreateSubnetResponse { subnet: Some(out) })
}

pub(super) async fn describe_subnets(
    s: &Shared,
    caller: &Caller,
    req: pb::DescribeSubnetsRequest,
) -> Result<pb::DescribeSubnetsResponse, ApiError> {
    s.read(|st| {
        let mut subnets: Vec<&Subnet> = st
            .res
            .subnets
            .values()
            .filter(|v| v.owner.visible_to(caller))
            .collect();
        if !req.subnet_ids.is_empty() {
            for id in &req.subnet_ids {
                visible_subnet(&st.res, caller, id)?;
            }
            subnets.retain(|v| req.subnet_ids.contains(&v.id));
        }
        let subnets = filter::apply(
            subnets.into_iter().map(|n| subnet_to_pb(&st.res, n)),
            &req.filters,
        )?;
        let (subnets, next_token) = crate::page::page(
            subnets,
            req.max_results,
            &req.next_token,
            crate::page::Sizes::Ec2Range,
        )?;
        Ok(pb::DescribeSubnetsResponse {
            subnets,
            next_token,
        })
    })
    .await
}

/// The subnet `id` if `caller` sees it.
pub(super) fn visible_subnet<'a>(
    res: &'a Resources,
    caller: &Caller,
    id: &str,
) -> Result<&'a Subnet, ApiError> {
    validate::ec2_id::<SubnetId>(id, "InvalidSubnetID.Malformed")?;
    res.subnets
        .get(id)
        .filter(|v| v.owner.visible_to(caller))
        .ok_or_else(|| {
            ApiError::not_found(
                "InvalidSubnetID.NotFound",
                format!("The subnet ID '{id}' does not exist"),
            )
        })
}

/// Modelled addresses in use in `subnet_id`: endpoint ENIs and load balancer nodes.
pub(super) fn used_ips(res: &Resources, subnet_id: &str) -> Vec<Ipv4Addr> {
    let enis = res
        .endpoints
        .values()
        .flat_map(|e| &e.enis)
        .filter(|n| n.subnet_id == subnet_id)
        .map(|n| n.ip);
    let nodes = res
        .load_balancers
        .values()
        .flat_map(|l| &l.nodes)
        .filter(|n| n.subnet_id == subnet_id)
        .map(|n| n.ip);
    enis.chain(nodes).collect()
}

/// The first free modelled address of `subnet`, from the fifth (AWS reserves the first four and the last).
pub(super) fn allocate_ip(res: &Resources, subnet: &Subnet) -> Result<Ipv4Addr, ApiError> {
    let used = used_ips(res, &subnet.id);
    let first = u32::from(subnet.cidr.network()) + 4;
    let last = u32::from(subnet.cidr.broadcast()) - 1;
    (first..=last)
        .map(Ipv4Addr::from)
        .find(|ip| !used.contains(ip))
        .ok_or_else(|| {
            ApiError::conflict(
                "InsufficientFreeAddressesInSubnet",
                format!("The specified subnet {} does not have enough free addresses to satisfy the request.", subnet.id),
            )
        })
}

fn vpc_to_pb(v: &Vpc) -> pb::Vpc {
    pb::Vpc {
        vpc_id: v.id.clone(),
        cidr_block: v.cidr.to_string(),
        state: "available".into(),
        owner_id: v.owner.account.clone(),
        is_default: false,
        instance_tenancy: "default".into(),
        tags: Tag::to_pb(&v.tags),
        dhcp_options_id: v.dhcp_options_id.clone(),
    }
}

fn subnet_to_pb(res: &Resources, n: &Subnet) -> pb::Subnet {
    let size = 1u64 << (32 - n.cidr.prefix_len());
    let free = size.saturating_sub(5 + used_ips(res, &n.id).len() as u64);
    pb::Subnet {
        subnet_id: n.id.clone(),
        vpc_id: n.vpc_id.clone(),
        cidr_block: n.cidr.to_string(),
        availability_zone: n.az.clone(),
        availability_zone_id: validate::availability_zone_id(&n.owner.region, &n.az),
        state: "available".into(),
        available_ip_address_count: i32::try_from(free).unwrap_or(i32::MAX),
        owner_id: n.owner.account.clone(),
        subnet_arn: format!(
            "arn:aws:ec2:{}:{}:subnet/{}",
            n.owner.region, n.owner.account, n.id
        ),
        default_for_az: false,
        map_public_ip_on_launch: false,
        tags: Tag::to_pb(&n.tags),
    }
}

#[cfg(test)]
mod tests;

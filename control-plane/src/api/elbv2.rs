//! ELBv2 load balancer and listener actions (Network Load Balancers only).

use std::collections::BTreeSet;

use plemu_proto::ids::{ElbArn, random_hex};
use plemu_proto::meta::Caller;
use plemu_proto::pb;

use super::listener_modify::{
    check_target_group, forward_target, listener_port, listener_protocol,
};
use super::security_group::visible_group;
use super::vpc::{allocate_ip, visible_subnet};
use super::{same_settings, tags};
use crate::error::ApiError;
use crate::model::{LbNode, LbState, Listener, LoadBalancer, Owner, Resources, now_iso};
use crate::state::Shared;
use crate::validate;

/// Route 53 hosted zone of Network Load Balancers in us-east-1 (one constant for every region).
const NLB_HOSTED_ZONE_ID: &str = "Z26RNL4JYFTOTI";

pub(super) async fn create_load_balancer(
    s: &Shared,
    caller: &Caller,
    req: pb::CreateLoadBalancerRequest,
) -> Result<pb::CreateLoadBalancerResponse, ApiError> {
    let tags = tags::elbv2(&req.tags)?;
    if req.r#type != "network" {
        return Err(ApiError::validation(
            "plemu serves network load balancers only; pass --type network",
        ));
    }
    validate::elb_name(&req.name, "Load balancer", true)?;
    let scheme = match req.scheme.as_str() {
        "" => "internet-facing",
        s @ ("internet-facing" | "internal") => s,
        other => {
            return Err(ApiError::validation(format!(
                "Scheme '{other}' must be 'internet-facing' or 'internal'"
            )));
        }
    };
    if req.subnets.is_empty() {
        return Err(ApiError::validation(
            "At least one subnet must be specified",
        ));
    }
    let wanted = LbSettings {
        scheme: scheme.to_string(),
        subnets: req.subnets.iter().cloned().collect(),
        security_groups: req.security_groups.iter().cloned().collect(),
        ip_address_type: ip_address_type(&req.ip_address_type),
    };
    let (lb, created) = s
        .mutate(|res| {
            let holder = res.load_balancers.values().find(|l| l.owner.visible_to(caller) && l.name == req.name);
            let what = format!("A load balancer named '{}'", req.name);
            if let Some(lb) = same_settings(holder, LbSettings::of, &wanted, "DuplicateLoadBalancerName", what)? {
                return Ok((lb.clone(), false));
            }
            let mut nodes: Vec<LbNode> = Vec::new();
            let mut vpc_id = None;
            for id in &req.subnets {
                let subnet = visible_subnet(res, caller, id)
                    .map_err(|_| ApiError::not_found("SubnetNotFound", format!("The subnet ID '{id}' is not valid")))?;
                if *vpc_id.get_or_insert(subnet.vpc_id.clone()) != subnet.vpc_id {
                    return Err(ApiError::invalid("InvalidSubnet", "The subnets of a load balancer must belong to the same VPC"));
                }
                if nodes.iter().any(|n| n.az == subnet.az) {
                    return Err(ApiError::invalid(
                        "InvalidConfigurationRequest",
                        format!("A load balancer cannot be attached to multiple subnets in the same Availability Zone ({})", subnet.az),
                    ));
                }
                let bind = super::endpoint::allocate_node_bind(res, s.eni_bind_net, &nodes)?;
                nodes.push(LbNode { subnet_id: subnet.id.clone(), az: subnet.az.clone(), ip: allocate_ip(res, subnet)?, bind: Some(bind) });
            }
            let vpc_id = vpc_id.expect("at least one subnet");
            for g in &req.security_groups {
                let ok = visible_group(res, caller, g).is_ok_and(|g| g.vpc_id == vpc_id);
                if !ok {
                    return Err(ApiError::not_found("InvalidSecurityGroup", format!("Security group '{g}' does not exist in VPC '{vpc_id}'")));
                }
            }
            let arn = ElbArn::new_load_balancer(&caller.region, &caller.account, &req.name);
            let lb = LoadBalancer {
                arn: arn.to_string(),
                dns_name: format!("{}-{}.elb.{}.amazonaws.com", req.name, random_hex(16), caller.region),
                name: req.name.clone(),
                owner: Owner::of(caller),
                vpc_id,
                scheme: scheme.to_string(),
                created: now_iso(),
                state: LbState::Provisioning,
                nodes,
                security_groups: req.security_groups.clone(),
                ip_address_type: wanted.ip_address_type.clone(),
                tags: tags.clone(),
                attributes: Default::default(),
                enforce_sg_on_private_link: true,
            };
            res.load_balancers.insert(lb.arn.clone(), lb.clone());
            Ok((lb, true))
        })
        .await?;
    if created {
        s.arm_load_balancer(lb.arn.clone());
    }
    Ok(pb::CreateLoadBalancerResponse {
        load_balancers: vec![lb_to_pb(&lb)],
    })
}

/// The settings of a load balancer that a repeated create must match to return it.
#[derive(PartialEq)]
struct LbSettings {
    scheme: String,
    subnets: BTreeSet<String>,
    security_groups: BTreeSet<String>,
    ip_address_type: String,
}

impl LbSettings {
    fn of(lb: &LoadBalancer) -> Self {
        Self {
            scheme: lb.scheme.clone(),
            subnets: lb.nodes.iter().map(|n| n.subnet_id.clone()).collect(),
            security_groups: lb.security_groups.iter().cloned().collect(),
            ip_address_type: lb.ip_address_type.clone(),
        }
    }
}

/// A requested IP address type, `ipv4` by default.
pub(super) fn ip_address_type(requested: &str) -> String {
    if requested.is_empty() {
        "ipv4".into()
    } else {
        requested.into()
    }
}

pub(super) async fn describe_load_balancers(
    s: &Shared,
    caller: &Caller,
    req: pb::DescribeLoadBalancersRequest,
) -> Result<pb::DescribeLoadBalancersResponse, ApiError> {
    s.read(|st| {
        let mut lbs: Vec<&LoadBalancer> = st
            .res
            .load_balancers
            .values()
            .filter(|l| l.owner.visible_to(caller))
            .collect();
        if !req.load_balancer_arns.is_empty() {
            for arn in &req.load_balancer_arns {
                visible_lb(&st.res, caller, arn)?;
            }
            lbs.retain(|l| req.load_balancer_arns.contains(&l.arn));
        }
        if !req.names.is_empty() {
            let missing: Vec<&String> = req
                .names
                .iter()
                .filter(|n| !lbs.iter().any(|l| &l.name == *n))
                .collect();
            if !missing.is_empty() {
                return Err(ApiError::not_found(
                    "LoadBalancerNotFound",
                    format!("Load balancers '{missing:?}' not found"),
                ));
            }
            lbs.retain(|l| req.names.contains(&l.name));
        }
        let (lbs, next_marker) =
            crate::page::page(lbs, req.page_size, &req.marker, crate::page::Sizes::Elbv2)?;
        Ok(pb::DescribeLoadBalancersResponse {
            load_balancers: lbs.into_iter().map(lb_to_pb).collect(),
            next_marker,
        })
    })
    .await
}

pub(super) async fn create_listener(
    s: &Shared,
    caller: &Caller,
    req: pb::CreateListenerRequest,
) -> Result<pb::CreateListenerResponse, ApiError> {
    let tags = tags::elbv2(&req.tags)?;
    listener_protocol(&req.protocol)?;
    let port = listener_port(req.port)?;
    let tg_arn = forward_target(&req.default_actions)?;
    let listener = s
        .mutate(|res| {
            let lb = visible_lb(res, caller, &req.load_balancer_arn)?;
            check_target_group(res, caller, lb, &tg_arn)?;
            let holder = res
                .listeners
                .values()
                .find(|l| l.lb_arn == lb.arn && l.port == port);
            let settings = |l: &Listener| (l.protocol.clone(), l.tg_arn.clone());
            let what = format!("A listener on port {port} of load balancer '{}'", lb.arn);
            let wanted = ("TCP".to_string(), tg_arn.clone());
            if let Some(l) = same_settings(holder, settings, &wanted, "DuplicateListener", what)? {
                return Ok(l.clone());
            }
            let lb_arn: ElbArn = lb
                .arn
                .parse()
                .map_err(|e| ApiError::Internal(format!("stored arn: {e}")))?;
            let listener = Listener {
                arn: ElbArn::new_listener(&lb_arn).to_string(),
                lb_arn: lb.arn.clone(),
                owner: Owner::of(caller),
                port,
                protocol: "TCP".into(),
                tg_arn: tg_arn.clone(),
                tags: tags.clone(),
                attributes: Default::default(),
            };
            res.listeners.insert(listener.arn.clone(), listener.clone());
            Ok(listener)
        })
        .await?;
    Ok(pb::CreateListenerResponse {
        listeners: vec![listener_to_pb(&listener)],
    })
}

pub(super) async fn describe_listeners(
    s: &Shared,
    caller: &Caller,
    req: pb::DescribeListenersRequest,
) -> Result<pb::DescribeListenersResponse, ApiError> {
    s.read(|st| {
        let mut ls: Vec<&Listener> = st
            .res
            .listeners
            .values()
            .filter(|l| l.owner.visible_to(caller))
            .collect();
        if !req.load_balancer_arn.is_empty() {
            visible_lb(&st.res, caller, &req.load_balancer_arn)?;
            ls.retain(|l| l.lb_arn == req.load_balancer_arn);
        }
        if !req.listener_arns.is_empty() {
            if req
                .listener_arns
                .iter()
                .any(|a| !ls.iter().any(|l| &l.arn == a))
            {
                return Err(ApiError::not_found(
                    "ListenerNotFound",
                    "One or more listeners not found",
                ));
            }
            ls.retain(|l| req.listener_arns.contains(&l.arn));
        } else if req.load_balancer_arn.is_empty() {
            return Err(ApiError::validation(
                "A load balancer ARN or listener ARNs must be specified",
            ));
        }
        let (ls, next_marker) =
            crate::page::page(ls, req.page_size, &req.marker, crate::page::Sizes::Elbv2)?;
        Ok(pb::DescribeListenersResponse {
            listeners: ls.into_iter().map(listener_to_pb).collect(),
            next_marker,
        })
    })
    .await
}

/// The load balancer `arn` if `caller` sees it.
pub(super) fn visible_lb<'a>(
    res: &'a Resources,
    caller: &Caller,
    arn: &str,
) -> Result<&'a LoadBalancer, ApiError> {
    res.load_balancers
        .get(arn)
        .filter(|l| l.owner.visible_to(caller))
        .ok_or_else(|| {
            ApiError::not_found(
                "LoadBalancerNotFound",
                format!("Load balancer '{arn}' not found"),
            )
        })
}

/// The listener `arn` if `caller` sees it.
pub(super) fn visible_listener<'a>(
    res: &'a Resources,
    caller: &Caller,
    arn: &str,
) -> Result<&'a Listener, ApiError> {
    res.listeners
        .get(arn)
        .filter(|l| l.owner.visible_to(caller))
        .ok_or_else(|| {
            ApiError::not_found("ListenerNotFound", format!("Listener '{arn}' not found"))
        })
}

pub(super) fn lb_to_pb(l: &LoadBalancer) -> pb::LoadBalancer {
    pb::LoadBalancer {
        load_balancer_arn: l.arn.clone(),
        dns_name: l.dns_name.clone(),
        canonical_hosted_zone_id: NLB_HOSTED_ZONE_ID.into(),
        created_time: l.created.clone(),
        load_balancer_name: l.name.clone(),
        scheme: l.scheme.clone(),
        vpc_id: l.vpc_id.clone(),
        state: Some(pb::LoadBalancerState {
            code: l.state.as_str().into(),
            reason: String::new(),
        }),
        r#type: "network".into(),
        availability_zones: l
            .nodes
            .iter()
            .map(|n| pb::AvailabilityZone {
                zone_name: n.az.clone(),
                subnet_id: n.subnet_id.clone(),
                load_balancer_addresses: vec![pb::LoadBalancerAddress {
                    private_ipv4_address: n.ip.to_string(),
                    ..Default::default()
                }],
            })
            .collect(),
        security_groups: l.security_groups.clone(),
        ip_address_type: l.ip_address_type.clone(),
        enforce_security_group_inbound_rules_on_private_link_traffic: enforce_word(l).into(),
    }
}

/// `EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic` as reported: `on` or `off`, and
/// empty for a load balancer without security groups.
pub(super) fn enforce_word(l: &LoadBalancer) -> &'static str {
    match (l.security_groups.is_empty(), l.enforce_sg_on_private_link) {
        (true, _) => "",
        (false, true) => "on",
        (false, false) => "off",
    }
}

pub(super) fn listener_to_pb(l: &Listener) -> pb::Listener {
    pb::Listener {
        listener_arn: l.arn.clone(),
        load_balancer_arn: l.lb_arn.clone(),
        port: i32::from(l.port),
        protocol: l.protocol.clone(),
        default_actions: vec![pb::Action {
            r#type: "forward".into(),
            target_group_arn: l.tg_arn.clone(),
            forward_config: Some(pb::ForwardActionConfig {
                target_groups: vec![pb::TargetGroupTuple {
                    target_group_arn: l.tg_arn.clone(),
                    weight: 1,
                }],
            }),
            order: 0,
        }],
    }
}

#[cfg(test)]
mod tests;

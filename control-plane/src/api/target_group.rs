//! ELBv2 target group actions: create, describe, (de)register targets, target health.

use plemu_proto::ids::ElbArn;
use plemu_proto::meta::Caller;
use plemu_proto::pb;

use super::elbv2::{ip_address_type, visible_lb};
use super::health_check::HealthCheckParams;
use super::{same_settings, tags, visible_vpc};
use crate::error::ApiError;
use crate::model::{HealthCheck, Owner, Resources, Target, TargetGroup, unix_now};
use crate::state::Shared;
use crate::validate::{self, TargetId};

pub(super) async fn create_target_group(
    s: &Shared,
    caller: &Caller,
    req: pb::CreateTargetGroupRequest,
) -> Result<pb::CreateTargetGroupResponse, ApiError> {
    let tags = tags::elbv2(&req.tags)?;
    validate::elb_name(&req.name, "Target group", false)?;
    if req.protocol != "TCP" {
        return Err(ApiError::validation(format!(
            "Protocol '{}' is not supported; plemu's target groups are TCP",
            req.protocol
        )));
    }
    let port = req
        .port
        .and_then(|p| u16::try_from(p).ok())
        .filter(|p| *p >= 1)
        .ok_or_else(|| ApiError::validation("A port between 1 and 65535 must be specified"))?;
    let target_type = match req.target_type.as_str() {
        "" | "instance" => "instance",
        "ip" => "ip",
        other => {
            return Err(ApiError::validation(format!(
                "Target type '{other}' is not supported; use 'ip' or 'instance'"
            )));
        }
    };
    let health_check = HealthCheckParams::of_create(&req).apply(None)?;
    let tg = s
        .mutate(|res| {
            validate::required(&req.vpc_id, "VpcId")
                .map_err(|_| ApiError::validation("A VPC ID must be specified"))?;
            let vpc = visible_vpc(res, caller, &req.vpc_id).map_err(|_| {
                ApiError::validation(format!("The VPC ID '{}' is not found", req.vpc_id))
            })?;
            let wanted = TgSettings {
                protocol: "TCP".into(),
                port,
                vpc_id: vpc.id.clone(),
                target_type: target_type.into(),
                health_check: health_check.clone(),
                ip_address_type: ip_address_type(&req.ip_address_type),
            };
            let holder = res
                .target_groups
                .values()
                .find(|t| t.owner.visible_to(caller) && t.name == req.name);
            let what = format!("A target group named '{}'", req.name);
            if let Some(tg) = same_settings(
                holder,
                TgSettings::of,
                &wanted,
                "DuplicateTargetGroupName",
                what,
            )? {
                return Ok(tg.clone());
            }
            let tg = TargetGroup {
                arn: ElbArn::new_target_group(&caller.region, &caller.account, &req.name)
                    .to_string(),
                name: req.name.clone(),
                owner: Owner::of(caller),
                vpc_id: wanted.vpc_id,
                protocol: wanted.protocol,
                port,
                target_type: wanted.target_type,
                health_check: wanted.health_check,
                targets: Vec::new(),
                ip_address_type: wanted.ip_address_type,
                tags: tags.clone(),
                attributes: Default::default(),
            };
            res.target_groups.insert(tg.arn.clone(), tg.clone());
            Ok(tg)
        })
        .await?;
    let out = s.read(|st| tg_to_pb(&st.res, &tg)).await;
    Ok(pb::CreateTargetGroupResponse {
        target_groups: vec![out],
    })
}

/// The settings of a target group that a repeated create must match to return it.
#[derive(PartialEq)]
struct TgSettings {
    protocol: String,
    port: u16,
    vpc_id: String,
    target_type: String,
    health_check: HealthCheck,
    ip_address_type: String,
}

impl TgSettings {
    fn of(t: &TargetGroup) -> Self {
        Self {
            protocol: t.protocol.clone(),
            port: t.port,
            vpc_id: t.vpc_id.clone(),
            target_type: t.target_type.clone(),
            health_check: t.health_check.clone(),
            ip_address_type: t.ip_address_type.clone(),
        }
    }
}

pub(super) async fn describe_target_groups(
    s: &Shared,
    caller: &Caller,
    req: pb::DescribeTargetGroupsRequest,
) -> Result<pb::DescribeTargetGroupsResponse, ApiError> {
    s.read(|st| {
        let res = &st.res;
        let mut tgs: Vec<&TargetGroup> = res
            .target_groups
            .values()
            .filter(|t| t.owner.visible_to(caller))
            .collect();
        if !req.load_balancer_arn.is_empty() {
            visible_lb(res, caller, &req.load_balancer_arn)?;
            tgs.retain(|t| {
                res.listeners
                    .values()
                    .any(|l| l.lb_arn == req.load_balancer_arn && l.tg_arn == t.arn)
            });
        }
        if !req.target_group_arns.is_empty() {
            for arn in &req.target_group_arns {
                visible_tg(res, caller, arn)?;
            }
            tgs.retain(|t| req.target_group_arns.contains(&t.arn));
        }
        if !req.names.is_empty() {
            if let Some(n) = req
                .names
                .iter()
                .find(|n| !tgs.iter().any(|t| &t.name == *n))
            {
                return Err(ApiError::not_found(
                    "TargetGroupNotFound",
                    format!("Target groups '{n}' not found"),
                ));
            }
            tgs.retain(|t| req.names.contains(&t.name));
        }
        let (tgs, next_marker) =
            crate::page::page(tgs, req.page_size, &req.marker, crate::page::Sizes::Elbv2)?;
        Ok(pb::DescribeTargetGroupsResponse {
            target_groups: tgs.into_iter().map(|t| tg_to_pb(res, t)).collect(),
            next_marker,
        })
    })
    .await
}

pub(super) async fn register_targets(
    s: &Shared,
    caller: &Caller,
    req: pb::RegisterTargetsRequest,
) -> Result<pb::RegisterTargetsResponse, ApiError> {
    if req.targets.is_empty() {
        return Err(ApiError::validation(
            "At least one target must be specified",
        ));
    }
    s.mutate(|res| {
        let tg = visible_tg(res, caller, &req.target_group_arn)?.clone();
        let vpc = res
            .vpcs
            .get(&tg.vpc_id)
            .ok_or_else(|| ApiError::Internal(format!("target group VPC {} is gone", tg.vpc_id)))?;
        let mut targets = tg.targets.clone();
        for t in &req.targets {
            let port = target_port(&tg, t)?;
            let az = if tg.target_type == "instance" {
                let what = if t.id.starts_with("i-") {
                    "not in a running state and can not be registered"
                } else {
                    "not valid instance IDs"
                };
                return Err(ApiError::invalid(
                    "InvalidTarget",
                    format!("The following targets are {what}: '{}'", t.id),
                ));
            } else {
                let all = t.availability_zone == "all";
                match validate::ip_target(&t.id, vpc.cidr, all)? {
                    TargetId::Ip(_) if all => "all".into(),
                    TargetId::Ip(ip) => res
                        .subnets
                        .values()
                        .find(|n| n.vpc_id == vpc.id && n.cidr.contains(&ip))
                        .map_or_else(|| "all".to_string(), |n| n.az.clone()),
                    TargetId::Host => "all".into(),
                }
            };
            let now = unix_now();
            targets.retain(|x| x.present_at(now, tg.deregistration_delay()));
            match targets.iter_mut().find(|x| x.id == t.id && x.port == port) {
                Some(existing) => existing.deregistered_at = None,
                None => targets.push(Target {
                    id: t.id.clone(),
                    port,
                    az,
                    deregistered_at: None,
                }),
            }
        }
        res.target_groups
            .get_mut(&tg.arn)
            .expect("visible above")
            .targets = targets;
        Ok(pb::RegisterTargetsResponse {})
    })
    .await
}

pub(super) async fn deregister_targets(
    s: &Shared,
    caller: &Caller,
    req: pb::DeregisterTargetsRequest,
) -> Result<pb::DeregisterTargetsResponse, ApiError> {
    s.mutate(|res| {
        let tg = visible_tg(res, caller, &req.target_group_arn)?.clone();
        let now = unix_now();
        let mut targets = tg.targets.clone();
        targets.retain(|x| x.present_at(now, tg.deregistration_delay()));
        for t in &req.targets {
            let port = target_port(&tg, t)?;
            if let Some(x) = targets
                .iter_mut()
                .find(|x| x.id == t.id && x.port == port && x.deregistered_at.is_none())
            {
                x.deregistered_at = Some(now);
            }
        }
        res.target_groups
            .get_mut(&tg.arn)
            .expect("visible above")
            .targets = targets;
        Ok(pb::DeregisterTargetsResponse {})
    })
    .await
}

pub(super) fn target_port(tg: &TargetGroup, t: &pb::TargetDescription) -> Result<u16, ApiError> {
    match t.port {
        None => Ok(tg.port),
        Some(p) => u16::try_from(p).ok().filter(|p| *p >= 1).ok_or_else(|| {
            ApiError::validation(format!(
                "Port {p} of target '{}' must be between 1 and 65535",
                t.id
            ))
        }),
    }
}

/// The target group `arn` if `caller` sees it.
pub(super) fn visible_tg<'a>(
    res: &'a Resources,
    caller: &Caller,
    arn: &str,
) -> Result<&'a TargetGroup, ApiError> {
    res.target_groups
        .get(arn)
        .filter(|t| t.owner.visible_to(caller))
        .ok_or_else(|| {
            ApiError::not_found(
                "TargetGroupNotFound",
                format!("Target group '{arn}' not found"),
            )
        })
}

pub(super) fn tg_to_pb(res: &Resources, t: &TargetGroup) -> pb::TargetGroup {
    let hc = &t.health_check;
    let mut lbs: Vec<String> = res
        .listeners
        .values()
        .filter(|l| l.tg_arn == t.arn)
        .map(|l| l.lb_arn.clone())
        .collect();
    lbs.dedup();
    pb::TargetGroup {
        target_group_arn: t.arn.clone(),
        target_group_name: t.name.clone(),
        protocol: t.protocol.clone(),
        port: i32::from(t.port),
        vpc_id: t.vpc_id.clone(),
        health_check_protocol: hc.protocol.clone(),
        health_check_port: hc.port.clone(),
        health_check_enabled: hc.enabled,
        health_check_interval_seconds: hc.interval.try_into().unwrap_or(i32::MAX),
        health_check_timeout_seconds: hc.timeout.try_into().unwrap_or(i32::MAX),
        healthy_threshold_count: hc.healthy_threshold.try_into().unwrap_or(i32::MAX),
        unhealthy_threshold_count: hc.unhealthy_threshold.try_into().unwrap_or(i32::MAX),
        health_check_path: hc.path.clone(),
        matcher: (!hc.matcher.is_empty()).then(|| pb::Matcher {
            http_code: hc.matcher.clone(),
        }),
        load_balancer_arns: lbs,
        target_type: t.target_type.clone(),
        ip_address_type: t.ip_address_type.clone(),
    }
}

#[cfg(test)]
mod tests;

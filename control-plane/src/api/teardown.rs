//! Taking a topology apart: DeleteVpc, DeleteSubnet and DeleteSecurityGroup (EC2),
//! DeleteListener, DeleteLoadBalancer and DeleteTargetGroup (ELBv2), each refused while
//! something depends on the resource, with AWS's codes (`DependencyViolation`, `CannotDelete`,
//! `ResourceInUse`). What the agents served of a deleted resource stops with the next snapshot:
//! a deleted listener's port closes at every endpoint, resetting its flows.

use plemu_proto::meta::Caller;
use plemu_proto::pb;

use super::elbv2::{visible_lb, visible_listener};
use super::security_group::visible_group;
use super::target_group::visible_tg;
use super::visible_vpc;
use super::vpc::visible_subnet;
use crate::error::ApiError;
use crate::model::RuleSource;
use crate::state::Shared;
use crate::validate;

pub(super) async fn delete_vpc(
    s: &Shared,
    caller: &Caller,
    req: pb::DeleteVpcRequest,
) -> Result<pb::DeleteVpcResponse, ApiError> {
    s.mutate(|res| {
        let id = visible_vpc(res, caller, &req.vpc_id)?.id.clone();
        let in_vpc = res.subnets.values().any(|n| n.vpc_id == id)
            || res
                .security_groups
                .values()
                .any(|g| g.vpc_id == id && g.name != "default")
            || res
                .endpoints
                .values()
                .any(|e| e.vpc_id == id && !e.state.is_gone())
            || res.load_balancers.values().any(|l| l.vpc_id == id);
        if in_vpc {
            return Err(ApiError::conflict(
                "DependencyViolation",
                format!("The vpc '{id}' has dependencies and cannot be deleted."),
            ));
        }
        res.security_groups.retain(|_, g| g.vpc_id != id);
        res.vpcs.remove(&id);
        Ok(pb::DeleteVpcResponse {})
    })
    .await
}

pub(super) async fn delete_subnet(
    s: &Shared,
    caller: &Caller,
    req: pb::DeleteSubnetRequest,
) -> Result<pb::DeleteSubnetResponse, ApiError> {
    s.mutate(|res| {
        let id = visible_subnet(res, caller, &req.subnet_id)?.id.clone();
        let used = res
            .endpoints
            .values()
            .any(|e| e.enis.iter().any(|n| n.subnet_id == id))
            || res
                .load_balancers
                .values()
                .any(|l| l.nodes.iter().any(|n| n.subnet_id == id));
        if used {
            return Err(ApiError::conflict(
                "DependencyViolation",
                format!("The subnet '{id}' has dependencies and cannot be deleted."),
            ));
        }
        res.subnets.remove(&id);
        Ok(pb::DeleteSubnetResponse {})
    })
    .await
}

pub(super) async fn delete_security_group(
    s: &Shared,
    caller: &Caller,
    req: pb::DeleteSecurityGroupRequest,
) -> Result<pb::DeleteSecurityGroupResponse, ApiError> {
    validate::required(&req.group_id, "GroupId")?;
    s.mutate(|res| {
        let group = visible_group(res, caller, &req.group_id)?;
        let id = group.id.clone();
        if group.name == "default" {
            return Err(ApiError::invalid(
                "CannotDelete",
                format!(
                    "the specified group: \"{id}\" name: \"default\" cannot be deleted by a user"
                ),
            ));
        }
        let referenced = res.security_groups.values().any(|g| {
            g.id != id
                && g.ingress
                    .iter()
                    .chain(&g.egress)
                    .any(|r| r.source == RuleSource::Group(id.clone()))
        });
        let used = res
            .endpoints
            .values()
            .any(|e| e.security_group_ids.contains(&id) && !e.state.is_gone())
            || res
                .load_balancers
                .values()
                .any(|l| l.security_groups.contains(&id));
        if referenced || used {
            return Err(ApiError::conflict(
                "DependencyViolation",
                format!("resource {id} has a dependent object"),
            ));
        }
        res.security_groups.remove(&id);
        Ok(pb::DeleteSecurityGroupResponse {
            return_value: true,
            group_id: id,
        })
    })
    .await
}

pub(super) async fn delete_listener(
    s: &Shared,
    caller: &Caller,
    req: pb::DeleteListenerRequest,
) -> Result<pb::DeleteListenerResponse, ApiError> {
    validate::required_member(&req.listener_arn, "listenerArn")?;
    s.mutate(|res| {
        let arn = visible_listener(res, caller, &req.listener_arn)?
            .arn
            .clone();
        res.listeners.remove(&arn);
        Ok(pb::DeleteListenerResponse {})
    })
    .await
}

pub(super) async fn delete_load_balancer(
    s: &Shared,
    caller: &Caller,
    req: pb::DeleteLoadBalancerRequest,
) -> Result<pb::DeleteLoadBalancerResponse, ApiError> {
    validate::required_member(&req.load_balancer_arn, "loadBalancerArn")?;
    s.mutate(|res| {
        let Ok(lb) = visible_lb(res, caller, &req.load_balancer_arn) else {
            // As on AWS: deleting what is not there (any more) succeeds.
            return Ok(pb::DeleteLoadBalancerResponse {});
        };
        let arn = lb.arn.clone();
        if let Some(svc) = res.services.values().find(|v| v.nlb_arns.contains(&arn) && !v.state.is_gone()) {
            return Err(ApiError::conflict(
                "ResourceInUse",
                format!(
                    "Load balancer '{arn}' cannot be deleted because it is currently associated with another service ({})",
                    svc.id
                ),
            ));
        }
        res.listeners.retain(|_, l| l.lb_arn != arn);
        res.load_balancers.remove(&arn);
        Ok(pb::DeleteLoadBalancerResponse {})
    })
    .await
}

pub(super) async fn delete_target_group(
    s: &Shared,
    caller: &Caller,
    req: pb::DeleteTargetGroupRequest,
) -> Result<pb::DeleteTargetGroupResponse, ApiError> {
    validate::required_member(&req.target_group_arn, "targetGroupArn")?;
    s.mutate(|res| {
        let Ok(tg) = visible_tg(res, caller, &req.target_group_arn) else {
            // As on AWS: deleting what is not there (any more) succeeds.
            return Ok(pb::DeleteTargetGroupResponse {});
        };
        let arn = tg.arn.clone();
        if res.listeners.values().any(|l| l.tg_arn == arn) {
            return Err(ApiError::conflict(
                "ResourceInUse",
                format!("Target group '{arn}' is currently in use by a listener or a rule"),
            ));
        }
        res.target_groups.remove(&arn);
        Ok(pb::DeleteTargetGroupResponse {})
    })
    .await
}

#[cfg(test)]
mod tests;

//! The attribute actions of target groups, load balancers and listeners (Describe and Modify).

use plemu_proto::meta::Caller;
use plemu_proto::pb;

use super::elbv2::{visible_lb, visible_listener};
use super::target_group::visible_tg;
use crate::error::ApiError;
use crate::model::attributes::{self, Attributes};
use crate::state::Shared;

pub(super) async fn describe_target_group_attributes(
    s: &Shared,
    caller: &Caller,
    req: pb::DescribeTargetGroupAttributesRequest,
) -> Result<pb::DescribeTargetGroupAttributesResponse, ApiError> {
    s.read(|st| {
        let tg = visible_tg(&st.res, caller, &req.target_group_arn)?;
        Ok(pb::DescribeTargetGroupAttributesResponse {
            attributes: tg.attributes_pb(),
        })
    })
    .await
}

pub(super) async fn modify_target_group_attributes(
    s: &Shared,
    caller: &Caller,
    req: pb::ModifyTargetGroupAttributesRequest,
) -> Result<pb::ModifyTargetGroupAttributesResponse, ApiError> {
    let tg = s
        .mutate(|res| {
            let mut tg = visible_tg(res, caller, &req.target_group_arn)?.clone();
            tg.attributes
                .modify(attributes::TARGET_GROUP, &req.attributes)?;
            unhealthy_draining_needs_no_termination(&tg.attributes, &req.attributes)?;
            res.target_groups.insert(tg.arn.clone(), tg.clone());
            Ok(tg)
        })
        .await?;
    Ok(pb::ModifyTargetGroupAttributesResponse {
        attributes: tg.attributes_pb(),
    })
}

/// AWS: `target_health_state.unhealthy.draining_interval_seconds` can be set only while
/// `target_health_state.unhealthy.connection_termination.enabled` is `false`.
fn unhealthy_draining_needs_no_termination(
    after: &Attributes,
    changes: &[pb::Attribute],
) -> Result<(), ApiError> {
    let sets_interval = changes
        .iter()
        .any(|c| c.key == attributes::UNHEALTHY_DRAINING && c.value != "0");
    if sets_interval && after.flag(attributes::TARGET_GROUP, attributes::UNHEALTHY_TERMINATION) {
        return Err(ApiError::invalid(
            "InvalidConfigurationRequest",
            format!(
                "'{}' can be set only when '{}' is 'false'",
                attributes::UNHEALTHY_DRAINING,
                attributes::UNHEALTHY_TERMINATION
            ),
        ));
    }
    Ok(())
}

pub(super) async fn describe_load_balancer_attributes(
    s: &Shared,
    caller: &Caller,
    req: pb::DescribeLoadBalancerAttributesRequest,
) -> Result<pb::DescribeLoadBalancerAttributesResponse, ApiError> {
    s.read(|st| {
        let lb = visible_lb(&st.res, caller, &req.load_balancer_arn)?;
        Ok(pb::DescribeLoadBalancerAttributesResponse {
            attributes: lb.attributes.to_pb(attributes::LOAD_BALANCER, &[]),
        })
    })
    .await
}

pub(super) async fn modify_load_balancer_attributes(
    s: &Shared,
    caller: &Caller,
    req: pb::ModifyLoadBalancerAttributesRequest,
) -> Result<pb::ModifyLoadBalancerAttributesResponse, ApiError> {
    let lb = s
        .mutate(|res| {
            let mut lb = visible_lb(res, caller, &req.load_balancer_arn)?.clone();
            lb.attributes
                .modify(attributes::LOAD_BALANCER, &req.attributes)?;
            res.load_balancers.insert(lb.arn.clone(), lb.clone());
            Ok(lb)
        })
        .await?;
    Ok(pb::ModifyLoadBalancerAttributesResponse {
        attributes: lb.attributes.to_pb(attributes::LOAD_BALANCER, &[]),
    })
}

pub(super) async fn describe_listener_attributes(
    s: &Shared,
    caller: &Caller,
    req: pb::DescribeListenerAttributesRequest,
) -> Result<pb::DescribeListenerAttributesResponse, ApiError> {
    s.read(|st| {
        let l = visible_listener(&st.res, caller, &req.listener_arn)?;
        Ok(pb::DescribeListenerAttributesResponse {
            attributes: l.attributes.to_pb(attributes::LISTENER, &[]),
        })
    })
    .await
}

pub(super) async fn modify_listener_attributes(
    s: &Shared,
    caller: &Caller,
    req: pb::ModifyListenerAttributesRequest,
) -> Result<pb::ModifyListenerAttributesResponse, ApiError> {
    let l = s
        .mutate(|res| {
            let mut l = visible_listener(res, caller, &req.listener_arn)?.clone();
            l.attributes.modify(attributes::LISTENER, &req.attributes)?;
            res.listeners.insert(l.arn.clone(), l.clone());
            Ok(l)
        })
        .await?;
    Ok(pb::ModifyListenerAttributesResponse {
        attributes: l.attributes.to_pb(attributes::LISTENER, &[]),
    })
}

#[cfg(test)]
mod tests;

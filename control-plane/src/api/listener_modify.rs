//! ModifyListener, and the listener rules it shares with CreateListener: the protocol, the
//! port, and the default action's target group.
//!
//! A new port closes the old one at every endpoint of the service (its flows are reset) and
//! opens the new one; a new target group takes new flows, while flows already open stay on the
//! target they reached (the provider agent routes a flow once, when it opens).

use plemu_proto::meta::Caller;
use plemu_proto::pb;

use super::elbv2::{listener_to_pb, visible_listener};
use super::target_group::visible_tg;
use crate::error::ApiError;
use crate::model::{LoadBalancer, Resources};
use crate::state::Shared;
use crate::validate;

/// A listener protocol plemu serves.
///
/// # Errors
/// `UnsupportedProtocol` for anything but `TCP`.
pub(super) fn listener_protocol(protocol: &str) -> Result<(), ApiError> {
    if protocol == "TCP" {
        return Ok(());
    }
    Err(ApiError::invalid(
        "UnsupportedProtocol",
        format!("Protocol '{protocol}' is not supported; plemu's listeners are TCP"),
    ))
}

/// A listener port.
///
/// # Errors
/// `ValidationError` outside 1–65535.
pub(super) fn listener_port(port: i32) -> Result<u16, ApiError> {
    u16::try_from(port)
        .ok()
        .filter(|p| *p >= 1)
        .ok_or_else(|| ApiError::validation(format!("Port {port} must be between 1 and 65535")))
}

/// The target group of a listener's one `forward` default action.
///
/// # Errors
/// `ValidationError` unless there is exactly one `forward` action with one target group.
pub(super) fn forward_target(actions: &[pb::Action]) -> Result<String, ApiError> {
    let [action] = actions else {
        return Err(ApiError::validation(
            "A listener needs exactly one default action",
        ));
    };
    if !action.r#type.eq_ignore_ascii_case("forward") {
        return Err(ApiError::validation(format!(
            "Action type '{}' is not supported; use 'forward'",
            action.r#type
        )));
    }
    if !action.target_group_arn.is_empty() {
        return Ok(action.target_group_arn.clone());
    }
    match action
        .forward_config
        .as_ref()
        .map(|c| c.target_groups.as_slice())
    {
        Some([t]) => Ok(t.target_group_arn.clone()),
        _ => Err(ApiError::validation(
            "A forward action needs exactly one target group",
        )),
    }
}

/// Checks that `lb` may forward to the target group `tg_arn`.
///
/// # Errors
/// `TargetGroupNotFound`, `InvalidConfigurationRequest` (another VPC),
/// `TargetGroupAssociationLimit` (another load balancer's group).
pub(super) fn check_target_group(
    res: &Resources,
    caller: &Caller,
    lb: &LoadBalancer,
    tg_arn: &str,
) -> Result<(), ApiError> {
    let tg = visible_tg(res, caller, tg_arn)?;
    if tg.vpc_id != lb.vpc_id {
        return Err(ApiError::invalid(
            "InvalidConfigurationRequest",
            format!(
                "The target group '{tg_arn}' is in VPC '{}', not in the load balancer's VPC '{}'",
                tg.vpc_id, lb.vpc_id
            ),
        ));
    }
    if res
        .listeners
        .values()
        .any(|l| l.tg_arn == tg_arn && l.lb_arn != lb.arn)
    {
        return Err(ApiError::conflict(
            "TargetGroupAssociationLimit",
            format!("The target group '{tg_arn}' is already associated with another load balancer"),
        ));
    }
    Ok(())
}

pub(super) async fn modify_listener(
    s: &Shared,
    caller: &Caller,
    req: pb::ModifyListenerRequest,
) -> Result<pb::ModifyListenerResponse, ApiError> {
    validate::required_member(&req.listener_arn, "listenerArn")?;
    if !req.protocol.is_empty() {
        listener_protocol(&req.protocol)?;
    }
    let port = req.port.map(listener_port).transpose()?;
    let tg_arn = if req.default_actions.is_empty() {
        None
    } else {
        Some(forward_target(&req.default_actions)?)
    };
    s.mutate(|res| {
        let l = visible_listener(res, caller, &req.listener_arn)?.clone();
        let lb = res.load_balancers.get(&l.lb_arn).ok_or_else(|| {
            ApiError::not_found(
                "LoadBalancerNotFound",
                format!("Load balancer '{}' not found", l.lb_arn),
            )
        })?;
        if let Some(p) = port
            && res
                .listeners
                .values()
                .any(|o| o.arn != l.arn && o.lb_arn == l.lb_arn && o.port == p)
        {
            return Err(ApiError::duplicate(
                "DuplicateListener",
                format!(
                    "A listener already exists on port {p} of load balancer '{}'",
                    l.lb_arn
                ),
            ));
        }
        if let Some(tg) = &tg_arn {
            check_target_group(res, caller, lb, tg)?;
        }
        let stored = res.listeners.get_mut(&l.arn).expect("visible above");
        if let Some(p) = port {
            stored.port = p;
        }
        if let Some(tg) = tg_arn {
            stored.tg_arn = tg;
        }
        Ok(pb::ModifyListenerResponse {
            listeners: vec![listener_to_pb(stored)],
        })
    })
    .await
}

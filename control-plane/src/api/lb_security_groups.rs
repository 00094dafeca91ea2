//! SetSecurityGroups: a Network Load Balancer's security groups and whether they filter
//! PrivateLink traffic.

use plemu_proto::meta::Caller;
use plemu_proto::pb;

use super::elbv2::{enforce_word, visible_lb};
use super::security_group::visible_group;
use crate::error::ApiError;
use crate::state::Shared;

pub(super) async fn set_security_groups(
    s: &Shared,
    caller: &Caller,
    req: pb::SetSecurityGroupsRequest,
) -> Result<pb::SetSecurityGroupsResponse, ApiError> {
    let enforce = match req
        .enforce_security_group_inbound_rules_on_private_link_traffic
        .as_str()
    {
        "" => None,
        "on" => Some(true),
        "off" => Some(false),
        other => {
            return Err(ApiError::validation(format!(
                "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic '{other}' must be 'on' or 'off'"
            )));
        }
    };
    let lb = s
        .mutate(|res| {
            let mut lb = visible_lb(res, caller, &req.load_balancer_arn)?.clone();
            // AWS: an NLB created without security groups can never get any, and one created
            // with them keeps at least one.
            if lb.security_groups.is_empty() {
                return Err(ApiError::invalid(
                    "InvalidConfigurationRequest",
                    "You can't perform this operation on a Network Load Balancer unless you specified a security group for the load balancer when you created it",
                ));
            }
            if req.security_groups.is_empty() {
                return Err(ApiError::invalid(
                    "InvalidConfigurationRequest",
                    "A Network Load Balancer created with security groups must keep at least one",
                ));
            }
            for g in &req.security_groups {
                let ok = visible_group(res, caller, g).is_ok_and(|g| g.vpc_id == lb.vpc_id);
                if !ok {
                    return Err(ApiError::not_found(
                        "InvalidSecurityGroup",
                        format!("Security group '{g}' does not exist in VPC '{}'", lb.vpc_id),
                    ));
                }
            }
            let mut groups = req.security_groups.clone();
            groups.dedup();
            lb.security_groups = groups;
            if let Some(on) = enforce {
                lb.enforce_sg_on_private_link = on;
            }
            res.load_balancers.insert(lb.arn.clone(), lb.clone());
            Ok(lb)
        })
        .await?;
    Ok(pb::SetSecurityGroupsResponse {
        security_group_ids: lb.security_groups.clone(),
        enforce_security_group_inbound_rules_on_private_link_traffic: enforce_word(&lb).into(),
    })
}

#[cfg(test)]
mod tests;

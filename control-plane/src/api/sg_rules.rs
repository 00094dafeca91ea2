//! Changing a security group's rules: authorize and revoke, inbound and outbound.
//!
//! Security groups are stateful and checked when a flow opens: a change reaches the agents with
//! the next snapshot and applies to new flows, while flows already open go on.

use plemu_proto::ids::SecurityGroupRuleId;
use plemu_proto::meta::Caller;
use plemu_proto::pb;

use super::security_group::{rule_to_pb, rules_of, source_text, visible_group};
use crate::error::ApiError;
use crate::model::{RuleSource, SecurityGroup, SgRule};
use crate::state::Shared;
use crate::validate;

/// AWS's default quota of rules per group and direction ("Inbound or outbound rules per
/// security group": 60).
const RULES_PER_DIRECTION: usize = 60;

/// Which of a group's rule lists an action changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Direction {
    /// Inbound rules: `ip_ranges` and groups are sources.
    Ingress,
    /// Outbound rules: `ip_ranges` and groups are destinations.
    Egress,
}

impl Direction {
    fn rules(self, g: &SecurityGroup) -> &Vec<SgRule> {
        match self {
            Self::Ingress => &g.ingress,
            Self::Egress => &g.egress,
        }
    }

    fn rules_mut(self, g: &mut SecurityGroup) -> &mut Vec<SgRule> {
        match self {
            Self::Ingress => &mut g.ingress,
            Self::Egress => &mut g.egress,
        }
    }

    fn is_egress(self) -> bool {
        self == Self::Egress
    }
}

/// Adds the rules `perms` stand for to `group_id`'s `direction`; returns them.
///
/// # Errors
/// `InvalidPermission.Duplicate` when one is there already (nothing is added),
/// `RulesPerSecurityGroupLimitExceeded` past 60 rules, and the errors of [`rules_of`].
pub(super) async fn authorize(
    s: &Shared,
    caller: &Caller,
    group_id: &str,
    perms: &[pb::IpPermission],
    direction: Direction,
) -> Result<Vec<pb::SecurityGroupRule>, ApiError> {
    s.mutate(|res| {
        let group = visible_group(res, caller, group_id)?.clone();
        let mut added: Vec<SgRule> = Vec::new();
        for perm in perms {
            for rule in rules_of(res, caller, &group.vpc_id, perm)? {
                if direction.rules(&group).iter().chain(&added).any(|r| r.same_as(&rule)) {
                    return Err(ApiError::duplicate(
                        "InvalidPermission.Duplicate",
                        format!("the specified rule \"peer: {}, {}, from port: {}, to port: {}, ALLOW\" already exists", source_text(&rule.source), rule.protocol.to_uppercase(), rule.from_port, rule.to_port),
                    ));
                }
                added.push(rule);
            }
        }
        if added.is_empty() {
            return Err(ApiError::invalid("MissingParameter", "The request must contain the parameter ipPermissions"));
        }
        if direction.rules(&group).len() + added.len() > RULES_PER_DIRECTION {
            return Err(ApiError::conflict(
                "RulesPerSecurityGroupLimitExceeded",
                format!("The maximum number of rules per security group has been reached ({RULES_PER_DIRECTION} per direction)"),
            ));
        }
        let rules = added.iter().map(|r| rule_to_pb(&group, r, direction.is_egress())).collect();
        let stored = res.security_groups.get_mut(&group.id).expect("visible above");
        direction.rules_mut(stored).extend(added);
        Ok(rules)
    })
    .await
}

/// Removes from `group_id`'s `direction` the rules `perms` stand for and the rules `rule_ids`
/// name; returns the removed rules. Either all go, or none.
///
/// # Errors
/// `InvalidPermission.NotFound` for a rule the group lacks (AWS's answer in a non-default VPC),
/// `InvalidSecurityGroupRuleId.NotFound`/`.Malformed` for a rule id, `MissingParameter` when
/// neither names a rule.
pub(super) async fn revoke(
    s: &Shared,
    caller: &Caller,
    group_id: &str,
    perms: &[pb::IpPermission],
    rule_ids: &[String],
    direction: Direction,
) -> Result<Vec<pb::RevokedSecurityGroupRule>, ApiError> {
    validate::required(group_id, "GroupId")?;
    if perms.is_empty() && rule_ids.is_empty() {
        return Err(ApiError::invalid(
            "MissingParameter",
            "The request must contain the parameter ipPermissions or securityGroupRuleIds",
        ));
    }
    s.mutate(|res| {
        let group = visible_group(res, caller, group_id)?.clone();
        let existing = direction.rules(&group);
        let mut gone: Vec<SgRule> = Vec::new();
        for perm in perms {
            for rule in rules_of(res, caller, &group.vpc_id, perm)? {
                let found = existing.iter().find(|r| r.same_as(&rule)).ok_or_else(|| {
                    ApiError::not_found(
                        "InvalidPermission.NotFound",
                        format!(
                            "The specified rule does not exist in this security group: peer {}, {}, from port {}, to port {}",
                            source_text(&rule.source),
                            rule.protocol.to_uppercase(),
                            rule.from_port,
                            rule.to_port
                        ),
                    )
                })?;
                if !gone.iter().any(|g| g.id == found.id) {
                    gone.push(found.clone());
                }
            }
        }
        for id in rule_ids {
            validate::ec2_id::<SecurityGroupRuleId>(id, "InvalidSecurityGroupRuleId.Malformed")?;
            let found = existing.iter().find(|r| &r.id == id).ok_or_else(|| {
                ApiError::not_found(
                    "InvalidSecurityGroupRuleId.NotFound",
                    format!("The security group rule ID '{id}' does not exist"),
                )
            })?;
            if !gone.iter().any(|g| g.id == found.id) {
                gone.push(found.clone());
            }
        }
        let stored = res.security_groups.get_mut(&group.id).expect("visible above");
        direction.rules_mut(stored).retain(|r| !gone.iter().any(|g| g.id == r.id));
        Ok(gone.iter().map(|r| revoked_to_pb(&group, r, direction)).collect())
    })
    .await
}

fn revoked_to_pb(
    g: &SecurityGroup,
    r: &SgRule,
    direction: Direction,
) -> pb::RevokedSecurityGroupRule {
    let (cidr_ipv4, referenced_group_id) = match &r.source {
        RuleSource::Cidr(c) => (c.to_string(), String::new()),
        RuleSource::Group(id) => (String::new(), id.clone()),
    };
    pb::RevokedSecurityGroupRule {
        security_group_rule_id: r.id.clone(),
        group_id: g.id.clone(),
        is_egress: direction.is_egress(),
        ip_protocol: r.protocol.clone(),
        from_port: r.from_port,
        to_port: r.to_port,
        cidr_ipv4,
        referenced_group_id,
        description: r.description.clone(),
    }
}

pub(super) async fn revoke_security_group_ingress(
    s: &Shared,
    caller: &Caller,
    req: pb::RevokeSecurityGroupIngressRequest,
) -> Result<pb::RevokeSecurityGroupIngressResponse, ApiError> {
    let ids = &req.security_group_rule_ids;
    let revoked = revoke(
        s,
        caller,
        &req.group_id,
        &req.ip_permissions,
        ids,
        Direction::Ingress,
    )
    .await?;
    Ok(pb::RevokeSecurityGroupIngressResponse {
        return_value: true,
        unknown_ip_permissions: Vec::new(),
        revoked_security_group_rules: revoked,
    })
}

pub(super) async fn authorize_security_group_egress(
    s: &Shared,
    caller: &Caller,
    req: pb::AuthorizeSecurityGroupEgressRequest,
) -> Result<pb::AuthorizeSecurityGroupEgressResponse, ApiError> {
    let rules = authorize(
        s,
        caller,
        &req.group_id,
        &req.ip_permissions,
        Direction::Egress,
    )
    .await?;
    Ok(pb::AuthorizeSecurityGroupEgressResponse {
        return_value: true,
        security_group_rules: rules,
    })
}

pub(super) async fn revoke_security_group_egress(
    s: &Shared,
    caller: &Caller,
    req: pb::RevokeSecurityGroupEgressRequest,
) -> Result<pb::RevokeSecurityGroupEgressResponse, ApiError> {
    let ids = &req.security_group_rule_ids;
    let revoked = revoke(
        s,
        caller,
        &req.group_id,
        &req.ip_permissions,
        ids,
        Direction::Egress,
    )
    .await?;
    Ok(pb::RevokeSecurityGroupEgressResponse {
        return_value: true,
        unknown_ip_permissions: Vec::new(),
        revoked_security_group_rules: revoked,
    })
}

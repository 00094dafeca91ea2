//! Security group actions: create, describe; and each VPC's `default` group (rule changes are in
//! `sg_rules`).

use plemu_proto::ids::{SecurityGroupId, SecurityGroupRuleId};
use plemu_proto::meta::Caller;
use plemu_proto::pb;

use super::{tags, visible_vpc};
use crate::error::ApiError;
use crate::filter;
use crate::model::{Owner, Resources, RuleSource, SecurityGroup, SgRule, Tag, Vpc};
use crate::state::Shared;
use crate::validate;

/// The `default` group a new VPC gets: all traffic from its own members, all egress.
pub(super) fn default_group(vpc: &Vpc) -> SecurityGroup {
    let id = SecurityGroupId::generate().to_string();
    SecurityGroup {
        ingress: vec![all_traffic(RuleSource::Group(id.clone()))],
        id,
        owner: vpc.owner.clone(),
        vpc_id: vpc.id.clone(),
        name: "default".into(),
        description: "default VPC security group".into(),
        egress: vec![all_traffic(RuleSource::Cidr(ipnet::Ipv4Net::default()))],
        tags: Vec::new(),
    }
}

fn all_traffic(source: RuleSource) -> SgRule {
    SgRule {
        id: SecurityGroupRuleId::generate().to_string(),
        protocol: "-1".into(),
        from_port: -1,
        to_port: -1,
        source,
        description: String::new(),
    }
}

pub(super) async fn create_security_group(
    s: &Shared,
    caller: &Caller,
    req: pb::CreateSecurityGroupRequest,
) -> Result<pb::CreateSecurityGroupResponse, ApiError> {
    validate::required(&req.group_name, "GroupName")?;
    validate::required(&req.description, "GroupDescription")?;
    if req.group_name == "default" {
        return Err(ApiError::invalid(
            "InvalidGroup.Reserved",
            "The security group 'default' is reserved",
        ));
    }
    let tags = tags::ec2(&req.tag_specifications, "security-group")?;
    let vpc_id = validate::required(&req.vpc_id, "VpcId")?;
    let sg = s
        .mutate(|res| {
            let vpc = visible_vpc(res, caller, vpc_id)?;
            if res
                .security_groups
                .values()
                .any(|g| g.vpc_id == vpc.id && g.name == req.group_name)
            {
                return Err(ApiError::duplicate(
                    "InvalidGroup.Duplicate",
                    format!(
                        "The security group '{}' already exists for VPC '{}'",
                        req.group_name, vpc.id
                    ),
                ));
            }
            let sg = SecurityGroup {
                id: SecurityGroupId::generate().to_string(),
                owner: Owner::of(caller),
                vpc_id: vpc.id.clone(),
                name: req.group_name.clone(),
                description: req.description.clone(),
                ingress: Vec::new(),
                egress: vec![all_traffic(RuleSource::Cidr(ipnet::Ipv4Net::default()))],
                tags,
            };
            res.security_groups.insert(sg.id.clone(), sg.clone());
            Ok(sg)
        })
        .await?;
    Ok(pb::CreateSecurityGroupResponse {
        security_group_arn: arn(&sg),
        group_id: sg.id,
        tags: Tag::to_pb(&sg.tags),
    })
}

pub(super) async fn authorize_security_group_ingress(
    s: &Shared,
    caller: &Caller,
    req: pb::AuthorizeSecurityGroupIngressRequest,
) -> Result<pb::AuthorizeSecurityGroupIngressResponse, ApiError> {
    let rules = super::sg_rules::authorize(
        s,
        caller,
        &req.group_id,
        &req.ip_permissions,
        super::sg_rules::Direction::Ingress,
    )
    .await?;
    Ok(pb::AuthorizeSecurityGroupIngressResponse {
        return_value: true,
        security_group_rules: rules,
    })
}

/// The rules one `IpPermission` of a group in `vpc_id` stands for: one per CIDR and one per
/// referenced group. A group may be referenced by id, or by name within `vpc_id` (what the
/// AWS CLI's `--source-group` sends for a name).
pub(super) fn rules_of(
    res: &Resources,
    caller: &Caller,
    vpc_id: &str,
    perm: &pb::IpPermission,
) -> Result<Vec<SgRule>, ApiError> {
    let protocol = validate::ip_protocol(&perm.ip_protocol)?;
    let (from_port, to_port) = validate::port_range(&protocol, perm.from_port, perm.to_port)?;
    let mut sources = Vec::new();
    for r in &perm.ip_ranges {
        sources.push((
            RuleSource::Cidr(validate::rule_cidr(&r.cidr_ip)?),
            r.description.clone(),
        ));
    }
    for p in &perm.user_id_group_pairs {
        let g = if p.group_id.is_empty() && !p.group_name.is_empty() {
            group_by_name(res, caller, vpc_id, &p.group_name)?
        } else {
            visible_group(res, caller, &p.group_id)?
        };
        sources.push((RuleSource::Group(g.id.clone()), p.description.clone()));
    }
    if sources.is_empty() {
        return Err(ApiError::invalid(
            "InvalidPermission.Malformed",
            "A rule must name at least one CIDR range or security group",
        ));
    }
    Ok(sources
        .into_iter()
        .map(|(source, description)| SgRule {
            id: SecurityGroupRuleId::generate().to_string(),
            protocol: protocol.clone(),
            from_port,
            to_port,
            source,
            description,
        })
        .collect())
}

pub(super) async fn describe_security_groups(
    s: &Shared,
    caller: &Caller,
    req: pb::DescribeSecurityGroupsRequest,
) -> Result<pb::DescribeSecurityGroupsResponse, ApiError> {
    s.read(|st| {
        let mut groups: Vec<&SecurityGroup> = st
            .res
            .security_groups
            .values()
            .filter(|g| g.owner.visible_to(caller))
            .collect();
        if !req.group_ids.is_empty() {
            for id in &req.group_ids {
                visible_group(&st.res, caller, id)?;
            }
            groups.retain(|g| req.group_ids.contains(&g.id));
        }
        if !req.group_names.is_empty() {
            for name in &req.group_names {
                if !groups.iter().any(|g| &g.name == name) {
                    return Err(ApiError::not_found(
                        "InvalidGroup.NotFound",
                        format!("The security group '{name}' does not exist"),
                    ));
                }
            }
            groups.retain(|g| req.group_names.contains(&g.name));
        }
        let groups = filter::apply(
            groups.into_iter().map(|g| group_to_pb(&st.res, g)),
            &req.filters,
        )?;
        let (groups, next_token) = crate::page::page(
            groups,
            req.max_results,
            &req.next_token,
            crate::page::Sizes::Ec2Range,
        )?;
        Ok(pb::DescribeSecurityGroupsResponse {
            security_groups: groups,
            next_token,
        })
    })
    .await
}

/// The group named `name` in `vpc_id`, if `caller` sees it.
fn group_by_name<'a>(
    res: &'a Resources,
    caller: &Caller,
    vpc_id: &str,
    name: &str,
) -> Result<&'a SecurityGroup, ApiError> {
    res.security_groups
        .values()
        .find(|g| g.vpc_id == vpc_id && g.name == name && g.owner.visible_to(caller))
        .ok_or_else(|| {
            ApiError::not_found(
                "InvalidGroup.NotFound",
                format!("The security group '{name}' does not exist in VPC '{vpc_id}'"),
            )
        })
}

/// The security group `id` if `caller` sees it.
pub(super) fn visible_group<'a>(
    res: &'a Resources,
    caller: &Caller,
    id: &str,
) -> Result<&'a SecurityGroup, ApiError> {
    validate::ec2_id::<SecurityGroupId>(id, "InvalidGroupId.Malformed")?;
    res.security_groups
        .get(id)
        .filter(|g| g.owner.visible_to(caller))
        .ok_or_else(|| {
            ApiError::not_found(
                "InvalidGroup.NotFound",
                format!("The security group '{id}' does not exist"),
            )
        })
}

fn arn(g: &SecurityGroup) -> String {
    format!(
        "arn:aws:ec2:{}:{}:security-group/{}",
        g.owner.region, g.owner.account, g.id
    )
}

pub(super) fn source_text(s: &RuleSource) -> String {
    match s {
        RuleSource::Cidr(c) => c.to_string(),
        RuleSource::Group(g) => g.clone(),
    }
}

pub(super) fn rule_to_pb(g: &SecurityGroup, r: &SgRule, is_egress: bool) -> pb::SecurityGroupRule {
    let (cidr_ipv4, referenced_group_id) = match &r.source {
        RuleSource::Cidr(c) => (c.to_string(), String::new()),
        RuleSource::Group(id) => (String::new(), id.clone()),
    };
    pb::SecurityGroupRule {
        security_group_rule_id: r.id.clone(),
        group_id: g.id.clone(),
        group_owner_id: g.owner.account.clone(),
        is_egress,
        ip_protocol: r.protocol.clone(),
        from_port: r.from_port,
        to_port: r.to_port,
        cidr_ipv4,
        referenced_group_id,
        description: r.description.clone(),
    }
}

/// Rules grouped as EC2's `IpPermission`s: one per (protocol, ports), sources merged.
fn permissions(res: &Resources, rules: &[SgRule]) -> Vec<pb::IpPermission> {
    let mut out: Vec<pb::IpPermission> = Vec::new();
    for r in rules {
        let ports = (r.protocol != "-1").then_some((r.from_port, r.to_port));
        let idx = match out
            .iter()
            .position(|p| p.ip_protocol == r.protocol && p.from_port.zip(p.to_port) == ports)
        {
            Some(i) => i,
            None => {
                out.push(pb::IpPermission {
                    ip_protocol: r.protocol.clone(),
                    from_port: ports.map(|p| p.0),
                    to_port: ports.map(|p| p.1),
                    ..Default::default()
                });
                out.len() - 1
            }
        };
        match &r.source {
            RuleSource::Cidr(c) => out[idx].ip_ranges.push(pb::IpRange {
                cidr_ip: c.to_string(),
                description: r.description.clone(),
            }),
            RuleSource::Group(id) => {
                let g = res.security_groups.get(id);
                out[idx].user_id_group_pairs.push(pb::UserIdGroupPair {
                    group_id: id.clone(),
                    user_id: g.map(|g| g.owner.account.clone()).unwrap_or_default(),
                    vpc_id: g.map(|g| g.vpc_id.clone()).unwrap_or_default(),
                    description: r.description.clone(),
                    ..Default::default()
                });
            }
        }
    }
    out
}

fn group_to_pb(res: &Resources, g: &SecurityGroup) -> pb::SecurityGroup {
    pb::SecurityGroup {
        group_id: g.id.clone(),
        group_name: g.name.clone(),
        description: g.description.clone(),
        vpc_id: g.vpc_id.clone(),
        owner_id: g.owner.account.clone(),
        ip_permissions: permissions(res, &g.ingress),
        ip_permissions_egress: permissions(res, &g.egress),
        tags: Tag::to_pb(&g.tags),
        security_group_arn: arn(g),
    }
}

#[cfg(test)]
mod tests;

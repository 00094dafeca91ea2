//! Security group verbs, with the AWS CLI's one-rule conveniences for `authorize-security-group-ingress`.

use clap::{ArgAction, Args};
use plemu_proto::pb;

use super::{CallError, shapes};

/// Parameters of `create-security-group`.
#[derive(Args, Debug)]
pub struct CreateSecurityGroupArgs {
    /// The group's name, unique in its VPC.
    #[arg(long)]
    group_name: String,
    /// A description of the group.
    #[arg(long)]
    description: String,
    /// The VPC the group belongs to.
    #[arg(long)]
    vpc_id: Option<String>,
    /// Tags to apply: ResourceType=security-group,Tags=[{Key=Name,Value=x}] (or JSON).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    tag_specifications: Vec<String>,
}

impl CreateSecurityGroupArgs {
    pub(super) fn request(self) -> Result<pb::CreateSecurityGroupRequest, CallError> {
        Ok(pb::CreateSecurityGroupRequest {
            group_name: self.group_name,
            description: self.description,
            vpc_id: self.vpc_id.unwrap_or_default(),
            tag_specifications: shapes::structs(
                "--tag-specifications",
                &self.tag_specifications,
                shapes::tag_specification,
            )?,
        })
    }
}

/// Parameters of `authorize-security-group-ingress`: either `--ip-permissions`, or one
/// rule from `--protocol`, `--port`, `--cidr` and `--source-group`.
#[derive(Args, Debug)]
pub struct AuthorizeSecurityGroupIngressArgs {
    /// The group to add rules to.
    #[arg(long)]
    group_id: String,
    /// Rules: IpProtocol=tcp,FromPort=6379,ToPort=6379,IpRanges=[{CidrIp=10.1.0.0/16}] (or JSON).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    ip_permissions: Vec<String>,
    /// One rule's protocol: tcp, udp, icmp, a protocol number, or all (-1).
    #[arg(long, allow_hyphen_values = true)]
    protocol: Option<String>,
    /// One rule's ports: 6379, a range 6000-6100, or -1 for all.
    #[arg(long, allow_hyphen_values = true)]
    port: Option<String>,
    /// One rule's source range in CIDR notation.
    #[arg(long)]
    cidr: Option<String>,
    /// One rule's source security group, by id (sg-...) or by name (in the group's VPC).
    #[arg(long)]
    source_group: Option<String>,
    /// The account that owns --source-group.
    #[arg(long)]
    group_owner: Option<String>,
}

impl AuthorizeSecurityGroupIngressArgs {
    pub(super) fn request(self) -> Result<pb::AuthorizeSecurityGroupIngressRequest, CallError> {
        let (group_id, ip_permissions) = self.permissions()?;
        Ok(pb::AuthorizeSecurityGroupIngressRequest {
            group_id,
            ip_permissions,
        })
    }

    /// The group and the rules the arguments name (shared with `revoke-security-group-ingress`).
    pub(super) fn permissions(self) -> Result<(String, Vec<pb::IpPermission>), CallError> {
        let simple: Vec<&str> = [
            ("--protocol", self.protocol.is_some()),
            ("--port", self.port.is_some()),
            ("--cidr", self.cidr.is_some()),
            ("--source-group", self.source_group.is_some()),
            ("--group-owner", self.group_owner.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect();
        let usage = |argument: &str, message: String| CallError::Usage {
            argument: argument.to_string(),
            message,
        };
        if !self.ip_permissions.is_empty() {
            if !simple.is_empty() {
                return Err(usage(
                    "--ip-permissions",
                    format!("not allowed with {}", simple.join(", ")),
                ));
            }
            let perms = shapes::structs(
                "--ip-permissions",
                &self.ip_permissions,
                shapes::ip_permission,
            )?;
            return Ok((self.group_id, perms));
        }
        if simple.is_empty() {
            return Ok((self.group_id, Vec::new()));
        }
        let Some(protocol) = self.protocol else {
            return Err(usage(
                "--protocol",
                format!("is required with {}", simple.join(", ")),
            ));
        };
        let (from_port, to_port) = match self.port.as_deref().map(str::trim) {
            None => (None, None),
            Some(p) => {
                let (from, to) = port_range(p).ok_or_else(|| {
                    usage(
                        "--port",
                        format!("bad value \"{p}\": must be of the form <from[-to]>, e.g. 22 or 22-25, or -1"),
                    )
                })?;
                (Some(from), Some(to))
            }
        };
        let source_pair = |group: String| {
            let (group_id, group_name) = if group.starts_with("sg-") {
                (group, String::new())
            } else {
                (String::new(), group)
            };
            pb::UserIdGroupPair {
                group_id,
                group_name,
                user_id: self.group_owner.clone().unwrap_or_default(),
                ..Default::default()
            }
        };
        if self.group_owner.is_some() && self.source_group.is_none() {
            return Err(usage(
                "--group-owner",
                "is only allowed with --source-group".to_string(),
            ));
        }
        let permission = pb::IpPermission {
            ip_protocol: if protocol == "all" {
                "-1".to_string()
            } else {
                protocol
            },
            from_port,
            to_port,
            ip_ranges: self
                .cidr
                .into_iter()
                .map(|cidr_ip| pb::IpRange {
                    cidr_ip,
                    description: String::new(),
                })
                .collect(),
            user_id_group_pairs: self.source_group.into_iter().map(source_pair).collect(),
        };
        Ok((self.group_id, vec![permission]))
    }
}

/// `N`, `N-M` or `-1` (all ports) as a (from, to) pair.
fn port_range(text: &str) -> Option<(i32, i32)> {
    if text == "-1" {
        return Some((-1, -1));
    }
    match text.split_once('-') {
        Some((from, to)) => Some((from.trim().parse().ok()?, to.trim().parse().ok()?)),
        None => {
            let port = text.parse().ok()?;
            Some((port, port))
        }
    }
}

/// Parameters of `describe-security-groups`.
#[derive(Args, Debug)]
pub struct DescribeSecurityGroupsArgs {
    /// The groups to describe, by id; all when omitted.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    group_ids: Vec<String>,
    /// The groups to describe, by name.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    group_names: Vec<String>,
    /// Filters: Name=vpc-id,Values=vpc-… (or JSON).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    filters: Vec<String>,
    /// Paging; every item at once when omitted.
    #[command(flatten)]
    page: super::page::Ec2Page,
}

impl DescribeSecurityGroupsArgs {
    pub(super) fn request(self) -> Result<pb::DescribeSecurityGroupsRequest, CallError> {
        let (max_results, next_token) = self.page.fields();
        Ok(pb::DescribeSecurityGroupsRequest {
            group_ids: shapes::strings("--group-ids", self.group_ids)?,
            group_names: shapes::strings("--group-names", self.group_names)?,
            filters: shapes::structs("--filters", &self.filters, shapes::filter)?,
            max_results,
            next_token,
        })
    }
}

#[cfg(test)]
mod tests;

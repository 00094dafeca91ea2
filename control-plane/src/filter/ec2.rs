//! The filters of `DescribeVpcs`, `DescribeSubnets` and `DescribeSecurityGroups`, as AWS
//! documents them, on what each answer shows.

use plemu_proto::pb;

use super::{Filterable, flag};

impl Filterable for pb::Vpc {
    const FILTERS: &'static [&'static str] = &[
        "vpc-id",
        "cidr",
        "cidr-block",
        "cidr-block-association.cidr-block",
        "cidr-block-association.state",
        "state",
        "owner-id",
        "is-default",
        "dhcp-options-id",
    ];
    fn values(&self, name: &str) -> Vec<String> {
        vec![match name {
            "vpc-id" => self.vpc_id.clone(),
            "state" => self.state.clone(),
            "cidr-block-association.state" => "associated".into(),
            "owner-id" => self.owner_id.clone(),
            "is-default" => flag(self.is_default),
            "dhcp-options-id" => self.dhcp_options_id.clone(),
            _ => self.cidr_block.clone(),
        }]
    }
    fn tags(&self) -> &[pb::Tag] {
        &self.tags
    }
}

impl Filterable for pb::Subnet {
    const FILTERS: &'static [&'static str] = &[
        "vpc-id",
        "subnet-id",
        "subnet-arn",
        "cidr",
        "cidr-block",
        "cidrBlock",
        "availability-zone",
        "availability-zone-id",
        "available-ip-address-count",
        "default-for-az",
        "map-public-ip-on-launch",
        "state",
        "owner-id",
    ];
    fn values(&self, name: &str) -> Vec<String> {
        vec![match name {
            "vpc-id" => self.vpc_id.clone(),
            "subnet-id" => self.subnet_id.clone(),
            "subnet-arn" => self.subnet_arn.clone(),
            "availability-zone" => self.availability_zone.clone(),
            "availability-zone-id" => self.availability_zone_id.clone(),
            "available-ip-address-count" => self.available_ip_address_count.to_string(),
            "default-for-az" => flag(self.default_for_az),
            "map-public-ip-on-launch" => flag(self.map_public_ip_on_launch),
            "state" => self.state.clone(),
            "owner-id" => self.owner_id.clone(),
            _ => self.cidr_block.clone(),
        }]
    }
    fn tags(&self) -> &[pb::Tag] {
        &self.tags
    }
}

impl Filterable for pb::SecurityGroup {
    const FILTERS: &'static [&'static str] = &[
        "vpc-id",
        "group-name",
        "group-id",
        "description",
        "owner-id",
        "ip-permission.cidr",
        "ip-permission.from-port",
        "ip-permission.to-port",
        "ip-permission.protocol",
        "ip-permission.group-id",
        "ip-permission.group-name",
        "ip-permission.user-id",
        "egress.ip-permission.cidr",
        "egress.ip-permission.from-port",
        "egress.ip-permission.to-port",
        "egress.ip-permission.protocol",
        "egress.ip-permission.group-id",
        "egress.ip-permission.group-name",
        "egress.ip-permission.user-id",
    ];
    fn values(&self, name: &str) -> Vec<String> {
        if let Some(field) = name.strip_prefix("egress.ip-permission.") {
            return permission_values(&self.ip_permissions_egress, field);
        }
        if let Some(field) = name.strip_prefix("ip-permission.") {
            return permission_values(&self.ip_permissions, field);
        }
        vec![match name {
            "vpc-id" => self.vpc_id.clone(),
            "group-name" => self.group_name.clone(),
            "description" => self.description.clone(),
            "owner-id" => self.owner_id.clone(),
            _ => self.group_id.clone(),
        }]
    }
    fn tags(&self) -> &[pb::Tag] {
        &self.tags
    }
}

/// The values of the rules' `field` (`cidr`, `from-port`, …), one per rule or source.
fn permission_values(rules: &[pb::IpPermission], field: &str) -> Vec<String> {
    let port = |p: Option<i32>| p.map(|p| p.to_string()).unwrap_or_default();
    rules
        .iter()
        .flat_map(|r| -> Vec<String> {
            match field {
                "cidr" => r.ip_ranges.iter().map(|c| c.cidr_ip.clone()).collect(),
                "from-port" => vec![port(r.from_port)],
                "to-port" => vec![port(r.to_port)],
                "protocol" => vec![r.ip_protocol.clone()],
                "group-id" => r
                    .user_id_group_pairs
                    .iter()
                    .map(|g| g.group_id.clone())
                    .collect(),
                "group-name" => r
                    .user_id_group_pairs
                    .iter()
                    .map(|g| g.group_name.clone())
                    .collect(),
                _ => r
                    .user_id_group_pairs
                    .iter()
                    .map(|g| g.user_id.clone())
                    .collect(),
            }
        })
        .collect()
}

//! VPCs, subnets and security groups.

use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};

use super::{Owner, Tag};

/// A VPC and its DNS attributes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Vpc {
    pub id: String,
    pub owner: Owner,
    pub cidr: Ipv4Net,
    pub dhcp_options_id: String,
    /// `enableDnsSupport`; AWS's default for a new VPC is true.
    pub enable_dns_support: bool,
    /// `enableDnsHostnames`; AWS's default for a non-default VPC is false.
    pub enable_dns_hostnames: bool,
    pub tags: Vec<Tag>,
}

/// A subnet: a CIDR inside its VPC's, in one availability zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Subnet {
    pub id: String,
    pub owner: Owner,
    pub vpc_id: String,
    pub cidr: Ipv4Net,
    /// Zone name, e.g. `us-east-1a`.
    pub az: String,
    pub tags: Vec<Tag>,
}

/// A security group and its rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SecurityGroup {
    pub id: String,
    pub owner: Owner,
    pub vpc_id: String,
    pub name: String,
    pub description: String,
    pub ingress: Vec<SgRule>,
    pub egress: Vec<SgRule>,
    pub tags: Vec<Tag>,
}

/// One security group rule: a protocol, a port range and one source (or destination).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SgRule {
    /// `sgr-` + 17 hex.
    pub id: String,
    /// `tcp` | `udp` | `icmp` | `-1` | a protocol number.
    pub protocol: String,
    /// First port (ICMP type); -1 when the protocol has none.
    pub from_port: i32,
    /// Last port (ICMP code); -1 when the protocol has none.
    pub to_port: i32,
    pub source: RuleSource,
    pub description: String,
}

/// Whom a rule admits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum RuleSource {
    /// An IPv4 range, canonical (host bits cleared).
    Cidr(Ipv4Net),
    /// The members of a security group.
    Group(String),
}

impl SgRule {
    /// Whether two rules admit the same traffic (ids and descriptions aside).
    pub fn same_as(&self, other: &SgRule) -> bool {
        self.protocol == other.protocol
            && self.from_port == other.from_port
            && self.to_port == other.to_port
            && self.source == other.source
    }
}

//! Network Load Balancers, target groups, targets and listeners.

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use super::attributes::{self, Attributes};
use super::{Owner, Tag};

/// A Network Load Balancer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LoadBalancer {
    pub arn: String,
    pub name: String,
    pub owner: Owner,
    pub vpc_id: String,
    /// `internet-facing` | `internal`.
    pub scheme: String,
    pub dns_name: String,
    pub created: String,
    pub state: LbState,
    /// One node per subnet (so per zone).
    pub nodes: Vec<LbNode>,
    pub security_groups: Vec<String>,
    pub ip_address_type: String,
    pub tags: Vec<Tag>,
    /// The attributes set by ModifyLoadBalancerAttributes.
    #[serde(default)]
    pub attributes: Attributes,
    /// `EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic` is `on` (AWS's default); it
    /// matters only when the load balancer has security groups.
    #[serde(default = "enforce_on")]
    pub enforce_sg_on_private_link: bool,
}

fn enforce_on() -> bool {
    true
}

impl LoadBalancer {
    /// `load_balancing.cross_zone.enabled`.
    pub fn cross_zone(&self) -> bool {
        self.attributes
            .flag(attributes::LOAD_BALANCER, attributes::CROSS_ZONE)
    }
}

/// A load balancer's provisioning state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum LbState {
    /// Just created; becomes `active` after the provisioning delay.
    Provisioning,
    /// Serving.
    Active,
}

impl LbState {
    /// The state's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Provisioning => "provisioning",
            Self::Active => "active",
        }
    }
}

/// One load balancer node: its subnet and modelled private address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LbNode {
    pub subnet_id: String,
    pub az: String,
    pub ip: Ipv4Addr,
    /// Where the node's connections to targets come from in all-in-one mode (a loopback
    /// address of the data directory's block, like an ENI's); `None` for nodes stored before
    /// nodes had one.
    #[serde(default)]
    pub bind: Option<Ipv4Addr>,
}

/// A TCP target group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TargetGroup {
    pub arn: String,
    pub name: String,
    pub owner: Owner,
    pub vpc_id: String,
    pub protocol: String,
    pub port: u16,
    /// `instance` | `ip`.
    pub target_type: String,
    pub health_check: HealthCheck,
    pub targets: Vec<Target>,
    pub ip_address_type: String,
    pub tags: Vec<Tag>,
    /// The attributes set by ModifyTargetGroupAttributes.
    #[serde(default)]
    pub attributes: Attributes,
}

impl TargetGroup {
    /// `deregistration_delay.timeout_seconds`: how long a deregistered target drains.
    pub fn deregistration_delay(&self) -> i64 {
        self.attributes
            .number(attributes::TARGET_GROUP, attributes::DEREGISTRATION_DELAY)
    }

    /// Every attribute, as DescribeTargetGroupAttributes lists them.
    pub fn attributes_pb(&self) -> Vec<plemu_proto::pb::Attribute> {
        // AWS preserves client IPs by default for instance targets only.
        let preserve = if self.target_type == "instance" {
            "true"
        } else {
            "false"
        };
        self.attributes.to_pb(
            attributes::TARGET_GROUP,
            &[(attributes::PRESERVE_CLIENT_IP, preserve)],
        )
    }
}

/// A target group's health check settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct HealthCheck {
    /// `TCP` | `HTTP` | `HTTPS`.
    pub protocol: String,
    /// `traffic-port` or a port number.
    pub port: String,
    pub enabled: bool,
    /// Seconds between checks.
    pub interval: u32,
    /// Seconds before a check fails.
    pub timeout: u32,
    pub healthy_threshold: u32,
    pub unhealthy_threshold: u32,
    /// HTTP(S) only.
    pub path: String,
    /// HTTP(S) only, e.g. `200-399`.
    pub matcher: String,
}

/// A registered target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Target {
    /// An IP address or (plemu extension) a host name.
    pub id: String,
    pub port: u16,
    /// The zone of the subnet holding the address, or `all`.
    pub az: String,
    /// When it was deregistered (Unix seconds): it drains until the delay has passed.
    pub deregistered_at: Option<i64>,
}

impl Target {
    /// Whether the target is still registered, or draining at `now` (Unix seconds) under a
    /// deregistration delay of `delay` seconds.
    pub fn present_at(&self, now: i64, delay: i64) -> bool {
        self.deregistered_at.is_none_or(|t| now < t + delay)
    }
}

/// A TCP listener forwarding to one target group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Listener {
    pub arn: String,
    pub lb_arn: String,
    pub owner: Owner,
    pub port: u16,
    pub protocol: String,
    pub tg_arn: String,
    pub tags: Vec<Tag>,
    /// The attributes set by ModifyListenerAttributes.
    #[serde(default)]
    pub attributes: Attributes,
}

impl Listener {
    /// `tcp.idle_timeout.seconds`.
    pub fn idle_timeout(&self) -> u32 {
        u32::try_from(
            self.attributes
                .number(attributes::LISTENER, attributes::TCP_IDLE_TIMEOUT),
        )
        .unwrap_or(350)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draining_targets_vanish_after_the_delay() {
        let t = |d| Target {
            id: "10.0.1.5".into(),
            port: 80,
            az: "all".into(),
            deregistered_at: d,
        };
        for (target, now, delay, present) in [
            (t(None), 1_000, 300, true),
            (t(Some(1_000)), 1_000, 300, true),
            (t(Some(1_000)), 1_299, 300, true),
            (t(Some(1_000)), 1_300, 300, false),
            (t(Some(1_000)), 1_000, 0, false),
            (t(Some(1_000)), 1_001, 2, true),
            (t(Some(1_000)), 1_002, 2, false),
        ] {
            assert_eq!(
                target.present_at(now, delay),
                present,
                "{target:?} at {now}"
            );
        }
    }
}

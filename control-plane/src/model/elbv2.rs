//! Network Load Balancers, target groups, targets and listeners.

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use super::{Owner, Tag};

/// How long a deregistered target stays `draining`, in seconds (ELBv2's default deregistration delay).
pub(crate) const DEREGISTRATION_DELAY_SECS: i64 = 300;

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
    /// Whether the target is still registered or draining at `now` (Unix seconds).
    pub fn present_at(&self, now: i64) -> bool {
        self.deregistered_at
            .is_none_or(|t| now < t + DEREGISTRATION_DELAY_SECS)
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
        for (target, now, present) in [
            (t(None), 1_000, true),
            (t(Some(1_000)), 1_000, true),
            (t(Some(1_000)), 1_299, true),
            (t(Some(1_000)), 1_300, false),
        ] {
            assert_eq!(target.present_at(now), present, "{target:?} at {now}");
        }
    }
}

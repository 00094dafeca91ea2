//! Active health checks: one checker task per checked target, kept in step with the desired state.

pub mod checker;
pub mod http;
pub mod report;
pub mod state;
pub mod supervisor;
pub mod table;
pub mod tcp;

use std::time::Duration;

use plemu_proto::pb::{HealthCheckSpec, TargetGroupSpec, TargetSpec};

use crate::nlb::target::traffic_port;
use state::Thresholds;

pub use supervisor::Supervisor;

/// One checked target: a registration of `id:port` in a target group.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TargetKey {
    /// The target group's ARN.
    pub target_group_arn: String,
    /// The target id as registered (IP address or host name).
    pub id: String,
    /// The traffic port: the target's own, or the group's when it registered none.
    pub port: u32,
}

impl TargetKey {
    /// The key of target `id` on `port` in `target_group_arn`.
    pub fn new(target_group_arn: &str, id: &str, port: u32) -> Self {
        Self {
            target_group_arn: target_group_arn.into(),
            id: id.into(),
            port,
        }
    }

    /// The key of `target` in `tg`, on its [traffic port](traffic_port): the one key both the
    /// checker and target choice use.
    pub fn of(tg: &TargetGroupSpec, target: &TargetSpec) -> Self {
        Self::new(&tg.target_group_arn, &target.id, traffic_port(tg, target))
    }
}

/// The protocol a health check speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckProtocol {
    /// Connect, then close.
    Tcp,
    /// `GET path`, expecting 200-399.
    Http,
}

/// A target group's health-check settings, with the NLB defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HealthSettings {
    /// What a check does. `HTTPS` is checked as TCP (no TLS handshake).
    pub protocol: CheckProtocol,
    /// The port checked; 0 means the target's traffic port.
    pub port: u32,
    /// Time between the starts of two checks.
    pub interval: Duration,
    /// Time after which a check counts as failed with `Target.Timeout`.
    pub timeout: Duration,
    /// Consecutive results needed to change state.
    pub thresholds: Thresholds,
    /// The HTTP path requested.
    pub path: String,
}

impl HealthSettings {
    /// Settings from a target group's spec; zero or missing values take the NLB defaults
    /// (interval 30 s, timeout 10 s, or 6 s for HTTP, thresholds 5 and 2, path `/`).
    pub fn from_spec(spec: Option<&HealthCheckSpec>) -> Self {
        let spec = spec.cloned().unwrap_or_default();
        let protocol = if spec.protocol.eq_ignore_ascii_case("HTTP") {
            CheckProtocol::Http
        } else {
            CheckProtocol::Tcp
        };
        let or = |v: u32, d: u32| if v == 0 { d } else { v };
        let default_timeout = if protocol == CheckProtocol::Http {
            6
        } else {
            10
        };
        Self {
            protocol,
            port: spec.port,
            interval: Duration::from_secs(or(spec.interval_seconds, 30).into()),
            timeout: Duration::from_secs(or(spec.timeout_seconds, default_timeout).into()),
            thresholds: Thresholds {
                healthy: or(spec.healthy_threshold, 5),
                unhealthy: or(spec.unhealthy_threshold, 2),
            },
            path: if spec.path.is_empty() {
                "/".into()
            } else {
                spec.path
            },
        }
    }

    /// The port checked on a target whose traffic port is `traffic_port`.
    pub fn check_port(&self, traffic_port: u32) -> u32 {
        if self.port == 0 {
            traffic_port
        } else {
            self.port
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::fixture;

    #[test]
    fn settings_take_the_nlb_defaults_for_what_is_missing() {
        let defaults = HealthSettings {
            protocol: CheckProtocol::Tcp,
            port: 0,
            interval: Duration::from_secs(30),
            timeout: Duration::from_secs(10),
            thresholds: Thresholds {
                healthy: 5,
                unhealthy: 2,
            },
            path: "/".into(),
        };
        assert_eq!(HealthSettings::from_spec(None), defaults);
        let http = HealthSettings::from_spec(Some(&HealthCheckSpec {
            protocol: "http".into(),
            ..Default::default()
        }));
        assert_eq!(
            (http.protocol, http.timeout),
            (CheckProtocol::Http, Duration::from_secs(6))
        );
        let fast = HealthSettings::from_spec(Some(&fixture::fast_health_check()));
        assert_eq!(
            (fast.interval, fast.timeout, fast.thresholds),
            (
                Duration::from_secs(1),
                Duration::from_secs(2),
                Thresholds {
                    healthy: 2,
                    unhealthy: 2
                }
            )
        );
        assert_eq!(fast.check_port(6379), 6379, "0: the traffic port");
        let on_8080 = HealthSettings::from_spec(Some(&HealthCheckSpec {
            port: 8080,
            ..fixture::fast_health_check()
        }));
        assert_eq!(on_8080.check_port(6379), 8080);
    }
}

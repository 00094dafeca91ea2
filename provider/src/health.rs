//! Active health checks: one checker task per checked target, kept in step with the desired state.

pub mod checker;
pub mod http;
pub mod report;
pub mod state;
pub mod supervisor;
pub mod table;
pub mod tcp;
pub mod tls;

use std::time::Duration;

use plemu_proto::pb::{HealthCheckSpec, TargetGroupAttributesSpec, TargetGroupSpec, TargetSpec};

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
    /// `GET path`, expecting a code the matcher lists.
    Http,
    /// A TLS handshake accepting any certificate, then as HTTP.
    Https,
}

/// What happens to a target's open flows when it turns unhealthy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct UnhealthyPolicy {
    /// `target_health_state.unhealthy.connection_termination.enabled`: reset them (unless the
    /// group fails open).
    pub terminate: bool,
    /// `target_health_state.unhealthy.draining_interval_seconds`: with termination off, how
    /// long the target reports `unhealthy.draining` first.
    pub draining: Duration,
}

/// A target group's health-check settings, with the NLB defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HealthSettings {
    /// What a check does.
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
    /// The HTTP codes that pass, as `Matcher.HttpCode` says (`200-399` by default).
    pub matcher: String,
    /// `proxy_protocol_v2.enabled`: checks open with a PROXY v2 `LOCAL` header.
    pub proxy_protocol: bool,
    /// What happens to open flows when the target turns unhealthy.
    pub unhealthy: UnhealthyPolicy,
}

impl HealthSettings {
    /// Settings from a target group's spec; zero or missing values take the NLB defaults
    /// (interval 30 s, timeout 10 s, or 6 s for HTTP, thresholds 5 and 2, path `/`, matcher
    /// `200-399`, unhealthy flows reset).
    pub fn from_spec(spec: Option<&HealthCheckSpec>) -> Self {
        Self::of_group(spec, None)
    }

    /// Settings from a target group's health check and attributes (AWS's defaults when absent).
    pub fn of_group(
        spec: Option<&HealthCheckSpec>,
        attributes: Option<&TargetGroupAttributesSpec>,
    ) -> Self {
        let spec = spec.cloned().unwrap_or_default();
        let protocol = match spec.protocol.to_ascii_uppercase().as_str() {
            "HTTP" => CheckProtocol::Http,
            "HTTPS" => CheckProtocol::Https,
            _ => CheckProtocol::Tcp,
        };
        let unhealthy = match attributes {
            None => UnhealthyPolicy {
                terminate: true,
                draining: Duration::ZERO,
            },
            Some(a) => UnhealthyPolicy {
                terminate: a.unhealthy_connection_termination,
                draining: Duration::from_secs(a.unhealthy_draining_interval_seconds.into()),
            },
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
            matcher: if spec.matcher.is_empty() {
                "200-399".into()
            } else {
                spec.matcher
            },
            proxy_protocol: attributes.is_some_and(|a| a.proxy_protocol_v2),
            unhealthy,
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
            matcher: "200-399".into(),
            proxy_protocol: false,
            unhealthy: UnhealthyPolicy {
                terminate: true,
                draining: Duration::ZERO,
            },
        };
        assert_eq!(HealthSettings::from_spec(None), defaults);
        let https = HealthSettings::from_spec(Some(&HealthCheckSpec {
            protocol: "HTTPS".into(),
            ..Default::default()
        }));
        assert_eq!(
            (https.protocol, https.timeout),
            (CheckProtocol::Https, Duration::from_secs(10))
        );
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

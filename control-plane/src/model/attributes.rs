//! Target group, load balancer and listener attributes: AWS's keys, defaults and bounds.
//!
//! Each resource stores only the attributes set on it ([`Attributes`]); every other key reads as
//! its default. A modification is checked whole before any of it applies.

use std::collections::BTreeMap;

use plemu_proto::pb;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// What values an attribute takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `true` or `false`.
    Bool,
    /// An integer in the range, inclusive.
    Range(i64, i64),
    /// An integer in the range, or `off`.
    RangeOrOff(i64, i64),
    /// One of these words.
    OneOf(&'static [&'static str]),
    /// Any string (bucket names, prefixes).
    Text,
}

/// One attribute AWS defines for a Network Load Balancer's resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Spec {
    /// AWS's key, e.g. `deregistration_delay.timeout_seconds`.
    pub key: &'static str,
    /// The value of a resource that never set it.
    pub default: &'static str,
    /// The values it takes.
    pub kind: Kind,
}

const fn spec(key: &'static str, default: &'static str, kind: Kind) -> Spec {
    Spec { key, default, kind }
}

/// `deregistration_delay.timeout_seconds`.
pub(crate) const DEREGISTRATION_DELAY: &str = "deregistration_delay.timeout_seconds";
/// `deregistration_delay.connection_termination.enabled`.
pub(crate) const DEREGISTRATION_TERMINATION: &str =
    "deregistration_delay.connection_termination.enabled";
/// `target_health_state.unhealthy.connection_termination.enabled`.
pub(crate) const UNHEALTHY_TERMINATION: &str =
    "target_health_state.unhealthy.connection_termination.enabled";
/// `target_health_state.unhealthy.draining_interval_seconds`.
pub(crate) const UNHEALTHY_DRAINING: &str =
    "target_health_state.unhealthy.draining_interval_seconds";
/// `proxy_protocol_v2.enabled`.
pub(crate) const PROXY_PROTOCOL_V2: &str = "proxy_protocol_v2.enabled";
/// `load_balancing.cross_zone.enabled` (a target group's, or a load balancer's).
pub(crate) const CROSS_ZONE: &str = "load_balancing.cross_zone.enabled";
/// `preserve_client_ip.enabled`.
pub(crate) const PRESERVE_CLIENT_IP: &str = "preserve_client_ip.enabled";
/// `tcp.idle_timeout.seconds` (a TCP listener's).
pub(crate) const TCP_IDLE_TIMEOUT: &str = "tcp.idle_timeout.seconds";

/// A TCP target group's attributes, in the order DescribeTargetGroupAttributes lists them.
/// `preserve_client_ip.enabled` defaults to `false` here, its value for `ip` targets; an
/// `instance` group reads `true` (the caller passes it to [`Attributes::to_pb`]).
pub(crate) const TARGET_GROUP: &[Spec] = &[
    spec(DEREGISTRATION_DELAY, "300", Kind::Range(0, 3600)),
    spec(DEREGISTRATION_TERMINATION, "false", Kind::Bool),
    spec(PRESERVE_CLIENT_IP, "false", Kind::Bool),
    spec(PROXY_PROTOCOL_V2, "false", Kind::Bool),
    spec("stickiness.enabled", "false", Kind::Bool),
    spec("stickiness.type", "source_ip", Kind::OneOf(&["source_ip"])),
    spec(
        CROSS_ZONE,
        "use_load_balancer_configuration",
        Kind::OneOf(&["true", "false", "use_load_balancer_configuration"]),
    ),
    spec(
        "target_group_health.dns_failover.minimum_healthy_targets.count",
        "1",
        Kind::RangeOrOff(1, 1000),
    ),
    spec(
        "target_group_health.dns_failover.minimum_healthy_targets.percentage",
        "off",
        Kind::RangeOrOff(1, 100),
    ),
    spec(
        "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count",
        "1",
        Kind::Range(1, 1000),
    ),
    spec(
        "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage",
        "off",
        Kind::RangeOrOff(1, 100),
    ),
    spec(UNHEALTHY_TERMINATION, "true", Kind::Bool),
    spec(UNHEALTHY_DRAINING, "0", Kind::Range(0, 360_000)),
];

/// A Network Load Balancer's attributes.
pub(crate) const LOAD_BALANCER: &[Spec] = &[
    spec("access_logs.s3.enabled", "false", Kind::Bool),
    spec("access_logs.s3.bucket", "", Kind::Text),
    spec("access_logs.s3.prefix", "", Kind::Text),
    spec("deletion_protection.enabled", "false", Kind::Bool),
    spec(CROSS_ZONE, "false", Kind::Bool),
    spec(
        "dns_record.client_routing_policy",
        "any_availability_zone",
        Kind::OneOf(&[
            "availability_zone_affinity",
            "partial_availability_zone_affinity",
            "any_availability_zone",
        ]),
    ),
    spec("zonal_shift.config.enabled", "false", Kind::Bool),
];

/// A TCP listener's attributes.
pub(crate) const LISTENER: &[Spec] = &[spec(TCP_IDLE_TIMEOUT, "350", Kind::Range(60, 6000))];

/// The attributes set on one resource; keys not set read as their [`Spec::default`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct Attributes(BTreeMap<String, String>);

// === impl Attributes ===

impl Attributes {
    /// The value of `key` among `specs`: as set, or its default.
    pub fn get<'a>(&'a self, specs: &[Spec], key: &str) -> &'a str {
        if let Some(v) = self.0.get(key) {
            return v;
        }
        specs
            .iter()
            .find(|s| s.key == key)
            .map_or("", |s| s.default)
    }

    /// Whether the boolean `key` is `true`.
    pub fn flag(&self, specs: &[Spec], key: &str) -> bool {
        self.get(specs, key) == "true"
    }

    /// The integer `key` (0 when it is `off` or not a number).
    pub fn number(&self, specs: &[Spec], key: &str) -> i64 {
        self.get(specs, key).parse().unwrap_or(0)
    }

    /// Sets `key` to `value`, as [`modify`](Self::modify) checked it.
    fn set(&mut self, key: &str, value: &str) {
        self.0.insert(key.to_string(), value.to_string());
    }

    /// Every attribute in `specs`, as the Describe actions list them; `defaults` overrides
    /// some defaults (a target group's `preserve_client_ip.enabled`).
    pub fn to_pb(&self, specs: &[Spec], defaults: &[(&str, &str)]) -> Vec<pb::Attribute> {
        specs
            .iter()
            .map(|s| {
                let value = self.0.get(s.key).map_or_else(
                    || {
                        defaults
                            .iter()
                            .find(|(k, _)| *k == s.key)
                            .map_or(s.default, |(_, v)| v)
                    },
                    String::as_str,
                );
                pb::Attribute {
                    key: s.key.into(),
                    value: value.into(),
                }
            })
            .collect()
    }

    /// Applies `changes` after checking every one against `specs`.
    ///
    /// # Errors
    /// `ValidationError` when `changes` is empty; `InvalidConfigurationRequest` for a key that
    /// `specs` lacks ("Key … not valid", as AWS words it) or a value outside the key's range.
    pub fn modify(&mut self, specs: &[Spec], changes: &[pb::Attribute]) -> Result<(), ApiError> {
        if changes.is_empty() {
            return Err(ApiError::validation(
                "At least one attribute must be specified",
            ));
        }
        for c in changes {
            let Some(spec) = specs.iter().find(|s| s.key == c.key) else {
                return Err(ApiError::invalid(
                    "InvalidConfigurationRequest",
                    format!("Key {} not valid", c.key),
                ));
            };
            check(spec, &c.value)?;
        }
        for c in changes {
            self.set(&c.key, &c.value);
        }
        Ok(())
    }
}

/// `InvalidConfigurationRequest` unless `value` is one `spec` takes.
fn check(spec: &Spec, value: &str) -> Result<(), ApiError> {
    let in_range = |lo: i64, hi: i64| value.parse::<i64>().is_ok_and(|n| (lo..=hi).contains(&n));
    let (ok, expected) = match spec.kind {
        Kind::Bool => (
            matches!(value, "true" | "false"),
            "'true' or 'false'".into(),
        ),
        Kind::Range(lo, hi) => (in_range(lo, hi), format!("an integer from {lo} to {hi}")),
        Kind::RangeOrOff(lo, hi) => (
            value == "off" || in_range(lo, hi),
            format!("'off' or an integer from {lo} to {hi}"),
        ),
        Kind::OneOf(words) => (words.contains(&value), format!("one of {words:?}")),
        Kind::Text => (true, String::new()),
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "InvalidConfigurationRequest",
            format!(
                "The value '{value}' of attribute '{}' is not valid: it must be {expected}",
                spec.key
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(key: &str, value: &str) -> pb::Attribute {
        pb::Attribute {
            key: key.into(),
            value: value.into(),
        }
    }

    #[test]
    fn defaults_bounds_and_codes() {
        let mut a = Attributes::default();
        assert_eq!(a.number(TARGET_GROUP, DEREGISTRATION_DELAY), 300);
        assert!(a.flag(TARGET_GROUP, UNHEALTHY_TERMINATION));
        assert!(!a.flag(TARGET_GROUP, PROXY_PROTOCOL_V2));
        assert_eq!(a.number(LISTENER, TCP_IDLE_TIMEOUT), 350);
        // (key, value, accepted)
        let cases = [
            (DEREGISTRATION_DELAY, "0", true),
            (DEREGISTRATION_DELAY, "3600", true),
            (DEREGISTRATION_DELAY, "3601", false),
            (DEREGISTRATION_DELAY, "-1", false),
            (DEREGISTRATION_DELAY, "ten", false),
            (PROXY_PROTOCOL_V2, "true", true),
            (PROXY_PROTOCOL_V2, "True", false),
            (CROSS_ZONE, "use_load_balancer_configuration", true),
            (CROSS_ZONE, "maybe", false),
            (UNHEALTHY_DRAINING, "360000", true),
            (UNHEALTHY_DRAINING, "360001", false),
            (
                "target_group_health.dns_failover.minimum_healthy_targets.percentage",
                "off",
                true,
            ),
            (
                "target_group_health.dns_failover.minimum_healthy_targets.percentage",
                "101",
                false,
            ),
        ];
        for (key, value, accepted) in cases {
            let r = a.clone().modify(TARGET_GROUP, &[attr(key, value)]);
            assert_eq!(r.is_ok(), accepted, "{key}={value}: {r:?}");
            if let Err(e) = r {
                assert_eq!(e.code(), "InvalidConfigurationRequest");
            }
        }
        let e = a.modify(TARGET_GROUP, &[]).unwrap_err();
        assert_eq!(e.code(), "ValidationError");
        let e = a
            .modify(TARGET_GROUP, &[attr("idle_timeout.timeout_seconds", "60")])
            .unwrap_err();
        assert_eq!(
            (e.code(), e.message().as_str()),
            (
                "InvalidConfigurationRequest",
                "Key idle_timeout.timeout_seconds not valid"
            )
        );
        // One bad attribute: nothing applies.
        let e = a.modify(
            TARGET_GROUP,
            &[
                attr(PROXY_PROTOCOL_V2, "true"),
                attr(DEREGISTRATION_DELAY, "x"),
            ],
        );
        assert!(e.is_err());
        assert!(!a.flag(TARGET_GROUP, PROXY_PROTOCOL_V2));
        a.modify(LISTENER, &[attr(TCP_IDLE_TIMEOUT, "60")]).unwrap();
        assert_eq!(a.number(LISTENER, TCP_IDLE_TIMEOUT), 60);
        assert!(a.modify(LISTENER, &[attr(TCP_IDLE_TIMEOUT, "59")]).is_err());
    }

    #[test]
    fn describe_lists_every_key_in_order() {
        let mut a = Attributes::default();
        a.modify(TARGET_GROUP, &[attr(DEREGISTRATION_DELAY, "30")])
            .unwrap();
        let listed = a.to_pb(TARGET_GROUP, &[(PRESERVE_CLIENT_IP, "true")]);
        assert_eq!(listed.len(), TARGET_GROUP.len());
        assert_eq!(listed[0], attr(DEREGISTRATION_DELAY, "30"));
        assert!(listed.contains(&attr(PRESERVE_CLIENT_IP, "true")));
        assert!(listed.contains(&attr(UNHEALTHY_TERMINATION, "true")));
    }
}

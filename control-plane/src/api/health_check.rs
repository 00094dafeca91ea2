//! A target group's health check settings: AWS's defaults and bounds for CreateTargetGroup, and
//! ModifyTargetGroup.

use plemu_proto::meta::Caller;
use plemu_proto::pb;

use super::target_group::{tg_to_pb, visible_tg};
use crate::error::ApiError;
use crate::model::HealthCheck;
use crate::state::Shared;

/// Longest `HealthCheckPath` AWS accepts.
const MAX_PATH: usize = 1024;

/// The health check parameters of a CreateTargetGroup or ModifyTargetGroup request; `None` (or
/// empty) means "not given".
#[derive(Debug, Default)]
pub(super) struct HealthCheckParams<'a> {
    pub protocol: &'a str,
    pub port: &'a str,
    pub path: &'a str,
    pub enabled: Option<bool>,
    pub interval: Option<i32>,
    pub timeout: Option<i32>,
    pub healthy: Option<i32>,
    pub unhealthy: Option<i32>,
    pub matcher: Option<&'a str>,
}

impl<'a> HealthCheckParams<'a> {
    /// The parameters of a create request.
    pub fn of_create(req: &'a pb::CreateTargetGroupRequest) -> Self {
        Self {
            protocol: &req.health_check_protocol,
            port: &req.health_check_port,
            path: &req.health_check_path,
            enabled: req.health_check_enabled,
            interval: req.health_check_interval_seconds,
            timeout: req.health_check_timeout_seconds,
            healthy: req.healthy_threshold_count,
            unhealthy: req.unhealthy_threshold_count,
            matcher: req.matcher.as_ref().map(|m| m.http_code.as_str()),
        }
    }

    /// The parameters of a modify request.
    pub fn of_modify(req: &'a pb::ModifyTargetGroupRequest) -> Self {
        Self {
            protocol: &req.health_check_protocol,
            port: &req.health_check_port,
            path: &req.health_check_path,
            enabled: req.health_check_enabled,
            interval: req.health_check_interval_seconds,
            timeout: req.health_check_timeout_seconds,
            healthy: req.healthy_threshold_count,
            unhealthy: req.unhealthy_threshold_count,
            matcher: req.matcher.as_ref().map(|m| m.http_code.as_str()),
        }
    }

    /// The settings these parameters give on top of `base` (a create has none: AWS's defaults).
    ///
    /// # Errors
    /// `ValidationError` for a protocol other than TCP, HTTP or HTTPS, a bad port, a count or
    /// duration out of range, a path that does not start with `/` or is longer than 1,024
    /// characters or holds a space or control character, a bad matcher, or disabled checks.
    pub fn apply(&self, base: Option<&HealthCheck>) -> Result<HealthCheck, ApiError> {
        let protocol = match (self.protocol, base) {
            ("", Some(b)) => b.protocol.as_str(),
            ("", None) => "TCP",
            (p @ ("TCP" | "HTTP" | "HTTPS"), _) => p,
            (other, _) => {
                return Err(ApiError::validation(format!(
                    "Health check protocol '{other}' must be TCP, HTTP or HTTPS"
                )));
            }
        };
        let port = match (self.port, base) {
            ("", Some(b)) => b.port.clone(),
            ("" | "traffic-port", _) => "traffic-port".to_string(),
            (p, _) => match p.parse::<u16>() {
                Ok(n) if n >= 1 => n.to_string(),
                _ => {
                    return Err(ApiError::validation(format!(
                        "Health check port '{p}' must be 'traffic-port' or 1-65535"
                    )));
                }
            },
        };
        // AWS: health checks cannot be disabled for instance, ip and alb targets, the only
        // kinds plemu serves.
        if self.enabled == Some(false) {
            return Err(ApiError::validation(
                "Health checks cannot be disabled for target groups with a target type of 'instance', 'ip' or 'alb'",
            ));
        }
        let ranged = |v: Option<i32>,
                      kept: Option<u32>,
                      default: u32,
                      lo: i32,
                      hi: i32,
                      field: &str| match v {
            None => Ok(kept.unwrap_or(default)),
            Some(v) if (lo..=hi).contains(&v) => Ok(v.unsigned_abs()),
            Some(v) => Err(ApiError::validation(format!(
                "{field} {v} must be between {lo} and {hi}"
            ))),
        };
        let http = protocol != "TCP";
        let path = match (http, self.path) {
            (false, _) => String::new(),
            (true, "") => base
                .map(|b| b.path.clone())
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| "/".into()),
            (true, p) => path(p)?,
        };
        let matcher = match (http, self.matcher) {
            (false, _) => String::new(),
            (true, None | Some("")) => base
                .map(|b| b.matcher.clone())
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| "200-399".into()),
            (true, Some(c)) => matcher(c)?,
        };
        Ok(HealthCheck {
            protocol: protocol.into(),
            port,
            enabled: true,
            interval: ranged(
                self.interval,
                base.map(|b| b.interval),
                30,
                5,
                300,
                "HealthCheckIntervalSeconds",
            )?,
            timeout: ranged(
                self.timeout,
                base.map(|b| b.timeout),
                if protocol == "HTTP" { 6 } else { 10 },
                2,
                120,
                "HealthCheckTimeoutSeconds",
            )?,
            healthy_threshold: ranged(
                self.healthy,
                base.map(|b| b.healthy_threshold),
                5,
                2,
                10,
                "HealthyThresholdCount",
            )?,
            unhealthy_threshold: ranged(
                self.unhealthy,
                base.map(|b| b.unhealthy_threshold),
                2,
                2,
                10,
                "UnhealthyThresholdCount",
            )?,
            path,
            matcher,
        })
    }
}

/// A `HealthCheckPath`: it starts with `/`, has at most 1,024 characters, and none of them is
/// a space or a control character (which would break the request line).
fn path(p: &str) -> Result<String, ApiError> {
    if !p.starts_with('/') {
        return Err(ApiError::validation(format!(
            "Health check path '{p}' must start with a '/' character"
        )));
    }
    if p.chars().count() > MAX_PATH {
        return Err(ApiError::validation(format!(
            "Health check path must be at most {MAX_PATH} characters long"
        )));
    }
    if p.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ApiError::validation(format!(
            "Health check path {p:?} must not contain spaces or control characters"
        )));
    }
    Ok(p.to_string())
}

/// A Network Load Balancer's `Matcher.HttpCode`: codes from 200 to 599, as one code, a range
/// `200-299`, or a comma-separated list of either.
pub(crate) fn matcher(m: &str) -> Result<String, ApiError> {
    let bad = || {
        ApiError::validation(format!(
            "Health check matcher HTTP code '{m}' must be codes from 200 to 599, as '200', '200,202' or '200-299'"
        ))
    };
    let code = |s: &str| s.parse::<u16>().ok().filter(|c| (200..=599).contains(c));
    for part in m.split(',') {
        match part.split_once('-') {
            Some((lo, hi)) => match (code(lo), code(hi)) {
                (Some(lo), Some(hi)) if lo <= hi => {}
                _ => return Err(bad()),
            },
            None => {
                code(part).ok_or_else(bad)?;
            }
        }
    }
    Ok(m.to_string())
}

pub(super) async fn modify_target_group(
    s: &Shared,
    caller: &Caller,
    req: pb::ModifyTargetGroupRequest,
) -> Result<pb::ModifyTargetGroupResponse, ApiError> {
    let params = HealthCheckParams::of_modify(&req);
    let tg = s
        .mutate(|res| {
            let tg = visible_tg(res, caller, &req.target_group_arn)?;
            let health_check = params.apply(Some(&tg.health_check))?;
            let tg = res
                .target_groups
                .get_mut(&req.target_group_arn)
                .expect("visible above");
            tg.health_check = health_check;
            Ok(tg.clone())
        })
        .await?;
    let out = s.read(|st| tg_to_pb(&st.res, &tg)).await;
    Ok(pb::ModifyTargetGroupResponse {
        target_groups: vec![out],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_checked_as_aws_does() {
        for (p, ok) in [
            ("/", true),
            ("/health?x=1", true),
            ("health", false),
            ("/a b", false),
            ("/x\r\nHost: evil", false),
            (&format!("/{}", "a".repeat(1023)), true),
            (&format!("/{}", "a".repeat(1024)), false),
        ] {
            let r = path(p);
            assert_eq!(r.is_ok(), ok, "{p:?}: {r:?}");
            if let Err(e) = r {
                assert_eq!(e.code(), "ValidationError");
            }
        }
    }

    #[test]
    fn matchers_are_nlb_codes() {
        for (m, ok) in [
            ("200", true),
            ("200-399", true),
            ("200,202,300-399", true),
            ("599", true),
            ("199", false),
            ("600", false),
            ("300-200", false),
            ("2xx", false),
            ("", false),
        ] {
            assert_eq!(matcher(m).is_ok(), ok, "{m:?}");
        }
    }

    #[test]
    fn modify_keeps_what_is_not_given() {
        let create = HealthCheckParams {
            protocol: "HTTP",
            path: "/ready",
            interval: Some(10),
            ..Default::default()
        }
        .apply(None)
        .unwrap();
        assert_eq!(
            (create.timeout, create.matcher.as_str()),
            (6, "200-399"),
            "AWS's HTTP defaults"
        );
        let modified = HealthCheckParams {
            matcher: Some("200"),
            healthy: Some(3),
            ..Default::default()
        }
        .apply(Some(&create))
        .unwrap();
        assert_eq!(modified.path, "/ready");
        assert_eq!(modified.interval, 10);
        assert_eq!(modified.matcher, "200");
        assert_eq!(modified.healthy_threshold, 3);
        let tcp = HealthCheckParams {
            protocol: "TCP",
            ..Default::default()
        }
        .apply(Some(&modified))
        .unwrap();
        assert_eq!((tcp.path.as_str(), tcp.matcher.as_str()), ("", ""));
        let e = HealthCheckParams {
            interval: Some(4),
            ..Default::default()
        }
        .apply(Some(&create))
        .unwrap_err();
        assert_eq!(e.code(), "ValidationError");
    }
}

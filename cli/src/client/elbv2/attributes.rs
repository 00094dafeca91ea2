//! Modification verbs of `plemu elbv2`: `modify-target-group`, the attribute verbs of target
//! groups, load balancers and listeners, and `set-security-groups`.

use clap::{ArgAction, Args};
use plemu_proto::pb;

use crate::client::CallError;
use crate::client::shapes::{self, Fields};

/// `Key=…,Value=…`, as the AWS CLI's `--attributes` takes it.
fn attribute(f: &mut Fields) -> Result<pb::Attribute, String> {
    Ok(pb::Attribute {
        key: f.string("Key")?,
        value: f.string("Value")?,
    })
}

/// The `--attributes` parameter: Key=k,Value=v per value, or JSON.
fn attributes(raw: &[String]) -> Result<Vec<pb::Attribute>, CallError> {
    shapes::structs("--attributes", raw, attribute)
}

/// Parameters of `modify-target-group`: the health check settings to change.
#[derive(Args, Debug)]
pub struct ModifyTargetGroupArgs {
    /// The target group.
    #[arg(long)]
    target_group_arn: String,
    /// TCP, HTTP or HTTPS.
    #[arg(long)]
    health_check_protocol: Option<String>,
    /// traffic-port or a port number.
    #[arg(long)]
    health_check_port: Option<String>,
    /// The path HTTP(S) health checks request: starts with /, at most 1,024 characters.
    #[arg(long)]
    health_check_path: Option<String>,
    /// Health checks are on.
    #[arg(long, conflicts_with = "no_health_check_enabled")]
    health_check_enabled: bool,
    /// Turn health checks off (refused for instance and ip targets, as on AWS).
    #[arg(long)]
    no_health_check_enabled: bool,
    /// Seconds between health checks of a target (5-300).
    #[arg(long)]
    health_check_interval_seconds: Option<i32>,
    /// Seconds a health check may take (2-120).
    #[arg(long)]
    health_check_timeout_seconds: Option<i32>,
    /// Consecutive successes before an unhealthy target is healthy (2-10).
    #[arg(long)]
    healthy_threshold_count: Option<i32>,
    /// Consecutive failures before a healthy target is unhealthy (2-10).
    #[arg(long)]
    unhealthy_threshold_count: Option<i32>,
    /// HTTP codes of a healthy answer: HttpCode=200-399 (or JSON).
    #[arg(long)]
    matcher: Option<String>,
}

impl ModifyTargetGroupArgs {
    pub(super) fn request(self) -> Result<pb::ModifyTargetGroupRequest, CallError> {
        Ok(pb::ModifyTargetGroupRequest {
            target_group_arn: self.target_group_arn,
            health_check_protocol: self.health_check_protocol.unwrap_or_default(),
            health_check_port: self.health_check_port.unwrap_or_default(),
            health_check_path: self.health_check_path.unwrap_or_default(),
            health_check_enabled: shapes::flag(
                self.health_check_enabled,
                self.no_health_check_enabled,
            ),
            health_check_interval_seconds: self.health_check_interval_seconds,
            health_check_timeout_seconds: self.health_check_timeout_seconds,
            healthy_threshold_count: self.healthy_threshold_count,
            unhealthy_threshold_count: self.unhealthy_threshold_count,
            matcher: self
                .matcher
                .map(|m| shapes::structure("--matcher", &m, shapes::matcher))
                .transpose()?,
        })
    }
}

/// Parameters of `describe-target-group-attributes`.
#[derive(Args, Debug)]
pub struct DescribeTargetGroupAttributesArgs {
    /// The target group.
    #[arg(long)]
    target_group_arn: String,
}

impl DescribeTargetGroupAttributesArgs {
    pub(super) fn request(self) -> Result<pb::DescribeTargetGroupAttributesRequest, CallError> {
        Ok(pb::DescribeTargetGroupAttributesRequest {
            target_group_arn: self.target_group_arn,
        })
    }
}

/// Parameters of `modify-target-group-attributes`.
#[derive(Args, Debug)]
pub struct ModifyTargetGroupAttributesArgs {
    /// The target group.
    #[arg(long)]
    target_group_arn: String,
    /// Attributes: Key=deregistration_delay.timeout_seconds,Value=30 (or JSON).
    #[arg(long, required = true, num_args = 1.., action = ArgAction::Append)]
    attributes: Vec<String>,
}

impl ModifyTargetGroupAttributesArgs {
    pub(super) fn request(self) -> Result<pb::ModifyTargetGroupAttributesRequest, CallError> {
        Ok(pb::ModifyTargetGroupAttributesRequest {
            target_group_arn: self.target_group_arn,
            attributes: attributes(&self.attributes)?,
        })
    }
}

/// Parameters of `describe-load-balancer-attributes`.
#[derive(Args, Debug)]
pub struct DescribeLoadBalancerAttributesArgs {
    /// The load balancer.
    #[arg(long)]
    load_balancer_arn: String,
}

impl DescribeLoadBalancerAttributesArgs {
    pub(super) fn request(self) -> Result<pb::DescribeLoadBalancerAttributesRequest, CallError> {
        Ok(pb::DescribeLoadBalancerAttributesRequest {
            load_balancer_arn: self.load_balancer_arn,
        })
    }
}

/// Parameters of `modify-load-balancer-attributes`.
#[derive(Args, Debug)]
pub struct ModifyLoadBalancerAttributesArgs {
    /// The load balancer.
    #[arg(long)]
    load_balancer_arn: String,
    /// Attributes: Key=load_balancing.cross_zone.enabled,Value=true (or JSON).
    #[arg(long, required = true, num_args = 1.., action = ArgAction::Append)]
    attributes: Vec<String>,
}

impl ModifyLoadBalancerAttributesArgs {
    pub(super) fn request(self) -> Result<pb::ModifyLoadBalancerAttributesRequest, CallError> {
        Ok(pb::ModifyLoadBalancerAttributesRequest {
            load_balancer_arn: self.load_balancer_arn,
            attributes: attributes(&self.attributes)?,
        })
    }
}

/// Parameters of `describe-listener-attributes`.
#[derive(Args, Debug)]
pub struct DescribeListenerAttributesArgs {
    /// The listener.
    #[arg(long)]
    listener_arn: String,
}

impl DescribeListenerAttributesArgs {
    pub(super) fn request(self) -> Result<pb::DescribeListenerAttributesRequest, CallError> {
        Ok(pb::DescribeListenerAttributesRequest {
            listener_arn: self.listener_arn,
        })
    }
}

/// Parameters of `modify-listener-attributes`.
#[derive(Args, Debug)]
pub struct ModifyListenerAttributesArgs {
    /// The listener.
    #[arg(long)]
    listener_arn: String,
    /// Attributes: Key=tcp.idle_timeout.seconds,Value=60 (or JSON).
    #[arg(long, required = true, num_args = 1.., action = ArgAction::Append)]
    attributes: Vec<String>,
}

impl ModifyListenerAttributesArgs {
    pub(super) fn request(self) -> Result<pb::ModifyListenerAttributesRequest, CallError> {
        Ok(pb::ModifyListenerAttributesRequest {
            listener_arn: self.listener_arn,
            attributes: attributes(&self.attributes)?,
        })
    }
}

/// Parameters of `set-security-groups`.
#[derive(Args, Debug)]
pub struct SetSecurityGroupsArgs {
    /// The load balancer (created with security groups).
    #[arg(long)]
    load_balancer_arn: String,
    /// The security groups, replacing the current ones.
    #[arg(long, required = true, num_args = 1.., action = ArgAction::Append)]
    security_groups: Vec<String>,
    /// on or off: whether the groups filter traffic from VPC endpoints.
    #[arg(long)]
    enforce_security_group_inbound_rules_on_private_link_traffic: Option<String>,
}

impl SetSecurityGroupsArgs {
    pub(super) fn request(self) -> Result<pb::SetSecurityGroupsRequest, CallError> {
        Ok(pb::SetSecurityGroupsRequest {
            load_balancer_arn: self.load_balancer_arn,
            security_groups: shapes::strings("--security-groups", self.security_groups)?,
            enforce_security_group_inbound_rules_on_private_link_traffic: self
                .enforce_security_group_inbound_rules_on_private_link_traffic
                .unwrap_or_default(),
        })
    }
}

//! Target group verbs of `plemu elbv2`, with the targets registered in a group and their health.

use clap::{ArgAction, Args};
use plemu_proto::pb;

use super::tags;
use crate::client::{CallError, shapes};

/// Parameters of `create-target-group`.
#[derive(Args, Debug)]
pub struct CreateTargetGroupArgs {
    /// The name, unique in the account and region.
    #[arg(long)]
    name: String,
    /// TCP (plemu forwards TCP).
    #[arg(long)]
    protocol: Option<String>,
    /// The port targets receive traffic on, unless a target names its own.
    #[arg(long)]
    port: Option<i32>,
    /// The VPC the targets are in.
    #[arg(long)]
    vpc_id: Option<String>,
    /// TCP (the default), HTTP or HTTPS.
    #[arg(long)]
    health_check_protocol: Option<String>,
    /// traffic-port (the default) or a port number.
    #[arg(long)]
    health_check_port: Option<String>,
    /// Health checks are on (the default).
    #[arg(long, conflicts_with = "no_health_check_enabled")]
    health_check_enabled: bool,
    /// Turn health checks off (refused for instance and ip targets, as on AWS).
    #[arg(long)]
    no_health_check_enabled: bool,
    /// The path HTTP health checks request.
    #[arg(long)]
    health_check_path: Option<String>,
    /// Seconds between health checks of a target (5-300, default 30).
    #[arg(long)]
    health_check_interval_seconds: Option<i32>,
    /// Seconds a health check may take (2-120, default 10).
    #[arg(long)]
    health_check_timeout_seconds: Option<i32>,
    /// Consecutive successes before an unhealthy target is healthy (2-10, default 5).
    #[arg(long)]
    healthy_threshold_count: Option<i32>,
    /// Consecutive failures before a healthy target is unhealthy (2-10, default 2).
    #[arg(long)]
    unhealthy_threshold_count: Option<i32>,
    /// HTTP codes of a healthy answer: HttpCode=200-399 (or JSON).
    #[arg(long)]
    matcher: Option<String>,
    /// instance (AWS's default) or ip.
    #[arg(long)]
    target_type: Option<String>,
    /// Tags: Key=Name,Value=x (or JSON).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    tags: Vec<String>,
    /// ipv4 or ipv6.
    #[arg(long)]
    ip_address_type: Option<String>,
}

impl CreateTargetGroupArgs {
    pub(super) fn request(self) -> Result<pb::CreateTargetGroupRequest, CallError> {
        Ok(pb::CreateTargetGroupRequest {
            name: self.name,
            protocol: self.protocol.unwrap_or_default(),
            port: self.port,
            vpc_id: self.vpc_id.unwrap_or_default(),
            health_check_protocol: self.health_check_protocol.unwrap_or_default(),
            health_check_port: self.health_check_port.unwrap_or_default(),
            health_check_enabled: shapes::flag(
                self.health_check_enabled,
                self.no_health_check_enabled,
            ),
            health_check_path: self.health_check_path.unwrap_or_default(),
            health_check_interval_seconds: self.health_check_interval_seconds,
            health_check_timeout_seconds: self.health_check_timeout_seconds,
            healthy_threshold_count: self.healthy_threshold_count,
            unhealthy_threshold_count: self.unhealthy_threshold_count,
            matcher: self
                .matcher
                .map(|m| shapes::structure("--matcher", &m, shapes::matcher))
                .transpose()?,
            target_type: self.target_type.unwrap_or_default(),
            tags: tags(&self.tags)?,
            ip_address_type: self.ip_address_type.unwrap_or_default(),
        })
    }
}

/// Parameters of `describe-target-groups`.
#[derive(Args, Debug)]
pub struct DescribeTargetGroupsArgs {
    /// The target groups of this load balancer.
    #[arg(long)]
    load_balancer_arn: Option<String>,
    /// The target groups, by ARN; all when omitted.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    target_group_arns: Vec<String>,
    /// The target groups, by name.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    names: Vec<String>,
    /// Paging; every item at once when omitted.
    #[command(flatten)]
    page: crate::client::page::Elbv2Page,
}

impl DescribeTargetGroupsArgs {
    pub(super) fn request(self) -> Result<pb::DescribeTargetGroupsRequest, CallError> {
        let (page_size, marker) = self.page.fields();
        Ok(pb::DescribeTargetGroupsRequest {
            load_balancer_arn: self.load_balancer_arn.unwrap_or_default(),
            target_group_arns: shapes::strings("--target-group-arns", self.target_group_arns)?,
            names: shapes::strings("--names", self.names)?,
            marker,
            page_size,
        })
    }
}

// === Targets ===

/// Parameters of `register-targets` and `deregister-targets`.
#[derive(Args, Debug)]
pub struct TargetsArgs {
    /// The target group.
    #[arg(long)]
    target_group_arn: String,
    /// Targets: Id=10.0.1.10,Port=6379 per target (or JSON).
    #[arg(long, required = true, num_args = 1.., action = ArgAction::Append)]
    targets: Vec<String>,
}

impl TargetsArgs {
    fn parts(self) -> Result<(String, Vec<pb::TargetDescription>), CallError> {
        let targets = shapes::structs("--targets", &self.targets, shapes::target_description)?;
        Ok((self.target_group_arn, targets))
    }

    /// As a `register-targets` request.
    pub(super) fn register(self) -> Result<pb::RegisterTargetsRequest, CallError> {
        let (target_group_arn, targets) = self.parts()?;
        Ok(pb::RegisterTargetsRequest {
            target_group_arn,
            targets,
        })
    }

    /// As a `deregister-targets` request.
    pub(super) fn deregister(self) -> Result<pb::DeregisterTargetsRequest, CallError> {
        let (target_group_arn, targets) = self.parts()?;
        Ok(pb::DeregisterTargetsRequest {
            target_group_arn,
            targets,
        })
    }
}

/// Parameters of `describe-target-health`.
#[derive(Args, Debug)]
pub struct DescribeTargetHealthArgs {
    /// The target group.
    #[arg(long)]
    target_group_arn: String,
    /// Only these targets: Id=10.0.1.10,Port=6379 (or JSON); all when omitted.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    targets: Vec<String>,
}

impl DescribeTargetHealthArgs {
    pub(super) fn request(self) -> Result<pb::DescribeTargetHealthRequest, CallError> {
        Ok(pb::DescribeTargetHealthRequest {
            target_group_arn: self.target_group_arn,
            targets: shapes::structs("--targets", &self.targets, shapes::target_description)?,
        })
    }
}

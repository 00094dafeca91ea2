//! Load balancer verbs of `plemu elbv2`: `create-load-balancer` and `describe-load-balancers`.

use clap::{ArgAction, Args};
use plemu_proto::pb;

use super::tags;
use crate::client::{CallError, shapes};

/// Parameters of `create-load-balancer`.
#[derive(Args, Debug)]
pub struct CreateLoadBalancerArgs {
    /// The name, unique in the account and region (up to 32 alphanumerics and hyphens).
    #[arg(long)]
    name: String,
    /// The subnets to place a node in, one per zone.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    subnets: Vec<String>,
    /// Security groups of the load balancer.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    security_groups: Vec<String>,
    /// internet-facing (the default) or internal.
    #[arg(long)]
    scheme: Option<String>,
    /// Tags: Key=Name,Value=x (or JSON).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    tags: Vec<String>,
    /// network (AWS's default is application, which plemu does not serve).
    #[arg(long = "type")]
    r#type: Option<String>,
    /// ipv4 or dualstack.
    #[arg(long)]
    ip_address_type: Option<String>,
}

impl CreateLoadBalancerArgs {
    pub(super) fn request(self) -> Result<pb::CreateLoadBalancerRequest, CallError> {
        Ok(pb::CreateLoadBalancerRequest {
            name: self.name,
            subnets: shapes::strings("--subnets", self.subnets)?,
            security_groups: shapes::strings("--security-groups", self.security_groups)?,
            scheme: self.scheme.unwrap_or_default(),
            tags: tags(&self.tags)?,
            r#type: self.r#type.unwrap_or_default(),
            ip_address_type: self.ip_address_type.unwrap_or_default(),
        })
    }
}

/// Parameters of `describe-load-balancers`.
#[derive(Args, Debug)]
pub struct DescribeLoadBalancersArgs {
    /// The load balancers, by ARN; all when omitted.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    load_balancer_arns: Vec<String>,
    /// The load balancers, by name.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    names: Vec<String>,
    /// Paging; every item at once when omitted.
    #[command(flatten)]
    page: crate::client::page::Elbv2Page,
}

impl DescribeLoadBalancersArgs {
    pub(super) fn request(self) -> Result<pb::DescribeLoadBalancersRequest, CallError> {
        let (page_size, marker) = self.page.fields();
        Ok(pb::DescribeLoadBalancersRequest {
            load_balancer_arns: shapes::strings("--load-balancer-arns", self.load_balancer_arns)?,
            names: shapes::strings("--names", self.names)?,
            marker,
            page_size,
        })
    }
}

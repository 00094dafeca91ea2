//! Listener verbs of `plemu elbv2`: `create-listener` and `describe-listeners`.

use clap::{ArgAction, Args};
use plemu_proto::pb;

use super::tags;
use crate::client::{CallError, shapes};

/// Parameters of `create-listener`.
#[derive(Args, Debug)]
pub struct CreateListenerArgs {
    /// The load balancer.
    #[arg(long)]
    load_balancer_arn: String,
    /// TCP.
    #[arg(long)]
    protocol: Option<String>,
    /// The port the load balancer listens on.
    #[arg(long)]
    port: Option<i32>,
    /// Actions: Type=forward,TargetGroupArn=arn:… (or JSON).
    #[arg(long, required = true, num_args = 1.., action = ArgAction::Append)]
    default_actions: Vec<String>,
    /// Tags: Key=Name,Value=x (or JSON).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    tags: Vec<String>,
}

impl CreateListenerArgs {
    pub(super) fn request(self) -> Result<pb::CreateListenerRequest, CallError> {
        Ok(pb::CreateListenerRequest {
            load_balancer_arn: self.load_balancer_arn,
            protocol: self.protocol.unwrap_or_default(),
            port: self.port.unwrap_or_default(),
            default_actions: shapes::structs(
                "--default-actions",
                &self.default_actions,
                shapes::action,
            )?,
            tags: tags(&self.tags)?,
        })
    }
}

/// Parameters of `describe-listeners`.
#[derive(Args, Debug)]
pub struct DescribeListenersArgs {
    /// The listeners of this load balancer.
    #[arg(long)]
    load_balancer_arn: Option<String>,
    /// The listeners, by ARN.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    listener_arns: Vec<String>,
    /// Paging; every item at once when omitted.
    #[command(flatten)]
    page: crate::client::page::Elbv2Page,
}

impl DescribeListenersArgs {
    pub(super) fn request(self) -> Result<pb::DescribeListenersRequest, CallError> {
        let (page_size, marker) = self.page.fields();
        Ok(pb::DescribeListenersRequest {
            load_balancer_arn: self.load_balancer_arn.unwrap_or_default(),
            listener_arns: shapes::strings("--listener-arns", self.listener_arns)?,
            marker,
            page_size,
        })
    }
}

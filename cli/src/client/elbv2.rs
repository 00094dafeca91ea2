//! The `plemu elbv2` verbs and their dispatch: Network Load Balancers, target groups, targets and listeners.
//!
//! # Layout
//! - `load_balancer.rs`: `create-load-balancer`, `describe-load-balancers`.
//! - `target_group.rs`: target groups, and the targets registered in them with their health.
//! - `listener.rs`: `create-listener`, `describe-listeners`.
//! - `attributes.rs`: `modify-target-group`, the `describe-`/`modify-…-attributes` verbs of
//!   target groups, load balancers and listeners, and `set-security-groups`.

use clap::Subcommand;
use plemu_proto::pb::{self, elbv2_client::Elbv2Client};

use super::{CallError, Connection, shapes};

mod attributes;
mod listener;
mod load_balancer;
mod target_group;

use attributes::{
    DescribeListenerAttributesArgs, DescribeLoadBalancerAttributesArgs,
    DescribeTargetGroupAttributesArgs, ModifyListenerAttributesArgs,
    ModifyLoadBalancerAttributesArgs, ModifyTargetGroupArgs, ModifyTargetGroupAttributesArgs,
    SetSecurityGroupsArgs,
};
use listener::{CreateListenerArgs, DescribeListenersArgs};
use load_balancer::{CreateLoadBalancerArgs, DescribeLoadBalancersArgs};
use target_group::{
    CreateTargetGroupArgs, DescribeTargetGroupsArgs, DescribeTargetHealthArgs, TargetsArgs,
};

/// One `plemu elbv2` verb: an ELBv2 action, named and parameterised as in `aws elbv2`.
#[derive(Subcommand, Debug)]
pub enum Elbv2Command {
    /// Creates a load balancer (plemu serves --type network).
    CreateLoadBalancer(CreateLoadBalancerArgs),
    /// Describes load balancers.
    DescribeLoadBalancers(DescribeLoadBalancersArgs),
    /// Creates a target group.
    CreateTargetGroup(CreateTargetGroupArgs),
    /// Describes target groups.
    DescribeTargetGroups(DescribeTargetGroupsArgs),
    /// Registers targets with a target group.
    RegisterTargets(TargetsArgs),
    /// Deregisters targets from a target group.
    DeregisterTargets(TargetsArgs),
    /// Describes the health of a target group's targets.
    DescribeTargetHealth(DescribeTargetHealthArgs),
    /// Creates a listener on a load balancer.
    CreateListener(CreateListenerArgs),
    /// Describes listeners.
    DescribeListeners(DescribeListenersArgs),
    /// Changes a target group's health check settings.
    ModifyTargetGroup(ModifyTargetGroupArgs),
    /// Describes a target group's attributes.
    DescribeTargetGroupAttributes(DescribeTargetGroupAttributesArgs),
    /// Changes a target group's attributes.
    ModifyTargetGroupAttributes(ModifyTargetGroupAttributesArgs),
    /// Describes a load balancer's attributes.
    DescribeLoadBalancerAttributes(DescribeLoadBalancerAttributesArgs),
    /// Changes a load balancer's attributes.
    ModifyLoadBalancerAttributes(ModifyLoadBalancerAttributesArgs),
    /// Describes a listener's attributes.
    DescribeListenerAttributes(DescribeListenerAttributesArgs),
    /// Changes a listener's attributes.
    ModifyListenerAttributes(ModifyListenerAttributesArgs),
    /// Sets a load balancer's security groups.
    SetSecurityGroups(SetSecurityGroupsArgs),
    #[command(flatten)]
    Teardown(super::teardown::Elbv2Teardown),
    #[command(flatten)]
    Modify(super::modify::Elbv2Modify),
    #[command(flatten)]
    Tags(super::tag_verbs::Elbv2Tags),
}

/// Builds the request for `cmd`, then calls it.
pub(super) async fn run(
    conn: &Connection,
    cmd: Elbv2Command,
) -> Result<Option<serde_json::Value>, CallError> {
    use Elbv2Command as C;
    match cmd {
        C::Teardown(t) => super::teardown::elbv2(conn, t).await,
        C::Modify(m) => super::modify::elbv2(conn, m).await,
        C::Tags(t) => super::tag_verbs::elbv2(conn, t).await,
        C::CreateLoadBalancer(a) => call!(
            conn,
            Elbv2Client,
            create_load_balancer,
            "CreateLoadBalancer",
            a.request()
        ),
        C::DescribeLoadBalancers(a) => call!(
            conn,
            Elbv2Client,
            describe_load_balancers,
            "DescribeLoadBalancers",
            a.request()
        ),
        C::CreateTargetGroup(a) => call!(
            conn,
            Elbv2Client,
            create_target_group,
            "CreateTargetGroup",
            a.request()
        ),
        C::DescribeTargetGroups(a) => call!(
            conn,
            Elbv2Client,
            describe_target_groups,
            "DescribeTargetGroups",
            a.request()
        ),
        C::RegisterTargets(a) => call!(
            conn,
            Elbv2Client,
            register_targets,
            "RegisterTargets",
            a.register()
        ),
        C::DeregisterTargets(a) => call!(
            conn,
            Elbv2Client,
            deregister_targets,
            "DeregisterTargets",
            a.deregister()
        ),
        C::DescribeTargetHealth(a) => call!(
            conn,
            Elbv2Client,
            describe_target_health,
            "DescribeTargetHealth",
            a.request()
        ),
        C::CreateListener(a) => call!(
            conn,
            Elbv2Client,
            create_listener,
            "CreateListener",
            a.request()
        ),
        C::DescribeListeners(a) => call!(
            conn,
            Elbv2Client,
            describe_listeners,
            "DescribeListeners",
            a.request()
        ),
        C::ModifyTargetGroup(a) => call!(
            conn,
            Elbv2Client,
            modify_target_group,
            "ModifyTargetGroup",
            a.request()
        ),
        C::DescribeTargetGroupAttributes(a) => call!(
            conn,
            Elbv2Client,
            describe_target_group_attributes,
            "DescribeTargetGroupAttributes",
            a.request()
        ),
        C::ModifyTargetGroupAttributes(a) => call!(
            conn,
            Elbv2Client,
            modify_target_group_attributes,
            "ModifyTargetGroupAttributes",
            a.request()
        ),
        C::DescribeLoadBalancerAttributes(a) => call!(
            conn,
            Elbv2Client,
            describe_load_balancer_attributes,
            "DescribeLoadBalancerAttributes",
            a.request()
        ),
        C::ModifyLoadBalancerAttributes(a) => call!(
            conn,
            Elbv2Client,
            modify_load_balancer_attributes,
            "ModifyLoadBalancerAttributes",
            a.request()
        ),
        C::DescribeListenerAttributes(a) => call!(
            conn,
            Elbv2Client,
            describe_listener_attributes,
            "DescribeListenerAttributes",
            a.request()
        ),
        C::ModifyListenerAttributes(a) => call!(
            conn,
            Elbv2Client,
            modify_listener_attributes,
            "ModifyListenerAttributes",
            a.request()
        ),
        C::SetSecurityGroups(a) => call!(
            conn,
            Elbv2Client,
            set_security_groups,
            "SetSecurityGroups",
            a.request()
        ),
    }
}

/// The `--tags` parameter: Key=k,Value=v per value, or JSON.
fn tags(raw: &[String]) -> Result<Vec<pb::Tag>, CallError> {
    shapes::structs("--tags", raw, shapes::tag)
}

#[cfg(test)]
mod tests;

//! The delete verbs of `plemu ec2` (`delete-vpc`, `delete-subnet`, `delete-security-group`) and
//! `plemu elbv2` (`delete-listener`, `delete-load-balancer`, `delete-target-group`).

use clap::{Args, Subcommand};
use plemu_proto::pb;
use plemu_proto::pb::ec2_client::Ec2Client;
use plemu_proto::pb::elbv2_client::Elbv2Client;

use super::{CallError, Connection};

/// The EC2 delete verbs.
#[derive(Subcommand, Debug)]
#[allow(clippy::enum_variant_names)] // the variants are the AWS CLI's verbs: delete-vpc, …
pub enum Ec2Teardown {
    /// Deletes a VPC that has no subnets, security groups (but `default`), endpoints or load balancers left.
    DeleteVpc(VpcId),
    /// Deletes a subnet that holds no endpoint network interface or load balancer node.
    DeleteSubnet(SubnetId),
    /// Deletes a security group that nothing uses or refers to (never `default`).
    DeleteSecurityGroup(GroupId),
}

/// The ELBv2 delete verbs.
#[derive(Subcommand, Debug)]
#[allow(clippy::enum_variant_names)] // the variants are the AWS CLI's verbs: delete-listener, …
pub enum Elbv2Teardown {
    /// Deletes a listener (its port closes at every endpoint of the service).
    DeleteListener(ListenerArn),
    /// Deletes a load balancer and its listeners, unless an endpoint service uses it.
    DeleteLoadBalancer(LoadBalancerArn),
    /// Deletes a target group that no listener forwards to.
    DeleteTargetGroup(TargetGroupArn),
}

/// `--vpc-id`.
#[derive(Args, Debug)]
pub struct VpcId {
    /// The VPC.
    #[arg(long)]
    vpc_id: String,
}

/// `--subnet-id`.
#[derive(Args, Debug)]
pub struct SubnetId {
    /// The subnet.
    #[arg(long)]
    subnet_id: String,
}

/// `--group-id`.
#[derive(Args, Debug)]
pub struct GroupId {
    /// The security group.
    #[arg(long)]
    group_id: String,
}

/// `--listener-arn`.
#[derive(Args, Debug)]
pub struct ListenerArn {
    /// The listener.
    #[arg(long)]
    listener_arn: String,
}

/// `--load-balancer-arn`.
#[derive(Args, Debug)]
pub struct LoadBalancerArn {
    /// The load balancer.
    #[arg(long)]
    load_balancer_arn: String,
}

/// `--target-group-arn`.
#[derive(Args, Debug)]
pub struct TargetGroupArn {
    /// The target group.
    #[arg(long)]
    target_group_arn: String,
}

/// Calls the EC2 delete `cmd` names.
pub(super) async fn ec2(
    conn: &Connection,
    cmd: Ec2Teardown,
) -> Result<Option<serde_json::Value>, CallError> {
    use Ec2Teardown as C;
    match cmd {
        C::DeleteVpc(a) => call!(conn, Ec2Client, delete_vpc, "DeleteVpc", {
            Ok::<_, CallError>(pb::DeleteVpcRequest { vpc_id: a.vpc_id })
        }),
        C::DeleteSubnet(a) => call!(conn, Ec2Client, delete_subnet, "DeleteSubnet", {
            Ok::<_, CallError>(pb::DeleteSubnetRequest {
                subnet_id: a.subnet_id,
            })
        }),
        C::DeleteSecurityGroup(a) => call!(
            conn,
            Ec2Client,
            delete_security_group,
            "DeleteSecurityGroup",
            Ok::<_, CallError>(pb::DeleteSecurityGroupRequest {
                group_id: a.group_id
            })
        ),
    }
}

/// Calls the ELBv2 delete `cmd` names.
pub(super) async fn elbv2(
    conn: &Connection,
    cmd: Elbv2Teardown,
) -> Result<Option<serde_json::Value>, CallError> {
    use Elbv2Teardown as C;
    match cmd {
        C::DeleteListener(a) => call!(conn, Elbv2Client, delete_listener, "DeleteListener", {
            Ok::<_, CallError>(pb::DeleteListenerRequest {
                listener_arn: a.listener_arn,
            })
        }),
        C::DeleteLoadBalancer(a) => call!(
            conn,
            Elbv2Client,
            delete_load_balancer,
            "DeleteLoadBalancer",
            Ok::<_, CallError>(pb::DeleteLoadBalancerRequest {
                load_balancer_arn: a.load_balancer_arn
            })
        ),
        C::DeleteTargetGroup(a) => call!(
            conn,
            Elbv2Client,
            delete_target_group,
            "DeleteTargetGroup",
            Ok::<_, CallError>(pb::DeleteTargetGroupRequest {
                target_group_arn: a.target_group_arn
            })
        ),
    }
}

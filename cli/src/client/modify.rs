//! The change verbs of `plemu ec2` (`revoke-security-group-ingress`,
//! `authorize-security-group-egress`, `revoke-security-group-egress`, `modify-vpc-endpoint`,
//! `modify-vpc-endpoint-service-configuration`) and `plemu elbv2` (`modify-listener`), with the
//! AWS CLI's flag names.

use clap::{ArgAction, Args, Subcommand};
use plemu_proto::pb;
use plemu_proto::pb::ec2_client::Ec2Client;
use plemu_proto::pb::elbv2_client::Elbv2Client;

use super::security_group::AuthorizeSecurityGroupIngressArgs;
use super::{CallError, Connection, shapes};

/// The EC2 change verbs.
#[derive(Subcommand, Debug)]
pub enum Ec2Modify {
    /// Removes inbound rules from a security group (open flows go on; new ones are checked).
    RevokeSecurityGroupIngress(RevokeSecurityGroupIngressArgs),
    /// Adds outbound rules to a security group.
    AuthorizeSecurityGroupEgress(EgressArgs),
    /// Removes outbound rules from a security group.
    RevokeSecurityGroupEgress(RevokeEgressArgs),
    /// Changes an interface endpoint's subnets, security groups, private DNS or policy.
    ModifyVpcEndpoint(ModifyVpcEndpointArgs),
    /// Changes an endpoint service's acceptance, load balancers or private DNS name.
    ModifyVpcEndpointServiceConfiguration(ModifyVpcEndpointServiceConfigurationArgs),
}

/// The ELBv2 change verbs.
#[derive(Subcommand, Debug)]
pub enum Elbv2Modify {
    /// Changes a listener's port, protocol or default action.
    ModifyListener(ModifyListenerArgs),
}

/// Parameters of `revoke-security-group-ingress`: those of `authorize-security-group-ingress`,
/// or rule ids.
#[derive(Args, Debug)]
pub struct RevokeSecurityGroupIngressArgs {
    #[command(flatten)]
    rules: AuthorizeSecurityGroupIngressArgs,
    /// The rules to remove, by id (sgr-...).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    security_group_rule_ids: Vec<String>,
}

/// Parameters of `authorize-security-group-egress`.
#[derive(Args, Debug)]
pub struct EgressArgs {
    /// The group.
    #[arg(long)]
    group_id: String,
    /// Rules: IpProtocol=tcp,FromPort=6379,ToPort=6379,IpRanges=[{CidrIp=10.0.0.0/16}] (or JSON).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    ip_permissions: Vec<String>,
}

impl EgressArgs {
    fn permissions(&self) -> Result<Vec<pb::IpPermission>, CallError> {
        shapes::structs(
            "--ip-permissions",
            &self.ip_permissions,
            shapes::ip_permission,
        )
    }
}

/// Parameters of `revoke-security-group-egress`.
#[derive(Args, Debug)]
pub struct RevokeEgressArgs {
    #[command(flatten)]
    rules: EgressArgs,
    /// The rules to remove, by id (sgr-...).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    security_group_rule_ids: Vec<String>,
}

/// Parameters of `modify-vpc-endpoint`.
#[derive(Args, Debug)]
pub struct ModifyVpcEndpointArgs {
    /// The endpoint.
    #[arg(long)]
    vpc_endpoint_id: String,
    /// Back to the default full-access policy.
    #[arg(long, conflicts_with = "no_reset_policy")]
    reset_policy: bool,
    /// Keep the policy (the default).
    #[arg(long)]
    no_reset_policy: bool,
    /// A JSON policy.
    #[arg(long)]
    policy_document: Option<String>,
    /// Subnets to add a network interface in (one per zone).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    add_subnet_ids: Vec<String>,
    /// Subnets whose network interface goes (its flows are reset).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    remove_subnet_ids: Vec<String>,
    /// Security groups to add.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    add_security_group_ids: Vec<String>,
    /// Security groups to remove.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    remove_security_group_ids: Vec<String>,
    /// Answer for the service's private DNS name in the VPC.
    #[arg(long, conflicts_with = "no_private_dns_enabled")]
    private_dns_enabled: bool,
    /// Stop answering for the service's private DNS name.
    #[arg(long)]
    no_private_dns_enabled: bool,
}

/// Parameters of `modify-vpc-endpoint-service-configuration`.
#[derive(Args, Debug)]
pub struct ModifyVpcEndpointServiceConfigurationArgs {
    /// The service.
    #[arg(long)]
    service_id: String,
    /// A new private DNS name (verification starts over).
    #[arg(long)]
    private_dns_name: Option<String>,
    /// Remove the private DNS name.
    #[arg(long, conflicts_with = "no_remove_private_dns_name")]
    remove_private_dns_name: bool,
    /// Keep the private DNS name (the default).
    #[arg(long)]
    no_remove_private_dns_name: bool,
    /// Connection requests wait for the service owner to accept them.
    #[arg(long, conflicts_with = "no_acceptance_required")]
    acceptance_required: bool,
    /// Connection requests are accepted automatically.
    #[arg(long)]
    no_acceptance_required: bool,
    /// Load balancers to add (refused while endpoints are attached).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    add_network_load_balancer_arns: Vec<String>,
    /// Load balancers to remove (refused while endpoints are attached).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    remove_network_load_balancer_arns: Vec<String>,
}

/// Parameters of `modify-listener`.
#[derive(Args, Debug)]
pub struct ModifyListenerArgs {
    /// The listener.
    #[arg(long)]
    listener_arn: String,
    /// A new port.
    #[arg(long)]
    port: Option<i32>,
    /// TCP.
    #[arg(long)]
    protocol: Option<String>,
    /// A new default action: Type=forward,TargetGroupArn=arn:… (or JSON).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    default_actions: Vec<String>,
}

/// Calls the EC2 change `cmd` names.
pub(super) async fn ec2(
    conn: &Connection,
    cmd: Ec2Modify,
) -> Result<Option<serde_json::Value>, CallError> {
    use Ec2Modify as C;
    match cmd {
        C::RevokeSecurityGroupIngress(a) => call!(
            conn,
            Ec2Client,
            revoke_security_group_ingress,
            "RevokeSecurityGroupIngress",
            a.rules
                .permissions()
                .and_then(|(group_id, ip_permissions)| {
                    Ok(pb::RevokeSecurityGroupIngressRequest {
                        group_id,
                        ip_permissions,
                        security_group_rule_ids: shapes::strings(
                            "--security-group-rule-ids",
                            a.security_group_rule_ids,
                        )?,
                    })
                })
        ),
        C::AuthorizeSecurityGroupEgress(a) => call!(
            conn,
            Ec2Client,
            authorize_security_group_egress,
            "AuthorizeSecurityGroupEgress",
            a.permissions()
                .map(|ip_permissions| pb::AuthorizeSecurityGroupEgressRequest {
                    group_id: a.group_id.clone(),
                    ip_permissions,
                })
        ),
        C::RevokeSecurityGroupEgress(a) => call!(
            conn,
            Ec2Client,
            revoke_security_group_egress,
            "RevokeSecurityGroupEgress",
            a.rules.permissions().and_then(|ip_permissions| {
                Ok(pb::RevokeSecurityGroupEgressRequest {
                    group_id: a.rules.group_id.clone(),
                    ip_permissions,
                    security_group_rule_ids: shapes::strings(
                        "--security-group-rule-ids",
                        a.security_group_rule_ids,
                    )?,
                })
            })
        ),
        C::ModifyVpcEndpoint(a) => call!(
            conn,
            Ec2Client,
            modify_vpc_endpoint,
            "ModifyVpcEndpoint",
            a.request()
        ),
        C::ModifyVpcEndpointServiceConfiguration(a) => call!(
            conn,
            Ec2Client,
            modify_vpc_endpoint_service_configuration,
            "ModifyVpcEndpointServiceConfiguration",
            a.request()
        ),
    }
}

/// Calls the ELBv2 change `cmd` names.
pub(super) async fn elbv2(
    conn: &Connection,
    cmd: Elbv2Modify,
) -> Result<Option<serde_json::Value>, CallError> {
    let Elbv2Modify::ModifyListener(a) = cmd;
    call!(conn, Elbv2Client, modify_listener, "ModifyListener", {
        shapes::structs("--default-actions", &a.default_actions, shapes::action).map(
            |default_actions| pb::ModifyListenerRequest {
                listener_arn: a.listener_arn,
                port: a.port,
                protocol: a.protocol.unwrap_or_default(),
                default_actions,
            },
        )
    })
}

impl ModifyVpcEndpointArgs {
    fn request(self) -> Result<pb::ModifyVpcEndpointRequest, CallError> {
        Ok(pb::ModifyVpcEndpointRequest {
            vpc_endpoint_id: self.vpc_endpoint_id,
            reset_policy: self.reset_policy,
            policy_document: self.policy_document.unwrap_or_default(),
            add_subnet_ids: shapes::strings("--add-subnet-ids", self.add_subnet_ids)?,
            remove_subnet_ids: shapes::strings("--remove-subnet-ids", self.remove_subnet_ids)?,
            add_security_group_ids: shapes::strings(
                "--add-security-group-ids",
                self.add_security_group_ids,
            )?,
            remove_security_group_ids: shapes::strings(
                "--remove-security-group-ids",
                self.remove_security_group_ids,
            )?,
            private_dns_enabled: shapes::flag(
                self.private_dns_enabled,
                self.no_private_dns_enabled,
            ),
        })
    }
}

impl ModifyVpcEndpointServiceConfigurationArgs {
    fn request(self) -> Result<pb::ModifyVpcEndpointServiceConfigurationRequest, CallError> {
        Ok(pb::ModifyVpcEndpointServiceConfigurationRequest {
            service_id: self.service_id,
            private_dns_name: self.private_dns_name.unwrap_or_default(),
            remove_private_dns_name: self.remove_private_dns_name,
            acceptance_required: shapes::flag(
                self.acceptance_required,
                self.no_acceptance_required,
            ),
            add_network_load_balancer_arns: shapes::strings(
                "--add-network-load-balancer-arns",
                self.add_network_load_balancer_arns,
            )?,
            remove_network_load_balancer_arns: shapes::strings(
                "--remove-network-load-balancer-arns",
                self.remove_network_load_balancer_arns,
            )?,
        })
    }
}

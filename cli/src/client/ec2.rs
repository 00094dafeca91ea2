//! The `plemu ec2` verbs and their dispatch, with the VPC and subnet actions.

use clap::{ArgAction, Args, Subcommand};
use plemu_proto::pb::{self, ec2_client::Ec2Client};

use super::security_group::{
    AuthorizeSecurityGroupIngressArgs, CreateSecurityGroupArgs, DescribeSecurityGroupsArgs,
};
use super::vpce::{
    AcceptVpcEndpointConnectionsArgs, CreateVpcEndpointArgs,
    CreateVpcEndpointServiceConfigurationArgs, DeleteVpcEndpointServiceConfigurationsArgs,
    DeleteVpcEndpointsArgs, DescribeVpcEndpointConnectionsArgs,
    DescribeVpcEndpointServiceConfigurationsArgs, DescribeVpcEndpointServicePermissionsArgs,
    DescribeVpcEndpointServicesArgs, DescribeVpcEndpointsArgs,
    ModifyVpcEndpointServicePermissionsArgs, RejectVpcEndpointConnectionsArgs,
    StartVpcEndpointServicePrivateDnsVerificationArgs,
};
use super::{CallError, Connection, shapes};

/// One `plemu ec2` verb: an EC2 action, named and parameterised as in `aws ec2`.
#[derive(Subcommand, Debug)]
pub enum Ec2Command {
    /// Creates a VPC with the given IPv4 CIDR block.
    CreateVpc(CreateVpcArgs),
    /// Describes VPCs.
    DescribeVpcs(DescribeVpcsArgs),
    /// Modifies a VPC's DNS attributes (one per call).
    ModifyVpcAttribute(ModifyVpcAttributeArgs),
    /// Describes one attribute of a VPC.
    DescribeVpcAttribute(DescribeVpcAttributeArgs),
    /// Creates a subnet in a VPC.
    CreateSubnet(CreateSubnetArgs),
    /// Describes subnets.
    DescribeSubnets(DescribeSubnetsArgs),
    /// Creates a security group in a VPC.
    CreateSecurityGroup(CreateSecurityGroupArgs),
    /// Adds inbound rules to a security group.
    AuthorizeSecurityGroupIngress(AuthorizeSecurityGroupIngressArgs),
    /// Describes security groups.
    DescribeSecurityGroups(DescribeSecurityGroupsArgs),
    /// Creates an endpoint service in front of Network Load Balancers.
    CreateVpcEndpointServiceConfiguration(CreateVpcEndpointServiceConfigurationArgs),
    /// Describes your endpoint services.
    DescribeVpcEndpointServiceConfigurations(DescribeVpcEndpointServiceConfigurationsArgs),
    /// Deletes endpoint services.
    DeleteVpcEndpointServiceConfigurations(DeleteVpcEndpointServiceConfigurationsArgs),
    /// Allows or disallows principals to create endpoints to a service.
    ModifyVpcEndpointServicePermissions(ModifyVpcEndpointServicePermissionsArgs),
    /// Describes the principals allowed to create endpoints to a service.
    DescribeVpcEndpointServicePermissions(DescribeVpcEndpointServicePermissionsArgs),
    /// Starts verifying a service's private DNS name.
    StartVpcEndpointServicePrivateDnsVerification(
        StartVpcEndpointServicePrivateDnsVerificationArgs,
    ),
    /// Describes the endpoint services you can create endpoints to.
    DescribeVpcEndpointServices(DescribeVpcEndpointServicesArgs),
    /// Accepts connection requests to your endpoint service.
    AcceptVpcEndpointConnections(AcceptVpcEndpointConnectionsArgs),
    /// Rejects connection requests to your endpoint service.
    RejectVpcEndpointConnections(RejectVpcEndpointConnectionsArgs),
    /// Describes the endpoint connections to your endpoint services.
    DescribeVpcEndpointConnections(DescribeVpcEndpointConnectionsArgs),
    /// Creates an interface VPC endpoint to an endpoint service.
    CreateVpcEndpoint(CreateVpcEndpointArgs),
    /// Describes VPC endpoints.
    DescribeVpcEndpoints(DescribeVpcEndpointsArgs),
    /// Deletes VPC endpoints.
    DeleteVpcEndpoints(DeleteVpcEndpointsArgs),
    #[command(flatten)]
    Teardown(super::teardown::Ec2Teardown),
    #[command(flatten)]
    Modify(super::modify::Ec2Modify),
    #[command(flatten)]
    Tags(super::tag_verbs::Ec2Tags),
    #[command(flatten)]
    Notifications(super::notification::Ec2Notifications),
}

/// Builds the request for `cmd`, then calls it.
pub(super) async fn run(
    conn: &Connection,
    cmd: Ec2Command,
) -> Result<Option<serde_json::Value>, CallError> {
    use Ec2Command as C;
    match cmd {
        C::Teardown(t) => super::teardown::ec2(conn, t).await,
        C::Modify(m) => super::modify::ec2(conn, m).await,
        C::Tags(t) => super::tag_verbs::ec2(conn, t).await,
        C::Notifications(n) => super::notification::ec2(conn, n).await,
        C::CreateVpc(a) => call!(conn, Ec2Client, create_vpc, "CreateVpc", a.request()),
        C::DescribeVpcs(a) => call!(conn, Ec2Client, describe_vpcs, "DescribeVpcs", a.request()),
        C::ModifyVpcAttribute(a) => call!(
            conn,
            Ec2Client,
            modify_vpc_attribute,
            "ModifyVpcAttribute",
            a.request()
        ),
        C::DescribeVpcAttribute(a) => call!(
            conn,
            Ec2Client,
            describe_vpc_attribute,
            "DescribeVpcAttribute",
            a.request()
        ),
        C::CreateSubnet(a) => call!(conn, Ec2Client, create_subnet, "CreateSubnet", a.request()),
        C::DescribeSubnets(a) => call!(
            conn,
            Ec2Client,
            describe_subnets,
            "DescribeSubnets",
            a.request()
        ),
        C::CreateSecurityGroup(a) => call!(
            conn,
            Ec2Client,
            create_security_group,
            "CreateSecurityGroup",
            a.request()
        ),
        C::AuthorizeSecurityGroupIngress(a) => call!(
            conn,
            Ec2Client,
            authorize_security_group_ingress,
            "AuthorizeSecurityGroupIngress",
            a.request()
        ),
        C::DescribeSecurityGroups(a) => call!(
            conn,
            Ec2Client,
            describe_security_groups,
            "DescribeSecurityGroups",
            a.request()
        ),
        C::CreateVpcEndpointServiceConfiguration(a) => call!(
            conn,
            Ec2Client,
            create_vpc_endpoint_service_configuration,
            "CreateVpcEndpointServiceConfiguration",
            a.request()
        ),
        C::DescribeVpcEndpointServiceConfigurations(a) => call!(
            conn,
            Ec2Client,
            describe_vpc_endpoint_service_configurations,
            "DescribeVpcEndpointServiceConfigurations",
            a.request()
        ),
        C::DeleteVpcEndpointServiceConfigurations(a) => call!(
            conn,
            Ec2Client,
            delete_vpc_endpoint_service_configurations,
            "DeleteVpcEndpointServiceConfigurations",
            a.request()
        ),
        C::ModifyVpcEndpointServicePermissions(a) => call!(
            conn,
            Ec2Client,
            modify_vpc_endpoint_service_permissions,
            "ModifyVpcEndpointServicePermissions",
            a.request()
        ),
        C::DescribeVpcEndpointServicePermissions(a) => call!(
            conn,
            Ec2Client,
            describe_vpc_endpoint_service_permissions,
            "DescribeVpcEndpointServicePermissions",
            a.request()
        ),
        C::StartVpcEndpointServicePrivateDnsVerification(a) => call!(
            conn,
            Ec2Client,
            start_vpc_endpoint_service_private_dns_verification,
            "StartVpcEndpointServicePrivateDnsVerification",
            a.request()
        ),
        C::DescribeVpcEndpointServices(a) => call!(
            conn,
            Ec2Client,
            describe_vpc_endpoint_services,
            "DescribeVpcEndpointServices",
            a.request()
        ),
        C::AcceptVpcEndpointConnections(a) => call!(
            conn,
            Ec2Client,
            accept_vpc_endpoint_connections,
            "AcceptVpcEndpointConnections",
            a.request()
        ),
        C::RejectVpcEndpointConnections(a) => call!(
            conn,
            Ec2Client,
            reject_vpc_endpoint_connections,
            "RejectVpcEndpointConnections",
            a.request()
        ),
        C::DescribeVpcEndpointConnections(a) => call!(
            conn,
            Ec2Client,
            describe_vpc_endpoint_connections,
            "DescribeVpcEndpointConnections",
            a.request()
        ),
        C::CreateVpcEndpoint(a) => call!(
            conn,
            Ec2Client,
            create_vpc_endpoint,
            "CreateVpcEndpoint",
            a.request()
        ),
        C::DescribeVpcEndpoints(a) => call!(
            conn,
            Ec2Client,
            describe_vpc_endpoints,
            "DescribeVpcEndpoints",
            a.request()
        ),
        C::DeleteVpcEndpoints(a) => call!(
            conn,
            Ec2Client,
            delete_vpc_endpoints,
            "DeleteVpcEndpoints",
            a.request()
        ),
    }
}

// === VPCs ===

/// Parameters of `create-vpc`.
#[derive(Args, Debug)]
pub struct CreateVpcArgs {
    /// The VPC's IPv4 network range in CIDR notation, e.g. 10.0.0.0/16.
    #[arg(long)]
    cidr_block: Option<String>,
    /// Tags to apply: ResourceType=vpc,Tags=[{Key=Name,Value=main}] (or JSON).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    tag_specifications: Vec<String>,
}

impl CreateVpcArgs {
    pub(super) fn request(self) -> Result<pb::CreateVpcRequest, CallError> {
        Ok(pb::CreateVpcRequest {
            cidr_block: self.cidr_block.unwrap_or_default(),
            tag_specifications: shapes::structs(
                "--tag-specifications",
                &self.tag_specifications,
                shapes::tag_specification,
            )?,
        })
    }
}

/// Parameters of `describe-vpcs`.
#[derive(Args, Debug)]
pub struct DescribeVpcsArgs {
    /// The VPCs to describe; all when omitted.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    vpc_ids: Vec<String>,
    /// Filters: Name=state,Values=available (or JSON).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    filters: Vec<String>,
    /// Paging; every item at once when omitted.
    #[command(flatten)]
    page: super::page::Ec2Page,
}

impl DescribeVpcsArgs {
    pub(super) fn request(self) -> Result<pb::DescribeVpcsRequest, CallError> {
        let (max_results, next_token) = self.page.fields();
        Ok(pb::DescribeVpcsRequest {
            vpc_ids: shapes::strings("--vpc-ids", self.vpc_ids)?,
            filters: shapes::structs("--filters", &self.filters, shapes::filter)?,
            max_results,
            next_token,
        })
    }
}

/// Parameters of `modify-vpc-attribute`.
#[derive(Args, Debug)]
pub struct ModifyVpcAttributeArgs {
    /// The VPC to modify.
    #[arg(long)]
    vpc_id: String,
    /// Whether the VPC's DNS server answers: {"Value":true}, Value=true or true.
    #[arg(long, allow_hyphen_values = true)]
    enable_dns_support: Option<String>,
    /// Whether instances get DNS host names: {"Value":true}, Value=true or true.
    #[arg(long, allow_hyphen_values = true)]
    enable_dns_hostnames: Option<String>,
}

impl ModifyVpcAttributeArgs {
    pub(super) fn request(self) -> Result<pb::ModifyVpcAttributeRequest, CallError> {
        let boolean = |argument: &str, text: Option<String>| {
            text.map(|t| shapes::attribute_boolean(argument, &t))
                .transpose()
        };
        Ok(pb::ModifyVpcAttributeRequest {
            vpc_id: self.vpc_id,
            enable_dns_support: boolean("--enable-dns-support", self.enable_dns_support)?,
            enable_dns_hostnames: boolean("--enable-dns-hostnames", self.enable_dns_hostnames)?,
        })
    }
}

/// Parameters of `describe-vpc-attribute`.
#[derive(Args, Debug)]
pub struct DescribeVpcAttributeArgs {
    /// The attribute: enableDnsSupport or enableDnsHostnames.
    #[arg(long)]
    attribute: String,
    /// The VPC.
    #[arg(long)]
    vpc_id: String,
}

impl DescribeVpcAttributeArgs {
    pub(super) fn request(self) -> Result<pb::DescribeVpcAttributeRequest, CallError> {
        Ok(pb::DescribeVpcAttributeRequest {
            vpc_id: self.vpc_id,
            attribute: self.attribute,
        })
    }
}

// === Subnets ===

/// Parameters of `create-subnet`.
#[derive(Args, Debug)]
pub struct CreateSubnetArgs {
    /// The VPC to create the subnet in.
    #[arg(long)]
    vpc_id: String,
    /// The subnet's IPv4 network range, inside the VPC's, e.g. 10.0.1.0/24.
    #[arg(long)]
    cidr_block: Option<String>,
    /// The zone, e.g. us-east-1a; the region's first zone when omitted.
    #[arg(long)]
    availability_zone: Option<String>,
    /// The zone's id, e.g. use1-az1, instead of --availability-zone.
    #[arg(long)]
    availability_zone_id: Option<String>,
    /// Tags to apply: ResourceType=subnet,Tags=[{Key=Name,Value=a}] (or JSON).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    tag_specifications: Vec<String>,
}

impl CreateSubnetArgs {
    pub(super) fn request(self) -> Result<pb::CreateSubnetRequest, CallError> {
        Ok(pb::CreateSubnetRequest {
            vpc_id: self.vpc_id,
            cidr_block: self.cidr_block.unwrap_or_default(),
            availability_zone: self.availability_zone.unwrap_or_default(),
            availability_zone_id: self.availability_zone_id.unwrap_or_default(),
            tag_specifications: shapes::structs(
                "--tag-specifications",
                &self.tag_specifications,
                shapes::tag_specification,
            )?,
        })
    }
}

/// Parameters of `describe-subnets`.
#[derive(Args, Debug)]
pub struct DescribeSubnetsArgs {
    /// The subnets to describe; all when omitted.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    subnet_ids: Vec<String>,
    /// Filters: Name=vpc-id,Values=vpc-… (or JSON).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    filters: Vec<String>,
    /// Paging; every item at once when omitted.
    #[command(flatten)]
    page: super::page::Ec2Page,
}

impl DescribeSubnetsArgs {
    pub(super) fn request(self) -> Result<pb::DescribeSubnetsRequest, CallError> {
        let (max_results, next_token) = self.page.fields();
        Ok(pb::DescribeSubnetsRequest {
            subnet_ids: shapes::strings("--subnet-ids", self.subnet_ids)?,
            filters: shapes::structs("--filters", &self.filters, shapes::filter)?,
            max_results,
            next_token,
        })
    }
}

#[cfg(test)]
mod tests;

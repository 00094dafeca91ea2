//! PrivateLink verbs of `plemu ec2`: endpoint services (provider side) and interface endpoints (consumer side).

use clap::{ArgAction, Args};
use plemu_proto::pb;

use super::{CallError, shapes};

// === Endpoint services ===

/// Parameters of `create-vpc-endpoint-service-configuration`.
#[derive(Args, Debug)]
pub struct CreateVpcEndpointServiceConfigurationArgs {
    /// Connection requests wait for the service owner to accept them.
    #[arg(long, conflicts_with = "no_acceptance_required")]
    acceptance_required: bool,
    /// Connection requests are accepted automatically (the default).
    #[arg(long)]
    no_acceptance_required: bool,
    /// A private DNS name consumers' endpoints answer to, e.g. redis.example.internal.
    #[arg(long)]
    private_dns_name: Option<String>,
    /// The Network Load Balancers behind the service.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    network_load_balancer_arns: Vec<String>,
    /// ipv4 and/or dualstack.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    supported_ip_address_types: Vec<String>,
    /// An idempotency token.
    #[arg(long)]
    client_token: Option<String>,
    /// Tags to apply: ResourceType=vpc-endpoint-service,Tags=[{Key=Name,Value=x}] (or JSON).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    tag_specifications: Vec<String>,
}

impl CreateVpcEndpointServiceConfigurationArgs {
    pub(super) fn request(
        self,
    ) -> Result<pb::CreateVpcEndpointServiceConfigurationRequest, CallError> {
        Ok(pb::CreateVpcEndpointServiceConfigurationRequest {
            acceptance_required: shapes::flag(
                self.acceptance_required,
                self.no_acceptance_required,
            ),
            private_dns_name: self.private_dns_name.unwrap_or_default(),
            network_load_balancer_arns: shapes::strings(
                "--network-load-balancer-arns",
                self.network_load_balancer_arns,
            )?,
            supported_ip_address_types: shapes::strings(
                "--supported-ip-address-types",
                self.supported_ip_address_types,
            )?,
            client_token: self.client_token.unwrap_or_default(),
            tag_specifications: shapes::structs(
                "--tag-specifications",
                &self.tag_specifications,
                shapes::tag_specification,
            )?,
        })
    }
}

/// Parameters of `describe-vpc-endpoint-service-configurations`.
#[derive(Args, Debug)]
pub struct DescribeVpcEndpointServiceConfigurationsArgs {
    /// The services to describe; all of yours when omitted.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    service_ids: Vec<String>,
    /// Filters: Name=service-state,Values=Available (or JSON).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    filters: Vec<String>,
    /// Paging; every item at once when omitted.
    #[command(flatten)]
    page: super::page::Ec2Page,
}

impl DescribeVpcEndpointServiceConfigurationsArgs {
    pub(super) fn request(
        self,
    ) -> Result<pb::DescribeVpcEndpointServiceConfigurationsRequest, CallError> {
        let (max_results, next_token) = self.page.fields();
        Ok(pb::DescribeVpcEndpointServiceConfigurationsRequest {
            service_ids: shapes::strings("--service-ids", self.service_ids)?,
            filters: shapes::structs("--filters", &self.filters, shapes::filter)?,
            max_results,
            next_token,
        })
    }
}

/// Parameters of `delete-vpc-endpoint-service-configurations`.
#[derive(Args, Debug)]
pub struct DeleteVpcEndpointServiceConfigurationsArgs {
    /// The services to delete.
    #[arg(long, required = true, num_args = 1.., action = ArgAction::Append)]
    service_ids: Vec<String>,
}

impl DeleteVpcEndpointServiceConfigurationsArgs {
    pub(super) fn request(
        self,
    ) -> Result<pb::DeleteVpcEndpointServiceConfigurationsRequest, CallError> {
        Ok(pb::DeleteVpcEndpointServiceConfigurationsRequest {
            service_ids: shapes::strings("--service-ids", self.service_ids)?,
        })
    }
}

/// Parameters of `modify-vpc-endpoint-service-permissions`.
#[derive(Args, Debug)]
pub struct ModifyVpcEndpointServicePermissionsArgs {
    /// The service.
    #[arg(long)]
    service_id: String,
    /// Principals to allow, e.g. arn:aws:iam::222222222222:root, or * for everyone.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    add_allowed_principals: Vec<String>,
    /// Principals to remove.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    remove_allowed_principals: Vec<String>,
}

impl ModifyVpcEndpointServicePermissionsArgs {
    pub(super) fn request(
        self,
    ) -> Result<pb::ModifyVpcEndpointServicePermissionsRequest, CallError> {
        Ok(pb::ModifyVpcEndpointServicePermissionsRequest {
            service_id: self.service_id,
            add_allowed_principals: shapes::strings(
                "--add-allowed-principals",
                self.add_allowed_principals,
            )?,
            remove_allowed_principals: shapes::strings(
                "--remove-allowed-principals",
                self.remove_allowed_principals,
            )?,
        })
    }
}

/// Parameters of `describe-vpc-endpoint-service-permissions`.
#[derive(Args, Debug)]
pub struct DescribeVpcEndpointServicePermissionsArgs {
    /// The service.
    #[arg(long)]
    service_id: String,
    /// Filters: Name=principal,Values=… (or JSON).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    filters: Vec<String>,
    /// Paging; every item at once when omitted.
    #[command(flatten)]
    page: super::page::Ec2Page,
}

impl DescribeVpcEndpointServicePermissionsArgs {
    pub(super) fn request(
        self,
    ) -> Result<pb::DescribeVpcEndpointServicePermissionsRequest, CallError> {
        let (max_results, next_token) = self.page.fields();
        Ok(pb::DescribeVpcEndpointServicePermissionsRequest {
            service_id: self.service_id,
            filters: shapes::structs("--filters", &self.filters, shapes::filter)?,
            max_results,
            next_token,
        })
    }
}

/// Parameters of `start-vpc-endpoint-service-private-dns-verification`.
#[derive(Args, Debug)]
pub struct StartVpcEndpointServicePrivateDnsVerificationArgs {
    /// The service whose private DNS name to verify.
    #[arg(long)]
    service_id: String,
}

impl StartVpcEndpointServicePrivateDnsVerificationArgs {
    pub(super) fn request(
        self,
    ) -> Result<pb::StartVpcEndpointServicePrivateDnsVerificationRequest, CallError> {
        Ok(pb::StartVpcEndpointServicePrivateDnsVerificationRequest {
            service_id: self.service_id,
        })
    }
}

/// Parameters of `describe-vpc-endpoint-services`.
#[derive(Args, Debug)]
pub struct DescribeVpcEndpointServicesArgs {
    /// The services, by name (com.amazonaws.vpce.<region>.vpce-svc-…).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    service_names: Vec<String>,
    /// Filters: Name=service-name,Values=… (or JSON).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    filters: Vec<String>,
    /// Paging; every item at once when omitted.
    #[command(flatten)]
    page: super::page::Ec2Page,
}

impl DescribeVpcEndpointServicesArgs {
    pub(super) fn request(self) -> Result<pb::DescribeVpcEndpointServicesRequest, CallError> {
        let (max_results, next_token) = self.page.fields();
        Ok(pb::DescribeVpcEndpointServicesRequest {
            service_names: shapes::strings("--service-names", self.service_names)?,
            filters: shapes::structs("--filters", &self.filters, shapes::filter)?,
            max_results,
            next_token,
        })
    }
}

/// Parameters of `accept-vpc-endpoint-connections`.
#[derive(Args, Debug)]
pub struct AcceptVpcEndpointConnectionsArgs {
    /// The service.
    #[arg(long)]
    service_id: String,
    /// The endpoints whose requests to accept.
    #[arg(long, required = true, num_args = 1.., action = ArgAction::Append)]
    vpc_endpoint_ids: Vec<String>,
}

impl AcceptVpcEndpointConnectionsArgs {
    pub(super) fn request(self) -> Result<pb::AcceptVpcEndpointConnectionsRequest, CallError> {
        Ok(pb::AcceptVpcEndpointConnectionsRequest {
            service_id: self.service_id,
            vpc_endpoint_ids: shapes::strings("--vpc-endpoint-ids", self.vpc_endpoint_ids)?,
        })
    }
}

/// Parameters of `reject-vpc-endpoint-connections`.
#[derive(Args, Debug)]
pub struct RejectVpcEndpointConnectionsArgs {
    /// The service.
    #[arg(long)]
    service_id: String,
    /// The endpoints whose requests to reject.
    #[arg(long, required = true, num_args = 1.., action = ArgAction::Append)]
    vpc_endpoint_ids: Vec<String>,
}

impl RejectVpcEndpointConnectionsArgs {
    pub(super) fn request(self) -> Result<pb::RejectVpcEndpointConnectionsRequest, CallError> {
        Ok(pb::RejectVpcEndpointConnectionsRequest {
            service_id: self.service_id,
            vpc_endpoint_ids: shapes::strings("--vpc-endpoint-ids", self.vpc_endpoint_ids)?,
        })
    }
}

/// Parameters of `describe-vpc-endpoint-connections`.
#[derive(Args, Debug)]
pub struct DescribeVpcEndpointConnectionsArgs {
    /// Filters: Name=vpc-endpoint-state,Values=pendingAcceptance (or JSON).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    filters: Vec<String>,
    /// Paging; every item at once when omitted.
    #[command(flatten)]
    page: super::page::Ec2Page,
}

impl DescribeVpcEndpointConnectionsArgs {
    pub(super) fn request(self) -> Result<pb::DescribeVpcEndpointConnectionsRequest, CallError> {
        let (max_results, next_token) = self.page.fields();
        Ok(pb::DescribeVpcEndpointConnectionsRequest {
            filters: shapes::structs("--filters", &self.filters, shapes::filter)?,
            max_results,
            next_token,
        })
    }
}

// === Interface endpoints ===

/// Parameters of `create-vpc-endpoint`.
#[derive(Args, Debug)]
pub struct CreateVpcEndpointArgs {
    /// Interface (plemu's only kind; AWS's default is Gateway).
    #[arg(long)]
    vpc_endpoint_type: Option<String>,
    /// The VPC the endpoint is in.
    #[arg(long)]
    vpc_id: String,
    /// The service, e.g. com.amazonaws.vpce.us-east-1.vpce-svc-….
    #[arg(long)]
    service_name: String,
    /// The subnets to place an endpoint network interface in, one per zone.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    subnet_ids: Vec<String>,
    /// The security groups of the endpoint's network interfaces; the VPC's default group when omitted.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    security_group_ids: Vec<String>,
    /// Answer for the service's private DNS name in the VPC (the default when it has one).
    #[arg(long, conflicts_with = "no_private_dns_enabled")]
    private_dns_enabled: bool,
    /// Do not answer for the service's private DNS name.
    #[arg(long)]
    no_private_dns_enabled: bool,
    /// ipv4 or dualstack.
    #[arg(long)]
    ip_address_type: Option<String>,
    /// An idempotency token.
    #[arg(long)]
    client_token: Option<String>,
    /// Tags to apply: ResourceType=vpc-endpoint,Tags=[{Key=Name,Value=x}] (or JSON).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    tag_specifications: Vec<String>,
    /// A JSON policy; full access when omitted.
    #[arg(long)]
    policy_document: Option<String>,
}

impl CreateVpcEndpointArgs {
    pub(super) fn request(self) -> Result<pb::CreateVpcEndpointRequest, CallError> {
        Ok(pb::CreateVpcEndpointRequest {
            vpc_endpoint_type: self.vpc_endpoint_type.unwrap_or_default(),
            vpc_id: self.vpc_id,
            service_name: self.service_name,
            subnet_ids: shapes::strings("--subnet-ids", self.subnet_ids)?,
            security_group_ids: shapes::strings("--security-group-ids", self.security_group_ids)?,
            private_dns_enabled: shapes::flag(
                self.private_dns_enabled,
                self.no_private_dns_enabled,
            ),
            ip_address_type: self.ip_address_type.unwrap_or_default(),
            client_token: self.client_token.unwrap_or_default(),
            tag_specifications: shapes::structs(
                "--tag-specifications",
                &self.tag_specifications,
                shapes::tag_specification,
            )?,
            policy_document: self.policy_document.unwrap_or_default(),
        })
    }
}

/// Parameters of `describe-vpc-endpoints`.
#[derive(Args, Debug)]
pub struct DescribeVpcEndpointsArgs {
    /// The endpoints to describe; all when omitted.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    vpc_endpoint_ids: Vec<String>,
    /// Filters: Name=vpc-endpoint-state,Values=available (or JSON).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    filters: Vec<String>,
    /// Paging; every item at once when omitted.
    #[command(flatten)]
    page: super::page::Ec2Page,
}

impl DescribeVpcEndpointsArgs {
    pub(super) fn request(self) -> Result<pb::DescribeVpcEndpointsRequest, CallError> {
        let (max_results, next_token) = self.page.fields();
        Ok(pb::DescribeVpcEndpointsRequest {
            vpc_endpoint_ids: shapes::strings("--vpc-endpoint-ids", self.vpc_endpoint_ids)?,
            filters: shapes::structs("--filters", &self.filters, shapes::filter)?,
            max_results,
            next_token,
        })
    }
}

/// Parameters of `delete-vpc-endpoints`.
#[derive(Args, Debug)]
pub struct DeleteVpcEndpointsArgs {
    /// The endpoints to delete.
    #[arg(long, required = true, num_args = 1.., action = ArgAction::Append)]
    vpc_endpoint_ids: Vec<String>,
}

impl DeleteVpcEndpointsArgs {
    pub(super) fn request(self) -> Result<pb::DeleteVpcEndpointsRequest, CallError> {
        Ok(pb::DeleteVpcEndpointsRequest {
            vpc_endpoint_ids: shapes::strings("--vpc-endpoint-ids", self.vpc_endpoint_ids)?,
        })
    }
}

#[cfg(test)]
mod tests;

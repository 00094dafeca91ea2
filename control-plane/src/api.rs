//! The gRPC services: one handler per AWS action, decode -> validate -> apply -> encode.

mod agent;
mod attributes;
mod connection;
mod elbv2;
mod endpoint;
mod endpoint_modify;
mod health_check;
mod lb_security_groups;
mod listener_modify;
mod notification;
mod private_dns;
mod public_dns;
mod security_group;
mod service_detail;
mod service_modify;
mod sg_rules;
mod tag_verbs;
mod tags;
mod target_group;
pub(crate) mod target_health;
mod teardown;
mod vpc;
mod vpce;

#[cfg(test)]
mod conformance;
#[cfg(test)]
pub(crate) mod testing;

use plemu_proto::meta::Caller;
use plemu_proto::pb;

use crate::error::ApiError;
use crate::model::Resources;
use crate::state::Shared;

pub(crate) use notification::EventStream;

/// Serves the `Ec2`, `Elbv2` and `Agent` services on the shared state, and the same actions
/// through the Query protocols (`crate::query`).
#[derive(Clone)]
pub(crate) struct Api {
    pub shared: Shared,
}

/// The Query action of a table row: the request type's name without `Request`, or its `as` name.
macro_rules! action_name {
    ($req:ident) => {
        crate::query::action_name(stringify!($req))
    };
    ($req:ident, $action:literal) => {
        $action
    };
}

/// Implements a gRPC service and its Query front from one table of actions, so that each action
/// has one handler whichever way it is called: `$query` answers a Query request by its action
/// name (the request type's name without `Request`, or the `as` name given after it where two
/// services' actions share a name), or `None` for an action the table lacks.
macro_rules! service {
    ($trait:path, $query:ident { $($method:ident($req:ident) $(as $action:literal)? -> $resp:ident => $handler:path;)* }) => {
        #[tonic::async_trait]
        impl $trait for Api {
            $(
                async fn $method(
                    &self,
                    request: tonic::Request<pb::$req>,
                ) -> Result<tonic::Response<pb::$resp>, tonic::Status> {
                    let caller = crate::validate::caller(Caller::from_metadata(request.metadata()))?;
                    let out = $handler(&self.shared, &caller, request.into_inner()).await;
                    if let Err(e) = &out {
                        tracing::debug!(action = stringify!($method), code = e.code(), error = %e, "request failed");
                    }
                    Ok(tonic::Response::new(out?))
                }
            )*
        }

        impl Api {
            /// Answers the Query request for `action`, or `None` when this service has no such
            /// action. A `dry_run` stops once the parameters are read, with `DryRunOperation`.
            pub(crate) async fn $query(
                &self,
                caller: &Caller,
                action: &str,
                form: &crate::query::Form,
                dry_run: bool,
            ) -> Option<Result<crate::query::Node, ApiError>> {
                $(
                    if action == action_name!($req $(, $action)?) {
                        let out = async {
                            let request: pb::$req = form.decode()?;
                            if dry_run {
                                return Err(ApiError::dry_run());
                            }
                            let response = $handler(&self.shared, caller, request).await?;
                            crate::query::Node::of(&response)
                        }
                        .await;
                        if let Err(e) = &out {
                            tracing::debug!(action, code = e.code(), error = %e, "query request failed");
                        }
                        return Some(out);
                    }
                )*
                None
            }
        }
    };
}

service!(pb::ec2_server::Ec2, query_ec2 {
    create_vpc(CreateVpcRequest) -> CreateVpcResponse => vpc::create_vpc;
    describe_vpcs(DescribeVpcsRequest) -> DescribeVpcsResponse => vpc::describe_vpcs;
    modify_vpc_attribute(ModifyVpcAttributeRequest) -> ModifyVpcAttributeResponse => vpc::modify_vpc_attribute;
    describe_vpc_attribute(DescribeVpcAttributeRequest) -> DescribeVpcAttributeResponse => vpc::describe_vpc_attribute;
    create_subnet(CreateSubnetRequest) -> CreateSubnetResponse => vpc::create_subnet;
    describe_subnets(DescribeSubnetsRequest) -> DescribeSubnetsResponse => vpc::describe_subnets;
    create_security_group(CreateSecurityGroupRequest) -> CreateSecurityGroupResponse => security_group::create_security_group;
    authorize_security_group_ingress(AuthorizeSecurityGroupIngressRequest) -> AuthorizeSecurityGroupIngressResponse => security_group::authorize_security_group_ingress;
    describe_security_groups(DescribeSecurityGroupsRequest) -> DescribeSecurityGroupsResponse => security_group::describe_security_groups;
    delete_security_group(DeleteSecurityGroupRequest) -> DeleteSecurityGroupResponse => teardown::delete_security_group;
    delete_subnet(DeleteSubnetRequest) -> DeleteSubnetResponse => teardown::delete_subnet;
    delete_vpc(DeleteVpcRequest) -> DeleteVpcResponse => teardown::delete_vpc;
    revoke_security_group_ingress(RevokeSecurityGroupIngressRequest) -> RevokeSecurityGroupIngressResponse => sg_rules::revoke_security_group_ingress;
    authorize_security_group_egress(AuthorizeSecurityGroupEgressRequest) -> AuthorizeSecurityGroupEgressResponse => sg_rules::authorize_security_group_egress;
    revoke_security_group_egress(RevokeSecurityGroupEgressRequest) -> RevokeSecurityGroupEgressResponse => sg_rules::revoke_security_group_egress;
    create_vpc_endpoint_service_configuration(CreateVpcEndpointServiceConfigurationRequest) -> CreateVpcEndpointServiceConfigurationResponse => vpce::create_service;
    describe_vpc_endpoint_service_configurations(DescribeVpcEndpointServiceConfigurationsRequest) -> DescribeVpcEndpointServiceConfigurationsResponse => vpce::describe_services;
    delete_vpc_endpoint_service_configurations(DeleteVpcEndpointServiceConfigurationsRequest) -> DeleteVpcEndpointServiceConfigurationsResponse => vpce::delete_services;
    modify_vpc_endpoint_service_permissions(ModifyVpcEndpointServicePermissionsRequest) -> ModifyVpcEndpointServicePermissionsResponse => vpce::modify_permissions;
    describe_vpc_endpoint_service_permissions(DescribeVpcEndpointServicePermissionsRequest) -> DescribeVpcEndpointServicePermissionsResponse => vpce::describe_permissions;
    start_vpc_endpoint_service_private_dns_verification(StartVpcEndpointServicePrivateDnsVerificationRequest) -> StartVpcEndpointServicePrivateDnsVerificationResponse => private_dns::start_verification;
    describe_vpc_endpoint_services(DescribeVpcEndpointServicesRequest) -> DescribeVpcEndpointServicesResponse => service_detail::describe_service_details;
    accept_vpc_endpoint_connections(AcceptVpcEndpointConnectionsRequest) -> AcceptVpcEndpointConnectionsResponse => connection::accept_connections;
    reject_vpc_endpoint_connections(RejectVpcEndpointConnectionsRequest) -> RejectVpcEndpointConnectionsResponse => connection::reject_connections;
    describe_vpc_endpoint_connections(DescribeVpcEndpointConnectionsRequest) -> DescribeVpcEndpointConnectionsResponse => connection::describe_connections;
    create_vpc_endpoint(CreateVpcEndpointRequest) -> CreateVpcEndpointResponse => endpoint::create_endpoint;
    describe_vpc_endpoints(DescribeVpcEndpointsRequest) -> DescribeVpcEndpointsResponse => endpoint::describe_endpoints;
    delete_vpc_endpoints(DeleteVpcEndpointsRequest) -> DeleteVpcEndpointsResponse => endpoint::delete_endpoints;
    modify_vpc_endpoint(ModifyVpcEndpointRequest) -> ModifyVpcEndpointResponse => endpoint_modify::modify_endpoint;
    modify_vpc_endpoint_service_configuration(ModifyVpcEndpointServiceConfigurationRequest) -> ModifyVpcEndpointServiceConfigurationResponse => service_modify::modify_service;
    create_tags(CreateTagsRequest) -> CreateTagsResponse => tag_verbs::create_tags;
    delete_tags(DeleteTagsRequest) -> DeleteTagsResponse => tag_verbs::delete_tags;
    describe_tags(DescribeTagsRequest) -> DescribeTagsResponse => tag_verbs::describe_tags;
    create_vpc_endpoint_connection_notification(CreateVpcEndpointConnectionNotificationRequest) -> CreateVpcEndpointConnectionNotificationResponse => notification::create_notification;
    modify_vpc_endpoint_connection_notification(ModifyVpcEndpointConnectionNotificationRequest) -> ModifyVpcEndpointConnectionNotificationResponse => notification::modify_notification;
    delete_vpc_endpoint_connection_notifications(DeleteVpcEndpointConnectionNotificationsRequest) -> DeleteVpcEndpointConnectionNotificationsResponse => notification::delete_notifications;
    describe_vpc_endpoint_connection_notifications(DescribeVpcEndpointConnectionNotificationsRequest) -> DescribeVpcEndpointConnectionNotificationsResponse => notification::describe_notifications;
});

service!(pb::elbv2_server::Elbv2, query_elbv2 {
    create_load_balancer(CreateLoadBalancerRequest) -> CreateLoadBalancerResponse => elbv2::create_load_balancer;
    describe_load_balancers(DescribeLoadBalancersRequest) -> DescribeLoadBalancersResponse => elbv2::describe_load_balancers;
    create_target_group(CreateTargetGroupRequest) -> CreateTargetGroupResponse => target_group::create_target_group;
    describe_target_groups(DescribeTargetGroupsRequest) -> DescribeTargetGroupsResponse => target_group::describe_target_groups;
    register_targets(RegisterTargetsRequest) -> RegisterTargetsResponse => target_group::register_targets;
    deregister_targets(DeregisterTargetsRequest) -> DeregisterTargetsResponse => target_group::deregister_targets;
    describe_target_health(DescribeTargetHealthRequest) -> DescribeTargetHealthResponse => target_health::describe_target_health;
    create_listener(CreateListenerRequest) -> CreateListenerResponse => elbv2::create_listener;
    describe_listeners(DescribeListenersRequest) -> DescribeListenersResponse => elbv2::describe_listeners;
    modify_target_group(ModifyTargetGroupRequest) -> ModifyTargetGroupResponse => health_check::modify_target_group;
    describe_target_group_attributes(DescribeTargetGroupAttributesRequest) -> DescribeTargetGroupAttributesResponse => attributes::describe_target_group_attributes;
    modify_target_group_attributes(ModifyTargetGroupAttributesRequest) -> ModifyTargetGroupAttributesResponse => attributes::modify_target_group_attributes;
    describe_load_balancer_attributes(DescribeLoadBalancerAttributesRequest) -> DescribeLoadBalancerAttributesResponse => attributes::describe_load_balancer_attributes;
    modify_load_balancer_attributes(ModifyLoadBalancerAttributesRequest) -> ModifyLoadBalancerAttributesResponse => attributes::modify_load_balancer_attributes;
    describe_listener_attributes(DescribeListenerAttributesRequest) -> DescribeListenerAttributesResponse => attributes::describe_listener_attributes;
    modify_listener_attributes(ModifyListenerAttributesRequest) -> ModifyListenerAttributesResponse => attributes::modify_listener_attributes;
    set_security_groups(SetSecurityGroupsRequest) -> SetSecurityGroupsResponse => lb_security_groups::set_security_groups;
    delete_listener(DeleteListenerRequest) -> DeleteListenerResponse => teardown::delete_listener;
    delete_load_balancer(DeleteLoadBalancerRequest) -> DeleteLoadBalancerResponse => teardown::delete_load_balancer;
    delete_target_group(DeleteTargetGroupRequest) -> DeleteTargetGroupResponse => teardown::delete_target_group;
    modify_listener(ModifyListenerRequest) -> ModifyListenerResponse => listener_modify::modify_listener;
    add_tags(AddTagsRequest) -> AddTagsResponse => tag_verbs::add_tags;
    remove_tags(RemoveTagsRequest) -> RemoveTagsResponse => tag_verbs::remove_tags;
    describe_tags(DescribeElbTagsRequest) as "DescribeTags" -> DescribeElbTagsResponse => tag_verbs::describe_elb_tags;
});

/// A fingerprint of a create request's parameters, for client-token idempotency.
fn fingerprint(req: &impl prost::Message) -> String {
    req.encode_to_vec()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The VPC `id` if `caller` sees it.
fn visible_vpc<'a>(
    res: &'a Resources,
    caller: &Caller,
    id: &str,
) -> Result<&'a crate::model::Vpc, ApiError> {
    crate::validate::ec2_id::<plemu_proto::ids::VpcId>(id, "InvalidVpcID.Malformed")?;
    res.vpcs
        .get(id)
        .filter(|v| v.owner.visible_to(caller))
        .ok_or_else(|| {
            ApiError::not_found(
                "InvalidVpcID.NotFound",
                format!("The vpc ID '{id}' does not exist"),
            )
        })
}

/// What an idempotent ELBv2 create finds under its key (a name, or a load balancer and port):
/// `None` when nothing holds it, the holder when its settings equal `wanted` (AWS's "each call
/// succeeds"), else the `code` error, naming the holder as `what`.
fn same_settings<'a, T, S: PartialEq>(
    holder: Option<&'a T>,
    settings: impl FnOnce(&T) -> S,
    wanted: &S,
    code: &'static str,
    what: impl std::fmt::Display,
) -> Result<Option<&'a T>, ApiError> {
    match holder {
        None => Ok(None),
        Some(t) if settings(t) == *wanted => Ok(Some(t)),
        Some(_) => Err(ApiError::duplicate(
            code,
            format!("{what} already exists, but with different settings"),
        )),
    }
}

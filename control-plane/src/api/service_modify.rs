//! ModifyVpcEndpointServiceConfiguration: acceptance, the load balancers, the private DNS name.
//!
//! A new private DNS name starts over as `pendingVerification` with a new TXT record
//! ([`PrivateDns::pending`], the one place a name gets its verification record); until it is
//! verified, endpoints lose the private name and new connections cannot use it.

use plemu_proto::ids::{ElbArn, ElbResource};
use plemu_proto::meta::Caller;
use plemu_proto::pb;

use super::vpce::{owned_service, zones_of};
use crate::error::ApiError;
use crate::model::PrivateDns;
use crate::state::Shared;
use crate::validate;

/// Checks that `arn` is a load balancer ARN.
///
/// # Errors
/// `InvalidNetworkLoadBalancerArn.Malformed`.
pub(super) fn nlb_arn(arn: &str) -> Result<(), ApiError> {
    if arn
        .parse::<ElbArn>()
        .is_ok_and(|a| a.kind == ElbResource::LoadBalancer)
    {
        return Ok(());
    }
    Err(ApiError::invalid(
        "InvalidNetworkLoadBalancerArn.Malformed",
        format!("The ARN '{arn}' is malformed"),
    ))
}

pub(super) async fn modify_service(
    s: &Shared,
    caller: &Caller,
    req: pb::ModifyVpcEndpointServiceConfigurationRequest,
) -> Result<pb::ModifyVpcEndpointServiceConfigurationResponse, ApiError> {
    validate::required(&req.service_id, "ServiceId")?;
    if !req.private_dns_name.is_empty() && req.remove_private_dns_name {
        return Err(ApiError::invalid(
            "InvalidParameterCombination",
            "PrivateDnsName and RemovePrivateDnsName cannot be given together",
        ));
    }
    let new_name = match req.private_dns_name.as_str() {
        "" => None,
        name => Some(validate::private_dns_name(name)?),
    };
    let (add, remove) = (
        &req.add_network_load_balancer_arns,
        &req.remove_network_load_balancer_arns,
    );
    for arn in add.iter().chain(remove) {
        nlb_arn(arn)?;
    }
    s.mutate(|res| {
        let v = owned_service(res, caller, &req.service_id)?.clone();
        if v.state.is_gone() {
            return Err(ApiError::conflict(
                "InvalidState",
                format!("The endpoint service {} is in state '{}'", v.id, v.state.as_str()),
            ));
        }
        let mut nlbs = v.nlb_arns.clone();
        let mut azs = v.azs.clone();
        if !add.is_empty() || !remove.is_empty() {
            if res.endpoints.values().any(|e| e.service_id == v.id && e.state.is_active()) {
                return Err(ApiError::conflict(
                    "ExistingVpcEndpointConnections",
                    "You cannot change the load balancers for the endpoint service if there are endpoints attached to the service",
                ));
            }
            for arn in remove {
                if !nlbs.contains(arn) {
                    return Err(ApiError::invalid(
                        "InvalidParameter",
                        format!("The load balancer '{arn}' is not a load balancer of {}", v.id),
                    ));
                }
                nlbs.retain(|a| a != arn);
            }
            for arn in add {
                if !nlbs.contains(arn) {
                    nlbs.push(arn.clone());
                }
            }
            if nlbs.is_empty() {
                return Err(ApiError::invalid(
                    "InvalidParameter",
                    "At least one Network Load Balancer ARN must remain",
                ));
            }
            azs = zones_of(res, caller, &nlbs)?.0;
        }
        let stored = res.services.get_mut(&v.id).expect("owned above");
        stored.nlb_arns = nlbs;
        stored.azs = azs;
        if let Some(a) = req.acceptance_required {
            stored.acceptance_required = a;
        }
        if let Some(name) = new_name {
            stored.private_dns = Some(PrivateDns::pending(name));
        } else if req.remove_private_dns_name {
            stored.private_dns = None;
        }
        Ok(pb::ModifyVpcEndpointServiceConfigurationResponse { return_value: true })
    })
    .await
}

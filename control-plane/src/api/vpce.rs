//! Endpoint service actions: configurations and permissions (private DNS verification is in
//! `private_dns.rs`, the consumer's view of services in `service_detail.rs`).

use plemu_proto::ids::{VpcEndpointServiceId, random_hex};
use plemu_proto::meta::Caller;
use plemu_proto::pb;

use super::{fingerprint, tags};
use crate::error::ApiError;
use crate::filter;
use crate::model::{
    LbState, Owner, Permission, PrivateDns, Resources, Service, ServiceEvent, ServiceState, Tag,
    unix_millis,
};
use crate::state::Shared;
use crate::validate;

pub(super) async fn create_service(
    s: &Shared,
    caller: &Caller,
    req: pb::CreateVpcEndpointServiceConfigurationRequest,
) -> Result<pb::CreateVpcEndpointServiceConfigurationResponse, ApiError> {
    if req.network_load_balancer_arns.is_empty() {
        return Err(ApiError::invalid(
            "InvalidParameter",
            "At least one Network Load Balancer ARN must be specified",
        ));
    }
    for arn in &req.network_load_balancer_arns {
        super::service_modify::nlb_arn(arn)?;
    }
    if req.supported_ip_address_types.iter().any(|t| t != "ipv4") {
        return Err(ApiError::invalid(
            "InvalidParameter",
            "plemu's endpoint services support the ipv4 address type only",
        ));
    }
    let private_dns = match req.private_dns_name.as_str() {
        "" => None,
        name => Some(PrivateDns::pending(validate::private_dns_name(name)?)),
    };
    let tags = tags::ec2(&req.tag_specifications, "vpc-endpoint-service")?;
    let print = fingerprint(&req);
    let svc = s
        .mutate(|res| {
            if let Some(existing) = by_token(
                res.services.values(),
                caller,
                &req.client_token,
                &print,
                |v| (&v.owner, &v.client_token),
            )? {
                return Ok(existing.clone());
            }
            let (azs, active) = zones_of(res, caller, &req.network_load_balancer_arns)?;
            let id = VpcEndpointServiceId::generate().to_string();
            let svc = Service {
                name: format!("com.amazonaws.vpce.{}.{id}", caller.region),
                id,
                owner: Owner::of(caller),
                nlb_arns: req.network_load_balancer_arns.clone(),
                acceptance_required: req.acceptance_required.unwrap_or(false),
                private_dns,
                azs,
                permissions: Vec::new(),
                state: ServiceState::initial(active),
                state_since: unix_millis(),
                tags,
                client_token: (!req.client_token.is_empty())
                    .then(|| (req.client_token.clone(), print.clone())),
            };
            res.services.insert(svc.id.clone(), svc.clone());
            Ok(svc)
        })
        .await?;
    Ok(pb::CreateVpcEndpointServiceConfigurationResponse {
        service_configuration: Some(service_to_pb(&svc)),
        client_token: req.client_token,
    })
}

/// The zones of the load balancers `arns` (sorted, once each), and whether they are all active.
///
/// # Errors
/// `InvalidNetworkLoadBalancerArn.NotFound` for one `caller` does not see.
pub(super) fn zones_of(
    res: &Resources,
    caller: &Caller,
    arns: &[String],
) -> Result<(Vec<String>, bool), ApiError> {
    let mut azs = Vec::new();
    let mut active = true;
    for arn in arns {
        let lb = res
            .load_balancers
            .get(arn)
            .filter(|l| l.owner.visible_to(caller))
            .ok_or_else(|| {
                ApiError::not_found(
                    "InvalidNetworkLoadBalancerArn.NotFound",
                    format!("The Network Load Balancer ARN '{arn}' does not exist"),
                )
            })?;
        active &= lb.state == LbState::Active;
        azs.extend(lb.nodes.iter().map(|n| n.az.clone()));
    }
    azs.sort();
    azs.dedup();
    Ok((azs, active))
}

/// The resource an earlier create with the same client token made, if any; a mismatch of parameters fails.
pub(super) fn by_token<'a, T>(
    items: impl Iterator<Item = &'a T>,
    caller: &Caller,
    token: &str,
    print: &str,
    key: impl Fn(&T) -> (&Owner, &Option<(String, String)>),
) -> Result<Option<&'a T>, ApiError> {
    if token.is_empty() {
        return Ok(None);
    }
    for item in items {
        let (owner, t) = key(item);
        if let Some((tok, p)) = t
            .as_ref()
            .filter(|(tok, _)| owner.visible_to(caller) && tok == token)
        {
            debug_assert_eq!(tok, token);
            if p != print {
                return Err(ApiError::invalid(
                    "IdempotentParameterMismatch",
                    "The client token was already used with different parameters",
                ));
            }
            return Ok(Some(item));
        }
    }
    Ok(None)
}

pub(super) async fn describe_services(
    s: &Shared,
    caller: &Caller,
    req: pb::DescribeVpcEndpointServiceConfigurationsRequest,
) -> Result<pb::DescribeVpcEndpointServiceConfigurationsResponse, ApiError> {
    s.read(|st| {
        let mut svcs: Vec<&Service> = st
            .res
            .services
            .values()
            .filter(|v| v.owner.visible_to(caller))
            .collect();
        if !req.service_ids.is_empty() {
            for id in &req.service_ids {
                owned_service(&st.res, caller, id)?;
            }
            svcs.retain(|v| req.service_ids.contains(&v.id));
        }
        let svcs = filter::apply(svcs.into_iter().map(service_to_pb), &req.filters)?;
        let (svcs, next_token) = crate::page::page(
            svcs,
            req.max_results,
            &req.next_token,
            crate::page::Sizes::Ec2Range,
        )?;
        Ok(pb::DescribeVpcEndpointServiceConfigurationsResponse {
            service_configurations: svcs,
            next_token,
        })
    })
    .await
}

pub(super) async fn delete_services(
    s: &Shared,
    caller: &Caller,
    req: pb::DeleteVpcEndpointServiceConfigurationsRequest,
) -> Result<pb::DeleteVpcEndpointServiceConfigurationsResponse, ApiError> {
    s.mutate(|res| {
        let mut unsuccessful = Vec::new();
        for id in &req.service_ids {
            let outcome = owned_service(res, caller, id).and_then(|v| {
                if v.state.is_gone() {
                    return Err(service_not_found(id));
                }
                if res
                    .endpoints
                    .values()
                    .any(|e| &e.service_id == id && e.state.is_active())
                {
                    return Err(ApiError::conflict(
                        "ExistingVpcEndpointConnections",
                        "Service has existing active VPC Endpoint connections!",
                    ));
                }
                Ok(())
            });
            match outcome {
                Ok(()) => {
                    let svc = res.services.get_mut(id).expect("owned above");
                    if let Err(e) = svc.apply(ServiceEvent::Delete) {
                        unsuccessful.push(e.unsuccessful(id));
                    }
                }
                Err(e) => unsuccessful.push(e.unsuccessful(id)),
            }
        }
        Ok(pb::DeleteVpcEndpointServiceConfigurationsResponse { unsuccessful })
    })
    .await
}

pub(super) async fn modify_permissions(
    s: &Shared,
    caller: &Caller,
    req: pb::ModifyVpcEndpointServicePermissionsRequest,
) -> Result<pb::ModifyVpcEndpointServicePermissionsResponse, ApiError> {
    let mut adds = Vec::new();
    for p in &req.add_allowed_principals {
        adds.push((p.clone(), validate::principal_type(p)?));
    }
    s.mutate(|res| {
        let svc = owned_service(res, caller, &req.service_id)?.id.clone();
        let svc = res.services.get_mut(&svc).expect("owned above");
        svc.permissions
            .retain(|p| !req.remove_allowed_principals.contains(&p.principal));
        let mut added = Vec::new();
        for (principal, kind) in adds {
            let perm = match svc.permissions.iter().find(|p| p.principal == principal) {
                Some(p) => p.clone(),
                None => {
                    let p = Permission {
                        id: format!("vpce-svc-perm-{}", random_hex(17)),
                        principal,
                        principal_type: kind.into(),
                    };
                    svc.permissions.push(p.clone());
                    p
                }
            };
            added.push(pb::AddedPrincipal {
                principal_type: perm.principal_type,
                principal: perm.principal,
                service_permission_id: perm.id,
                service_id: svc.id.clone(),
            });
        }
        Ok(pb::ModifyVpcEndpointServicePermissionsResponse {
            added_principals: added,
            return_value: true,
        })
    })
    .await
}

pub(super) async fn describe_permissions(
    s: &Shared,
    caller: &Caller,
    req: pb::DescribeVpcEndpointServicePermissionsRequest,
) -> Result<pb::DescribeVpcEndpointServicePermissionsResponse, ApiError> {
    s.read(|st| {
        let svc = owned_service(&st.res, caller, &req.service_id)?;
        let perms = svc.permissions.iter().map(|p| pb::AllowedPrincipal {
            principal_type: p.principal_type.clone(),
            principal: p.principal.clone(),
            service_permission_id: p.id.clone(),
            service_id: svc.id.clone(),
            tags: Vec::new(),
        });
        let perms = filter::apply(perms, &req.filters)?;
        let (allowed_principals, next_token) = crate::page::page(
            perms,
            req.max_results,
            &req.next_token,
            crate::page::Sizes::Ec2Range,
        )?;
        Ok(pb::DescribeVpcEndpointServicePermissionsResponse {
            allowed_principals,
            next_token,
        })
    })
    .await
}

/// The service `id` if `caller` owns it.
pub(super) fn owned_service<'a>(
    res: &'a Resources,
    caller: &Caller,
    id: &str,
) -> Result<&'a Service, ApiError> {
    validate::ec2_id::<VpcEndpointServiceId>(id, "InvalidVpcEndpointServiceId.Malformed")?;
    res.services
        .get(id)
        .filter(|v| v.owner.visible_to(caller))
        .ok_or_else(|| service_not_found(id))
}

pub(super) fn service_not_found(id: &str) -> ApiError {
    ApiError::not_found(
        "InvalidVpcEndpointServiceId.NotFound",
        format!("The Vpc Endpoint Service Id '{id}' does not exist"),
    )
}

pub(super) fn base_dns_name(v: &Service) -> String {
    format!("{}.{}.vpce.amazonaws.com", v.id, v.owner.region)
}

fn service_to_pb(v: &Service) -> pb::ServiceConfiguration {
    pb::ServiceConfiguration {
        service_type: vec!["Interface".into()],
        service_id: v.id.clone(),
        service_name: v.name.clone(),
        service_state: v.state.as_str().into(),
        availability_zones: v.azs.clone(),
        acceptance_required: v.acceptance_required,
        manages_vpc_endpoints: false,
        network_load_balancer_arns: v.nlb_arns.clone(),
        supported_ip_address_types: vec!["ipv4".into()],
        base_endpoint_dns_names: vec![base_dns_name(v)],
        private_dns_name: v
            .private_dns
            .as_ref()
            .map(|d| d.name.clone())
            .unwrap_or_default(),
        private_dns_name_configuration: v.private_dns.as_ref().map(|d| {
            pb::PrivateDnsNameConfiguration {
                state: d.state.as_str().into(),
                r#type: "TXT".into(),
                value: d.txt_value.clone(),
                name: d.txt_name.clone(),
            }
        }),
        payer_responsibility: "ServiceOwner".into(),
        tags: Tag::to_pb(&v.tags),
        availability_zone_ids: v
            .azs
            .iter()
            .map(|az| validate::availability_zone_id(&v.owner.region, az))
            .collect(),
    }
}

#[cfg(test)]
mod tests;

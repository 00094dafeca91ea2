//! The consumer's view of endpoint services: which ones it may see, and how they look to it.

use plemu_proto::meta::Caller;
use plemu_proto::pb;

use super::vpce::base_dns_name;
use crate::error::ApiError;
use crate::filter;
use crate::model::{PrivateDnsState, Service, Tag};
use crate::state::Shared;
use crate::validate;

pub(super) async fn describe_service_details(
    s: &Shared,
    caller: &Caller,
    req: pb::DescribeVpcEndpointServicesRequest,
) -> Result<pb::DescribeVpcEndpointServicesResponse, ApiError> {
    s.read(|st| {
        let mut svcs: Vec<&Service> = st
            .res
            .services
            .values()
            .filter(|v| visible_service(v, caller))
            .collect();
        for name in &req.service_names {
            if !svcs.iter().any(|v| &v.name == name) {
                return Err(not_a_service(name));
            }
        }
        if !req.service_names.is_empty() {
            svcs.retain(|v| req.service_names.contains(&v.name));
        }
        let svcs = filter::apply(svcs.into_iter().map(detail_to_pb), &req.filters)?;
        let (svcs, next_token) = crate::page::page(
            svcs,
            req.max_results,
            &req.next_token,
            crate::page::Sizes::Ec2Capped,
        )?;
        Ok(pb::DescribeVpcEndpointServicesResponse {
            service_names: svcs.iter().map(|d| d.service_name.clone()).collect(),
            service_details: svcs,
            next_token,
        })
    })
    .await
}

/// `InvalidServiceName` for a service the caller cannot see.
pub(super) fn not_a_service(name: &str) -> ApiError {
    ApiError::not_found(
        "InvalidServiceName",
        format!("The Vpc Endpoint Service '{name}' does not exist"),
    )
}

/// Whether `caller` may see (and connect to) `svc`: its owner, or an allowed principal of its account.
pub(super) fn visible_service(svc: &Service, caller: &Caller) -> bool {
    svc.owner.region == caller.region
        && !svc.state.is_gone()
        && (svc.owner.account == caller.account
            || svc.permissions.iter().any(|p| {
                p.principal == "*"
                    || validate::principal_account(&p.principal) == Some(caller.account.as_str())
            }))
}

fn detail_to_pb(v: &Service) -> pb::ServiceDetail {
    let verified = v
        .private_dns
        .as_ref()
        .filter(|d| d.state == PrivateDnsState::Verified)
        .map(|d| d.name.clone());
    pb::ServiceDetail {
        service_name: v.name.clone(),
        service_id: v.id.clone(),
        service_type: vec!["Interface".into()],
        availability_zones: v.azs.clone(),
        owner: v.owner.account.clone(),
        base_endpoint_dns_names: vec![base_dns_name(v)],
        private_dns_names: verified
            .iter()
            .map(|n| pb::PrivateDnsDetails {
                private_dns_name: n.clone(),
            })
            .collect(),
        private_dns_name: verified.unwrap_or_default(),
        vpc_endpoint_policy_supported: false,
        acceptance_required: v.acceptance_required,
        manages_vpc_endpoints: false,
        tags: Tag::to_pb(&v.tags),
        private_dns_name_verification_state: v
            .private_dns
            .as_ref()
            .map(|d| d.state.as_str().to_string())
            .unwrap_or_default(),
        supported_ip_address_types: vec!["ipv4".into()],
        availability_zone_ids: v
            .azs
            .iter()
            .map(|az| validate::availability_zone_id(&v.owner.region, az))
            .collect(),
    }
}

//! Interface endpoint actions: create (with its ENIs and DNS names), describe, delete.

use plemu_proto::ids::{VpcEndpointId, random_alnum, random_lower_alnum};
use plemu_proto::meta::Caller;
use plemu_proto::pb;

use super::security_group::visible_group;
use super::service_detail::{not_a_service, visible_service};
use super::vpce::by_token;
use super::{fingerprint, tags, visible_vpc};
use crate::error::ApiError;
use crate::filter;
use crate::model::{Endpoint, EndpointEvent, EndpointState, Eni, Owner, Service, Tag, now_iso};
use crate::state::{Shared, State};
use crate::validate;

pub(super) use rules::{allocate_node_bind, new_eni, policy_document, private_dns};

/// Hosted zone id of the endpoint's regional and zonal DNS entries.
const VPCE_HOSTED_ZONE_ID: &str = "Z7HUB22UULQXV";

/// `last_error.code` of an endpoint that plemu cannot serve because a listener cannot bind.
const LISTENER_FAILED: &str = "plemu.ListenerUnavailable";

/// The endpoint policy AWS attaches by default: full access.
const DEFAULT_POLICY: &str =
    r#"{"Statement":[{"Action":"*","Effect":"Allow","Principal":"*","Resource":"*"}]}"#;

pub(super) async fn create_endpoint(
    s: &Shared,
    caller: &Caller,
    req: pb::CreateVpcEndpointRequest,
) -> Result<pb::CreateVpcEndpointResponse, ApiError> {
    if req.vpc_endpoint_type != "Interface" {
        return Err(ApiError::invalid(
            "InvalidParameter",
            "plemu serves Interface endpoints; pass --vpc-endpoint-type Interface",
        ));
    }
    if !matches!(req.ip_address_type.as_str(), "" | "ipv4") {
        return Err(ApiError::invalid(
            "InvalidParameter",
            "plemu's endpoints support the ipv4 address type only",
        ));
    }
    if req.subnet_ids.is_empty() {
        return Err(ApiError::invalid(
            "InvalidParameter",
            "At least one subnet must be specified for an Interface endpoint",
        ));
    }
    let tags = tags::ec2(&req.tag_specifications, "vpc-endpoint")?;
    let print = fingerprint(&req);
    let (endpoint, fresh) = s
        .mutate(|res| {
            if let Some(existing) = by_token(
                res.endpoints.values(),
                caller,
                &req.client_token,
                &print,
                |e| (&e.owner, &e.client_token),
            )? {
                return Ok((existing.clone(), false));
            }
            let vpc = visible_vpc(res, caller, &req.vpc_id)?.clone();
            let svc = res
                .services
                .values()
                .find(|v| v.name == req.service_name && visible_service(v, caller))
                .ok_or_else(|| not_a_service(&req.service_name))?
                .clone();
            let private_dns_enabled = private_dns(res, req.private_dns_enabled, &vpc, &svc, None)?;
            let policy_document = policy_document(&req.policy_document)?;
            let mut enis: Vec<Eni> = Vec::new();
            for id in &req.subnet_ids {
                let eni = new_eni(res, s.eni_bind_net, caller, &vpc, &svc, id, &enis)?;
                enis.push(eni);
            }
            let security_group_ids = if req.security_group_ids.is_empty() {
                let default = res
                    .security_groups
                    .values()
                    .find(|g| g.vpc_id == vpc.id && g.name == "default");
                default.map(|g| g.id.clone()).into_iter().collect()
            } else {
                for g in &req.security_group_ids {
                    if !visible_group(res, caller, g).is_ok_and(|g| g.vpc_id == vpc.id) {
                        return Err(ApiError::not_found(
                            "InvalidGroup.NotFound",
                            format!(
                                "The security group '{g}' does not exist in VPC '{}'",
                                vpc.id
                            ),
                        ));
                    }
                }
                req.security_group_ids.clone()
            };
            let e = Endpoint {
                id: VpcEndpointId::generate().to_string(),
                owner: Owner::of(caller),
                vpc_id: vpc.id.clone(),
                service_id: svc.id.clone(),
                service_name: svc.name.clone(),
                state: EndpointState::initial(svc.acceptance_required),
                state_since: crate::model::unix_millis(),
                enis,
                security_group_ids,
                private_dns_enabled,
                policy_document,
                dns_suffix: random_lower_alnum(8),
                private_zone_id: format!("Z{}", random_alnum(13).to_ascii_uppercase()),
                credential: random_alnum(32),
                created: now_iso(),
                tags,
                client_token: (!req.client_token.is_empty())
                    .then(|| (req.client_token.clone(), print.clone())),
            };
            res.endpoints.insert(e.id.clone(), e.clone());
            Ok((e, true))
        })
        .await?;
    if fresh && endpoint.state == EndpointState::Pending {
        s.arm_endpoint(endpoint.id.clone());
    }
    let out = s.read(|st| endpoint_to_pb(st, &endpoint)).await;
    Ok(pb::CreateVpcEndpointResponse {
        vpc_endpoint: Some(out),
        client_token: req.client_token,
    })
}

pub(super) async fn describe_endpoints(
    s: &Shared,
    caller: &Caller,
    req: pb::DescribeVpcEndpointsRequest,
) -> Result<pb::DescribeVpcEndpointsResponse, ApiError> {
    s.read(|st| {
        let mut eps: Vec<&Endpoint> = st
            .res
            .endpoints
            .values()
            .filter(|e| e.owner.visible_to(caller))
            .collect();
        if !req.vpc_endpoint_ids.is_empty() {
            for id in &req.vpc_endpoint_ids {
                validate::ec2_id::<VpcEndpointId>(id, "InvalidVpcEndpointId.Malformed")?;
                if !eps.iter().any(|e| &e.id == id) {
                    return Err(ApiError::not_found(
                        "InvalidVpcEndpointId.NotFound",
                        format!("The Vpc Endpoint Id '{id}' does not exist"),
                    ));
                }
            }
            eps.retain(|e| req.vpc_endpoint_ids.contains(&e.id));
        }
        let eps = filter::apply(eps.into_iter().map(|e| endpoint_to_pb(st, e)), &req.filters)?;
        let (eps, next_token) = crate::page::page(
            eps,
            req.max_results,
            &req.next_token,
            crate::page::Sizes::Ec2Capped,
        )?;
        Ok(pb::DescribeVpcEndpointsResponse {
            vpc_endpoints: eps,
            next_token,
        })
    })
    .await
}

pub(super) async fn delete_endpoints(
    s: &Shared,
    caller: &Caller,
    req: pb::DeleteVpcEndpointsRequest,
) -> Result<pb::DeleteVpcEndpointsResponse, ApiError> {
    s.mutate(|res| {
        let mut unsuccessful = Vec::new();
        for id in &req.vpc_endpoint_ids {
            let found = res
                .endpoints
                .get_mut(id)
                .filter(|e| e.owner.visible_to(caller) && !e.state.is_gone());
            if let Some(e) = found {
                e.apply(EndpointEvent::Delete)?;
            } else {
                let e = ApiError::not_found(
                    "InvalidVpcEndpoint.NotFound",
                    format!("The Vpc Endpoint Id '{id}' does not exist"),
                );
                unsuccessful.push(e.unsuccessful(id));
            }
        }
        Ok(pb::DeleteVpcEndpointsResponse { unsuccessful })
    })
    .await
}

/// The endpoint's `DnsEntry` list.
pub(super) fn dns_entries(e: &Endpoint, svc: Option<&Service>) -> Vec<pb::DnsEntry> {
    e.dns_names(svc)
        .into_iter()
        .map(|(dns_name, kind, _)| pb::DnsEntry {
            dns_name,
            hosted_zone_id: if kind == pb::DnsNameKind::Private {
                e.private_zone_id.clone()
            } else {
                VPCE_HOSTED_ZONE_ID.into()
            },
        })
        .collect()
}

/// The endpoint as Describe shows it. An `available` endpoint whose listener a consumer agent
/// cannot bind shows as `failed`, with the reason in `last_error`: no client could reach it.
fn endpoint_to_pb(st: &State, e: &Endpoint) -> pb::VpcEndpoint {
    let res = &st.res;
    let failure = st
        .listener_failure(&e.id)
        .filter(|_| e.state == EndpointState::Available);
    pb::VpcEndpoint {
        vpc_endpoint_id: e.id.clone(),
        vpc_endpoint_type: "Interface".into(),
        vpc_id: e.vpc_id.clone(),
        service_name: e.service_name.clone(),
        state: match failure {
            Some(_) => "failed".into(),
            None => e.state.as_str().into(),
        },
        policy_document: e
            .policy_document
            .clone()
            .unwrap_or_else(|| DEFAULT_POLICY.into()),
        route_table_ids: Vec::new(),
        subnet_ids: e.enis.iter().map(|n| n.subnet_id.clone()).collect(),
        groups: e
            .security_group_ids
            .iter()
            .map(|id| pb::SecurityGroupIdentifier {
                group_id: id.clone(),
                group_name: res
                    .security_groups
                    .get(id)
                    .map(|g| g.name.clone())
                    .unwrap_or_default(),
            })
            .collect(),
        ip_address_type: "ipv4".into(),
        dns_options: Some(pb::DnsOptions {
            dns_record_ip_type: "ipv4".into(),
        }),
        private_dns_enabled: e.private_dns_enabled,
        requester_managed: false,
        network_interface_ids: e.enis.iter().map(|n| n.id.clone()).collect(),
        dns_entries: dns_entries(e, res.services.get(&e.service_id)),
        creation_timestamp: e.created.clone(),
        tags: Tag::to_pb(&e.tags),
        owner_id: e.owner.account.clone(),
        last_error: failure.map(|f| pb::LastError {
            code: LISTENER_FAILED.into(),
            message: format!(
                "plemu cannot listen on {} for network interface {}: {}",
                f.address, f.network_interface_id, f.error
            ),
        }),
    }
}

mod rules;
#[cfg(test)]
mod tests;

//! The service owner's side of endpoint connections: accept, reject, describe.

use plemu_proto::meta::Caller;
use plemu_proto::pb;

use super::endpoint::dns_entries;
use super::vpce::owned_service;
use crate::error::ApiError;
use crate::filter;
use crate::model::{Endpoint, EndpointEvent, Service};
use crate::state::Shared;

pub(super) async fn accept_connections(
    s: &Shared,
    caller: &Caller,
    req: pb::AcceptVpcEndpointConnectionsRequest,
) -> Result<pb::AcceptVpcEndpointConnectionsResponse, ApiError> {
    let (unsuccessful, accepted) = transition(
        s,
        caller,
        &req.service_id,
        &req.vpc_endpoint_ids,
        EndpointEvent::Accept,
    )
    .await?;
    for id in accepted {
        s.arm_endpoint(id);
    }
    Ok(pb::AcceptVpcEndpointConnectionsResponse { unsuccessful })
}

pub(super) async fn reject_connections(
    s: &Shared,
    caller: &Caller,
    req: pb::RejectVpcEndpointConnectionsRequest,
) -> Result<pb::RejectVpcEndpointConnectionsResponse, ApiError> {
    let (unsuccessful, _) = transition(
        s,
        caller,
        &req.service_id,
        &req.vpc_endpoint_ids,
        EndpointEvent::Reject,
    )
    .await?;
    Ok(pb::RejectVpcEndpointConnectionsResponse { unsuccessful })
}

/// Applies `event` to each endpoint of the caller's service; returns failures and the ids that changed.
async fn transition(
    s: &Shared,
    caller: &Caller,
    service_id: &str,
    ids: &[String],
    event: EndpointEvent,
) -> Result<(Vec<pb::UnsuccessfulItem>, Vec<String>), ApiError> {
    s.mutate(|res| {
        owned_service(res, caller, service_id)?;
        let (mut failed, mut changed) = (Vec::new(), Vec::new());
        for id in ids {
            let outcome = match res
                .endpoints
                .get_mut(id)
                .filter(|e| e.service_id == service_id)
            {
                None => Err(ApiError::not_found(
                    "InvalidVpcEndpointId.NotFound",
                    format!("The Vpc Endpoint Id '{id}' does not exist"),
                )),
                Some(e) => e.apply(event),
            };
            match outcome {
                Ok(()) => changed.push(id.clone()),
                Err(e) => failed.push(e.unsuccessful(id)),
            }
        }
        Ok((failed, changed))
    })
    .await
}

pub(super) async fn describe_connections(
    s: &Shared,
    caller: &Caller,
    req: pb::DescribeVpcEndpointConnectionsRequest,
) -> Result<pb::DescribeVpcEndpointConnectionsResponse, ApiError> {
    s.read(|st| {
        let conns: Vec<(&Endpoint, &Service)> = st
            .res
            .endpoints
            .values()
            .filter_map(|e| {
                st.res
                    .services
                    .get(&e.service_id)
                    .filter(|v| v.owner.visible_to(caller))
                    .map(|v| (e, v))
            })
            .collect();
        let conns = conns.into_iter().map(|(e, v)| pb::VpcEndpointConnection {
            service_id: v.id.clone(),
            vpc_endpoint_id: e.id.clone(),
            vpc_endpoint_owner: e.owner.account.clone(),
            vpc_endpoint_state: e.state.as_str().into(),
            creation_timestamp: e.created.clone(),
            dns_entries: dns_entries(e, Some(v)),
            network_load_balancer_arns: v.nlb_arns.clone(),
            ip_address_type: "ipv4".into(),
            vpc_endpoint_connection_id: String::new(),
        });
        let conns = filter::apply(conns, &req.filters)?;
        let (vpc_endpoint_connections, next_token) = crate::page::page(
            conns,
            req.max_results,
            &req.next_token,
            crate::page::Sizes::Ec2Range,
        )?;
        Ok(pb::DescribeVpcEndpointConnectionsResponse {
            vpc_endpoint_connections,
            next_token,
        })
    })
    .await
}

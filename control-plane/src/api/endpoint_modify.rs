//! ModifyVpcEndpoint: an interface endpoint's subnets (network interfaces), security groups,
//! private DNS and policy, under the rules that CreateVpcEndpoint applies.
//!
//! A removed subnet's network interface goes with the next snapshot: the consumer agent stops
//! its listener, which resets the flows it carried, and its zonal DNS name goes. An added subnet
//! gets a new interface, listening once the agent has the snapshot.

use plemu_proto::ids::{SubnetId, VpcEndpointId};
use plemu_proto::meta::Caller;
use plemu_proto::pb;

use super::endpoint::{new_eni, policy_document, private_dns};
use super::security_group::visible_group;
use super::visible_vpc;
use crate::error::ApiError;
use crate::state::Shared;
use crate::validate;

pub(super) async fn modify_endpoint(
    s: &Shared,
    caller: &Caller,
    req: pb::ModifyVpcEndpointRequest,
) -> Result<pb::ModifyVpcEndpointResponse, ApiError> {
    let id = validate::required(&req.vpc_endpoint_id, "VpcEndpointId")?;
    validate::ec2_id::<VpcEndpointId>(id, "InvalidVpcEndpointId.Malformed")?;
    let policy = match (req.reset_policy, req.policy_document.as_str()) {
        (true, "") => Some(None),
        (true, _) => {
            return Err(ApiError::invalid(
                "InvalidParameterCombination",
                "ResetPolicy and PolicyDocument cannot be given together",
            ));
        }
        (false, "") => None,
        (false, doc) => Some(policy_document(doc)?),
    };
    for sid in req.add_subnet_ids.iter().chain(&req.remove_subnet_ids) {
        validate::ec2_id::<SubnetId>(sid, "InvalidSubnetID.Malformed")?;
    }
    s.mutate(|res| {
        let e = res
            .endpoints
            .get(id)
            .filter(|e| e.owner.visible_to(caller) && !e.state.is_gone())
            .ok_or_else(|| {
                ApiError::not_found(
                    "InvalidVpcEndpointId.NotFound",
                    format!("The Vpc Endpoint Id '{id}' does not exist"),
                )
            })?
            .clone();
        let vpc = visible_vpc(res, caller, &e.vpc_id)?.clone();
        let svc = res.services.get(&e.service_id).cloned().ok_or_else(|| {
            ApiError::conflict(
                "IncorrectState",
                format!("The endpoint service of {id} no longer exists"),
            )
        })?;
        let mut enis = e.enis.clone();
        for sid in &req.remove_subnet_ids {
            let before = enis.len();
            enis.retain(|n| &n.subnet_id != sid);
            if enis.len() == before {
                return Err(ApiError::invalid(
                    "InvalidParameter",
                    format!("The subnet {sid} is not a subnet of the VPC endpoint {id}"),
                ));
            }
        }
        for sid in &req.add_subnet_ids {
            if enis.iter().any(|n| &n.subnet_id == sid) {
                continue; // already there: AWS leaves it as it is
            }
            let eni = new_eni(res, s.eni_bind_net, caller, &vpc, &svc, sid, &enis)?;
            enis.push(eni);
        }
        if enis.is_empty() {
            return Err(ApiError::invalid(
                "InvalidParameter",
                format!("An interface endpoint needs at least one subnet; removing every subnet of {id} is not allowed"),
            ));
        }
        let mut groups = e.security_group_ids.clone();
        for g in &req.remove_security_group_ids {
            let before = groups.len();
            groups.retain(|x| x != g);
            if groups.len() == before {
                return Err(ApiError::not_found(
                    "InvalidGroup.NotFound",
                    format!("The security group '{g}' is not associated with the VPC endpoint {id}"),
                ));
            }
        }
        for g in &req.add_security_group_ids {
            if !visible_group(res, caller, g).is_ok_and(|g| g.vpc_id == vpc.id) {
                return Err(ApiError::not_found(
                    "InvalidGroup.NotFound",
                    format!("The security group '{g}' does not exist in VPC '{}'", vpc.id),
                ));
            }
            if !groups.contains(g) {
                groups.push(g.clone());
            }
        }
        if groups.is_empty() {
            return Err(ApiError::invalid(
                "InvalidParameter",
                format!("An interface endpoint needs at least one security group; removing every group of {id} is not allowed"),
            ));
        }
        let dns = match req.private_dns_enabled {
            Some(v) => private_dns(res, Some(v), &vpc, &svc, Some(id))?,
            None => e.private_dns_enabled,
        };
        let stored = res.endpoints.get_mut(id).expect("found above");
        stored.enis = enis;
        stored.security_group_ids = groups;
        stored.private_dns_enabled = dns;
        if let Some(p) = policy {
            stored.policy_document = p;
        }
        Ok(pb::ModifyVpcEndpointResponse { return_value: true })
    })
    .await
}

//! The tag verbs: EC2's `CreateTags`, `DeleteTags` and `DescribeTags` on every EC2 resource plemu
//! has (VPCs, subnets, security groups, endpoints, endpoint services), and ELBv2's `AddTags`,
//! `RemoveTags` and `DescribeTags` on load balancers, target groups and listeners. The limits are
//! [`super::tags`]'s, as at creation; a call changes all its resources or none.

use plemu_proto::ids::{
    ElbArn, ElbResource, SecurityGroupId, SubnetId, VpcEndpointId, VpcEndpointServiceId, VpcId,
};
use plemu_proto::meta::Caller;
use plemu_proto::pb;

use super::tags;
use crate::error::ApiError;
use crate::filter::{self, Filterable};
use crate::model::{Owner, Resources, Tag};
use crate::state::Shared;
use crate::validate;

/// The most ARNs one ELBv2 `DescribeTags` takes.
const MAX_DESCRIBE_ARNS: usize = 20;

/// The kinds of EC2 resource that take tags, in the order `DescribeTags` lists them.
const EC2_KINDS: [Ec2Kind; 5] = [
    Ec2Kind::SecurityGroup,
    Ec2Kind::Subnet,
    Ec2Kind::Vpc,
    Ec2Kind::VpcEndpoint,
    Ec2Kind::VpcEndpointService,
];

/// A kind of taggable EC2 resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ec2Kind {
    Vpc,
    Subnet,
    SecurityGroup,
    VpcEndpoint,
    VpcEndpointService,
}

impl Ec2Kind {
    /// The kind an id names, by its prefix; AWS's `InvalidID` for any other.
    fn of(id: &str) -> Result<Self, ApiError> {
        let kind = if id.starts_with(VpcEndpointServiceId::PREFIX) {
            Self::VpcEndpointService
        } else if id.starts_with(VpcEndpointId::PREFIX) {
            Self::VpcEndpoint
        } else if id.starts_with(VpcId::PREFIX) {
            Self::Vpc
        } else if id.starts_with(SubnetId::PREFIX) {
            Self::Subnet
        } else if id.starts_with(SecurityGroupId::PREFIX) {
            Self::SecurityGroup
        } else {
            return Err(ApiError::invalid(
                "InvalidID",
                format!("The ID '{id}' is not valid"),
            ));
        };
        let malformed = match kind {
            Self::Vpc => validate::ec2_id::<VpcId>(id, "InvalidVpcID.Malformed").map(drop),
            Self::Subnet => validate::ec2_id::<SubnetId>(id, "InvalidSubnetID.Malformed").map(drop),
            Self::SecurityGroup => {
                validate::ec2_id::<SecurityGroupId>(id, "InvalidGroupId.Malformed").map(drop)
            }
            Self::VpcEndpoint => {
                validate::ec2_id::<VpcEndpointId>(id, "InvalidVpcEndpointId.Malformed").map(drop)
            }
            Self::VpcEndpointService => validate::ec2_id::<VpcEndpointServiceId>(
                id,
                "InvalidVpcEndpointServiceId.Malformed",
            )
            .map(drop),
        };
        malformed.map(|()| kind)
    }

    /// `DescribeTags`'s `resource-type`.
    fn resource_type(self) -> &'static str {
        match self {
            Self::Vpc => "vpc",
            Self::Subnet => "subnet",
            Self::SecurityGroup => "security-group",
            Self::VpcEndpoint => "vpc-endpoint",
            Self::VpcEndpointService => "vpc-endpoint-service",
        }
    }

    /// AWS's answer for an id of this kind that the caller has no resource under.
    fn not_found(self, id: &str) -> ApiError {
        let (code, message) = match self {
            Self::Vpc => (
                "InvalidVpcID.NotFound",
                format!("The vpc ID '{id}' does not exist"),
            ),
            Self::Subnet => (
                "InvalidSubnetID.NotFound",
                format!("The subnet ID '{id}' does not exist"),
            ),
            Self::SecurityGroup => (
                "InvalidGroup.NotFound",
                format!("The security group '{id}' does not exist"),
            ),
            Self::VpcEndpoint => (
                "InvalidVpcEndpointId.NotFound",
                format!("The Vpc Endpoint Id '{id}' does not exist"),
            ),
            Self::VpcEndpointService => (
                "InvalidVpcEndpointServiceId.NotFound",
                format!("The Vpc Endpoint Service Id '{id}' does not exist"),
            ),
        };
        ApiError::not_found(code, message)
    }

    /// Every resource of this kind, as (id, owner, tags).
    fn all(self, res: &Resources) -> Vec<(&str, &Owner, &[Tag])> {
        fn rows<'a, T>(
            map: &'a std::collections::BTreeMap<String, T>,
            f: impl Fn(&'a T) -> (&'a Owner, &'a [Tag]),
        ) -> Vec<(&'a str, &'a Owner, &'a [Tag])> {
            map.iter()
                .map(|(id, v)| {
                    let (o, t) = f(v);
                    (id.as_str(), o, t)
                })
                .collect()
        }
        match self {
            Self::Vpc => rows(&res.vpcs, |v| (&v.owner, &v.tags)),
            Self::Subnet => rows(&res.subnets, |v| (&v.owner, &v.tags)),
            Self::SecurityGroup => rows(&res.security_groups, |v| (&v.owner, &v.tags)),
            Self::VpcEndpoint => rows(&res.endpoints, |v| (&v.owner, &v.tags)),
            Self::VpcEndpointService => rows(&res.services, |v| (&v.owner, &v.tags)),
        }
    }
}

/// The tags of EC2 resource `id`, if `caller` owns it.
fn ec2_tags_mut<'a>(
    res: &'a mut Resources,
    caller: &Caller,
    id: &str,
) -> Result<&'a mut Vec<Tag>, ApiError> {
    let kind = Ec2Kind::of(id)?;
    let found = match kind {
        Ec2Kind::Vpc => res.vpcs.get_mut(id).map(|v| (&v.owner, &mut v.tags)),
        Ec2Kind::Subnet => res.subnets.get_mut(id).map(|v| (&v.owner, &mut v.tags)),
        Ec2Kind::SecurityGroup => res
            .security_groups
            .get_mut(id)
            .map(|v| (&v.owner, &mut v.tags)),
        Ec2Kind::VpcEndpoint => res.endpoints.get_mut(id).map(|v| (&v.owner, &mut v.tags)),
        Ec2Kind::VpcEndpointService => res.services.get_mut(id).map(|v| (&v.owner, &mut v.tags)),
    };
    match found {
        Some((owner, tags)) if owner.visible_to(caller) => Ok(tags),
        _ => Err(kind.not_found(id)),
    }
}

/// `MissingParameter` for an empty list.
fn required_list<T>(items: &[T], name: &str) -> Result<(), ApiError> {
    if items.is_empty() {
        return Err(ApiError::invalid(
            "MissingParameter",
            format!("The request must contain the parameter {name}"),
        ));
    }
    Ok(())
}

// === EC2 ===

pub(super) async fn create_tags(
    s: &Shared,
    caller: &Caller,
    req: pb::CreateTagsRequest,
) -> Result<pb::CreateTagsResponse, ApiError> {
    required_list(&req.resources, "resourceIdSet")?;
    required_list(&req.tags, "tagSet")?;
    let add = tags::ec2_given(&req.tags)?;
    s.mutate(|res| {
        for id in &req.resources {
            tags::ec2_merge(ec2_tags_mut(res, caller, id)?, &add)?;
        }
        Ok(pb::CreateTagsResponse {})
    })
    .await
}

pub(super) async fn delete_tags(
    s: &Shared,
    caller: &Caller,
    req: pb::DeleteTagsRequest,
) -> Result<pb::DeleteTagsResponse, ApiError> {
    required_list(&req.resources, "resourceIdSet")?;
    if let Some(t) = req.tags.iter().find(|t| tags::reserved(&t.key)) {
        return Err(ApiError::invalid(
            "InvalidParameterValue",
            tags::reserved_message(&t.key),
        ));
    }
    s.mutate(|res| {
        for id in &req.resources {
            let have = ec2_tags_mut(res, caller, id)?;
            if req.tags.is_empty() {
                have.clear();
            }
            for t in &req.tags {
                have.retain(|h| h.key != t.key || t.value.as_ref().is_some_and(|v| *v != h.value));
            }
        }
        Ok(pb::DeleteTagsResponse {})
    })
    .await
}

pub(super) async fn describe_tags(
    s: &Shared,
    caller: &Caller,
    req: pb::DescribeTagsRequest,
) -> Result<pb::DescribeTagsResponse, ApiError> {
    s.read(|st| {
        let mut rows = Vec::new();
        for kind in EC2_KINDS {
            for (id, owner, tags) in kind.all(&st.res) {
                if !owner.visible_to(caller) {
                    continue;
                }
                rows.extend(Tag::to_pb(tags).into_iter().map(|t| Described {
                    tag: [t],
                    id: id.to_string(),
                    resource_type: kind.resource_type(),
                }));
            }
        }
        let rows = filter::apply(rows, &req.filters)?;
        let (rows, next_token) = crate::page::page(
            rows,
            req.max_results,
            &req.next_token,
            crate::page::Sizes::Ec2Range,
        )?;
        Ok(pb::DescribeTagsResponse {
            tags: rows
                .into_iter()
                .map(|r| {
                    let [t] = r.tag;
                    pb::TagDescription {
                        key: t.key,
                        resource_id: r.id,
                        resource_type: r.resource_type.into(),
                        value: t.value,
                    }
                })
                .collect(),
            next_token,
        })
    })
    .await
}

/// One tag of one resource, as `DescribeTags` lists it.
struct Described {
    tag: [pb::Tag; 1],
    id: String,
    resource_type: &'static str,
}

impl Filterable for Described {
    const FILTERS: &'static [&'static str] = &["key", "value", "resource-id", "resource-type"];
    fn values(&self, name: &str) -> Vec<String> {
        vec![match name {
            "key" => self.tag[0].key.clone(),
            "value" => self.tag[0].value.clone(),
            "resource-id" => self.id.clone(),
            _ => self.resource_type.into(),
        }]
    }
    fn tags(&self) -> &[pb::Tag] {
        &self.tag
    }
}

// === ELBv2 ===

/// The kind of ELBv2 resource `arn` names; `ValidationError` when it is no ELBv2 ARN.
fn elb_kind(arn: &str) -> Result<ElbResource, ApiError> {
    arn.parse::<ElbArn>()
        .map(|a| a.kind)
        .map_err(|_| ApiError::validation(format!("'{arn}' is not a valid ARN")))
}

/// AWS's answer for an ARN of `kind` that the caller has no resource under.
fn elb_not_found(kind: ElbResource, arn: &str) -> ApiError {
    let (code, what) = match kind {
        ElbResource::LoadBalancer => ("LoadBalancerNotFound", "Load balancer"),
        ElbResource::TargetGroup => ("TargetGroupNotFound", "Target group"),
        ElbResource::Listener => ("ListenerNotFound", "Listener"),
    };
    ApiError::not_found(code, format!("{what} '{arn}' not found"))
}

/// The tags of the ELBv2 resource `arn`, if `caller` owns it.
fn elb_tags<'a>(res: &'a Resources, caller: &Caller, arn: &str) -> Result<&'a [Tag], ApiError> {
    let kind = elb_kind(arn)?;
    let found = match kind {
        ElbResource::LoadBalancer => res.load_balancers.get(arn).map(|v| (&v.owner, &v.tags)),
        ElbResource::TargetGroup => res.target_groups.get(arn).map(|v| (&v.owner, &v.tags)),
        ElbResource::Listener => res.listeners.get(arn).map(|v| (&v.owner, &v.tags)),
    };
    match found {
        Some((owner, tags)) if owner.visible_to(caller) => Ok(tags),
        _ => Err(elb_not_found(kind, arn)),
    }
}

/// [`elb_tags`], to change.
fn elb_tags_mut<'a>(
    res: &'a mut Resources,
    caller: &Caller,
    arn: &str,
) -> Result<&'a mut Vec<Tag>, ApiError> {
    elb_tags(res, caller, arn)?;
    let tags = match elb_kind(arn)? {
        ElbResource::LoadBalancer => res.load_balancers.get_mut(arn).map(|v| &mut v.tags),
        ElbResource::TargetGroup => res.target_groups.get_mut(arn).map(|v| &mut v.tags),
        ElbResource::Listener => res.listeners.get_mut(arn).map(|v| &mut v.tags),
    };
    Ok(tags.expect("found just above"))
}

/// ELBv2's `ValidationError` for a required list left out.
fn required_members<T>(items: &[T], name: &str) -> Result<(), ApiError> {
    validate::required_member(if items.is_empty() { "" } else { "given" }, name).map(drop)
}

pub(super) async fn add_tags(
    s: &Shared,
    caller: &Caller,
    req: pb::AddTagsRequest,
) -> Result<pb::AddTagsResponse, ApiError> {
    required_members(&req.resource_arns, "resourceArns")?;
    required_members(&req.tags, "tags")?;
    let add = tags::elbv2(&req.tags)?;
    s.mutate(|res| {
        for arn in &req.resource_arns {
            tags::elbv2_merge(elb_tags_mut(res, caller, arn)?, &add)?;
        }
        Ok(pb::AddTagsResponse {})
    })
    .await
}

pub(super) async fn remove_tags(
    s: &Shared,
    caller: &Caller,
    req: pb::RemoveTagsRequest,
) -> Result<pb::RemoveTagsResponse, ApiError> {
    required_members(&req.resource_arns, "resourceArns")?;
    required_members(&req.tag_keys, "tagKeys")?;
    if let Some(key) = req.tag_keys.iter().find(|k| tags::reserved(k)) {
        return Err(ApiError::validation(tags::reserved_message(key)));
    }
    s.mutate(|res| {
        for arn in &req.resource_arns {
            elb_tags_mut(res, caller, arn)?.retain(|t| !req.tag_keys.contains(&t.key));
        }
        Ok(pb::RemoveTagsResponse {})
    })
    .await
}

pub(super) async fn describe_elb_tags(
    s: &Shared,
    caller: &Caller,
    req: pb::DescribeElbTagsRequest,
) -> Result<pb::DescribeElbTagsResponse, ApiError> {
    required_members(&req.resource_arns, "resourceArns")?;
    if req.resource_arns.len() > MAX_DESCRIBE_ARNS {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value '{:?}' at 'resourceArns' failed to satisfy \
             constraint: Member must have length less than or equal to {MAX_DESCRIBE_ARNS}",
            req.resource_arns
        )));
    }
    let tag_descriptions = s
        .read(|st| {
            req.resource_arns
                .iter()
                .map(|arn| {
                    Ok(pb::ElbTagDescription {
                        resource_arn: arn.clone(),
                        tags: Tag::to_pb(elb_tags(&st.res, caller, arn)?),
                    })
                })
                .collect::<Result<Vec<_>, ApiError>>()
        })
        .await?;
    Ok(pb::DescribeElbTagsResponse { tag_descriptions })
}

#[cfg(test)]
mod tests;

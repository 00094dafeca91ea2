//! The wire names of members in the Query protocols, where they are not the member's own name.
//!
//! The request and response types carry AWS's member names (PascalCase). ELBv2's `query`
//! protocol uses them as they are. EC2's protocol sends a request member under its
//! `queryName`/`locationName` (`VpcEndpointId.N` for `VpcEndpointIds`) and answers with the
//! `locationName` (`vpcEndpointSet`), else the member name in lowerCamel. The tables below come
//! from botocore's EC2 model (`ec2/2016-11-15/service-2.json`), for the members plemu serves.
//! Where AWS's shape differs from the API's (`{"Value": true}` for a boolean attribute), the
//! types' own serde says so (`plemu_proto::json`), for the CLI's JSON and this front alike.

use std::borrow::Cow;

use super::Protocol;

/// The name a request parameter is sent under for `member` of the request structure `shape`.
pub(super) fn param(protocol: Protocol, shape: &str, member: &'static str) -> &'static str {
    if protocol.is_elbv2() {
        return member;
    }
    match (shape, member) {
        ("CreateSecurityGroupRequest", "Description") => "GroupDescription",
        (_, "TagSpecifications") => "TagSpecification",
        (_, "Tags") => "Tag",
        (_, "Filters") => "Filter",
        (_, "Values") => "Value",
        (_, "VpcIds") => "VpcId",
        (_, "SubnetIds") => "SubnetId",
        (_, "GroupIds") => "GroupId",
        (_, "GroupNames") => "GroupName",
        (_, "UserIdGroupPairs") => "Groups",
        (_, "NetworkLoadBalancerArns") => "NetworkLoadBalancerArn",
        (_, "SupportedIpAddressTypes") => "SupportedIpAddressType",
        (_, "ServiceIds") => "ServiceId",
        (_, "ServiceNames") => "ServiceName",
        (_, "VpcEndpointIds") => "VpcEndpointId",
        (_, "SecurityGroupIds") => "SecurityGroupId",
        (_, "SecurityGroupRuleIds") => "SecurityGroupRuleId",
        (_, "AddSubnetIds") => "AddSubnetId",
        (_, "RemoveSubnetIds") => "RemoveSubnetId",
        (_, "AddSecurityGroupIds") => "AddSecurityGroupId",
        (_, "RemoveSecurityGroupIds") => "RemoveSecurityGroupId",
        (_, "AddNetworkLoadBalancerArns") => "AddNetworkLoadBalancerArn",
        (_, "RemoveNetworkLoadBalancerArns") => "RemoveNetworkLoadBalancerArn",
        (_, "Resources") => "ResourceId",
        ("DeleteVpcEndpointConnectionNotificationsRequest", "ConnectionNotificationIds") => {
            "ConnectionNotificationId"
        }
        (_, m) => m,
    }
}

/// The element name of `member` of the response structure `shape`.
pub(super) fn element(protocol: Protocol, shape: &str, member: &'static str) -> Cow<'static, str> {
    if protocol.is_elbv2() {
        return Cow::Borrowed(member);
    }
    let named = Cow::Borrowed;
    match (shape, member) {
        ("SecurityGroup", "Description") => named("groupDescription"),
        (_, "ReturnValue") => named("return"),
        (_, "Tags") => named("tagSet"),
        (_, "Vpcs") => named("vpcSet"),
        (_, "Subnets") => named("subnetSet"),
        (_, "SecurityGroups") => named("securityGroupInfo"),
        (_, "SecurityGroupRules") => named("securityGroupRuleSet"),
        (_, "UserIdGroupPairs") => named("groups"),
        (_, "AvailabilityZones") => named("availabilityZoneSet"),
        (_, "AvailabilityZoneIds") => named("availabilityZoneIdSet"),
        (_, "NetworkLoadBalancerArns") => named("networkLoadBalancerArnSet"),
        (_, "SupportedIpAddressTypes") => named("supportedIpAddressTypeSet"),
        (_, "BaseEndpointDnsNames") => named("baseEndpointDnsNameSet"),
        (_, "ServiceConfigurations") => named("serviceConfigurationSet"),
        (_, "AddedPrincipals") => named("addedPrincipalSet"),
        (_, "ServiceNames") => named("serviceNameSet"),
        (_, "ServiceDetails") => named("serviceDetailSet"),
        (_, "PrivateDnsNames") => named("privateDnsNameSet"),
        (_, "VpcEndpointConnections") => named("vpcEndpointConnectionSet"),
        (_, "DnsEntries") => named("dnsEntrySet"),
        (_, "RouteTableIds") => named("routeTableIdSet"),
        (_, "SubnetIds") => named("subnetIdSet"),
        (_, "Groups") => named("groupSet"),
        (_, "NetworkInterfaceIds") => named("networkInterfaceIdSet"),
        (_, "VpcEndpoints") => named("vpcEndpointSet"),
        (_, "UnknownIpPermissions") => named("unknownIpPermissionSet"),
        (_, "RevokedSecurityGroupRules") => named("revokedSecurityGroupRuleSet"),
        (_, m) => lower_camel(m),
    }
}

/// Whether a response's empty list `member` is still written (as AWS does for the lists a
/// response is about, so that clients find `[]`), rather than left out like other empty
/// members.
pub(super) fn listed_when_empty(shape: &str, member: &str) -> bool {
    shape.ends_with("Response")
        && matches!(
            member,
            "Vpcs"
                | "Subnets"
                | "SecurityGroups"
                | "SecurityGroupRules"
                | "ServiceConfigurations"
                | "AddedPrincipals"
                | "AllowedPrincipals"
                | "ServiceNames"
                | "ServiceDetails"
                | "VpcEndpointConnections"
                | "VpcEndpoints"
                | "Unsuccessful"
                | "LoadBalancers"
                | "TargetGroups"
                | "TargetHealthDescriptions"
                | "Listeners"
                | "TagDescriptions"
                | "ConnectionNotificationSet"
        )
        || (shape == "DescribeTagsResponse" && member == "Tags")
}

/// `VpcEndpointId` -> `vpcEndpointId`.
fn lower_camel(name: &str) -> Cow<'static, str> {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => Cow::Owned(first.to_ascii_lowercase().to_string() + chars.as_str()),
        None => Cow::Borrowed(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec2_names_follow_the_model_and_elbv2_keeps_member_names() {
        assert_eq!(
            param(
                Protocol::Ec2,
                "DescribeVpcEndpointsRequest",
                "VpcEndpointIds"
            ),
            "VpcEndpointId"
        );
        assert_eq!(
            param(Protocol::Ec2, "CreateSecurityGroupRequest", "Description"),
            "GroupDescription"
        );
        assert_eq!(
            param(Protocol::Ec2, "IpRange", "Description"),
            "Description"
        );
        assert_eq!(
            param(Protocol::Elbv2, "CreateLoadBalancerRequest", "Subnets"),
            "Subnets"
        );
        assert_eq!(element(Protocol::Ec2, "Vpc", "VpcId").as_ref(), "vpcId");
        assert_eq!(
            element(Protocol::Ec2, "SecurityGroup", "Description").as_ref(),
            "groupDescription"
        );
        assert_eq!(
            element(Protocol::Ec2, "IpRange", "Description").as_ref(),
            "description"
        );
        assert_eq!(
            element(Protocol::Ec2, "VpcEndpoint", "Tags").as_ref(),
            "tagSet"
        );
        assert_eq!(
            element(Protocol::Elbv2, "LoadBalancer", "DNSName").as_ref(),
            "DNSName"
        );
    }
}

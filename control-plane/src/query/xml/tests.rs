//! XML of responses and errors, checked element by element.

use super::super::node::Node;
use super::*;
use plemu_proto::pb;

#[test]
fn ec2_uses_location_names_and_items() {
    let r = pb::DescribeVpcEndpointsResponse {
        vpc_endpoints: vec![pb::VpcEndpoint {
            vpc_endpoint_id: "vpce-1".into(),
            subnet_ids: vec!["subnet-1".into()],
            tags: vec![pb::Tag {
                key: "a&b".into(),
                value: "<v>".into(),
            }],
            ..Default::default()
        }],
        next_token: "page-1".into(),
    };
    let xml = response(
        Protocol::Ec2,
        "DescribeVpcEndpoints",
        "id-1",
        &Node::of(&r).unwrap(),
    );
    assert!(xml.contains("<DescribeVpcEndpointsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>id-1</requestId><vpcEndpointSet><item><vpcEndpointId>vpce-1</vpcEndpointId>"), "{xml}");
    assert!(
        xml.contains("<subnetIdSet><item>subnet-1</item></subnetIdSet>"),
        "{xml}"
    );
    assert!(
        xml.contains("<tagSet><item><key>a&amp;b</key><value>&lt;v&gt;</value></item></tagSet>"),
        "{xml}"
    );
    assert!(
        xml.contains("<privateDnsEnabled>false</privateDnsEnabled>"),
        "{xml}"
    );
    assert!(xml.contains("<nextToken>page-1</nextToken>"), "{xml}");
    assert!(
        !xml.contains("<state>"),
        "empty strings are left out: {xml}"
    );

    let r = pb::DescribeVpcAttributeResponse {
        vpc_id: "vpc-1".into(),
        enable_dns_support: Some(true),
        enable_dns_hostnames: None,
    };
    let xml = response(
        Protocol::Ec2,
        "DescribeVpcAttribute",
        "i",
        &Node::of(&r).unwrap(),
    );
    assert!(xml.contains("<vpcId>vpc-1</vpcId><enableDnsSupport><value>true</value></enableDnsSupport></DescribeVpcAttributeResponse>"), "{xml}");
}

#[test]
fn elbv2_uses_member_names_and_result_wrapper() {
    let r = pb::DescribeLoadBalancersResponse {
        load_balancers: vec![pb::LoadBalancer {
            dns_name: "nlb.example".into(),
            security_groups: vec!["sg-1".into()],
            ..Default::default()
        }],
        next_marker: String::new(),
    };
    let xml = response(
        Protocol::Elbv2,
        "DescribeLoadBalancers",
        "id-2",
        &Node::of(&r).unwrap(),
    );
    assert!(xml.contains("<DescribeLoadBalancersResult><LoadBalancers><member><DNSName>nlb.example</DNSName><SecurityGroups><member>sg-1</member></SecurityGroups></member></LoadBalancers></DescribeLoadBalancersResult><ResponseMetadata><RequestId>id-2</RequestId></ResponseMetadata></DescribeLoadBalancersResponse>"), "{xml}");
}

#[test]
fn errors_use_each_protocol_envelope() {
    let e = ApiError::not_found("InvalidVpcID.NotFound", "The vpc ID 'x' does not exist");
    let xml = error(Protocol::Ec2, "r1", &e);
    assert!(xml.ends_with("<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code><Message>The vpc ID &apos;x&apos; does not exist</Message></Error></Errors><RequestID>r1</RequestID></Response>"), "{xml}");
    let xml = error(Protocol::Elbv2, "r2", &ApiError::validation("bad"));
    assert!(xml.contains("<Error><Type>Sender</Type><Code>ValidationError</Code><Message>bad</Message></Error><RequestId>r2</RequestId></ErrorResponse>"), "{xml}");
}

//! plemu's gRPC contract and the pieces both agents share.
//!
//! # Layout
//! - [`pb`]: the generated messages and services (`proto/plemu/v1/*.proto`):
//!   `Ec2` and `Elbv2` (the AWS-shaped API), `Agent` (watch streams and health
//!   reports), `Tunnel` (one stream per TCP flow).
//! - [`address_map`]: a VPC's modelled addresses onto a real network's (Docker).
//! - [`agent_token`]: agent credentials, scoped and checked with an HMAC.
//! - [`codec`]: the services' gRPC codec (prost with small per-RPC buffers).
//! - [`ids`]: AWS resource ids (`vpc-` + 17 hex, …) and ARNs, checked once.
//! - [`meta`]: the metadata that carries account, region and AWS error codes.
//! - [`metrics`]: the CloudWatch-named Prometheus metrics every role records into.
//! - [`tunnel`]: the pump between a TCP socket and a tunnel stream, with
//!   half-close and reset, used by both agents.
#![warn(missing_docs)]

pub mod address_map;
pub mod agent_token;
pub mod codec;
pub mod ids;
pub mod json;
pub mod meta;
pub mod metrics;
pub mod security_group;
pub mod tunnel;

/// The encoded `FileDescriptorSet` of plemu's `.proto` files, for gRPC server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/plemu_api.bin"));

/// Generated protobuf types and gRPC services of package `plemu.v1`.
#[allow(missing_docs, clippy::all, clippy::pedantic)]
pub mod pb {
    tonic::include_proto!("plemu.v1");
}

#[cfg(test)]
mod json_tests {
    use crate::pb;

    #[test]
    fn messages_print_as_the_aws_cli_does() {
        let r = pb::CreateVpcResponse {
            vpc: Some(pb::Vpc {
                vpc_id: "vpc-0123456789abcdef0".into(),
                cidr_block: "10.0.0.0/16".into(),
                ..Default::default()
            }),
        };
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["Vpc"]["VpcId"], "vpc-0123456789abcdef0");
        assert_eq!(v["Vpc"]["IsDefault"], false);
        assert!(v["Vpc"].get("Tags").is_none() && v["Vpc"].get("State").is_none());
        let r = pb::AuthorizeSecurityGroupIngressResponse {
            return_value: true,
            ..Default::default()
        };
        assert_eq!(serde_json::to_value(&r).unwrap()["Return"], true);
        // AWS's shapes where the API's differ.
        let r = pb::DescribeVpcAttributeResponse {
            vpc_id: "vpc-1".into(),
            enable_dns_support: Some(true),
            enable_dns_hostnames: None,
        };
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["EnableDnsSupport"], serde_json::json!({"Value": true}));
        assert!(v.get("EnableDnsHostnames").is_none());
        let d = pb::ServiceDetail {
            service_type: vec!["Interface".into()],
            ..Default::default()
        };
        let v = serde_json::to_value(&d).unwrap();
        assert_eq!(
            v["ServiceType"],
            serde_json::json!([{"ServiceType": "Interface"}])
        );
        let rule = pb::SecurityGroupRule {
            referenced_group_id: "sg-1".into(),
            ..Default::default()
        };
        let v = serde_json::to_value(&rule).unwrap();
        assert_eq!(
            v["ReferencedGroupInfo"],
            serde_json::json!({"GroupId": "sg-1"})
        );
        let l = pb::LoadBalancer {
            dns_name: "n".into(),
            ..Default::default()
        };
        assert_eq!(serde_json::to_value(&l).unwrap()["DNSName"], "n");
    }
}

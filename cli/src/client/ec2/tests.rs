//! Requests built from `plemu ec2` command lines for VPCs and subnets.

use plemu_proto::pb;

use super::Ec2Command;
use crate::client::tests::{ec2, usage_text};

fn tag(key: &str, value: &str) -> pb::Tag {
    pb::Tag {
        key: key.into(),
        value: value.into(),
    }
}

#[test]
fn create_vpc_with_tags_in_shorthand_and_json() {
    let Ec2Command::CreateVpc(a) = ec2(&[
        "create-vpc",
        "--cidr-block",
        "10.0.0.0/16",
        "--tag-specifications",
        "ResourceType=vpc,Tags=[{Key=Name,Value=main},{Key=env,Value=dev}]",
    ])
    .unwrap() else {
        panic!("create-vpc")
    };
    let r = a.request().unwrap();
    assert_eq!(r.cidr_block, "10.0.0.0/16");
    assert_eq!(
        r.tag_specifications,
        [pb::TagSpecification {
            resource_type: "vpc".into(),
            tags: vec![tag("Name", "main"), tag("env", "dev")],
        }]
    );
    let Ec2Command::CreateVpc(a) = ec2(&[
        "create-vpc",
        "--tag-specifications",
        r#"[{"ResourceType":"vpc","Tags":[{"Key":"Name","Value":"main"}]}]"#,
    ])
    .unwrap() else {
        panic!("create-vpc")
    };
    let r = a.request().unwrap();
    assert_eq!(r.cidr_block, "");
    assert_eq!(r.tag_specifications[0].tags, [tag("Name", "main")]);
}

#[test]
fn describe_vpcs_takes_lists_filters_and_repeated_flags() {
    let Ec2Command::DescribeVpcs(a) = ec2(&[
        "describe-vpcs",
        "--vpc-ids",
        "vpc-1",
        "vpc-2",
        "--filters",
        "Name=state,Values=available,pending",
        "Name=cidr,Values=[10.0.0.0/16]",
        "--vpc-ids",
        r#"["vpc-3"]"#,
    ])
    .unwrap() else {
        panic!("describe-vpcs")
    };
    let r = a.request().unwrap();
    assert_eq!(r.vpc_ids, ["vpc-1", "vpc-2", "vpc-3"]);
    assert_eq!(
        r.filters,
        [
            pb::Filter {
                name: "state".into(),
                values: vec!["available".into(), "pending".into()],
            },
            pb::Filter {
                name: "cidr".into(),
                values: vec!["10.0.0.0/16".into()],
            },
        ]
    );
}

#[test]
fn modify_vpc_attribute_takes_json_shorthand_or_a_bare_boolean() {
    for (text, want) in [
        (r#"{"Value":true}"#, true),
        ("Value=true", true),
        ("true", true),
        ("false", false),
        (r#"{"Value": false}"#, false),
        ("Value=FALSE", false),
    ] {
        let Ec2Command::ModifyVpcAttribute(a) = ec2(&[
            "modify-vpc-attribute",
            "--vpc-id",
            "vpc-1",
            "--enable-dns-hostnames",
            text,
        ])
        .unwrap() else {
            panic!("modify-vpc-attribute")
        };
        let r = a.request().unwrap();
        assert_eq!(r.vpc_id, "vpc-1");
        assert_eq!(r.enable_dns_hostnames, Some(want), "{text}");
        assert_eq!(r.enable_dns_support, None, "an unset attribute is not sent");
    }
    for (text, message) in [
        (
            "yes",
            "expected '=' after \"yes\" but found end of input (at column 4) in \"yes\"",
        ),
        (
            "Value=maybe",
            "Value: \"maybe\" is not true or false in \"Value=maybe\"",
        ),
        ("{}", "Value is required in \"{}\""),
        (
            "Value=true,Other=1",
            "unknown key \"Other\", must be one of: Value in \"Value=true,Other=1\"",
        ),
    ] {
        let Ec2Command::ModifyVpcAttribute(a) = ec2(&[
            "modify-vpc-attribute",
            "--vpc-id",
            "vpc-1",
            "--enable-dns-support",
            text,
        ])
        .unwrap() else {
            panic!("modify-vpc-attribute")
        };
        assert_eq!(
            usage_text(a.request()),
            format!("plemu: error: argument --enable-dns-support: {message}")
        );
    }
}

#[test]
fn subnets_and_vpc_attributes() {
    let Ec2Command::CreateSubnet(a) = ec2(&[
        "create-subnet",
        "--vpc-id",
        "vpc-1",
        "--cidr-block",
        "10.0.1.0/24",
        "--availability-zone",
        "us-east-1a",
    ])
    .unwrap() else {
        panic!("create-subnet")
    };
    assert_eq!(
        a.request().unwrap(),
        pb::CreateSubnetRequest {
            vpc_id: "vpc-1".into(),
            cidr_block: "10.0.1.0/24".into(),
            availability_zone: "us-east-1a".into(),
            ..Default::default()
        }
    );
    let Ec2Command::DescribeVpcAttribute(a) = ec2(&[
        "describe-vpc-attribute",
        "--vpc-id",
        "vpc-1",
        "--attribute",
        "enableDnsSupport",
    ])
    .unwrap() else {
        panic!("describe-vpc-attribute")
    };
    assert_eq!(a.request().unwrap().attribute, "enableDnsSupport");
    assert!(
        ec2(&["create-subnet", "--cidr-block", "10.0.1.0/24"]).is_err(),
        "--vpc-id is required"
    );
}

use plemu_proto::pb;

use crate::api::testing::*;

#[tokio::test]
async fn vpcs_and_attributes() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let mut ec2 = s.ec2(PROVIDER);
    let r = ec2
        .create_vpc(pb::CreateVpcRequest {
            cidr_block: "10.0.0.0/16".into(),
            tag_specifications: vec![pb::TagSpecification {
                resource_type: "vpc".into(),
                tags: vec![pb::Tag {
                    key: "env".into(),
                    value: "dev".into(),
                }],
            }],
        })
        .await
        .unwrap()
        .into_inner()
        .vpc
        .unwrap();
    assert!(
        r.vpc_id.starts_with("vpc-") && r.vpc_id.len() == 21,
        "{}",
        r.vpc_id
    );
    assert!(r.dhcp_options_id.starts_with("dopt-"));
    assert_eq!(
        (
            r.state.as_str(),
            r.instance_tenancy.as_str(),
            r.owner_id.as_str()
        ),
        ("available", "default", PROVIDER)
    );
    let vpc = r.vpc_id;

    for (cidr, want) in [
        ("10.0.0.0/8", "InvalidVpc.Range"),
        ("nonsense", "InvalidParameterValue"),
    ] {
        let e = ec2
            .create_vpc(pb::CreateVpcRequest {
                cidr_block: cidr.into(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(code(&e), want, "{cidr}");
    }
    let e = ec2
        .create_vpc(pb::CreateVpcRequest {
            cidr_block: "10.9.0.0/16".into(),
            tag_specifications: vec![pb::TagSpecification {
                resource_type: "subnet".into(),
                tags: vec![],
            }],
        })
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidParameterValue");

    // Attributes: AWS's defaults, exactly one per modify call.
    let attr = |a: &str| pb::DescribeVpcAttributeRequest {
        vpc_id: vpc.clone(),
        attribute: a.into(),
    };
    assert_eq!(
        ec2.describe_vpc_attribute(attr("enableDnsSupport"))
            .await
            .unwrap()
            .into_inner()
            .enable_dns_support,
        Some(true)
    );
    assert_eq!(
        ec2.describe_vpc_attribute(attr("enableDnsHostnames"))
            .await
            .unwrap()
            .into_inner()
            .enable_dns_hostnames,
        Some(false)
    );
    assert_eq!(
        code(&ec2.describe_vpc_attribute(attr("bogus")).await.unwrap_err()),
        "InvalidParameterValue"
    );
    let both = pb::ModifyVpcAttributeRequest {
        vpc_id: vpc.clone(),
        enable_dns_support: Some(true),
        enable_dns_hostnames: Some(true),
    };
    let neither = pb::ModifyVpcAttributeRequest {
        vpc_id: vpc.clone(),
        ..Default::default()
    };
    for (req, says) in [(both, "multiple"), (neither, "No attribute")] {
        let e = ec2.modify_vpc_attribute(req).await.unwrap_err();
        assert_eq!(code(&e), "InvalidParameterCombination");
        assert!(
            e.message().contains(says) && e.message().contains("enableDnsHostnames"),
            "{}",
            e.message()
        );
    }
    ec2.modify_vpc_attribute(pb::ModifyVpcAttributeRequest {
        vpc_id: vpc.clone(),
        enable_dns_hostnames: Some(true),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(
        ec2.describe_vpc_attribute(attr("enableDnsHostnames"))
            .await
            .unwrap()
            .into_inner()
            .enable_dns_hostnames,
        Some(true)
    );

    // Describe: ids, filters, other accounts see nothing.
    let d = |ids: Vec<String>, filters| pb::DescribeVpcsRequest {
        vpc_ids: ids,
        filters,
        ..Default::default()
    };
    assert_eq!(
        ec2.describe_vpcs(d(vec![vpc.clone()], vec![]))
            .await
            .unwrap()
            .into_inner()
            .vpcs
            .len(),
        1
    );
    assert_eq!(
        ec2.describe_vpcs(d(
            vec![],
            vec![filter("tag:env", "dev"), filter("cidr-block", "10.0.*")]
        ))
        .await
        .unwrap()
        .into_inner()
        .vpcs
        .len(),
        1
    );
    assert_eq!(
        ec2.describe_vpcs(d(vec![], vec![filter("tag:env", "prod")]))
            .await
            .unwrap()
            .into_inner()
            .vpcs
            .len(),
        0
    );
    assert_eq!(
        code(
            &ec2.describe_vpcs(d(vec![], vec![filter("colour", "x")]))
                .await
                .unwrap_err()
        ),
        "InvalidParameterValue"
    );
    assert_eq!(
        code(
            &ec2.describe_vpcs(d(vec!["vpc-1".into()], vec![]))
                .await
                .unwrap_err()
        ),
        "InvalidVpcID.Malformed"
    );
    let mut other = s.ec2(CONSUMER);
    assert_eq!(
        code(
            &other
                .describe_vpcs(d(vec![vpc.clone()], vec![]))
                .await
                .unwrap_err()
        ),
        "InvalidVpcID.NotFound"
    );
    assert!(
        other
            .describe_vpcs(d(vec![], vec![]))
            .await
            .unwrap()
            .into_inner()
            .vpcs
            .is_empty()
    );

    s.stop().await;
}

#[tokio::test]
async fn subnets() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let mut ec2 = s.ec2(PROVIDER);
    let vpc = vpc(&mut ec2, "10.0.0.0/16").await;
    let sn = ec2
        .create_subnet(pb::CreateSubnetRequest {
            vpc_id: vpc.clone(),
            cidr_block: "10.0.1.0/24".into(),
            availability_zone: "us-east-1b".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .subnet
        .unwrap();
    assert!(sn.subnet_id.starts_with("subnet-"));
    assert_eq!(sn.availability_zone_id, "use1-az2");
    assert_eq!(sn.available_ip_address_count, 251);
    assert_eq!(
        sn.subnet_arn,
        format!("arn:aws:ec2:us-east-1:{PROVIDER}:subnet/{}", sn.subnet_id)
    );
    let defaulted = subnet(&mut ec2, &vpc, "10.0.2.0/24", "").await;
    let got = ec2
        .describe_subnets(pb::DescribeSubnetsRequest {
            subnet_ids: vec![defaulted],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .subnets;
    assert_eq!(got[0].availability_zone, "us-east-1a");
    let bad = |cidr: &str, az: &str| pb::CreateSubnetRequest {
        vpc_id: vpc.clone(),
        cidr_block: cidr.into(),
        availability_zone: az.into(),
        ..Default::default()
    };
    for (req, want) in [
        (bad("10.1.0.0/24", ""), "InvalidSubnet.Range"),
        (bad("10.0.1.128/25", ""), "InvalidSubnet.Conflict"),
        (bad("10.0.3.0/24", "us-east-1z"), "InvalidParameterValue"),
        (bad("10.0.3.0/24", "eu-west-1a"), "InvalidParameterValue"),
    ] {
        assert_eq!(
            code(&ec2.create_subnet(req.clone()).await.unwrap_err()),
            want,
            "{req:?}"
        );
    }
    let mut req = bad("10.0.3.0/24", "");
    req.vpc_id = "vpc-0123456789abcdef0".into();
    assert_eq!(
        code(&ec2.create_subnet(req).await.unwrap_err()),
        "InvalidVpcID.NotFound"
    );
    let f = pb::DescribeSubnetsRequest {
        filters: vec![
            filter("vpc-id", &vpc),
            filter("availability-zone", "us-east-1b"),
        ],
        ..Default::default()
    };
    assert_eq!(
        ec2.describe_subnets(f)
            .await
            .unwrap()
            .into_inner()
            .subnets
            .len(),
        1
    );
    let f = pb::DescribeSubnetsRequest {
        subnet_ids: vec!["subnet-0123456789abcdef0".into()],
        ..Default::default()
    };
    assert_eq!(
        code(&ec2.describe_subnets(f).await.unwrap_err()),
        "InvalidSubnetID.NotFound"
    );
    s.stop().await;
}

/// Tags past AWS's limits are refused through the API, and nothing is created: a 3 MB value
/// once made `DescribeVpcs` answers too large for a default gRPC client.
#[tokio::test]
async fn tags_past_the_limits_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let mut ec2 = s.ec2(PROVIDER);
    let with = |tags: Vec<pb::Tag>| pb::CreateVpcRequest {
        cidr_block: "10.0.0.0/16".into(),
        tag_specifications: vec![pb::TagSpecification {
            resource_type: "vpc".into(),
            tags,
        }],
    };
    let tag = |k: String, v: String| pb::Tag { key: k, value: v };
    let many = (0..51)
        .map(|i| tag(format!("k{i}"), String::new()))
        .collect();
    let e = ec2.create_vpc(with(many)).await.unwrap_err();
    assert_eq!(code(&e), "TagLimitExceeded");
    let huge = vec![tag("big".into(), "x".repeat(3 * 1024 * 1024 / 4))];
    let e = ec2.create_vpc(with(huge)).await.unwrap_err();
    assert_eq!(code(&e), "InvalidParameterValue", "{}", e.message());
    let vpcs = ec2
        .describe_vpcs(pb::DescribeVpcsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .vpcs;
    assert!(vpcs.is_empty(), "{vpcs:?}");
    s.stop().await;
}

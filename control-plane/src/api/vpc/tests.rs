use plemu_proto::pb;

use crate::api::testing::*;

fn filter(name: &str, v: &str) -> pb::Filter {
    pb::Filter {
        name: name.into(),
        values: vec![v.into()],
    }
}

#[tokio::test]
async fn vpcs_subnets_and_attributes() {
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
    assert_eq!(
        code(&ec2.modify_vpc_attribute(both).await.unwrap_err()),
        "InvalidParameterCombination"
    );
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

    // Subnets.
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

#[tokio::test]
async fn security_groups_and_rules() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let mut ec2 = s.ec2(PROVIDER);
    let vpc = vpc(&mut ec2, "10.0.0.0/16").await;

    // The VPC's default group: all traffic from itself, all egress.
    let groups = ec2
        .describe_security_groups(pb::DescribeSecurityGroupsRequest {
            filters: vec![filter("vpc-id", &vpc), filter("group-name", "default")],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .security_groups;
    let default = &groups[0];
    assert_eq!(default.description, "default VPC security group");
    assert_eq!(default.ip_permissions[0].ip_protocol, "-1");
    assert_eq!(default.ip_permissions[0].from_port, None);
    assert_eq!(
        default.ip_permissions[0].user_id_group_pairs[0].group_id,
        default.group_id
    );
    assert_eq!(
        default.ip_permissions_egress[0].ip_ranges[0].cidr_ip,
        "0.0.0.0/0"
    );

    let create = |name: &str, desc: &str| pb::CreateSecurityGroupRequest {
        group_name: name.into(),
        description: desc.into(),
        vpc_id: vpc.clone(),
        ..Default::default()
    };
    let sg = ec2
        .create_security_group(create("redis-clients", "clients"))
        .await
        .unwrap()
        .into_inner();
    assert!(sg.group_id.starts_with("sg-"));
    assert_eq!(
        sg.security_group_arn,
        format!(
            "arn:aws:ec2:us-east-1:{PROVIDER}:security-group/{}",
            sg.group_id
        )
    );
    assert_eq!(
        code(
            &ec2.create_security_group(create("redis-clients", "again"))
                .await
                .unwrap_err()
        ),
        "InvalidGroup.Duplicate"
    );
    assert_eq!(
        code(
            &ec2.create_security_group(create("default", "x"))
                .await
                .unwrap_err()
        ),
        "InvalidGroup.Reserved"
    );
    assert_eq!(
        code(
            &ec2.create_security_group(create("x", ""))
                .await
                .unwrap_err()
        ),
        "MissingParameter"
    );

    let perm = |proto: &str, from, to, cidr: &str| pb::IpPermission {
        ip_protocol: proto.into(),
        from_port: from,
        to_port: to,
        ip_ranges: vec![pb::IpRange {
            cidr_ip: cidr.into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let auth = |perms: Vec<pb::IpPermission>| pb::AuthorizeSecurityGroupIngressRequest {
        group_id: sg.group_id.clone(),
        ip_permissions: perms,
    };
    let r = ec2
        .authorize_security_group_ingress(auth(vec![perm(
            "tcp",
            Some(6379),
            Some(6379),
            "10.1.2.3/16",
        )]))
        .await
        .unwrap()
        .into_inner();
    assert!(r.r#return);
    assert!(
        r.security_group_rules[0]
            .security_group_rule_id
            .starts_with("sgr-")
    );
    assert_eq!(r.security_group_rules[0].cidr_ipv4, "10.1.0.0/16");
    let dup = ec2
        .authorize_security_group_ingress(auth(vec![perm(
            "6",
            Some(6379),
            Some(6379),
            "10.1.0.0/16",
        )]))
        .await
        .unwrap_err();
    assert_eq!(code(&dup), "InvalidPermission.Duplicate");
    for bad in [
        perm("tcp", Some(1), None, "10.0.0.0/8"),
        perm("tcp", Some(1), Some(2), "10.0.0.0/33"),
        perm("bogus", None, None, "10.0.0.0/8"),
    ] {
        assert_eq!(
            code(
                &ec2.authorize_security_group_ingress(auth(vec![bad]))
                    .await
                    .unwrap_err()
            ),
            "InvalidPermission.Malformed"
        );
    }
    let mut by_group = perm("-1", None, None, "10.0.0.0/8");
    by_group.ip_ranges.clear();
    by_group.user_id_group_pairs.push(pb::UserIdGroupPair {
        group_id: "sg-0123456789abcdef0".into(),
        ..Default::default()
    });
    assert_eq!(
        code(
            &ec2.authorize_security_group_ingress(auth(vec![by_group]))
                .await
                .unwrap_err()
        ),
        "InvalidGroup.NotFound"
    );

    let got = ec2
        .describe_security_groups(pb::DescribeSecurityGroupsRequest {
            group_ids: vec![sg.group_id.clone()],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .security_groups;
    assert_eq!(got[0].ip_permissions[0].from_port, Some(6379));
    assert_eq!(got[0].ip_permissions[0].ip_ranges[0].cidr_ip, "10.1.0.0/16");
    let unknown = pb::DescribeSecurityGroupsRequest {
        group_ids: vec!["sg-0123456789abcdef0".into()],
        ..Default::default()
    };
    assert_eq!(
        code(&ec2.describe_security_groups(unknown).await.unwrap_err()),
        "InvalidGroup.NotFound"
    );
    s.stop().await;
}

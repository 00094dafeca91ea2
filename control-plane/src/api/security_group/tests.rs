use plemu_proto::pb;

use crate::api::testing::*;

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
    assert!(r.return_value);
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

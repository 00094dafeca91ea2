use plemu_proto::pb;

use crate::api::testing::*;

/// Every delete is refused while something depends on its resource, with AWS's code, and the
/// README's topology comes apart completely in dependency order.
#[tokio::test]
async fn a_topology_comes_apart_in_dependency_order_only() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let p = provider(&s, false).await;
    let (cvpc, csubnet) = consumer_vpc(&s, "us-east-1a").await;
    let (mut ec2, mut elb, mut cec2) = (s.ec2(PROVIDER), s.elb(PROVIDER), s.ec2(CONSUMER));
    let e = cec2
        .create_vpc_endpoint(endpoint_request(&p.service_name, &cvpc, &csubnet))
        .await
        .unwrap()
        .into_inner()
        .vpc_endpoint
        .unwrap();
    let listener = first_listener(&mut elb, &p.lb_arn).await;
    let subnets = |vpc: &str| pb::DescribeSubnetsRequest {
        filters: vec![filter("vpc-id", vpc)],
        ..Default::default()
    };
    let provider_subnets: Vec<String> = ec2
        .describe_subnets(subnets(&p.vpc))
        .await
        .unwrap()
        .into_inner()
        .subnets
        .into_iter()
        .map(|n| n.subnet_id)
        .collect();
    let groups = cec2
        .describe_security_groups(pb::DescribeSecurityGroupsRequest {
            filters: vec![filter("vpc-id", &cvpc)],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .security_groups;
    let default_group = groups.iter().find(|g| g.group_name == "default").unwrap();

    // Refused while in use.
    let tg = pb::DeleteTargetGroupRequest {
        target_group_arn: p.tg_arn.clone(),
    };
    let err = elb.delete_target_group(tg.clone()).await.unwrap_err();
    assert_eq!(code(&err), "ResourceInUse");
    let lb = pb::DeleteLoadBalancerRequest {
        load_balancer_arn: p.lb_arn.clone(),
    };
    let err = elb.delete_load_balancer(lb.clone()).await.unwrap_err();
    assert_eq!(code(&err), "ResourceInUse");
    let err = cec2
        .delete_subnet(pb::DeleteSubnetRequest {
            subnet_id: csubnet.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(code(&err), "DependencyViolation");
    let vpc = |id: &str| pb::DeleteVpcRequest { vpc_id: id.into() };
    let err = cec2.delete_vpc(vpc(&cvpc)).await.unwrap_err();
    assert_eq!(code(&err), "DependencyViolation");
    let group = |id: &str| pb::DeleteSecurityGroupRequest {
        group_id: id.into(),
    };
    let err = cec2
        .delete_security_group(group(&default_group.group_id))
        .await
        .unwrap_err();
    assert_eq!(code(&err), "CannotDelete");
    // A required member left out is named.
    let err = elb
        .delete_load_balancer(pb::DeleteLoadBalancerRequest::default())
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ValidationError");
    assert!(
        err.message().contains("loadBalancerArn"),
        "{}",
        err.message()
    );
    let err = cec2
        .delete_security_group(pb::DeleteSecurityGroupRequest::default())
        .await
        .unwrap_err();
    assert_eq!(code(&err), "MissingParameter");
    assert!(err.message().contains("GroupId"), "{}", err.message());
    // Another account's resources are not found, not refused.
    let err = cec2.delete_vpc(vpc(&p.vpc)).await.unwrap_err();
    assert_eq!(code(&err), "InvalidVpcID.NotFound");

    // Apart, in order.
    cec2.delete_vpc_endpoints(pb::DeleteVpcEndpointsRequest {
        vpc_endpoint_ids: vec![e.vpc_endpoint_id.clone()],
    })
    .await
    .unwrap();
    cec2.delete_subnet(pb::DeleteSubnetRequest {
        subnet_id: csubnet.clone(),
    })
    .await
    .unwrap();
    cec2.delete_vpc(vpc(&cvpc)).await.unwrap();
    ec2.delete_vpc_endpoint_service_configurations(
        pb::DeleteVpcEndpointServiceConfigurationsRequest {
            service_ids: vec![p.service_id.clone()],
        },
    )
    .await
    .unwrap();
    let del_listener = pb::DeleteListenerRequest {
        listener_arn: listener,
    };
    elb.delete_listener(del_listener.clone()).await.unwrap();
    let err = elb.delete_listener(del_listener).await.unwrap_err();
    assert_eq!(code(&err), "ListenerNotFound");
    elb.delete_target_group(tg.clone()).await.unwrap();
    elb.delete_target_group(tg).await.unwrap();
    elb.delete_load_balancer(lb.clone()).await.unwrap();
    elb.delete_load_balancer(lb).await.unwrap();
    for id in &provider_subnets {
        ec2.delete_subnet(pb::DeleteSubnetRequest {
            subnet_id: id.clone(),
        })
        .await
        .unwrap();
    }
    ec2.delete_vpc(vpc(&p.vpc)).await.unwrap();
    for mut client in [ec2, cec2] {
        let left = client
            .describe_vpcs(pb::DescribeVpcsRequest::default())
            .await
            .unwrap()
            .into_inner();
        assert!(left.vpcs.is_empty(), "{left:?}");
        let groups = client
            .describe_security_groups(pb::DescribeSecurityGroupsRequest::default())
            .await
            .unwrap()
            .into_inner();
        assert!(groups.security_groups.is_empty(), "{groups:?}");
    }
    s.stop().await;
}

/// A group another group's rule refers to cannot go until that rule's group goes.
#[tokio::test]
async fn a_referenced_group_cannot_be_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let mut ec2 = s.ec2(PROVIDER);
    let v = vpc(&mut ec2, "10.0.0.0/16").await;
    let make = |name: &'static str| {
        let mut ec2 = ec2.clone();
        let v = v.clone();
        async move {
            ec2.create_security_group(pb::CreateSecurityGroupRequest {
                group_name: name.into(),
                description: name.into(),
                vpc_id: v,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .group_id
        }
    };
    let (target, source) = (make("target").await, make("source").await);
    ec2.authorize_security_group_ingress(pb::AuthorizeSecurityGroupIngressRequest {
        group_id: target.clone(),
        ip_permissions: vec![pb::IpPermission {
            ip_protocol: "tcp".into(),
            from_port: Some(6379),
            to_port: Some(6379),
            user_id_group_pairs: vec![pb::UserIdGroupPair {
                group_id: source.clone(),
                ..Default::default()
            }],
            ..Default::default()
        }],
    })
    .await
    .unwrap();
    let del = |id: &str| pb::DeleteSecurityGroupRequest {
        group_id: id.into(),
    };
    let err = ec2.delete_security_group(del(&source)).await.unwrap_err();
    assert_eq!(code(&err), "DependencyViolation");
    let gone = ec2
        .delete_security_group(del(&target))
        .await
        .unwrap()
        .into_inner();
    assert!(gone.return_value && gone.group_id == target);
    ec2.delete_security_group(del(&source)).await.unwrap();
    let err = ec2.delete_security_group(del(&source)).await.unwrap_err();
    assert_eq!(code(&err), "InvalidGroup.NotFound");
    s.stop().await;
}

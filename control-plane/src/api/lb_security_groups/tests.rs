use plemu_proto::pb;

use crate::api::testing::*;

#[tokio::test]
async fn only_an_nlb_created_with_security_groups_gets_them_and_the_provider_learns_them() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let p = provider(&s, false).await;
    let (mut ec2, mut elb) = (s.ec2(PROVIDER), s.elb(PROVIDER));

    // An NLB created without security groups never gets any.
    let sg = ec2
        .create_security_group(pb::CreateSecurityGroupRequest {
            group_name: "nlb".into(),
            description: "nlb".into(),
            vpc_id: p.vpc.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .group_id;
    let set = |lb: &str, groups: Vec<String>, enforce: &str| pb::SetSecurityGroupsRequest {
        load_balancer_arn: lb.into(),
        security_groups: groups,
        enforce_security_group_inbound_rules_on_private_link_traffic: enforce.into(),
    };
    let e = elb
        .set_security_groups(set(&p.lb_arn, vec![sg.clone()], ""))
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidConfigurationRequest");

    let subnets = ec2
        .describe_subnets(pb::DescribeSubnetsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .subnets;
    let with_sg = elb
        .create_load_balancer(pb::CreateLoadBalancerRequest {
            name: "with-sg".into(),
            subnets: vec![subnets[0].subnet_id.clone()],
            security_groups: vec![sg.clone()],
            r#type: "network".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .load_balancers
        .remove(0);
    assert_eq!(
        with_sg.enforce_security_group_inbound_rules_on_private_link_traffic,
        "on"
    );
    let out = elb
        .set_security_groups(set(&with_sg.load_balancer_arn, vec![sg.clone()], "off"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            out.security_group_ids,
            out.enforce_security_group_inbound_rules_on_private_link_traffic
                .as_str()
        ),
        (vec![sg.clone()], "off")
    );
    let described = elb
        .describe_load_balancers(pb::DescribeLoadBalancersRequest {
            load_balancer_arns: vec![with_sg.load_balancer_arn.clone()],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .load_balancers
        .remove(0);
    assert_eq!(
        described.enforce_security_group_inbound_rules_on_private_link_traffic,
        "off"
    );
    for (req, want) in [
        (
            set(&with_sg.load_balancer_arn, vec![], ""),
            "InvalidConfigurationRequest",
        ),
        (
            set(
                &with_sg.load_balancer_arn,
                vec!["sg-0123456789abcdef0".into()],
                "",
            ),
            "InvalidSecurityGroup",
        ),
        (
            set(&with_sg.load_balancer_arn, vec![sg.clone()], "maybe"),
            "ValidationError",
        ),
        (
            set("arn:nope", vec![sg.clone()], ""),
            "LoadBalancerNotFound",
        ),
    ] {
        let e = elb.set_security_groups(req).await.unwrap_err();
        assert_eq!(code(&e), want, "{e:?}");
    }
    // The provider agent gets the groups and the enforcement setting.
    let mut w = watch(
        &s,
        pb::AgentRole::Provider,
        "provider-1",
        "127.0.0.1:2",
        &[],
    )
    .await;
    let state = next(&mut w).await.provider.unwrap();
    let spec = state
        .load_balancers
        .iter()
        .find(|l| l.load_balancer_arn == with_sg.load_balancer_arn)
        .unwrap();
    assert_eq!(spec.security_group_ids, vec![sg.clone()]);
    assert!(!spec.enforce_security_groups_on_private_link);
    assert!(state.security_groups.iter().any(|g| g.group_id == sg));
    s.stop().await;
}

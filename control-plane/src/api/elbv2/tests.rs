use plemu_proto::pb;

use crate::api::testing::*;

#[tokio::test]
async fn load_balancers_and_listeners() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let (mut ec2, mut elb) = (s.ec2(PROVIDER), s.elb(PROVIDER));
    let vpc = vpc(&mut ec2, "10.0.0.0/16").await;
    let a = subnet(&mut ec2, &vpc, "10.0.1.0/24", "us-east-1a").await;
    let a2 = subnet(&mut ec2, &vpc, "10.0.3.0/24", "us-east-1a").await;
    let other_vpc = self::vpc(&mut ec2, "10.5.0.0/16").await;
    let other = subnet(&mut ec2, &other_vpc, "10.5.1.0/24", "us-east-1b").await;
    let lb_req = |name: &str, ty: &str, subnets: Vec<String>| pb::CreateLoadBalancerRequest {
        name: name.into(),
        r#type: ty.into(),
        subnets,
        ..Default::default()
    };

    let lb = elb
        .create_load_balancer(lb_req("redis-nlb", "network", vec![a.clone()]))
        .await
        .unwrap()
        .into_inner()
        .load_balancers
        .remove(0);
    assert!(lb.load_balancer_arn.starts_with(&format!(
        "arn:aws:elasticloadbalancing:us-east-1:{PROVIDER}:loadbalancer/net/redis-nlb/"
    )));
    let (prefix, rest) = lb.dns_name.split_once('.').unwrap();
    assert_eq!(rest, "elb.us-east-1.amazonaws.com");
    assert_eq!(prefix.len(), "redis-nlb-".len() + 16);
    assert_eq!(
        lb.availability_zones[0].load_balancer_addresses[0].private_ipv4_address,
        "10.0.1.4"
    );
    assert_eq!(lb.scheme, "internet-facing");
    assert!(
        lb.created_time.ends_with('Z') && lb.created_time.len() == 24,
        "{}",
        lb.created_time
    );
    assert_eq!(
        lb.enforce_security_group_inbound_rules_on_private_link_traffic,
        ""
    );
    // provisioning -> active after the (zero) delay.
    let arn = lb.load_balancer_arn.clone();
    eventually(|| {
        let mut elb = elb.clone();
        let arn = arn.clone();
        async move {
            let r = elb
                .describe_load_balancers(pb::DescribeLoadBalancersRequest {
                    load_balancer_arns: vec![arn],
                    ..Default::default()
                })
                .await
                .unwrap();
            (r.into_inner().load_balancers[0]
                .state
                .as_ref()
                .unwrap()
                .code
                == "active")
                .then_some(())
        }
    })
    .await;

    for (req, want) in [
        (lb_req("x", "", vec![a.clone()]), "ValidationError"),
        (
            lb_req("internal-x", "network", vec![a.clone()]),
            "ValidationError",
        ),
        (lb_req("-x", "network", vec![a.clone()]), "ValidationError"),
        (
            lb_req("redis-nlb", "network", vec![a2.clone()]),
            "DuplicateLoadBalancerName",
        ),
        (
            lb_req("y", "network", vec!["subnet-0123456789abcdef0".into()]),
            "SubnetNotFound",
        ),
        (
            lb_req("y", "network", vec![a.clone(), a2.clone()]),
            "InvalidConfigurationRequest",
        ),
        (
            lb_req("y", "network", vec![a.clone(), other.clone()]),
            "InvalidSubnet",
        ),
    ] {
        assert_eq!(
            code(&elb.create_load_balancer(req.clone()).await.unwrap_err()),
            want,
            "{req:?}"
        );
    }
    let e = elb
        .create_load_balancer(lb_req("x", "", vec![a.clone()]))
        .await
        .unwrap_err();
    assert!(e.message().contains("--type network"));
    let by_name = pb::DescribeLoadBalancersRequest {
        names: vec!["nope".into()],
        ..Default::default()
    };
    assert_eq!(
        code(&elb.describe_load_balancers(by_name).await.unwrap_err()),
        "LoadBalancerNotFound"
    );
    let unknown = pb::DescribeLoadBalancersRequest {
        load_balancer_arns: vec![format!("{arn}0")],
        ..Default::default()
    };
    assert_eq!(
        code(&elb.describe_load_balancers(unknown).await.unwrap_err()),
        "LoadBalancerNotFound"
    );

    // Listeners.
    let tg = elb
        .create_target_group(tg_req("redis", &vpc))
        .await
        .unwrap()
        .into_inner()
        .target_groups
        .remove(0)
        .target_group_arn;
    let far_tg = elb
        .create_target_group(tg_req("far", &other_vpc))
        .await
        .unwrap()
        .into_inner()
        .target_groups
        .remove(0)
        .target_group_arn;
    let tg2 = elb
        .create_target_group(tg_req("redis2", &vpc))
        .await
        .unwrap()
        .into_inner()
        .target_groups
        .remove(0)
        .target_group_arn;
    let listener = |lb: &str, proto: &str, port: i32, tg: &str| pb::CreateListenerRequest {
        load_balancer_arn: lb.into(),
        protocol: proto.into(),
        port,
        default_actions: vec![pb::Action {
            r#type: "forward".into(),
            target_group_arn: tg.into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let l = elb
        .create_listener(listener(&arn, "TCP", 6379, &tg))
        .await
        .unwrap()
        .into_inner()
        .listeners
        .remove(0);
    assert!(l.listener_arn.contains(":listener/net/redis-nlb/"));
    let lb2 = elb
        .create_load_balancer(lb_req("second", "network", vec![a.clone()]))
        .await
        .unwrap()
        .into_inner()
        .load_balancers
        .remove(0)
        .load_balancer_arn;
    for (req, want) in [
        (listener(&arn, "TCP", 6379, &tg2), "DuplicateListener"),
        (listener(&arn, "HTTP", 80, &tg), "UnsupportedProtocol"),
        (listener(&arn, "TCP", 70000, &tg), "ValidationError"),
        (
            listener(&arn, "TCP", 81, &far_tg),
            "InvalidConfigurationRequest",
        ),
        (
            listener(&arn, "TCP", 81, &format!("{tg}0")),
            "TargetGroupNotFound",
        ),
        (
            listener(&format!("{arn}0"), "TCP", 81, &tg),
            "LoadBalancerNotFound",
        ),
        (
            listener(&lb2, "TCP", 81, &tg),
            "TargetGroupAssociationLimit",
        ),
    ] {
        assert_eq!(
            code(&elb.create_listener(req.clone()).await.unwrap_err()),
            want,
            "{req:?}"
        );
    }
    let ls = elb
        .describe_listeners(pb::DescribeListenersRequest {
            load_balancer_arn: arn.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .listeners;
    assert_eq!(ls.len(), 1);
    let missing = pb::DescribeListenersRequest {
        listener_arns: vec![format!("{}0", l.listener_arn)],
        ..Default::default()
    };
    assert_eq!(
        code(&elb.describe_listeners(missing).await.unwrap_err()),
        "ListenerNotFound"
    );
    let tgs = elb
        .describe_target_groups(pb::DescribeTargetGroupsRequest {
            load_balancer_arn: arn.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .target_groups;
    assert_eq!(tgs.len(), 1);
    assert_eq!(tgs[0].load_balancer_arns, vec![arn.clone()]);
    s.stop().await;
}

#[tokio::test]
async fn repeated_creates_with_the_same_settings_return_the_existing_resource() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let (mut ec2, mut elb) = (s.ec2(PROVIDER), s.elb(PROVIDER));
    let vpc = vpc(&mut ec2, "10.0.0.0/16").await;
    let a = subnet(&mut ec2, &vpc, "10.0.1.0/24", "us-east-1a").await;
    let b = subnet(&mut ec2, &vpc, "10.0.2.0/24", "us-east-1b").await;
    let lb_req = |subnets: &[&String], scheme: &str| pb::CreateLoadBalancerRequest {
        name: "nlb".into(),
        r#type: "network".into(),
        subnets: subnets.iter().map(|s| s.to_string()).collect(),
        scheme: scheme.into(),
        ..Default::default()
    };

    let first = elb
        .create_load_balancer(lb_req(&[&a, &b], ""))
        .await
        .unwrap()
        .into_inner()
        .load_balancers
        .remove(0);
    // The defaults applied and the subnets in another order: the same settings.
    let again = elb
        .create_load_balancer(lb_req(&[&b, &a], "internet-facing"))
        .await
        .unwrap()
        .into_inner()
        .load_balancers
        .remove(0);
    assert_eq!(again.load_balancer_arn, first.load_balancer_arn);
    assert_eq!(again.dns_name, first.dns_name);
    assert_eq!(again.created_time, first.created_time);
    let all = elb
        .describe_load_balancers(pb::DescribeLoadBalancersRequest::default())
        .await
        .unwrap()
        .into_inner()
        .load_balancers;
    assert_eq!(all.len(), 1);
    let e = elb
        .create_load_balancer(lb_req(&[&a, &b], "internal"))
        .await
        .unwrap_err();
    assert_eq!(code(&e), "DuplicateLoadBalancerName");
    assert!(
        e.message().contains("different settings"),
        "{}",
        e.message()
    );

    let lb = first.load_balancer_arn;
    let tg = elb
        .create_target_group(tg_req("redis", &vpc))
        .await
        .unwrap()
        .into_inner()
        .target_groups
        .remove(0)
        .target_group_arn;
    let other_tg = elb
        .create_target_group(tg_req("other", &vpc))
        .await
        .unwrap()
        .into_inner()
        .target_groups
        .remove(0)
        .target_group_arn;
    let listener = |tg: &str| pb::CreateListenerRequest {
        load_balancer_arn: lb.clone(),
        protocol: "TCP".into(),
        port: 6379,
        default_actions: vec![pb::Action {
            r#type: "forward".into(),
            target_group_arn: tg.into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let first = elb
        .create_listener(listener(&tg))
        .await
        .unwrap()
        .into_inner()
        .listeners
        .remove(0);
    // The same target group, given as a forward config this time.
    let mut same = listener("");
    same.default_actions[0].forward_config = Some(pb::ForwardActionConfig {
        target_groups: vec![pb::TargetGroupTuple {
            target_group_arn: tg.clone(),
            weight: 1,
        }],
    });
    let again = elb
        .create_listener(same)
        .await
        .unwrap()
        .into_inner()
        .listeners
        .remove(0);
    assert_eq!(again, first);
    let e = elb.create_listener(listener(&other_tg)).await.unwrap_err();
    assert_eq!(code(&e), "DuplicateListener");
    assert!(
        e.message().contains("different settings"),
        "{}",
        e.message()
    );
    let ls = elb
        .describe_listeners(pb::DescribeListenersRequest {
            load_balancer_arn: lb.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .listeners;
    assert_eq!(ls.len(), 1);
    s.stop().await;
}

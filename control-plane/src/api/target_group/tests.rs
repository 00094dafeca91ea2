use plemu_proto::pb;

use crate::api::testing::*;

fn target(id: &str, port: Option<i32>) -> pb::TargetDescription {
    pb::TargetDescription {
        id: id.into(),
        port,
        ..Default::default()
    }
}

#[tokio::test]
async fn target_groups_targets_and_health() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let (mut ec2, mut elb) = (s.ec2(PROVIDER), s.elb(PROVIDER));
    let vpc = vpc(&mut ec2, "10.0.0.0/16").await;
    subnet(&mut ec2, &vpc, "10.0.1.0/24", "us-east-1b").await;

    let tg = elb
        .create_target_group(tg_req("redis", &vpc))
        .await
        .unwrap()
        .into_inner()
        .target_groups
        .remove(0);
    assert!(tg.target_group_arn.contains(":targetgroup/redis/"));
    assert_eq!(
        (
            tg.health_check_protocol.as_str(),
            tg.health_check_port.as_str()
        ),
        ("TCP", "traffic-port")
    );
    assert_eq!(
        (
            tg.health_check_interval_seconds,
            tg.health_check_timeout_seconds
        ),
        (30, 10)
    );
    assert_eq!(
        (tg.healthy_threshold_count, tg.unhealthy_threshold_count),
        (5, 2)
    );
    let mut http = tg_req("http", &vpc);
    http.health_check_protocol = "HTTP".into();
    let http = elb
        .create_target_group(http)
        .await
        .unwrap()
        .into_inner()
        .target_groups
        .remove(0);
    assert_eq!(
        (
            http.health_check_timeout_seconds,
            http.health_check_path.as_str()
        ),
        (6, "/")
    );
    let mut bad = vec![
        tg_req("redis", &vpc),
        tg_req("a_b", &vpc),
        tg_req("p", &vpc),
        tg_req("v", ""),
        tg_req("i", &vpc),
        tg_req("t", &vpc),
        tg_req("off", &vpc),
    ];
    bad[0].port = Some(6380);
    bad[2].protocol = "HTTP".into();
    bad[4].health_check_interval_seconds = Some(4);
    bad[5].healthy_threshold_count = Some(11);
    // Health checks cannot be disabled for ip targets.
    bad[6].health_check_enabled = Some(false);
    let want = [
        "DuplicateTargetGroupName",
        "ValidationError",
        "ValidationError",
        "ValidationError",
        "ValidationError",
        "ValidationError",
        "ValidationError",
    ];
    for (req, want) in bad.into_iter().zip(want) {
        let e = elb.create_target_group(req.clone()).await.unwrap_err();
        assert_eq!(code(&e), want, "{req:?}");
    }
    let e = elb
        .create_target_group({
            let mut r = tg_req("i2", &vpc);
            r.health_check_interval_seconds = Some(4);
            r
        })
        .await
        .unwrap_err();
    assert!(e.message().contains("HealthCheckIntervalSeconds"));

    let arn = tg.target_group_arn.clone();
    let reg = |targets| pb::RegisterTargetsRequest {
        target_group_arn: arn.clone(),
        targets,
    };
    elb.register_targets(reg(vec![
        target("10.0.1.10", None),
        target("127.0.0.1", Some(7000)),
        target("redis.internal", None),
    ]))
    .await
    .unwrap();
    let e = elb
        .register_targets(reg(vec![target("192.168.1.1", None)]))
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidTarget");
    assert!(
        e.message().contains("192.168.1.1") && e.message().contains("10.0.0.0/16"),
        "{}",
        e.message()
    );
    let mut inst = tg_req("inst", &vpc);
    inst.target_type = String::new();
    let inst = elb
        .create_target_group(inst)
        .await
        .unwrap()
        .into_inner()
        .target_groups
        .remove(0);
    assert_eq!(inst.target_type, "instance");
    let e = elb
        .register_targets(pb::RegisterTargetsRequest {
            target_group_arn: inst.target_group_arn,
            targets: vec![target("i-0123456789abcdef0", None)],
        })
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidTarget");

    let health = |elb: &mut Elb, targets| {
        let req = pb::DescribeTargetHealthRequest {
            target_group_arn: arn.clone(),
            targets,
        };
        let mut elb = elb.clone();
        async move {
            elb.describe_target_health(req)
                .await
                .unwrap()
                .into_inner()
                .target_health_descriptions
        }
    };
    // No listener: every target is unused.
    let h = health(&mut elb, vec![]).await;
    assert_eq!(h.len(), 3);
    let first = &h[0];
    assert_eq!(
        first.target.as_ref().unwrap().availability_zone,
        "us-east-1b"
    );
    assert_eq!(first.health_check_port, "6379");
    assert_eq!(
        first.target_health.as_ref().unwrap().reason,
        "Target.NotInUse"
    );
    assert_eq!(h[1].target.as_ref().unwrap().availability_zone, "all");
    let h = health(&mut elb, vec![target("10.0.1.99", None)]).await;
    assert_eq!(
        h[0].target_health.as_ref().unwrap().reason,
        "Target.NotRegistered"
    );

    // Behind a listener: initial until the provider agent reports.
    let lb_subnet = subnet(&mut ec2, &vpc, "10.0.2.0/24", "us-east-1a").await;
    let lb = elb
        .create_load_balancer(pb::CreateLoadBalancerRequest {
            name: "nlb".into(),
            r#type: "network".into(),
            subnets: vec![lb_subnet],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .load_balancers
        .remove(0);
    elb.create_listener(pb::CreateListenerRequest {
        load_balancer_arn: lb.load_balancer_arn,
        protocol: "TCP".into(),
        port: 6379,
        default_actions: vec![pb::Action {
            r#type: "forward".into(),
            target_group_arn: arn.clone(),
            ..Default::default()
        }],
        ..Default::default()
    })
    .await
    .unwrap();
    let h = health(&mut elb, vec![target("10.0.1.10", None)]).await;
    assert_eq!(h[0].target_health.as_ref().unwrap().state, "initial");
    assert_eq!(
        h[0].target_health.as_ref().unwrap().reason,
        "Elb.RegistrationInProgress"
    );
    s.agent()
        .report_target_health(pb::ReportTargetHealthRequest {
            agent_id: "provider-0".into(),
            targets: vec![pb::TargetHealthReport {
                target_group_arn: arn.clone(),
                target_id: "10.0.1.10".into(),
                port: 6379,
                state: "healthy".into(),
                ..Default::default()
            }],
        })
        .await
        .unwrap();
    let h = health(&mut elb, vec![target("10.0.1.10", None)]).await;
    assert_eq!(h[0].target_health.as_ref().unwrap().state, "healthy");

    // The provider's watch: the group's targets; deregistered ones stay, draining, until their
    // delay ends.
    let mut watch = watch(
        &s,
        pb::AgentRole::Provider,
        "provider-0",
        "127.0.0.1:1",
        &[&vpc],
    )
    .await;
    let snap = next(&mut watch).await.provider.unwrap();
    let spec = snap
        .target_groups
        .iter()
        .find(|t| t.target_group_arn == arn)
        .unwrap();
    assert!(spec.in_use);
    assert_eq!(spec.targets.len(), 3);
    assert_eq!(spec.health_check.as_ref().unwrap().port, 0);
    assert_eq!(snap.load_balancers[0].listeners[0].port, 6379);
    elb.deregister_targets(pb::DeregisterTargetsRequest {
        target_group_arn: arn.clone(),
        targets: vec![target("10.0.1.10", None), target("10.0.1.77", None)],
    })
    .await
    .unwrap();
    let spec = loop {
        let snap = next(&mut watch).await.provider.unwrap();
        let spec = snap
            .target_groups
            .into_iter()
            .find(|t| t.target_group_arn == arn)
            .unwrap();
        if spec.targets.iter().any(|t| t.draining) {
            break spec;
        }
    };
    let draining: Vec<&str> = spec
        .targets
        .iter()
        .filter(|t| t.draining)
        .map(|t| t.id.as_str())
        .collect();
    assert_eq!(draining, ["10.0.1.10"], "an unknown target is ignored");
    assert_eq!(spec.targets.len(), 3);
    let h = health(&mut elb, vec![target("10.0.1.10", None)]).await;
    assert_eq!(h[0].target_health.as_ref().unwrap().state, "draining");
    assert_eq!(
        h[0].target_health.as_ref().unwrap().reason,
        "Target.DeregistrationInProgress"
    );
    // Registering it again re-activates it.
    elb.register_targets(reg(vec![target("10.0.1.10", None)]))
        .await
        .unwrap();
    let h = health(&mut elb, vec![]).await;
    assert_eq!(h.len(), 3);
    assert_eq!(
        h.iter()
            .find(|d| d.target.as_ref().unwrap().id == "10.0.1.10")
            .unwrap()
            .target_health
            .as_ref()
            .unwrap()
            .state,
        "healthy"
    );
    drop(watch);
    s.stop().await;
}

#[tokio::test]
async fn a_repeated_create_with_the_same_settings_returns_the_existing_group() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let (mut ec2, elb) = (s.ec2(PROVIDER), s.elb(PROVIDER));
    let vpc = vpc(&mut ec2, "10.0.0.0/16").await;
    let create = |req| {
        let mut elb = elb.clone();
        async move { elb.create_target_group(req).await }
    };

    let first = create(tg_req("redis", &vpc))
        .await
        .unwrap()
        .into_inner()
        .target_groups
        .remove(0);
    // The defaults spelled out: the same settings.
    let mut explicit = tg_req("redis", &vpc);
    explicit.health_check_protocol = "TCP".into();
    explicit.health_check_port = "traffic-port".into();
    explicit.health_check_interval_seconds = Some(30);
    explicit.ip_address_type = "ipv4".into();
    let again = create(explicit)
        .await
        .unwrap()
        .into_inner()
        .target_groups
        .remove(0);
    assert_eq!(again, first);
    let all = elb
        .clone()
        .describe_target_groups(pb::DescribeTargetGroupsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .target_groups;
    assert_eq!(all.len(), 1);

    let mut other_port = tg_req("redis", &vpc);
    other_port.port = Some(6380);
    let mut other_check = tg_req("redis", &vpc);
    other_check.healthy_threshold_count = Some(3);
    for req in [other_port, other_check] {
        let e = create(req.clone()).await.unwrap_err();
        assert_eq!(code(&e), "DuplicateTargetGroupName", "{req:?}");
        assert!(
            e.message().contains("different settings"),
            "{}",
            e.message()
        );
    }
    s.stop().await;
}

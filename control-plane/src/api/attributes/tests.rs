use plemu_proto::pb;

use crate::api::testing::*;

fn attr(key: &str, value: &str) -> pb::Attribute {
    pb::Attribute {
        key: key.into(),
        value: value.into(),
    }
}

fn value<'a>(attrs: &'a [pb::Attribute], key: &str) -> &'a str {
    attrs
        .iter()
        .find(|a| a.key == key)
        .map(|a| a.value.as_str())
        .unwrap_or_else(|| panic!("{key} not listed in {attrs:?}"))
}

#[tokio::test]
async fn target_group_attributes_have_aws_defaults_bounds_and_reach_the_provider() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let p = provider(&s, false).await;
    let mut elb = s.elb(PROVIDER);

    let attrs = elb
        .describe_target_group_attributes(pb::DescribeTargetGroupAttributesRequest {
            target_group_arn: p.tg_arn.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .attributes;
    for (key, default) in [
        ("deregistration_delay.timeout_seconds", "300"),
        (
            "deregistration_delay.connection_termination.enabled",
            "false",
        ),
        ("preserve_client_ip.enabled", "false"),
        ("proxy_protocol_v2.enabled", "false"),
        (
            "load_balancing.cross_zone.enabled",
            "use_load_balancer_configuration",
        ),
        (
            "target_health_state.unhealthy.connection_termination.enabled",
            "true",
        ),
        (
            "target_health_state.unhealthy.draining_interval_seconds",
            "0",
        ),
    ] {
        assert_eq!(value(&attrs, key), default, "{key}");
    }

    let modify = |attributes: Vec<pb::Attribute>| pb::ModifyTargetGroupAttributesRequest {
        target_group_arn: p.tg_arn.clone(),
        attributes,
    };
    let out = elb
        .modify_target_group_attributes(modify(vec![
            attr("deregistration_delay.timeout_seconds", "2"),
            attr(
                "deregistration_delay.connection_termination.enabled",
                "true",
            ),
            attr("proxy_protocol_v2.enabled", "true"),
            attr("load_balancing.cross_zone.enabled", "true"),
        ]))
        .await
        .unwrap()
        .into_inner()
        .attributes;
    assert_eq!(value(&out, "deregistration_delay.timeout_seconds"), "2");
    assert_eq!(value(&out, "proxy_protocol_v2.enabled"), "true");

    // (attributes, code): nothing of a refused call applies.
    let refused = [
        (
            vec![attr("no.such.key", "1")],
            "InvalidConfigurationRequest",
        ),
        (
            vec![attr("deregistration_delay.timeout_seconds", "3601")],
            "InvalidConfigurationRequest",
        ),
        (
            vec![
                attr("proxy_protocol_v2.enabled", "false"),
                attr("stickiness.type", "lb_cookie"),
            ],
            "InvalidConfigurationRequest",
        ),
        // The draining interval needs unhealthy connection termination off.
        (
            vec![attr(
                "target_health_state.unhealthy.draining_interval_seconds",
                "30",
            )],
            "InvalidConfigurationRequest",
        ),
        (vec![], "ValidationError"),
    ];
    for (attributes, want) in refused {
        let e = elb
            .modify_target_group_attributes(modify(attributes.clone()))
            .await
            .unwrap_err();
        assert_eq!(code(&e), want, "{attributes:?}: {e:?}");
    }
    elb.modify_target_group_attributes(modify(vec![
        attr(
            "target_health_state.unhealthy.connection_termination.enabled",
            "false",
        ),
        attr(
            "target_health_state.unhealthy.draining_interval_seconds",
            "30",
        ),
    ]))
    .await
    .unwrap();
    let e = elb
        .describe_target_group_attributes(pb::DescribeTargetGroupAttributesRequest {
            target_group_arn: format!("{}x", p.tg_arn),
        })
        .await
        .unwrap_err();
    assert_eq!(code(&e), "TargetGroupNotFound");

    // The provider agent gets what it acts on.
    let mut w = watch(
        &s,
        pb::AgentRole::Provider,
        "provider-0",
        "127.0.0.1:1",
        &[],
    )
    .await;
    let state = next(&mut w).await.provider.unwrap();
    let tg = &state.target_groups[0];
    assert_eq!(
        tg.attributes,
        Some(pb::TargetGroupAttributesSpec {
            deregistration_connection_termination: true,
            unhealthy_connection_termination: false,
            unhealthy_draining_interval_seconds: 30,
            proxy_protocol_v2: true,
            cross_zone_enabled: Some(true),
        })
    );
    s.stop().await;
}

#[tokio::test]
async fn deregistered_targets_drain_for_the_groups_delay() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let p = provider(&s, false).await;
    let mut elb = s.elb(PROVIDER);
    elb.modify_target_group_attributes(pb::ModifyTargetGroupAttributesRequest {
        target_group_arn: p.tg_arn.clone(),
        attributes: vec![attr("deregistration_delay.timeout_seconds", "1")],
    })
    .await
    .unwrap();
    let mut w = watch(
        &s,
        pb::AgentRole::Provider,
        "provider-0",
        "127.0.0.1:1",
        &[],
    )
    .await;
    next(&mut w).await;
    elb.deregister_targets(pb::DeregisterTargetsRequest {
        target_group_arn: p.tg_arn.clone(),
        targets: vec![pb::TargetDescription {
            id: "10.0.1.10".into(),
            ..Default::default()
        }],
    })
    .await
    .unwrap();
    let target = next(&mut w).await.provider.unwrap().target_groups[0].targets[0].clone();
    assert!(target.draining, "{target:?}");
    let now_ms = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    assert!(
        (now_ms..=now_ms + 2000).contains(&target.drain_deadline_unix_ms),
        "deadline {} about 1 s after {now_ms}",
        target.drain_deadline_unix_ms
    );
    let health = |elb: &mut Elb| {
        let req = pb::DescribeTargetHealthRequest {
            target_group_arn: p.tg_arn.clone(),
            ..Default::default()
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
    let draining = health(&mut elb).await;
    assert_eq!(
        draining[0].target_health.as_ref().unwrap().state,
        "draining"
    );
    // After the 1 s delay the target is gone.
    eventually(|| {
        let f = health(&mut elb);
        async move { f.await.is_empty().then_some(()) }
    })
    .await;
    s.stop().await;
}

#[tokio::test]
async fn load_balancer_and_listener_attributes() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let p = provider(&s, false).await;
    let mut elb = s.elb(PROVIDER);

    let lb_attrs = elb
        .describe_load_balancer_attributes(pb::DescribeLoadBalancerAttributesRequest {
            load_balancer_arn: p.lb_arn.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .attributes;
    assert_eq!(
        value(&lb_attrs, "load_balancing.cross_zone.enabled"),
        "false"
    );
    assert_eq!(value(&lb_attrs, "deletion_protection.enabled"), "false");
    let out = elb
        .modify_load_balancer_attributes(pb::ModifyLoadBalancerAttributesRequest {
            load_balancer_arn: p.lb_arn.clone(),
            attributes: vec![attr("load_balancing.cross_zone.enabled", "true")],
        })
        .await
        .unwrap()
        .into_inner()
        .attributes;
    assert_eq!(value(&out, "load_balancing.cross_zone.enabled"), "true");
    // An ALB's attribute is not an NLB's.
    let e = elb
        .modify_load_balancer_attributes(pb::ModifyLoadBalancerAttributesRequest {
            load_balancer_arn: p.lb_arn.clone(),
            attributes: vec![attr("idle_timeout.timeout_seconds", "60")],
        })
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidConfigurationRequest");

    let listener = first_listener(&mut elb, &p.lb_arn).await;
    let l_attrs = elb
        .describe_listener_attributes(pb::DescribeListenerAttributesRequest {
            listener_arn: listener.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .attributes;
    assert_eq!(l_attrs, vec![attr("tcp.idle_timeout.seconds", "350")]);
    for (v, ok) in [("59", false), ("6001", false), ("60", true)] {
        let r = elb
            .modify_listener_attributes(pb::ModifyListenerAttributesRequest {
                listener_arn: listener.clone(),
                attributes: vec![attr("tcp.idle_timeout.seconds", v)],
            })
            .await;
        assert_eq!(r.is_ok(), ok, "{v}: {r:?}");
    }

    let mut w = watch(
        &s,
        pb::AgentRole::Provider,
        "provider-0",
        "127.0.0.1:1",
        &[],
    )
    .await;
    let state = next(&mut w).await.provider.unwrap();
    assert!(state.load_balancers[0].cross_zone_enabled);
    assert_eq!(
        state.load_balancers[0].listeners[0].idle_timeout_seconds,
        60
    );

    s.stop().await;
}

#[tokio::test]
async fn modify_target_group_changes_the_health_check() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let p = provider(&s, false).await;
    let mut elb = s.elb(PROVIDER);
    let tg = elb
        .modify_target_group(pb::ModifyTargetGroupRequest {
            target_group_arn: p.tg_arn.clone(),
            health_check_protocol: "HTTP".into(),
            health_check_path: "/ready".into(),
            matcher: Some(pb::Matcher {
                http_code: "200,204".into(),
            }),
            health_check_interval_seconds: Some(5),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .target_groups
        .remove(0);
    assert_eq!(
        (
            tg.health_check_protocol.as_str(),
            tg.health_check_path.as_str(),
            tg.matcher.unwrap().http_code.as_str(),
            tg.health_check_interval_seconds,
            tg.healthy_threshold_count
        ),
        ("HTTP", "/ready", "200,204", 5, 5)
    );
    for (path, matcher) in [
        ("ready", ""),
        ("/a\r\nX: y", ""),
        ("/", "100"),
        ("/", "200-"),
    ] {
        let e = elb
            .modify_target_group(pb::ModifyTargetGroupRequest {
                target_group_arn: p.tg_arn.clone(),
                health_check_path: path.into(),
                matcher: Some(pb::Matcher {
                    http_code: matcher.into(),
                }),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(code(&e), "ValidationError", "{path:?} {matcher:?}");
    }
    let mut w = watch(
        &s,
        pb::AgentRole::Provider,
        "provider-0",
        "127.0.0.1:1",
        &[],
    )
    .await;
    let hc = next(&mut w).await.provider.unwrap().target_groups[0]
        .health_check
        .clone()
        .unwrap();
    assert_eq!(
        (hc.protocol.as_str(), hc.path.as_str(), hc.matcher.as_str()),
        ("HTTP", "/ready", "200,204")
    );
    let e = elb
        .modify_target_group(pb::ModifyTargetGroupRequest {
            target_group_arn: "arn:nope".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(code(&e), "TargetGroupNotFound");
    s.stop().await;
}

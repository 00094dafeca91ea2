use plemu_proto::pb;
use plemu_proto::pb::AgentRole::{Consumer, Provider};

use crate::api::testing::*;

#[tokio::test]
async fn an_agent_must_give_its_role() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let e = s
        .agent()
        .watch(pb::WatchRequest {
            agent_id: "nobody".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidParameterValue");
    s.stop().await;
}

/// Changes that leave an agent's state as it was send it nothing; the next snapshot it gets is
/// the one that concerns it.
#[tokio::test]
async fn only_changes_that_concern_an_agent_reach_it() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let p = provider(&s, false).await;
    let (vpc, subnet) = consumer_vpc(&s, "us-east-1a").await;
    let mut consumer = watch(&s, Consumer, "consumer-0", "", &[&vpc]).await;
    let first = next(&mut consumer).await;
    assert!(first.consumer.unwrap().endpoints.is_empty());

    // Another VPC (and its default group), and a provider agent while no endpoint needs one.
    let mut ec2 = s.ec2(CONSUMER);
    self::vpc(&mut ec2, "10.2.0.0/16").await;
    let mut provider = watch(&s, Provider, "provider-0", "127.0.0.1:7000", &[&p.vpc]).await;
    let before = next(&mut provider).await.provider.unwrap();
    assert!(before.endpoints.is_empty());

    let e = ec2
        .create_vpc_endpoint(endpoint_request(&p.service_name, &vpc, &subnet))
        .await
        .unwrap()
        .into_inner()
        .vpc_endpoint
        .unwrap();
    let snap = next(&mut consumer).await;
    assert!(snap.version > first.version + 1, "{}", snap.version);
    let st = snap.consumer.unwrap();
    assert_eq!(st.endpoints[0].vpc_endpoint_id, e.vpc_endpoint_id);
    assert_eq!(st.endpoints[0].provider_tunnel_address, "127.0.0.1:7000");
    // The consumer VPC's default group: its own members, i.e. the endpoint's ENI.
    let default = &st.security_groups[0];
    assert_eq!(default.vpc_id, vpc);
    assert_eq!(default.member_addresses, vec!["10.1.1.4"]);
    assert_eq!(
        default.ingress[0].source_group_ids,
        vec![default.group_id.clone()]
    );

    // The provider agent is granted the endpoint, with the credential the consumer presents.
    let grant = next(&mut provider)
        .await
        .provider
        .unwrap()
        .endpoints
        .remove(0);
    assert_eq!(
        (grant.vpc_endpoint_id.as_str(), grant.service_id.as_str()),
        (e.vpc_endpoint_id.as_str(), p.service_id.as_str())
    );
    assert_eq!(grant.credential, st.endpoints[0].credential);
    assert_eq!(grant.load_balancer_arns, vec![p.lb_arn.clone()]);
    s.stop().await;
}

/// The Agent service is on its own address, for agents with a token; a token opens the one load
/// balancer or VPC it names and nothing else.
#[tokio::test]
async fn agents_need_a_token_and_stay_in_its_scope() {
    use plemu_proto::agent_token::Scope;

    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let p = provider(&s, false).await;
    let (vpc, _) = consumer_vpc(&s, "us-east-1a").await;
    let steal = |role: pb::AgentRole, vpcs: &[&str], lbs: &[&str]| pb::WatchRequest {
        role: role.into(),
        agent_id: "thief".into(),
        vpc_ids: vpcs.iter().map(|v| v.to_string()).collect(),
        load_balancer_arns: lbs.iter().map(|v| v.to_string()).collect(),
        ..Default::default()
    };

    // The API's address does not serve it; without a token, or with a forged one: AuthFailure.
    let e = s
        .agent_on_api()
        .watch(steal(Consumer, &[], &[]))
        .await
        .unwrap_err();
    assert_eq!(e.code(), tonic::Code::Unimplemented, "{e:?}");
    let e = s
        .agent_as(None)
        .watch(steal(Consumer, &[], &[]))
        .await
        .unwrap_err();
    assert_eq!(
        (e.code(), code(&e)),
        (tonic::Code::Unauthenticated, "AuthFailure")
    );
    let mut forged = s.agent_as(None);
    let mut req = tonic::Request::new(steal(Consumer, &[], &[]));
    req.metadata_mut()
        .insert("authorization", "Bearer v1.2a.00".parse().unwrap());
    let e = forged.watch(req).await.unwrap_err();
    assert_eq!(code(&e), "AuthFailure");

    // A consumer's token: its VPC only, never every VPC, never a provider's view or reports.
    let consumer = Scope::Consumer {
        vpc_id: vpc.clone(),
    };
    let mut c = s.agent_as(Some(consumer));
    for req in [
        steal(Consumer, &[], &[]),
        steal(Consumer, &[&vpc, &p.vpc], &[]),
        steal(Provider, &[&vpc], &[]),
    ] {
        let e = c.watch(req).await.unwrap_err();
        assert_eq!(code(&e), "UnauthorizedOperation", "{e:?}");
    }
    let e = c
        .report_target_health(pb::ReportTargetHealthRequest::default())
        .await
        .unwrap_err();
    assert_eq!(code(&e), "UnauthorizedOperation");
    let mut w = c
        .watch(steal(Consumer, &[&vpc], &[]))
        .await
        .unwrap()
        .into_inner();
    assert!(w.message().await.unwrap().unwrap().consumer.is_some());

    // A provider's token: its load balancer only.
    let lb = Scope::Provider {
        load_balancer_arn: p.lb_arn.clone(),
    };
    let mut pr = s.agent_as(Some(lb));
    let e = pr.watch(steal(Provider, &[], &[])).await.unwrap_err();
    assert_eq!(code(&e), "UnauthorizedOperation");
    let mut w = pr
        .watch(steal(Provider, &[], &[&p.lb_arn]))
        .await
        .unwrap()
        .into_inner();
    let state = w.message().await.unwrap().unwrap().provider.unwrap();
    assert_eq!(state.load_balancers.len(), 1);
    s.stop().await;
}

/// A provider agent that goes away leaves no `healthy` behind: its targets turn `unavailable`
/// until an agent checks them again.
#[tokio::test]
async fn health_of_a_provider_that_went_away_is_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let p = provider(&s, false).await;
    let mut elb = s.elb(PROVIDER);
    let state = |elb: &mut Elb| {
        let mut elb = elb.clone();
        let arn = p.tg_arn.clone();
        async move {
            let h = elb
                .describe_target_health(pb::DescribeTargetHealthRequest {
                    target_group_arn: arn,
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner();
            let th = h.target_health_descriptions[0]
                .target_health
                .clone()
                .unwrap();
            (th.state, th.reason)
        }
    };
    let report = |state: &str| pb::ReportTargetHealthRequest {
        agent_id: "provider-9".into(),
        targets: vec![pb::TargetHealthReport {
            target_group_arn: p.tg_arn.clone(),
            target_id: "10.0.1.10".into(),
            port: 6379,
            state: state.into(),
            ..Default::default()
        }],
    };
    let w = watch(&s, Provider, "provider-9", "127.0.0.1:7", &[&p.vpc]).await;
    s.agent()
        .report_target_health(report("healthy"))
        .await
        .unwrap();
    assert_eq!(state(&mut elb).await.0, "healthy");

    drop(w);
    let mut seen = state(&mut elb).await;
    for _ in 0..50 {
        if seen.0 == "unavailable" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        seen = state(&mut elb).await;
    }
    assert_eq!(
        seen,
        ("unavailable".to_string(), "Elb.InternalError".to_string())
    );

    // Back, and reporting: the live report wins.
    let _w = watch(&s, Provider, "provider-9", "127.0.0.1:7", &[&p.vpc]).await;
    s.agent()
        .report_target_health(report("healthy"))
        .await
        .unwrap();
    assert_eq!(state(&mut elb).await.0, "healthy");
    s.stop().await;
}

/// Health reports are kept by agent id: a second provider agent that takes a connected one's id
/// from another address is refused, while the same agent reconnecting from its address is not.
#[tokio::test]
async fn two_provider_agents_cannot_share_an_id() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let first = watch(&s, Provider, "provider-0", "127.0.0.1:7000", &[]).await;
    let e = s
        .agent()
        .watch(pb::WatchRequest {
            role: Provider.into(),
            agent_id: "provider-0".into(),
            tunnel_address: "127.0.0.1:7001".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidParameterValue");
    assert!(
        e.message().contains("127.0.0.1:7000") && e.message().contains("--agent-id"),
        "{}",
        e.message()
    );
    // A reconnection from the same address while the old stream lingers.
    let _again = watch(&s, Provider, "provider-0", "127.0.0.1:7000", &[]).await;
    // Once the first agent has gone, the id is free for another address.
    drop((first, _again));
    eventually(|| async {
        s.agent()
            .watch(pb::WatchRequest {
                role: Provider.into(),
                agent_id: "provider-0".into(),
                tunnel_address: "127.0.0.1:7001".into(),
                ..Default::default()
            })
            .await
            .ok()
    })
    .await;
    s.stop().await;
}

/// A consumer agent that cannot bind an endpoint's listener makes the endpoint `failed`, with
/// the reason in `last_error`, until it reports otherwise or goes away; its token covers its
/// own VPC's endpoints only.
#[tokio::test]
async fn an_endpoint_whose_listener_cannot_bind_is_failed() {
    use plemu_proto::agent_token::Scope;

    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let p = provider(&s, false).await;
    let (vpc, subnet) = consumer_vpc(&s, "us-east-1a").await;
    let mut ec2 = s.ec2(CONSUMER);
    let e = ec2
        .create_vpc_endpoint(endpoint_request(&p.service_name, &vpc, &subnet))
        .await
        .unwrap()
        .into_inner()
        .vpc_endpoint
        .unwrap();
    let id = e.vpc_endpoint_id.clone();
    let described = |ec2: &Ec2| {
        let (mut ec2, id) = (ec2.clone(), id.clone());
        async move { describe_endpoint(&mut ec2, &id).await }
    };
    eventually(|| async { (described(&ec2).await.state == "available").then_some(()) }).await;

    let failure = pb::ListenerFailure {
        vpc_endpoint_id: id.clone(),
        network_interface_id: e.network_interface_ids[0].clone(),
        address: "127.64.0.1:6379".into(),
        error: "Address already in use (os error 98)".into(),
    };
    let report = |failures: Vec<pb::ListenerFailure>| pb::ReportListenerFailuresRequest {
        agent_id: "consumer-7".into(),
        failures,
    };
    // Another VPC's token cannot speak for this endpoint.
    let other = Scope::Consumer {
        vpc_id: p.vpc.clone(),
    };
    let err = s
        .agent_as(Some(other))
        .report_listener_failures(report(vec![failure.clone()]))
        .await
        .unwrap_err();
    assert_eq!(code(&err), "UnauthorizedOperation");

    let mut agent = s.agent_as(Some(Scope::Consumer {
        vpc_id: vpc.clone(),
    }));
    let w = watch(&s, Consumer, "consumer-7", "", &[&vpc]).await;
    agent
        .report_listener_failures(report(vec![failure]))
        .await
        .unwrap();
    let shown = described(&ec2).await;
    assert_eq!(shown.state, "failed");
    let last = shown.last_error.unwrap();
    assert_eq!(last.code, "plemu.ListenerUnavailable");
    assert!(
        last.message.contains("127.64.0.1:6379") && last.message.contains("in use"),
        "{}",
        last.message
    );

    // Bound at last: available again.
    agent
        .report_listener_failures(report(vec![]))
        .await
        .unwrap();
    assert_eq!(described(&ec2).await.state, "available");

    // Failing again, then the agent goes away: its report goes with it.
    agent
        .report_listener_failures(report(vec![pb::ListenerFailure {
            vpc_endpoint_id: id.clone(),
            ..Default::default()
        }]))
        .await
        .unwrap();
    assert_eq!(described(&ec2).await.state, "failed");
    drop(w);
    eventually(|| async { (described(&ec2).await.state == "available").then_some(()) }).await;
    s.stop().await;
}

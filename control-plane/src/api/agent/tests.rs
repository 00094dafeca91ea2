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

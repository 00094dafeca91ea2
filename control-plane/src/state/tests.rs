use plemu_proto::pb;

use crate::api::testing::*;

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let p = provider(&s, false).await;
    let (vpc, subnet) = consumer_vpc(&s, "us-east-1a").await;
    let e = s
        .ec2(CONSUMER)
        .create_vpc_endpoint(endpoint_request(&p.service_name, &vpc, &subnet))
        .await
        .unwrap()
        .into_inner()
        .vpc_endpoint
        .unwrap();
    let consumer_view = |s: &Server| {
        let mut agent = s.agent();
        let vpc = vpc.clone();
        async move {
            let req = pb::WatchRequest {
                role: pb::AgentRole::Consumer.into(),
                agent_id: "c".into(),
                vpc_ids: vec![vpc],
                ..Default::default()
            };
            let mut w = agent.watch(req).await.unwrap().into_inner();
            w.message()
                .await
                .unwrap()
                .unwrap()
                .consumer
                .unwrap()
                .endpoints
                .remove(0)
        }
    };
    let before = consumer_view(&s).await;
    s.stop().await;

    let s = Server::start(dir.path()).await;
    let after = consumer_view(&s).await;
    assert_eq!(after.credential, before.credential);
    assert_eq!(after.network_interfaces, before.network_interfaces);
    let mut ec2 = s.ec2(CONSUMER);
    let again = describe_endpoint(&mut ec2, &e.vpc_endpoint_id).await;
    assert_eq!(again.dns_entries, e.dns_entries);
    let tgs = s
        .elb(PROVIDER)
        .describe_target_groups(pb::DescribeTargetGroupsRequest {
            target_group_arns: vec![p.tg_arn.clone()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        tgs.into_inner().target_groups[0].load_balancer_arns,
        vec![p.lb_arn.clone()]
    );
    // A second endpoint gets the next bind address, not a reused one.
    let (vpc2, subnet2) = {
        let v = self::vpc(&mut ec2, "10.3.0.0/16").await;
        (
            v.clone(),
            self::subnet(&mut ec2, &v, "10.3.1.0/24", "us-east-1a").await,
        )
    };
    let e2 = ec2
        .create_vpc_endpoint(endpoint_request(&p.service_name, &vpc2, &subnet2))
        .await
        .unwrap()
        .into_inner()
        .vpc_endpoint
        .unwrap();
    assert_ne!(e2.network_interface_ids, e.network_interface_ids);
    let req = pb::WatchRequest {
        role: pb::AgentRole::Consumer.into(),
        agent_id: "all".into(),
        ..Default::default()
    };
    let all = s
        .agent()
        .watch(req)
        .await
        .unwrap()
        .into_inner()
        .message()
        .await
        .unwrap()
        .unwrap()
        .consumer
        .unwrap();
    let mut binds: Vec<String> = all
        .endpoints
        .iter()
        .map(|e| e.network_interfaces[0].bind_address.clone())
        .collect();
    binds.sort();
    assert_eq!(binds, vec!["127.1.0.1", "127.1.0.2"]);
    s.stop().await;
}

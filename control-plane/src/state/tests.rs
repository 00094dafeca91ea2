use std::time::Duration;

use plemu_proto::pb;

use super::Shared;
use crate::Config;
use crate::api::testing::*;
use crate::model::{Owner, Vpc};

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
    let consumer_view = async |s: &Server| {
        let mut w = watch(s, pb::AgentRole::Consumer, "c", "", &[&vpc]).await;
        next(&mut w).await.consumer.unwrap().endpoints.remove(0)
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
    let mut w = watch(&s, pb::AgentRole::Consumer, "all", "", &[]).await;
    let all = next(&mut w).await.consumer.unwrap();
    let mut binds: Vec<String> = all
        .endpoints
        .iter()
        .map(|e| e.network_interfaces[0].bind_address.clone())
        .collect();
    binds.sort();
    // After the load balancer's two nodes' .1 and .2, and never the same twice.
    assert_eq!(binds, vec!["127.1.0.3", "127.1.0.4"]);
    s.stop().await;
}

/// A change whose request is dropped mid-commit (the client went away) still lands in memory and
/// in the store together, so the next change's diff and a restart agree with what was stored.
#[tokio::test]
async fn a_mutation_dropped_mid_commit_lands_whole() {
    const ID: &str = "vpc-0123456789abcdef0";
    let dir = tempfile::tempdir().unwrap();
    let config = || Config {
        data_dir: dir.path().to_path_buf(),
        provisioning_delay: Duration::ZERO,
        ..Config::default()
    };
    let vpc = Vpc {
        id: ID.into(),
        owner: Owner {
            account: PROVIDER.into(),
            region: "us-east-1".into(),
        },
        cidr: "10.0.0.0/16".parse().unwrap(),
        dhcp_options_id: "dopt-0123456789abcdef0".into(),
        enable_dns_support: true,
        enable_dns_hostnames: false,
        tags: Vec::new(),
    };
    let shared = Shared::open(config()).await.unwrap();
    // Polled once (it locks, builds the change, starts the commit), then dropped.
    let change = shared.mutate(|res| {
        res.vpcs.insert(ID.into(), vpc);
        Ok(())
    });
    let _ = tokio::time::timeout(Duration::ZERO, change).await;
    assert!(shared.read(|st| st.res.vpcs.contains_key(ID)).await);
    shared.close().await;
    let reopened = Shared::open(config()).await.unwrap();
    assert!(reopened.read(|st| st.res.vpcs.contains_key(ID)).await);
    reopened.close().await;
}

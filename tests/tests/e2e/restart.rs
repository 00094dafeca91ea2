//! Nothing is lost on a SIGKILL: after a restart on the same data directory
//! every resource is still there and traffic flows with no API call.

use std::time::Duration;

use plemu_proto::pb;
use plemu_testkit::topology::{CONSUMER, PROVIDER, TopologySpec};
use plemu_testkit::{Api, RedisServer, Scenario, eventually, trace_init};

use crate::support::{private_dns_addr, redis_cmd};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_and_restart_loses_nothing() -> anyhow::Result<()> {
    trace_init();
    let redis = RedisServer::start()?;
    let Scenario { plemu, api, topo } = Scenario::start(TopologySpec {
        target: redis.addr,
        acceptance_required: true,
        client_cidr: "10.1.0.0/16".into(),
    })
    .await?;
    topo.accept(&api).await?;
    let before = topo.wait_available(&api, Duration::from_secs(10)).await?;
    let addr = private_dns_addr(&plemu).await?;
    eventually(Duration::from_secs(10), || {
        redis_cmd(addr, &["SET", "before", "1"])
    })
    .await?;
    let services_before = describe_services(&api).await?;

    // SIGKILL, then start again on the same directory. No API call follows.
    let plemu = plemu.kill_and_restart()?;
    let addr_after = private_dns_addr(&plemu).await?;
    assert_eq!(addr_after, addr, "the endpoint moved to another address");
    eventually(Duration::from_secs(20), || {
        redis_cmd(addr, &["SET", "after", "2"])
    })
    .await?;
    assert_eq!(
        redis_cmd(addr, &["GET", "before"]).await?.as_deref(),
        Some("1")
    );
    assert_eq!(
        redis_cmd(redis.addr, &["GET", "after"]).await?.as_deref(),
        Some("2")
    );

    // Every resource is still there, unchanged.
    let api = Api::connect(&plemu.api_url()).await?;
    let after = topo.describe_endpoint(&api).await?;
    assert_eq!(after, before);
    assert_eq!(describe_services(&api).await?, services_before);
    let vpcs = api
        .ec2(CONSUMER)
        .describe_vpcs(pb::DescribeVpcsRequest::default())
        .await?
        .into_inner()
        .vpcs;
    assert!(
        vpcs.iter().any(|v| v.vpc_id == topo.consumer_vpc),
        "consumer VPC lost"
    );
    let tgs = api
        .elbv2(PROVIDER)
        .describe_target_health(pb::DescribeTargetHealthRequest {
            target_group_arn: topo.target_group_arn.clone(),
            ..Default::default()
        })
        .await?
        .into_inner()
        .target_health_descriptions;
    assert_eq!(tgs.len(), 1, "registered target lost");
    Ok(())
}

async fn describe_services(api: &Api) -> anyhow::Result<Vec<pb::ServiceConfiguration>> {
    Ok(api
        .ec2(PROVIDER)
        .describe_vpc_endpoint_service_configurations(
            pb::DescribeVpcEndpointServiceConfigurationsRequest::default(),
        )
        .await?
        .into_inner()
        .service_configurations)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_plemu_gracefully() -> anyhow::Result<()> {
    trace_init();
    let redis = RedisServer::start()?;
    let Scenario {
        mut plemu,
        api,
        topo,
    } = Scenario::start(TopologySpec {
        target: redis.addr,
        acceptance_required: false,
        client_cidr: "10.1.0.0/16".into(),
    })
    .await?;
    topo.wait_available(&api, Duration::from_secs(10)).await?;
    let addr = private_dns_addr(&plemu).await?;
    // An open flow does not hold up the stop.
    let client = redis::Client::open(format!("redis://{addr}/"))?;
    let _open = eventually(Duration::from_secs(10), || async {
        Ok(client.get_multiplexed_async_connection().await?)
    })
    .await?;
    plemu.terminate()?;
    assert!(
        plemu.log_text().contains("stop signal received"),
        "{}",
        plemu.log_text()
    );
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "the endpoint still listens after the stop"
    );
    Ok(())
}

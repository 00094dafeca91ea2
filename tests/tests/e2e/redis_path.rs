//! The user's case: an unmodified Redis client reaches Redis through an
//! interface endpoint's private DNS name, across two accounts.

use std::time::Duration;

use plemu_proto::pb;
use plemu_testkit::topology::{CONSUMER, PRIVATE_DNS_NAME, PROVIDER, TopologySpec};
use plemu_testkit::{
    Api, Plemu, PlemuOptions, RedisServer, RedisTopology, Scenario, eventually, trace_init,
};

use crate::support::{endpoint_addr, ping_raw, private_dns_addr, redis_cmd};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_client_reaches_redis_through_the_private_dns_name() -> anyhow::Result<()> {
    trace_init();
    let redis = RedisServer::start()?;
    let Scenario { plemu, api, topo } = Scenario::start(TopologySpec {
        target: redis.addr,
        acceptance_required: true,
        client_cidr: "10.1.0.0/16".into(),
    })
    .await?;

    // AWS's formats.
    let e = &topo.endpoint;
    assert_eq!(e.state, "pendingAcceptance");
    assert!(
        e.vpc_endpoint_id.starts_with("vpce-") && e.vpc_endpoint_id.len() == 22,
        "{}",
        e.vpc_endpoint_id
    );
    assert!(
        topo.service_name
            .starts_with("com.amazonaws.vpce.us-east-1.vpce-svc-"),
        "{}",
        topo.service_name
    );
    let regional = topo.regional_dns_name();
    assert!(
        regional.starts_with(&format!("{}-", e.vpc_endpoint_id)),
        "{regional}"
    );
    assert!(
        regional.ends_with(&format!(
            ".{}.us-east-1.vpce.amazonaws.com",
            topo.service_id
        )),
        "{regional}"
    );
    assert!(
        e.dns_entries
            .iter()
            .any(|d| d.dns_name.contains("-us-east-1a.")),
        "no zonal name: {:?}",
        e.dns_entries
    );
    assert!(
        e.dns_entries.iter().any(|d| d.dns_name == PRIVATE_DNS_NAME),
        "no private name: {:?}",
        e.dns_entries
    );

    // The private DNS name resolves through plemu's DNS to the endpoint's address.
    let addr = private_dns_addr(&plemu).await?;
    assert_eq!(
        addr,
        endpoint_addr(plemu.dns, regional).await?,
        "private name and regional name differ"
    );

    // Pending acceptance: the endpoint takes the connection and resets it.
    assert_eq!(
        ping_raw(addr).await?,
        Err(std::io::ErrorKind::ConnectionReset),
        "a pendingAcceptance endpoint must reset the client"
    );

    // The provider sees the request and accepts it; the endpoint becomes available.
    let conns = api
        .ec2(PROVIDER)
        .describe_vpc_endpoint_connections(pb::DescribeVpcEndpointConnectionsRequest::default())
        .await?
        .into_inner()
        .vpc_endpoint_connections;
    assert_eq!(conns.len(), 1);
    assert_eq!(conns[0].vpc_endpoint_owner, CONSUMER);
    assert_eq!(conns[0].vpc_endpoint_state, "pendingAcceptance");
    topo.accept(&api).await?;
    topo.wait_available(&api, Duration::from_secs(10)).await?;

    // SET/GET through the endpoint; the value is in the target Redis.
    eventually(Duration::from_secs(10), || async {
        redis_cmd(addr, &["SET", "greeting", "hello through privatelink"]).await?;
        Ok(())
    })
    .await?;
    assert_eq!(
        redis_cmd(addr, &["GET", "greeting"]).await?.as_deref(),
        Some("hello through privatelink")
    );
    assert_eq!(
        redis_cmd(redis.addr, &["GET", "greeting"])
            .await?
            .as_deref(),
        Some("hello through privatelink")
    );

    // The NLB's health checks see Redis and say so.
    eventually(Duration::from_secs(30), || async {
        let d = api
            .elbv2(PROVIDER)
            .describe_target_health(pb::DescribeTargetHealthRequest {
                target_group_arn: topo.target_group_arn.clone(),
                ..Default::default()
            })
            .await?
            .into_inner()
            .target_health_descriptions;
        let state = d
            .first()
            .and_then(|t| t.target_health.as_ref())
            .map(|h| h.state.clone())
            .unwrap_or_default();
        anyhow::ensure!(state == "healthy", "target is '{state}'");
        Ok(())
    })
    .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_security_group_that_does_not_admit_the_client_drops_it() -> anyhow::Result<()> {
    trace_init();
    let redis = RedisServer::start()?;
    let plemu = Plemu::start(PlemuOptions::default())?;
    let api = Api::connect(&plemu.api_url()).await?;
    // The group admits another network than the consumer VPC's.
    let spec = TopologySpec {
        target: redis.addr,
        acceptance_required: false,
        client_cidr: "192.168.0.0/16".into(),
    };
    let topo = RedisTopology::build(&api, &spec).await?;
    topo.wait_available(&api, Duration::from_secs(10)).await?;
    let addr = private_dns_addr(&plemu).await?;
    // As on AWS the attempt is dropped: connect is never answered (no RST, no accept), so the
    // client times out. A refusal only means the listener is not bound yet.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let attempt =
            tokio::time::timeout(Duration::from_secs(2), tokio::net::TcpStream::connect(addr))
                .await;
        match attempt {
            Err(_) => break,
            Ok(Err(e))
                if e.kind() == std::io::ErrorKind::ConnectionRefused
                    && std::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Ok(other) => panic!("the security group must drop the attempt, got {other:?}"),
        }
    }

    // Admitting the consumer VPC's CIDR lets the same client through, with no other change.
    api.ec2(CONSUMER)
        .authorize_security_group_ingress(pb::AuthorizeSecurityGroupIngressRequest {
            group_id: topo.endpoint_sg.clone(),
            ip_permissions: vec![pb::IpPermission {
                ip_protocol: "tcp".into(),
                from_port: Some(6379),
                to_port: Some(6379),
                ip_ranges: vec![pb::IpRange {
                    cidr_ip: "10.1.0.0/16".into(),
                    ..Default::default()
                }],
                ..Default::default()
            }],
        })
        .await?;
    let pong = eventually(Duration::from_secs(10), || redis_cmd(addr, &["PING"])).await?;
    assert_eq!(pong.as_deref(), Some("PONG"));
    Ok(())
}

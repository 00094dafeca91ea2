//! Faults through real processes: the control plane killed with traffic flowing, the consumer
//! agent restarted, and 10,000 concurrent flows through one endpoint.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use plemu_proto::pb;
use plemu_testkit::{Api, eventually};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::roles::{Roles, agent, control_plane};
use crate::support::endpoint_addr;

const PING: &[u8] = b"*1\r\n$4\r\nPING\r\n";

/// A Redis PING on `stream`, answered within 5 s.
async fn ping_on(stream: &mut TcpStream) -> anyhow::Result<()> {
    stream.write_all(PING).await?;
    let mut pong = [0u8; 7];
    tokio::time::timeout(Duration::from_secs(5), stream.read_exact(&mut pong))
        .await
        .context("no PONG within 5 s")??;
    anyhow::ensure!(&pong == b"+PONG\r\n", "answered {pong:?}");
    Ok(())
}

/// A new connection to `addr` that has answered a PING.
async fn pinged(addr: SocketAddr) -> anyhow::Result<TcpStream> {
    let mut s = TcpStream::connect(addr).await?;
    ping_on(&mut s).await?;
    Ok(s)
}

/// SIGKILL of the control plane: open flows and new ones go on with the agents' last desired
/// state. A successor on the same data directory and agents' address takes the agents back
/// (they reconnect by themselves): a deletion made through it reaches the consumer agent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traffic_outlives_a_killed_control_plane_and_agents_reconnect_to_its_successor()
-> anyhow::Result<()> {
    let mut r = Roles::start().await?;
    let mut open = eventually(Duration::from_secs(10), || pinged(r.endpoint)).await?;
    let agents = r.cp.as_ref().context("control plane")?.address("agents")?;

    drop(r.cp.take()); // SIGKILL
    ping_on(&mut open).await?;
    let mut fresh = pinged(r.endpoint)
        .await
        .context("a new flow with no control plane")?;

    let data_dir = r.data.path().to_str().unwrap_or_default().to_string();
    let cp = control_plane(&data_dir, &agents.to_string())?;
    let api = Api::connect(&format!("http://{}", cp.address("api")?)).await?;
    // The provider agent is back when the targets it checks are reported again.
    eventually(Duration::from_secs(20), || async {
        let th = api
            .elbv2(plemu_testkit::topology::PROVIDER)
            .describe_target_health(pb::DescribeTargetHealthRequest {
                target_group_arn: r.topo.target_group_arn.clone(),
                ..Default::default()
            })
            .await?
            .into_inner();
        let state = th.target_health_descriptions[0]
            .target_health
            .as_ref()
            .map(|h| h.state.clone());
        anyhow::ensure!(state.as_deref() == Some("healthy"), "target is {state:?}");
        Ok(())
    })
    .await?;
    ping_on(&mut open).await?;
    ping_on(&mut fresh).await?;

    // The consumer agent is back when a deletion reaches it: the endpoint's listener stops.
    api.ec2(plemu_testkit::topology::CONSUMER)
        .delete_vpc_endpoints(pb::DeleteVpcEndpointsRequest {
            vpc_endpoint_ids: vec![r.topo.endpoint.vpc_endpoint_id.clone()],
        })
        .await?;
    eventually(Duration::from_secs(20), || async {
        match TcpStream::connect(r.endpoint).await {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => Ok(()),
            other => anyhow::bail!("the listener still runs: {other:?}"),
        }
    })
    .await?;
    drop(cp);
    Ok(())
}

/// The consumer agent killed and started again: its flows end with it, and the new process
/// binds the endpoint's address again and carries new flows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_consumer_agent_serves_the_endpoint_again() -> anyhow::Result<()> {
    let mut r = Roles::start().await?;
    let mut open = eventually(Duration::from_secs(10), || pinged(r.endpoint)).await?;

    drop(r.consumer.take()); // SIGKILL: the kernel closes its sockets
    let mut buf = [0u8; 16];
    let ended = tokio::time::timeout(Duration::from_secs(10), open.read(&mut buf))
        .await
        .context("the client must not hang once its consumer agent is gone")?;
    assert!(matches!(ended, Ok(0) | Err(_)), "{ended:?}");

    let consumer = agent("consumer", &r.agents, &r.token, &["--dns", "127.0.0.1:0"])?;
    let dns = consumer.address("dns")?;
    let again = eventually(Duration::from_secs(10), || {
        endpoint_addr(dns, plemu_testkit::topology::PRIVATE_DNS_NAME)
    })
    .await?;
    assert_eq!(again, r.endpoint, "the endpoint keeps its address");
    let mut s = eventually(Duration::from_secs(15), || pinged(r.endpoint)).await?;
    ping_on(&mut s).await?;
    r.consumer = Some(consumer);
    Ok(())
}

/// How many flows run at once in the load test, and how many connect at a time.
const FLOWS: usize = 10_000;
const CONNECTING: usize = 256;

/// 10,000 flows open at once through one endpoint, each answered while all are open, then all
/// closed; the endpoint still serves afterwards. Every role is its own process, so that no
/// process holds more than about 10,000 sockets (the open-file limit here is 20,000).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_flows_are_all_answered() -> anyhow::Result<()> {
    let r = Roles::start().await?;
    eventually(Duration::from_secs(10), || pinged(r.endpoint)).await?;
    let gate = Arc::new(tokio::sync::Semaphore::new(CONNECTING));
    let all_open = Arc::new(tokio::sync::Barrier::new(FLOWS + 1));
    let mut flows = tokio::task::JoinSet::new();
    for _ in 0..FLOWS {
        let (gate, all_open, addr) = (Arc::clone(&gate), Arc::clone(&all_open), r.endpoint);
        flows.spawn(async move {
            let opened = {
                let _turn = gate.acquire().await;
                pinged(addr).await
            };
            all_open.wait().await;
            let mut s = opened?;
            ping_on(&mut s).await
        });
    }
    tokio::time::timeout(Duration::from_secs(180), all_open.wait())
        .await
        .context("10,000 flows did not open within 3 minutes")?;
    let mut failed = Vec::new();
    while let Some(done) = flows.join_next().await {
        if let Err(e) = done? {
            failed.push(e.to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {FLOWS} flows failed, first: {:?}",
        failed.len(),
        failed.first()
    );
    // All closed: the endpoint still carries a new flow.
    pinged(r.endpoint).await?;
    Ok(())
}

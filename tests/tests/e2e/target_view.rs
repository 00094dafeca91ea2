//! What a target sees through `plemu up`, as behind an NLB: connections from the load
//! balancer node of the flow's zone (never the client's address), and idle flows reset after
//! the idle timeout.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use plemu_testkit::topology::{RedisTopology, TopologySpec};
use plemu_testkit::{Api, Plemu, PlemuOptions, RedisServer, Scenario, eventually, trace_init};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::endpoint_addr;

/// Sends one Redis command (inline form) on `conn` and reads one reply.
async fn command(conn: &mut TcpStream, line: &str) -> anyhow::Result<String> {
    conn.write_all(format!("{line}\r\n").as_bytes()).await?;
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), conn.read(&mut buf)).await??;
    anyhow::ensure!(n > 0, "the connection closed");
    Ok(String::from_utf8_lossy(&buf[..n]).into_owned())
}

/// A connection through the endpoint of `topo` that answered a PING.
async fn connected(plemu: &Plemu, topo: &RedisTopology) -> anyhow::Result<TcpStream> {
    let addr = endpoint_addr(plemu.dns, topo.regional_dns_name()).await?;
    eventually(Duration::from_secs(10), || async {
        let mut c = TcpStream::connect(addr).await?;
        anyhow::ensure!(command(&mut c, "PING").await? == "+PONG\r\n");
        Ok(c)
    })
    .await
}

/// The `addr=` field of a Redis `CLIENT INFO`/`CLIENT LIST` line.
fn client_addr(info: &str) -> anyhow::Result<SocketAddr> {
    let field = info
        .split_whitespace()
        .find_map(|f| f.strip_prefix("addr="))
        .ok_or_else(|| anyhow::anyhow!("no addr= in {info:?}"))?;
    Ok(field.parse()?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_sees_the_nlb_node_not_the_client() -> anyhow::Result<()> {
    trace_init();
    let redis = RedisServer::start()?;
    let Scenario { plemu, api, topo } = Scenario::start(TopologySpec {
        target: redis.addr,
        acceptance_required: false,
        client_cidr: "10.1.0.0/16".into(),
    })
    .await?;
    topo.wait_available(&api, Duration::from_secs(10)).await?;
    let mut conn = connected(&plemu, &topo).await?;
    let client = conn.local_addr()?;
    let eni = conn.peer_addr()?;
    // Redis says where the connection it serves comes from.
    let seen = client_addr(&command(&mut conn, "CLIENT INFO").await?)?;
    let IpAddr::V4(node) = seen.ip() else {
        anyhow::bail!("not IPv4: {seen}")
    };
    assert_ne!(seen.ip(), client.ip(), "the target must not see the client");
    assert_ne!(seen.ip(), eni.ip(), "nor the endpoint's address");
    assert_ne!(node, Ipv4Addr::LOCALHOST, "nor the agent's own address");
    // A node address comes from the data directory's loopback block, as ENI addresses do.
    let [a, b, ..] = node.octets();
    assert!(a == 127 && b & 0xc0 == 64, "{node} is not in 127.64.0.0/10");
    // Every flow entering through the same zone comes from the same node.
    let mut again = connected(&plemu, &topo).await?;
    let second = client_addr(&command(&mut again, "CLIENT INFO").await?)?;
    assert_eq!(second.ip(), seen.ip());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_connection_is_reset_on_both_sides_after_the_idle_timeout() -> anyhow::Result<()> {
    trace_init();
    let redis = RedisServer::start()?;
    let plemu = Plemu::start(PlemuOptions {
        extra_args: vec!["--tcp-idle-timeout".into(), "2s".into()],
        ..Default::default()
    })?;
    let api = Api::connect(&plemu.api_url()).await?;
    let spec = TopologySpec {
        target: redis.addr,
        acceptance_required: false,
        client_cidr: "10.1.0.0/16".into(),
    };
    let topo = RedisTopology::build(&api, &spec).await?;
    topo.wait_available(&api, Duration::from_secs(10)).await?;
    let mut conn = connected(&plemu, &topo).await?;
    let node_side = client_addr(&command(&mut conn, "CLIENT INFO").await?)?;
    // Traffic keeps the flow: one command a second for longer than the timeout.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(command(&mut conn, "PING").await?, "+PONG\r\n");
    }
    // Idle past the timeout: the client is reset ...
    let mut buf = [0u8; 1];
    let ended = tokio::time::timeout(Duration::from_secs(10), conn.read(&mut buf)).await?;
    assert_eq!(
        ended.map_err(|e| e.kind()),
        Err(std::io::ErrorKind::ConnectionReset)
    );
    // ... and so is the target's side: Redis no longer lists the connection.
    let direct = format!("redis://{}/", redis.addr);
    eventually(Duration::from_secs(10), || async {
        let client = redis::Client::open(direct.as_str())?;
        let mut con = client.get_multiplexed_async_connection().await?;
        let list: String = redis::cmd("CLIENT")
            .arg("LIST")
            .query_async(&mut con)
            .await?;
        anyhow::ensure!(
            !list.contains(&format!("addr={node_side} ")),
            "still connected: {list}"
        );
        Ok(())
    })
    .await
}

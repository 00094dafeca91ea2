//! `/metrics` on a running `plemu up`: CloudWatch-named metrics move with real traffic,
//! refusals, resets and health changes.

use std::net::SocketAddr;
use std::time::Duration;

use plemu_testkit::http::{get, sample};
use plemu_testkit::topology::TopologySpec;
use plemu_testkit::{RedisServer, Scenario, eventually, trace_init};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{ping_raw, private_dns_addr, redis_cmd};

/// A sample of `/metrics` on `api` (labels must all match; samples are summed), 0 when absent.
async fn metric(api: SocketAddr, name: &str, labels: &[(&str, &str)]) -> anyhow::Result<f64> {
    let (status, text) = get(api, "/metrics").await?;
    anyhow::ensure!(status == 200, "GET /metrics answered {status}");
    Ok(sample(&text, name, labels).unwrap_or(0.0))
}

/// Waits (up to `secs`) until `name{labels}` satisfies `ok`, and returns its value.
async fn until(
    api: SocketAddr,
    secs: u64,
    name: &str,
    labels: &[(&str, &str)],
    ok: impl Fn(f64) -> bool,
) -> anyhow::Result<f64> {
    eventually(Duration::from_secs(secs), || async {
        let v = metric(api, name, labels).await?;
        if !ok(v) {
            let (_, text) = get(api, "/metrics").await?;
            let lines: Vec<&str> = text.lines().filter(|l| l.starts_with(name)).collect();
            anyhow::bail!("{name}{labels:?} is {v}:\n{}", lines.join("\n"));
        }
        Ok(v)
    })
    .await
}

/// A Redis PING on a connection kept open: the connection is then closed with an RST.
async fn ping_then_reset(addr: SocketAddr) -> anyhow::Result<()> {
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    s.write_all(b"*1\r\n$4\r\nPING\r\n").await?;
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await??;
    anyhow::ensure!(&buf[..n] == b"+PONG\r\n", "got {:?}", &buf[..n]);
    plemu_proto::tunnel::reset_socket(s);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_move_with_traffic_refusals_and_target_health() -> anyhow::Result<()> {
    trace_init();
    let redis = RedisServer::start()?;
    let Scenario { plemu, api, topo } = Scenario::start(TopologySpec {
        target: redis.addr,
        acceptance_required: true,
        client_cidr: "10.1.0.0/16".into(),
    })
    .await?;
    let http = plemu.api;
    let vpce = topo.endpoint.vpc_endpoint_id.as_str();
    let ep = [("vpc_endpoint_id", vpce)];
    let svc = [("service_id", topo.service_id.as_str())];
    let lb_dim = topo
        .load_balancer_arn
        .split_once(":loadbalancer/")
        .map(|(_, d)| d.to_string())
        .unwrap_or_default();
    let lb = [("load_balancer", lb_dim.as_str())];

    // Every family is there, under its CloudWatch name, with the endpoint's and the service's
    // samples at zero before any traffic.
    let (_, text) = eventually(Duration::from_secs(10), || async {
        let (status, text) = get(http, "/metrics").await?;
        anyhow::ensure!(
            sample(&text, "aws_networkelb_new_flow_count_total", &lb).is_some(),
            "no NewFlowCount sample for {lb_dim} yet:\n{text}"
        );
        Ok((status, text))
    })
    .await?;
    for name in [
        "aws_networkelb_active_flow_count",
        "aws_networkelb_new_flow_count",
        "aws_networkelb_processed_bytes",
        "aws_networkelb_healthy_host_count",
        "aws_networkelb_un_healthy_host_count",
        "aws_networkelb_tcp_client_reset_count",
        "aws_networkelb_tcp_target_reset_count",
        "aws_networkelb_tcp_elb_reset_count",
        "aws_privatelinkendpoints_active_connections",
        "aws_privatelinkendpoints_new_connections",
        "aws_privatelinkendpoints_bytes_processed",
        "aws_privatelinkendpoints_packets_dropped",
        "aws_privatelinkendpoints_rst_packets_received",
        "aws_privatelinkservices_active_connections",
        "aws_privatelinkservices_new_connections",
        "aws_privatelinkservices_bytes_processed",
        "aws_privatelinkservices_endpoints_count",
        "aws_privatelinkservices_rst_packets_sent",
    ] {
        assert!(
            text.contains(&format!("# TYPE {name} ")),
            "{name} missing:\n{text}"
        );
    }
    for (name, labels) in [
        ("aws_privatelinkendpoints_new_connections_total", &ep[..]),
        ("aws_privatelinkendpoints_packets_dropped_total", &ep[..]),
        ("aws_privatelinkservices_new_connections_total", &svc[..]),
        ("aws_privatelinkservices_endpoints_count", &svc[..]),
    ] {
        assert_eq!(sample(&text, name, labels), Some(0.0), "{name}:\n{text}");
    }

    // pendingAcceptance: the endpoint drops the connection (PacketsDropped).
    let addr = private_dns_addr(&plemu).await?;
    assert_eq!(
        ping_raw(addr).await?,
        Err(std::io::ErrorKind::ConnectionReset)
    );
    until(
        http,
        10,
        "aws_privatelinkendpoints_packets_dropped_total",
        &ep,
        |v| v == 1.0,
    )
    .await?;
    assert_eq!(
        metric(http, "aws_privatelinkendpoints_new_connections_total", &ep).await?,
        0.0
    );

    topo.accept(&api).await?;
    topo.wait_available(&api, Duration::from_secs(10)).await?;
    until(
        http,
        10,
        "aws_privatelinkservices_endpoints_count",
        &svc,
        |v| v == 1.0,
    )
    .await?;

    // Traffic: every hop counts the flow and its bytes.
    eventually(Duration::from_secs(10), || async {
        redis_cmd(addr, &["SET", "k", "0123456789"]).await?;
        Ok(())
    })
    .await?;
    let bytes = until(
        http,
        10,
        "aws_privatelinkendpoints_bytes_processed_total",
        &ep,
        |v| v > 0.0,
    )
    .await?;
    assert!(metric(http, "aws_privatelinkendpoints_new_connections_total", &ep).await? >= 1.0);
    assert!(metric(http, "aws_networkelb_new_flow_count_total", &lb).await? >= 1.0);
    assert!(metric(http, "aws_networkelb_processed_bytes_total", &lb).await? > 0.0);
    assert!(metric(http, "aws_privatelinkservices_new_connections_total", &svc).await? >= 1.0);
    assert!(metric(http, "aws_privatelinkservices_bytes_processed_total", &svc).await? > 0.0);
    redis_cmd(addr, &["SET", "k", &"x".repeat(100_000)]).await?;
    until(
        http,
        10,
        "aws_privatelinkendpoints_bytes_processed_total",
        &ep,
        |v| v >= bytes + 100_000.0,
    )
    .await?;

    // A connection held open is active at each hop, and no longer once it closes.
    let mut held = tokio::net::TcpStream::connect(addr).await?;
    held.write_all(b"*1\r\n$4\r\nPING\r\n").await?;
    let mut buf = [0u8; 16];
    let _ = tokio::time::timeout(Duration::from_secs(5), held.read(&mut buf)).await??;
    until(
        http,
        10,
        "aws_privatelinkendpoints_active_connections",
        &ep,
        |v| v == 1.0,
    )
    .await?;
    until(http, 10, "aws_networkelb_active_flow_count", &lb, |v| {
        v == 1.0
    })
    .await?;
    until(
        http,
        10,
        "aws_privatelinkservices_active_connections",
        &svc,
        |v| v == 1.0,
    )
    .await?;
    drop(held);
    until(
        http,
        10,
        "aws_privatelinkendpoints_active_connections",
        &ep,
        |v| v == 0.0,
    )
    .await?;
    until(http, 10, "aws_networkelb_active_flow_count", &lb, |v| {
        v == 0.0
    })
    .await?;

    // A client that resets its connection: TCP_Client_Reset_Count.
    ping_then_reset(addr).await?;
    until(
        http,
        10,
        "aws_networkelb_tcp_client_reset_count_total",
        &lb,
        |v| v >= 1.0,
    )
    .await?;

    // Health: the target turns healthy, then unhealthy once Redis is gone. (A loopback target
    // is in zone `all`: it counts in each of the NLB's zones.)
    until(http, 30, "aws_networkelb_healthy_host_count", &lb, |v| {
        v >= 1.0
    })
    .await?;
    assert_eq!(
        metric(http, "aws_networkelb_un_healthy_host_count", &lb).await?,
        0.0
    );
    drop(redis);
    until(http, 40, "aws_networkelb_un_healthy_host_count", &lb, |v| {
        v >= 1.0
    })
    .await?;
    assert_eq!(
        metric(http, "aws_networkelb_healthy_host_count", &lb).await?,
        0.0
    );

    // The NLB fails open to the dead target and resets the flow itself: TCP_ELB_Reset_Count,
    // RstPacketsSent by the service, RstPacketsReceived at the endpoint.
    assert_eq!(
        ping_raw(addr).await?,
        Err(std::io::ErrorKind::ConnectionReset)
    );
    until(
        http,
        10,
        "aws_networkelb_tcp_elb_reset_count_total",
        &lb,
        |v| v >= 1.0,
    )
    .await?;
    until(
        http,
        10,
        "aws_privatelinkservices_rst_packets_sent_total",
        &svc,
        |v| v >= 1.0,
    )
    .await?;
    until(
        http,
        10,
        "aws_privatelinkendpoints_rst_packets_received_total",
        &ep,
        |v| v >= 1.0,
    )
    .await?;
    Ok(())
}

//! Benchmark: bulk TCP throughput and Redis request rate through an interface
//! endpoint (client → consumer agent → gRPC tunnel → provider agent → target)
//! against a direct connection to the same target, measured in one run.
//!
//! Run: `cargo build --release -p plemu && cargo bench -p plemu-testkit --bench throughput`
//! Needs `redis-server` on PATH. Every load is bounded in bytes, requests and time.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::Context;
use plemu_proto::pb;
use plemu_testkit::topology::{PRIVATE_DNS_NAME, PROVIDER, TopologySpec};
use plemu_testkit::{Api, Plemu, PlemuOptions, RedisServer, RedisTopology, eventually, tcp};
use tokio_util::sync::CancellationToken;

/// Bytes per bulk transfer.
const BULK_BYTES: u64 = 256 * 1024 * 1024;
/// Bulk transfers per path (the median is reported).
const BULK_RUNS: usize = 3;
/// Concurrent Redis clients.
const REDIS_CLIENTS: usize = 8;
/// Requests per client, one in flight at a time.
const REDIS_REQUESTS: usize = 2_000;
/// Commands per pipeline in the pipelined measurement, and pipelines per client.
const PIPELINE: usize = 100;
const PIPELINES: usize = 50;
/// The port of the bulk listener on the load balancer.
const BULK_PORT: i32 = 9000;

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    // `cargo bench` passes `--bench`; anything else (`cargo test --benches`) only checks that it builds.
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "throughput: a benchmark; run it with `cargo bench -p plemu-testkit --bench throughput`"
        );
        return Ok(());
    }
    let redis = RedisServer::start()?;
    let plemu = Plemu::start(PlemuOptions::default())?;
    let result = measure(&redis, &plemu).await;
    if let Err(e) = &result {
        eprintln!(
            "benchmark failed: {e:#}\n--- plemu log ---\n{}",
            plemu.log_text()
        );
    }
    result
}

async fn measure(redis: &RedisServer, plemu: &Plemu) -> anyhow::Result<()> {
    let api = Api::connect(&plemu.api_url()).await?;
    let spec = TopologySpec {
        target: redis.addr,
        acceptance_required: false,
        client_cidr: "10.1.0.0/16".into(),
    };
    let topo = RedisTopology::build(&api, &spec).await?;
    let shutdown = CancellationToken::new();
    let sink = tcp::sink(shutdown.clone()).await?;
    add_bulk_listener(&api, &topo, sink).await?;
    topo.wait_available(&api, Duration::from_secs(20)).await?;
    let resolver = plemu_testkit::dns::resolver(plemu.dns)?;
    let ip = eventually(Duration::from_secs(10), || async {
        plemu_testkit::dns::lookup(&resolver, PRIVATE_DNS_NAME)
            .await?
            .first()
            .copied()
            .context("no address")
    })
    .await?;
    let via_redis = SocketAddr::new(ip, 6379);
    let via_bulk = SocketAddr::new(ip, BULK_PORT as u16);
    eventually(Duration::from_secs(20), || async {
        tcp::send_to_sink(via_bulk, 1).await.map(|_| ())
    })
    .await?;

    println!(
        "plemu benchmark: {} CPU(s); all traffic on loopback",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{:<44} {:>14} {:>14} {:>8}",
        "measurement", "direct", "endpoint", "ratio"
    );

    let direct = bulk(sink).await?;
    let through = bulk(via_bulk).await?;
    row(
        &format!("bulk TCP, {} MiB, 1 flow (MiB/s)", BULK_BYTES >> 20),
        direct,
        through,
    );

    let direct = redis_rate(redis.addr, false).await?;
    let through = redis_rate(via_redis, false).await?;
    row(
        &format!("Redis SET+GET, {REDIS_CLIENTS} clients (req/s)"),
        direct,
        through,
    );

    let direct = redis_rate(redis.addr, true).await?;
    let through = redis_rate(via_redis, true).await?;
    row(
        &format!("Redis SET, {REDIS_CLIENTS} clients, pipelined x{PIPELINE} (req/s)"),
        direct,
        through,
    );

    shutdown.cancel();
    Ok(())
}

fn row(name: &str, direct: f64, through: f64) {
    println!(
        "{name:<44} {direct:>14.0} {through:>14.0} {:>7.2}x",
        through / direct
    );
}

/// Median MiB/s of [`BULK_RUNS`] transfers of [`BULK_BYTES`] to a sink at `addr`.
async fn bulk(addr: SocketAddr) -> anyhow::Result<f64> {
    let mut rates = Vec::new();
    for _ in 0..BULK_RUNS {
        let start = Instant::now();
        let n = tokio::time::timeout(
            Duration::from_secs(120),
            tcp::send_to_sink(addr, BULK_BYTES),
        )
        .await??;
        anyhow::ensure!(n == BULK_BYTES, "sink counted {n} of {BULK_BYTES} bytes");
        rates.push(BULK_BYTES as f64 / (1024.0 * 1024.0) / start.elapsed().as_secs_f64());
    }
    rates.sort_by(f64::total_cmp);
    Ok(rates[rates.len() / 2])
}

/// Requests per second of [`REDIS_CLIENTS`] clients against `addr`.
async fn redis_rate(addr: SocketAddr, pipelined: bool) -> anyhow::Result<f64> {
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..REDIS_CLIENTS {
        tasks.spawn(async move {
            let client = redis::Client::open(format!("redis://{addr}/"))?;
            let mut con = client.get_multiplexed_async_connection().await?;
            let key = format!("bench:{c}");
            if pipelined {
                for _ in 0..PIPELINES {
                    let mut p = redis::pipe();
                    for i in 0..PIPELINE {
                        p.cmd("SET").arg(&key).arg(i).ignore();
                    }
                    let () = p.query_async(&mut con).await?;
                }
                Ok::<usize, anyhow::Error>(PIPELINE * PIPELINES)
            } else {
                for i in 0..REDIS_REQUESTS / 2 {
                    let () = redis::cmd("SET")
                        .arg(&key)
                        .arg(i)
                        .query_async(&mut con)
                        .await?;
                    let _: String = redis::cmd("GET").arg(&key).query_async(&mut con).await?;
                }
                Ok(REDIS_REQUESTS)
            }
        });
    }
    let mut total = 0;
    let all = tokio::time::timeout(Duration::from_secs(180), async {
        while let Some(r) = tasks.join_next().await {
            total += r??;
        }
        Ok::<(), anyhow::Error>(())
    });
    all.await
        .context("redis load did not finish within 180 s")??;
    Ok(total as f64 / start.elapsed().as_secs_f64())
}

/// A second target group and listener on the same load balancer, forwarding to the byte sink.
async fn add_bulk_listener(
    api: &Api,
    topo: &RedisTopology,
    sink: SocketAddr,
) -> anyhow::Result<()> {
    let mut elb = api.elbv2(PROVIDER);
    let tg = elb
        .create_target_group(pb::CreateTargetGroupRequest {
            name: "bulk".into(),
            protocol: "TCP".into(),
            port: Some(i32::from(sink.port())),
            vpc_id: topo.provider_vpc.clone(),
            target_type: "ip".into(),
            health_check_interval_seconds: Some(5),
            healthy_threshold_count: Some(2),
            ..Default::default()
        })
        .await?
        .into_inner()
        .target_groups
        .remove(0);
    elb.register_targets(pb::RegisterTargetsRequest {
        target_group_arn: tg.target_group_arn.clone(),
        targets: vec![pb::TargetDescription {
            id: sink.ip().to_string(),
            port: Some(i32::from(sink.port())),
            ..Default::default()
        }],
    })
    .await?;
    api.ec2(plemu_testkit::topology::CONSUMER)
        .authorize_security_group_ingress(pb::AuthorizeSecurityGroupIngressRequest {
            group_id: topo.endpoint_sg.clone(),
            ip_permissions: vec![pb::IpPermission {
                ip_protocol: "tcp".into(),
                from_port: Some(BULK_PORT),
                to_port: Some(BULK_PORT),
                ip_ranges: vec![pb::IpRange {
                    cidr_ip: "10.1.0.0/16".into(),
                    ..Default::default()
                }],
                ..Default::default()
            }],
        })
        .await?;
    elb.create_listener(pb::CreateListenerRequest {
        load_balancer_arn: topo.load_balancer_arn.clone(),
        protocol: "TCP".into(),
        port: BULK_PORT,
        default_actions: vec![pb::Action {
            r#type: "forward".into(),
            target_group_arn: tg.target_group_arn,
            ..Default::default()
        }],
        ..Default::default()
    })
    .await?;
    Ok(())
}

//! The NLB as AWS runs it, through the running binary and its CLI: a deregistration with a
//! live Redis connection, kept for the delay and then reset, with DescribeTargetHealth telling
//! the truth at every step.

use std::process::Command;
use std::time::Duration;

use anyhow::Context;
use plemu_testkit::process::plemu_bin;
use plemu_testkit::topology::{PROVIDER, TopologySpec};
use plemu_testkit::{RedisServer, Scenario, eventually, trace_init};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::endpoint_addr;

/// Runs `plemu elbv2 ARGS` as the provider account and returns its JSON output.
fn elbv2(api_url: &str, args: &[&str]) -> anyhow::Result<serde_json::Value> {
    let out = Command::new(plemu_bin()?)
        .args(["--endpoint-url", api_url, "--account", PROVIDER, "elbv2"])
        .args(args)
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "plemu elbv2 {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    if out.stdout.is_empty() {
        return Ok(serde_json::Value::Null);
    }
    serde_json::from_slice(&out.stdout).context("JSON output")
}

/// The states DescribeTargetHealth reports, in order.
fn states(api_url: &str, tg: &str) -> anyhow::Result<Vec<String>> {
    let out = elbv2(
        api_url,
        &["describe-target-health", "--target-group-arn", tg],
    )?;
    // An empty list is left out of the output, as the CLI prints proto3's empty fields.
    let Some(all) = out["TargetHealthDescriptions"].as_array() else {
        return Ok(Vec::new());
    };
    Ok(all
        .iter()
        .map(|d| {
            d["TargetHealth"]["State"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect())
}

/// Sends a Redis PING on `conn` and reads the answer.
async fn ping(conn: &mut TcpStream) -> anyhow::Result<Vec<u8>> {
    conn.write_all(b"*1\r\n$4\r\nPING\r\n").await?;
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(5), conn.read(&mut buf)).await??;
    Ok(buf[..n].to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deregistered_target_keeps_a_live_connection_for_the_delay_then_resets_it()
-> anyhow::Result<()> {
    trace_init();
    let redis = RedisServer::start()?;
    let Scenario { plemu, api, topo } = Scenario::start(TopologySpec {
        target: redis.addr,
        acceptance_required: false,
        client_cidr: "10.1.0.0/16".into(),
    })
    .await?;
    let url = plemu.api_url();
    let tg = topo.target_group_arn.clone();
    topo.wait_available(&api, Duration::from_secs(10)).await?;

    let out = elbv2(
        &url,
        &[
            "modify-target-group-attributes",
            "--target-group-arn",
            &tg,
            "--attributes",
            "Key=deregistration_delay.timeout_seconds,Value=3",
            "Key=deregistration_delay.connection_termination.enabled,Value=true",
        ],
    )?;
    let attrs = out["Attributes"].as_array().context("Attributes")?;
    assert!(
        attrs
            .iter()
            .any(|a| a["Key"] == "deregistration_delay.timeout_seconds" && a["Value"] == "3"),
        "{out}"
    );

    let addr = endpoint_addr(plemu.dns, topo.regional_dns_name()).await?;
    let mut conn = eventually(Duration::from_secs(10), || async {
        let mut c = TcpStream::connect(addr).await?;
        anyhow::ensure!(ping(&mut c).await? == b"+PONG\r\n");
        Ok(c)
    })
    .await?;
    eventually(Duration::from_secs(30), || async {
        let s = states(&url, &tg)?;
        anyhow::ensure!(s == ["healthy"], "{s:?}");
        Ok(())
    })
    .await?;

    let target = format!("Id={},Port={}", redis.addr.ip(), redis.addr.port());
    elbv2(
        &url,
        &[
            "deregister-targets",
            "--target-group-arn",
            &tg,
            "--targets",
            &target,
        ],
    )?;
    assert_eq!(states(&url, &tg)?, ["draining"]);
    // During the delay the open connection still carries Redis ...
    assert_eq!(ping(&mut conn).await?, b"+PONG\r\n");
    // ... and a new one gets no target: it is reset (on loopback the reset can come before
    // `connect` returns).
    let answer = match TcpStream::connect(addr).await {
        Ok(mut fresh) => ping(&mut fresh).await,
        Err(e) => Err(e.into()),
    };
    assert!(
        !matches!(&answer, Ok(b) if b == b"+PONG\r\n"),
        "a new connection reached the draining target: {answer:?}"
    );
    // When the delay ends the open connection is reset, and the target is gone.
    let mut buf = [0u8; 1];
    let ended = tokio::time::timeout(Duration::from_secs(15), conn.read(&mut buf)).await?;
    assert_eq!(
        ended.map_err(|e| e.kind()),
        Err(std::io::ErrorKind::ConnectionReset)
    );
    assert!(states(&url, &tg)?.is_empty());
    Ok(())
}

/// One raw DNS query over UDP to `dns`: the response as it came, so that its code and flags can
/// be checked (a resolver library would answer `localhost` itself).
async fn raw_query(
    dns: std::net::SocketAddr,
    name: &str,
) -> anyhow::Result<hickory_resolver::proto::op::Message> {
    use hickory_resolver::proto::op::{Message, Query};
    use hickory_resolver::proto::rr::{Name, RecordType};
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
    let mut q = Message::query();
    q.metadata.id = 7;
    q.metadata.recursion_desired = true;
    q.add_query(Query::query(Name::from_ascii(name)?, RecordType::A));
    socket.send_to(&q.to_vec()?, dns).await?;
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(10), socket.recv(&mut buf)).await??;
    Ok(Message::from_vec(&buf[..n])?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_outside_plemu_resolves_through_the_host_resolver() -> anyhow::Result<()> {
    use hickory_resolver::proto::op::ResponseCode;
    use hickory_resolver::proto::rr::RData;
    trace_init();
    let plemu = plemu_testkit::Plemu::start(plemu_testkit::PlemuOptions::default())?;
    // `localhost` is not plemu's: the VPC resolver forwards it to the host's resolver, which
    // answers from /etc/hosts, with no network needed.
    let m = raw_query(plemu.dns, "localhost.").await?;
    assert_eq!(m.metadata.response_code, ResponseCode::NoError, "{m:?}");
    assert!(m.metadata.recursion_available);
    assert!(
        m.answers
            .iter()
            .any(|r| r.data == RData::A(std::net::Ipv4Addr::LOCALHOST.into())),
        "{m:?}"
    );
    Ok(())
}

/// A fake upstream resolver on loopback UDP: `outside.example.` is 192.0.2.10, every other
/// name NXDOMAIN. Answers until the test ends.
async fn fake_upstream() -> anyhow::Result<std::net::SocketAddr> {
    use hickory_resolver::proto::op::{Message, ResponseCode};
    use hickory_resolver::proto::rr::{RData, Record, RecordType};
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
    let addr = socket.local_addr()?;
    tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        while let Ok((n, from)) = socket.recv_from(&mut buf).await {
            let Ok(q) = Message::from_vec(&buf[..n]) else {
                continue;
            };
            let mut r = Message::response(q.metadata.id, q.metadata.op_code);
            r.metadata.recursion_desired = q.metadata.recursion_desired;
            r.metadata.recursion_available = true;
            r.queries = q.queries.clone();
            match q.queries.first() {
                Some(query) if query.name().to_ascii() == "outside.example." => {
                    if query.query_type() == RecordType::A {
                        r.answers.push(Record::from_rdata(
                            query.name().clone(),
                            300,
                            RData::A(std::net::Ipv4Addr::new(192, 0, 2, 10).into()),
                        ));
                    }
                }
                _ => r.metadata.response_code = ResponseCode::NXDomain,
            }
            if let Ok(bytes) = r.to_vec() {
                let _ = socket.send_to(&bytes, from).await;
            }
        }
    });
    Ok(addr)
}

/// `plemu up --dns-upstream`: names outside plemu's go to that resolver, and its NXDOMAIN
/// comes back as such.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_outside_plemu_go_to_the_configured_upstream() -> anyhow::Result<()> {
    use hickory_resolver::proto::op::ResponseCode;
    use hickory_resolver::proto::rr::RData;
    trace_init();
    let upstream = fake_upstream().await?;
    let plemu = plemu_testkit::Plemu::start(plemu_testkit::PlemuOptions {
        extra_args: vec!["--dns-upstream".into(), upstream.to_string()],
        ..Default::default()
    })?;
    let m = raw_query(plemu.dns, "outside.example.").await?;
    assert_eq!(m.metadata.response_code, ResponseCode::NoError, "{m:?}");
    assert!(
        m.answers
            .iter()
            .any(|r| r.data == RData::A(std::net::Ipv4Addr::new(192, 0, 2, 10).into())),
        "{m:?}"
    );
    let m = raw_query(plemu.dns, "missing.example.").await?;
    assert_eq!(m.metadata.response_code, ResponseCode::NXDomain, "{m:?}");
    Ok(())
}

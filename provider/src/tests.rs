//! End-to-end tests of the agent: `run()` against the fake control plane, flows through the real
//! tunnel to real loopback targets.

use std::net::SocketAddr;
use std::sync::Once;
use std::time::Duration;

use bytes::Bytes;
use plemu_proto::pb::frame::Kind;
use plemu_proto::pb::tunnel_client::TunnelClient;
use plemu_proto::pb::{AgentRole, Frame, HalfClose, OpenFlow};
use plemu_proto::tunnel::frame;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::{Code, Status, Streaming};

use crate::test_util::FakeControlPlane;
use crate::test_util::fixture::{self, TG_ARN};
use crate::{Config, Error, run};

/// Bound on every wait in these tests (health needs about two 1 s intervals).
const WAIT: Duration = Duration::from_secs(10);

fn trace_init() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| "plemu_provider=debug".into()),
            )
            .with_test_writer()
            .try_init();
    });
}

/// A target that echoes until EOF, then writes `bye` and closes: proves the client's FIN arrived.
async fn echo_target() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                loop {
                    match s.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if s.write_all(&buf[..n]).await.is_err() {
                                return;
                            }
                        }
                    }
                }
                let _ = s.write_all(b"bye").await;
                let _ = s.shutdown().await;
            });
        }
    });
    addr
}

/// A loopback port nothing listens on.
async fn refusing_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap().port()
}

struct Running {
    tunnel: SocketAddr,
    shutdown: CancellationToken,
    task: JoinHandle<Result<(), Error>>,
}

async fn start_agent(cp: &FakeControlPlane) -> Running {
    trace_init();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let tunnel = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    let config = Config {
        control_plane: cp.url(),
        agent_id: "provider-0".into(),
        advertise_address: None,
        vpc_ids: vec![],
    };
    let task = tokio::spawn(run(config, listener, shutdown.clone()));
    Running {
        tunnel,
        shutdown,
        task,
    }
}

/// Waits until the agent applied a snapshot with `n` targets: it reports them at once as `initial`.
async fn wait_applied(cp: &FakeControlPlane, n: usize) {
    cp.wait_for_report(WAIT, |r| r.targets.len() == n).await;
}

/// Opens a flow as the consumer agent does: `open` into the channel first, then the call.
async fn open_flow(
    tunnel: SocketAddr,
    open: OpenFlow,
) -> Result<(String, mpsc::Sender<Frame>, Streaming<Frame>), Status> {
    let mut client = TunnelClient::connect(format!("http://{tunnel}"))
        .await
        .unwrap();
    let (tx, rx) = mpsc::channel(8);
    tx.send(frame(Kind::Open(open))).await.unwrap();
    let mut inbound = client.open(ReceiverStream::new(rx)).await?.into_inner();
    match inbound.message().await?.and_then(|f| f.kind) {
        Some(Kind::Opened(o)) => Ok((o.target, tx, inbound)),
        other => panic!("expected opened, got {other:?}"),
    }
}

/// Opens a flow that must be refused; returns the status.
async fn refused(tunnel: SocketAddr, open: OpenFlow) -> Status {
    match open_flow(tunnel, open).await {
        Ok((target, _, _)) => panic!("flow admitted to {target}"),
        Err(status) => status,
    }
}

/// Reads data frames until `half_close`; returns the bytes.
async fn read_to_half_close(inbound: &mut Streaming<Frame>) -> Vec<u8> {
    let mut got = Vec::new();
    loop {
        let f = tokio::time::timeout(WAIT, inbound.message())
            .await
            .expect("frame in time")
            .expect("stream ok")
            .expect("stream not ended");
        match f.kind {
            Some(Kind::Data(d)) => got.extend_from_slice(&d),
            Some(Kind::HalfClose(_)) => return got,
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

#[tokio::test]
async fn echo_through_the_tunnel_with_half_close() {
    let cp = FakeControlPlane::start().await;
    let target = echo_target().await;
    let agent = start_agent(&cp).await;
    cp.set_provider_state(fixture::provider_state(
        &[("127.0.0.1", target.port())],
        "available",
    ));
    wait_applied(&cp, 1).await;

    let watch = &cp.watch_requests()[0];
    assert_eq!(watch.role(), AgentRole::Provider);
    assert_eq!(watch.agent_id, "provider-0");
    assert_eq!(watch.tunnel_address, agent.tunnel.to_string());

    let (opened, tx, mut inbound) = open_flow(agent.tunnel, fixture::open_flow()).await.unwrap();
    assert_eq!(opened, format!("127.0.0.1:{}", target.port()));
    tx.send(frame(Kind::Data(Bytes::from_static(b"PING hello"))))
        .await
        .unwrap();
    tx.send(frame(Kind::HalfClose(HalfClose {}))).await.unwrap();
    // The echo comes back, then `bye` (the target saw our FIN), then the target's FIN.
    assert_eq!(read_to_half_close(&mut inbound).await, b"PING hellobye");
    drop(tx);
    let end = tokio::time::timeout(WAIT, inbound.message()).await.unwrap();
    assert!(matches!(end, Ok(None)), "stream ends cleanly: {end:?}");

    agent.shutdown.cancel();
    agent.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn refused_flows_end_with_the_right_status() {
    let cp = FakeControlPlane::start().await;
    let target = echo_target().await;
    let agent = start_agent(&cp).await;
    cp.set_provider_state(fixture::provider_state(
        &[("127.0.0.1", target.port())],
        "available",
    ));
    wait_applied(&cp, 1).await;

    let mut wrong = fixture::open_flow();
    wrong.credential = "not-the-credential".into();
    let err = refused(agent.tunnel, wrong).await;
    assert_eq!(err.code(), Code::PermissionDenied, "{err:?}");

    let mut other_port = fixture::open_flow();
    other_port.port = 6380;
    let err = refused(agent.tunnel, other_port).await;
    assert_eq!(err.code(), Code::NotFound, "{err:?}");

    // A first frame that is not `open`.
    let mut client = TunnelClient::connect(format!("http://{}", agent.tunnel))
        .await
        .unwrap();
    let (tx, rx) = mpsc::channel(8);
    tx.send(frame(Kind::Data(Bytes::from_static(b"x"))))
        .await
        .unwrap();
    let mut inbound = client
        .open(ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        inbound.message().await.unwrap_err().code(),
        Code::InvalidArgument
    );

    // The endpoint goes back to pendingAcceptance: flows stop being admitted.
    cp.set_provider_state(fixture::provider_state(
        &[("127.0.0.1", target.port())],
        "pendingAcceptance",
    ));
    let mut last = None;
    for _ in 0..100 {
        match open_flow(agent.tunnel, fixture::open_flow()).await {
            Err(e) if e.code() == Code::FailedPrecondition => {
                last = Some(e);
                break;
            }
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    let err = last.expect("FailedPrecondition once the snapshot is applied");
    assert_eq!(
        err.message(),
        format!("VPC endpoint {} is pendingAcceptance", fixture::VPCE)
    );

    agent.shutdown.cancel();
    agent.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn health_is_reported_and_flows_avoid_the_unhealthy_target() {
    let cp = FakeControlPlane::start().await;
    let good = echo_target().await;
    let bad = refusing_port().await;
    let agent = start_agent(&cp).await;
    cp.set_provider_state(fixture::provider_state(
        &[("127.0.0.1", good.port()), ("localhost", bad)],
        "available",
    ));
    let first = cp.wait_for_report(WAIT, |r| r.targets.len() == 2).await;
    assert_eq!(first.agent_id, "provider-0");
    assert!(first.targets.iter().all(|t| t.state == "initial"
        && t.reason == "Elb.InitialHealthChecking"
        && t.description == "Initial health checks in progress"));

    let state_of = |r: &plemu_proto::pb::ReportTargetHealthRequest, port: u16| {
        r.targets
            .iter()
            .find(|t| t.port == u32::from(port) && t.target_group_arn == TG_ARN)
            .map(|t| (t.state.clone(), t.reason.clone(), t.description.clone()))
    };
    let settled = cp
        .wait_for_report(WAIT, |r| {
            state_of(r, good.port()).is_some_and(|s| s.0 == "healthy")
                && state_of(r, bad).is_some_and(|s| s.0 == "unhealthy")
        })
        .await;
    assert_eq!(
        state_of(&settled, good.port()),
        Some(("healthy".into(), String::new(), String::new()))
    );
    assert_eq!(
        state_of(&settled, bad),
        Some((
            "unhealthy".into(),
            "Target.FailedHealthChecks".into(),
            "Health checks failed".into()
        ))
    );

    for _ in 0..10 {
        let (target, _tx, _inbound) = open_flow(agent.tunnel, fixture::open_flow()).await.unwrap();
        assert_eq!(target, format!("127.0.0.1:{}", good.port()));
    }

    // Deregistering the bad target stops its checks and drops it from the report.
    cp.set_provider_state(fixture::provider_state(
        &[("127.0.0.1", good.port())],
        "available",
    ));
    cp.wait_for_report(WAIT, |r| r.targets.len() == 1).await;

    agent.shutdown.cancel();
    agent.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_refusing_target_makes_the_flow_unavailable() {
    let cp = FakeControlPlane::start().await;
    let bad = refusing_port().await;
    let agent = start_agent(&cp).await;
    cp.set_provider_state(fixture::provider_state(&[("127.0.0.1", bad)], "available"));
    wait_applied(&cp, 1).await;
    // No healthy target: the NLB fails open to the only one, which refuses.
    let err = refused(agent.tunnel, fixture::open_flow()).await;
    assert_eq!(err.code(), Code::Unavailable, "{err:?}");
    assert!(
        err.message().contains("cannot connect"),
        "{}",
        err.message()
    );

    cp.set_provider_state(fixture::provider_state(&[], "available"));
    cp.wait_for_report(WAIT, |r| r.targets.is_empty()).await;
    let err = refused(agent.tunnel, fixture::open_flow()).await;
    assert_eq!(err.code(), Code::Unavailable, "{err:?}");
    assert!(
        err.message().contains("no targets registered"),
        "{}",
        err.message()
    );

    agent.shutdown.cancel();
    agent.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn watch_is_reopened_and_health_reported_again() {
    let cp = FakeControlPlane::start().await;
    let target = echo_target().await;
    let agent = start_agent(&cp).await;
    cp.set_provider_state(fixture::provider_state(
        &[("127.0.0.1", target.port())],
        "available",
    ));
    wait_applied(&cp, 1).await;
    let reports_before = cp.reports().len();
    cp.end_watches();
    cp.wait_for_watches(2, WAIT).await;
    // After a reconnect the agent reports again, even with no change.
    let deadline = tokio::time::Instant::now() + WAIT;
    while cp.reports().len() <= reports_before {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no report after the reconnect"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    agent.shutdown.cancel();
    agent.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn shutdown_ends_open_flows_and_run_returns() {
    let cp = FakeControlPlane::start().await;
    let target = echo_target().await;
    let agent = start_agent(&cp).await;
    cp.set_provider_state(fixture::provider_state(
        &[("127.0.0.1", target.port())],
        "available",
    ));
    wait_applied(&cp, 1).await;
    let (_, tx, mut inbound) = open_flow(agent.tunnel, fixture::open_flow()).await.unwrap();
    tx.send(frame(Kind::Data(Bytes::from_static(b"x"))))
        .await
        .unwrap();
    let echoed = inbound.message().await.unwrap().unwrap();
    assert_eq!(echoed.kind, Some(Kind::Data(Bytes::from_static(b"x"))));

    agent.shutdown.cancel();
    let result = tokio::time::timeout(WAIT, agent.task)
        .await
        .expect("run returns in time");
    result.unwrap().unwrap();
    let end = tokio::time::timeout(WAIT, inbound.message())
        .await
        .expect("flow ends");
    assert!(
        !matches!(end, Ok(Some(_))),
        "no more frames after shutdown: {end:?}"
    );
}

#[tokio::test]
async fn bad_control_plane_url_is_an_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let config = Config {
        control_plane: "not a url".into(),
        agent_id: "provider-0".into(),
        advertise_address: Some("provider:7000".into()),
        vpc_ids: vec![],
    };
    let err = run(config, listener, CancellationToken::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ControlPlaneUrl { .. }), "{err}");
}

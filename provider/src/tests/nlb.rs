//! The NLB's flow lifetimes through the real tunnel: deregistration delay and connection
//! termination, unhealthy targets, the idle timeout.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use plemu_proto::pb::frame::Kind;
use plemu_proto::pb::{Frame, ProviderState, TargetGroupAttributesSpec};
use plemu_proto::tunnel::frame;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tonic::{Code, Streaming};

use super::harness::{Harness, WAIT, echo_target};
use crate::health::checker::UNHEALTHY;
use crate::nlb::drain::DELAY_ENDED;
use crate::test_util::fixture::{self, TG_ARN};

/// How a flow's tunnel stream ended, seen from the consumer's side.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum End {
    /// The provider sent a reset with this reason.
    Reset(String),
    /// The provider half-closed.
    HalfClose,
    /// The stream failed or ended.
    Gone(String),
}

/// Reads frames until the flow ends; returns the data received and how it ended.
pub(super) async fn until_end(inbound: &mut Streaming<Frame>, within: Duration) -> (Vec<u8>, End) {
    let mut data = Vec::new();
    loop {
        let next = tokio::time::timeout(within, inbound.message())
            .await
            .expect("the flow ends in time");
        match next {
            Ok(Some(Frame {
                kind: Some(Kind::Data(d)),
            })) => data.extend_from_slice(&d),
            Ok(Some(Frame {
                kind: Some(Kind::Reset(r)),
            })) => return (data, End::Reset(r.reason)),
            Ok(Some(Frame {
                kind: Some(Kind::HalfClose(_)),
            })) => return (data, End::HalfClose),
            Ok(Some(_)) => {}
            Ok(None) => return (data, End::Gone("ended".into())),
            Err(s) => return (data, End::Gone(s.message().into())),
        }
    }
}

/// Sends `bytes` and waits for the echo.
pub(super) async fn ping(
    tx: &mpsc::Sender<Frame>,
    inbound: &mut Streaming<Frame>,
    bytes: &'static [u8],
) {
    tx.send(frame(Kind::Data(Bytes::from_static(bytes))))
        .await
        .unwrap();
    let mut got = Vec::new();
    while got.len() < bytes.len() {
        match tokio::time::timeout(WAIT, inbound.message()).await {
            Ok(Ok(Some(Frame {
                kind: Some(Kind::Data(d)),
            }))) => got.extend_from_slice(&d),
            other => panic!("expected the echo, got {other:?}"),
        }
    }
    assert_eq!(got, bytes);
}

fn now_ms() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

/// The fixture with `targets` and `attributes` on its target group.
pub(super) fn state(
    targets: &[(&str, u16)],
    attributes: TargetGroupAttributesSpec,
) -> ProviderState {
    let mut s = fixture::provider_state(targets, "available");
    s.target_groups[0].attributes = Some(attributes);
    s
}

/// `state` with the first target deregistered, its delay ending in `delay`.
fn draining(mut s: ProviderState, delay: Duration) -> ProviderState {
    let t = &mut s.target_groups[0].targets[0];
    t.draining = true;
    t.drain_deadline_unix_ms = now_ms() + i64::try_from(delay.as_millis()).unwrap();
    s
}

#[tokio::test]
async fn a_deregistered_target_keeps_its_flows_for_the_delay_then_they_are_reset() {
    let target = echo_target().await;
    let targets = [("127.0.0.1", target.port())];
    let attrs = TargetGroupAttributesSpec {
        deregistration_connection_termination: true,
        unhealthy_connection_termination: true,
        ..Default::default()
    };
    let h = Harness::serving(&targets).await;
    h.cp.set_provider_state(state(&targets, attrs));
    let (_, tx, mut inbound) = h.open_flow(fixture::open_flow()).await.unwrap();
    ping(&tx, &mut inbound, b"before").await;

    h.cp.set_provider_state(draining(state(&targets, attrs), Duration::from_secs(2)));
    // Draining: no new flow (the only target drains), the open one still carries bytes.
    let refused = loop {
        match h.open_flow(fixture::open_flow()).await {
            Err(status) => break status,
            Ok(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    };
    assert_eq!(refused.code(), Code::Unavailable, "{refused:?}");
    ping(&tx, &mut inbound, b"during the delay").await;
    // At the end of the delay, termination on: the flow is reset.
    let (_, end) = until_end(&mut inbound, WAIT).await;
    assert_eq!(end, End::Reset(DELAY_ENDED.into()));
    h.stop().await;
}

#[tokio::test]
async fn without_termination_a_drained_targets_flows_run_on() {
    let target = echo_target().await;
    let targets = [("127.0.0.1", target.port())];
    let attrs = TargetGroupAttributesSpec::default();
    let h = Harness::serving(&targets).await;
    let (_, tx, mut inbound) = h.open_flow(fixture::open_flow()).await.unwrap();
    h.cp.set_provider_state(draining(state(&targets, attrs), Duration::from_millis(300)));
    // Applied once the checker of the draining target stops: it leaves the report.
    h.wait_applied(0).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    ping(&tx, &mut inbound, b"after the delay").await;
    h.stop().await;
}

/// A target that accepts, holds its connections open without answering, and can start refusing
/// new connections (so that it fails its health checks) while keeping those.
async fn holding_target() -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop_tx, mut stop) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let mut held = Vec::new();
        loop {
            tokio::select! {
                _ = &mut stop => break,
                Ok((s, _)) = listener.accept() => held.push(s),
            }
        }
        drop(listener);
        // Keep the accepted connections until the test ends.
        std::future::pending::<()>().await;
        drop(held);
    });
    (addr, stop_tx)
}

#[tokio::test]
async fn a_target_turning_unhealthy_has_its_flows_reset() {
    let good = echo_target().await;
    let (bad, refuse) = holding_target().await;
    let targets = [("127.0.0.1", good.port()), ("127.0.0.1", bad.port())];
    let h = Harness::serving(&targets).await;
    // Both healthy, then a flow that lands on the holding target.
    h.cp.wait_for_report(WAIT, |r| {
        r.targets.len() == 2 && r.targets.iter().all(|t| t.state == "healthy")
    })
    .await;
    let bad_name = format!("127.0.0.1:{}", bad.port());
    // The consumer side stays open (its sender alive): only the provider can end the flow.
    let (_tx, mut inbound) = loop {
        let (target, tx, inbound) = h.open_flow(fixture::open_flow()).await.unwrap();
        if target == bad_name {
            break (tx, inbound);
        }
    };
    refuse.send(()).unwrap();
    let (_, end) = until_end(&mut inbound, WAIT).await;
    assert_eq!(end, End::Reset(UNHEALTHY.into()));
    let r =
        h.cp.wait_for_report(WAIT, |r| {
            r.targets
                .iter()
                .any(|t| t.port == u32::from(bad.port()) && t.state == "unhealthy")
        })
        .await;
    assert!(r.targets.iter().any(|t| t.target_group_arn == TG_ARN));
    h.stop().await;
}

#[tokio::test]
async fn with_termination_off_an_unhealthy_target_drains_and_keeps_its_flows() {
    let good = echo_target().await;
    let (bad, refuse) = holding_target().await;
    let targets = [("127.0.0.1", good.port()), ("127.0.0.1", bad.port())];
    let h = Harness::start().await;
    h.cp.set_provider_state(state(
        &targets,
        TargetGroupAttributesSpec {
            unhealthy_connection_termination: false,
            unhealthy_draining_interval_seconds: 60,
            ..Default::default()
        },
    ));
    h.cp.wait_for_report(WAIT, |r| {
        r.targets.len() == 2 && r.targets.iter().all(|t| t.state == "healthy")
    })
    .await;
    let bad_name = format!("127.0.0.1:{}", bad.port());
    let (tx, mut inbound) = loop {
        let (target, tx, inbound) = h.open_flow(fixture::open_flow()).await.unwrap();
        if target == bad_name {
            break (tx, inbound);
        }
    };
    refuse.send(()).unwrap();
    h.cp.wait_for_report(WAIT, |r| {
        r.targets
            .iter()
            .any(|t| t.port == u32::from(bad.port()) && t.state == "unhealthy.draining")
    })
    .await;
    // The flow is still open: the holding target reads nothing, but the stream has not ended.
    tx.send(frame(Kind::Data(Bytes::from_static(b"still here"))))
        .await
        .unwrap();
    let quiet = tokio::time::timeout(Duration::from_millis(300), inbound.message()).await;
    assert!(quiet.is_err(), "the flow ended: {quiet:?}");
    h.stop().await;
}

#[tokio::test]
async fn an_idle_flow_is_reset_on_both_sides() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let targets = [("127.0.0.1", port)];
    let h = Harness::start().await;
    let mut s = fixture::provider_state(&targets, "available");
    s.load_balancers[0].listeners[0].idle_timeout_seconds = 1;
    h.cp.set_provider_state(s);
    h.wait_applied(1).await;
    let accepted = tokio::spawn(async move {
        // The first connections may be health checks; the flow is the one that sends data.
        loop {
            let (mut conn, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 5];
            if conn.read_exact(&mut buf).await.is_ok() {
                return conn;
            }
        }
    });
    let (_, tx, mut inbound) = h.open_flow(fixture::open_flow()).await.unwrap();
    tx.send(frame(Kind::Data(Bytes::from_static(b"hello"))))
        .await
        .unwrap();
    let mut conn = accepted.await.unwrap();
    // Nothing more either way for a second: the consumer side gets a reset ...
    let (_, end) = until_end(&mut inbound, WAIT).await;
    assert_eq!(end, End::Reset("idle timeout: no traffic for 1s".into()));
    // ... and the target an RST.
    let mut buf = [0u8; 1];
    let read = tokio::time::timeout(WAIT, conn.read(&mut buf))
        .await
        .unwrap();
    assert_eq!(
        read.map_err(|e| e.kind()),
        Err(std::io::ErrorKind::ConnectionReset)
    );
    h.stop().await;
}

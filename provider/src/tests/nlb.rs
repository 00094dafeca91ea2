//! The NLB's data-plane behaviours through the real tunnel: deregistration delay and connection
//! termination, unhealthy targets, the idle timeout, PROXY v2 and the load balancer's state.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use plemu_proto::pb::frame::Kind;
use plemu_proto::pb::{Frame, ProviderState, TargetGroupAttributesSpec};
use plemu_proto::tunnel::frame;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tonic::{Code, Streaming};

use super::harness::{Harness, WAIT, echo_target};
use crate::health::checker::UNHEALTHY;
use crate::nlb::drain::DELAY_ENDED;
use crate::proxy_protocol;
use crate::test_util::fixture::{self, TG_ARN};

/// How a flow's tunnel stream ended, seen from the consumer's side.
#[derive(Debug, PartialEq, Eq)]
enum End {
    /// The provider sent a reset with this reason.
    Reset(String),
    /// The provider half-closed.
    HalfClose,
    /// The stream failed or ended.
    Gone(String),
}

/// Reads frames until the flow ends; returns the data received and how it ended.
async fn until_end(inbound: &mut Streaming<Frame>, within: Duration) -> (Vec<u8>, End) {
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
async fn ping(tx: &mpsc::Sender<Frame>, inbound: &mut Streaming<Frame>, bytes: &'static [u8]) {
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
fn state(targets: &[(&str, u16)], attributes: TargetGroupAttributesSpec) -> ProviderState {
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

/// A target that records the first `n` bytes of every connection that sends data.
async fn recording_target(n: usize) -> (u16, mpsc::Receiver<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        loop {
            let Ok((mut conn, _)) = listener.accept().await else {
                return;
            };
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; n];
                if conn.read_exact(&mut buf).await.is_ok() {
                    let _ = tx.send(buf).await;
                    let _ = conn.write_all(b"ok").await;
                }
            });
        }
    });
    (port, rx)
}

#[tokio::test]
async fn with_proxy_protocol_the_target_first_gets_awss_header() {
    let (port, mut got) = recording_target(16 + 84 + 5).await;
    let targets = [("127.0.0.1", port)];
    let h = Harness::start().await;
    h.cp.set_provider_state(state(
        &targets,
        TargetGroupAttributesSpec {
            proxy_protocol_v2: true,
            unhealthy_connection_termination: true,
            ..Default::default()
        },
    ));
    h.wait_applied(1).await;
    let (_, tx, _inbound) = h.open_flow(fixture::open_flow()).await.unwrap();
    tx.send(frame(Kind::Data(Bytes::from_static(b"hello"))))
        .await
        .unwrap();
    let bytes = tokio::time::timeout(WAIT, got.recv())
        .await
        .unwrap()
        .unwrap();
    // Byte by byte: signature, v2 PROXY, TCP over IPv4, 84 bytes of addresses and TLVs.
    assert_eq!(&bytes[..12], b"\r\n\r\n\0\r\nQUIT\n");
    assert_eq!(&bytes[12..16], &[0x21, 0x11, 0x00, 0x54]);
    // Source: the client (10.1.1.20:50000); destination: the endpoint ENI (10.1.1.4:6379).
    assert_eq!(&bytes[16..20], &[10, 1, 1, 20]);
    assert_eq!(&bytes[20..24], &[10, 1, 1, 4]);
    assert_eq!(&bytes[24..26], &50000u16.to_be_bytes());
    assert_eq!(&bytes[26..28], &6379u16.to_be_bytes());
    // PP2_TYPE_CRC32C over the header with the checksum zeroed.
    assert_eq!(&bytes[28..31], &[0x03, 0x00, 0x04]);
    let mut zeroed = bytes[..100].to_vec();
    zeroed[31..35].fill(0);
    assert_eq!(
        u32::from_be_bytes(bytes[31..35].try_into().unwrap()),
        proxy_protocol::crc32c(&zeroed)
    );
    // PP2_TYPE_AWS, subtype PP2_SUBTYPE_AWS_VPCE_ID, the endpoint id.
    let vpce = fixture::VPCE.as_bytes();
    assert_eq!(vpce.len(), 22);
    assert_eq!(&bytes[35..39], &[0xEA, 0x00, 23, 0x01]);
    assert_eq!(&bytes[39..61], vpce);
    // PP2_TYPE_NOOP padding to 84 bytes.
    assert_eq!(&bytes[61..64], &[0x04, 0x00, 36]);
    assert!(bytes[64..100].iter().all(|b| *b == 0));
    // Then the client's bytes.
    assert_eq!(&bytes[100..], b"hello");
    h.stop().await;
}

#[tokio::test]
async fn a_target_that_does_not_speak_proxy_protocol_gets_the_header_as_data() {
    // The misconfiguration: proxy protocol on, an echo server behind it. The client sees the
    // header the target took for its request.
    let target = echo_target().await;
    let targets = [("127.0.0.1", target.port())];
    let h = Harness::start().await;
    h.cp.set_provider_state(state(
        &targets,
        TargetGroupAttributesSpec {
            proxy_protocol_v2: true,
            ..Default::default()
        },
    ));
    h.wait_applied(1).await;
    let (_, tx, mut inbound) = h.open_flow(fixture::open_flow()).await.unwrap();
    tx.send(frame(Kind::Data(Bytes::from_static(b"PING\r\n"))))
        .await
        .unwrap();
    tx.send(frame(Kind::HalfClose(Default::default())))
        .await
        .unwrap();
    let (echoed, end) = until_end(&mut inbound, WAIT).await;
    assert_eq!(end, End::HalfClose);
    let header = proxy_protocol::header("10.1.1.20:50000", "10.1.1.4:6379", fixture::VPCE).unwrap();
    assert_eq!(&echoed[..header.len()], &header[..]);
    assert_eq!(&echoed[header.len()..], b"PING\r\nbye");
    h.stop().await;
}

#[tokio::test]
async fn a_provisioning_load_balancer_carries_no_traffic() {
    let target = echo_target().await;
    let targets = [("127.0.0.1", target.port())];
    let h = Harness::start().await;
    let mut s = fixture::provider_state(&targets, "available");
    s.load_balancers[0].state = "provisioning".into();
    h.cp.set_provider_state(s);
    h.wait_applied(1).await;
    let refused = h.refused(fixture::open_flow()).await;
    assert_eq!(refused.code(), Code::Unavailable);
    assert_eq!(
        refused.message(),
        format!("load balancer {} is provisioning", fixture::LB_ARN)
    );
    h.publish(&targets, "available");
    let (_, tx, mut inbound) = loop {
        match h.open_flow(fixture::open_flow()).await {
            Ok(flow) => break flow,
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    };
    ping(&tx, &mut inbound, b"active").await;
    drop(TcpStream::connect(target).await);
    h.stop().await;
}

#[tokio::test]
async fn an_nlb_security_group_blocks_privatelink_traffic_until_enforcement_is_off() {
    let target = echo_target().await;
    let targets = [("127.0.0.1", target.port())];
    let h = Harness::serving(&targets).await;
    // The group admits the endpoint's address, not the client's (10.1.1.20): AWS evaluates
    // the client's.
    let guarded = |enforce: bool| {
        let mut s = fixture::provider_state(&targets, "available");
        s.load_balancers[0].security_group_ids = vec!["sg-0123456789abcdef0".into()];
        s.load_balancers[0].enforce_security_groups_on_private_link = enforce;
        s.security_groups = vec![plemu_proto::pb::SecurityGroupSpec {
            group_id: "sg-0123456789abcdef0".into(),
            ingress: vec![plemu_proto::pb::IngressRule {
                ip_protocol: "tcp".into(),
                from_port: 6379,
                to_port: 6379,
                cidrs: vec!["10.1.1.4/32".into()],
                ..Default::default()
            }],
            ..Default::default()
        }];
        s
    };
    h.cp.set_provider_state(guarded(true));
    let refused = loop {
        match h.open_flow(fixture::open_flow()).await {
            Err(status) => break status,
            Ok(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    };
    assert_eq!(refused.code(), Code::PermissionDenied);
    assert!(
        refused
            .message()
            .contains("admit no traffic from 10.1.1.20:50000 on port 6379")
    );
    h.cp.set_provider_state(guarded(false));
    let (_, tx, mut inbound) = loop {
        match h.open_flow(fixture::open_flow()).await {
            Ok(flow) => break flow,
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    };
    ping(&tx, &mut inbound, b"enforcement off").await;
    h.stop().await;
}

#[tokio::test]
async fn cross_zone_off_refuses_an_eni_zone_without_targets_and_on_reaches_the_other_zone() {
    let target = echo_target().await;
    let targets = [("127.0.0.1", target.port())];
    let h = Harness::serving(&targets).await;
    // The endpoint's network interface is in zone b; the only target in zone a.
    let in_b = |cross_zone: Option<bool>| {
        let mut s = state(
            &targets,
            TargetGroupAttributesSpec {
                cross_zone_enabled: cross_zone,
                unhealthy_connection_termination: true,
                ..Default::default()
            },
        );
        s.endpoints[0].network_interfaces[0].availability_zone = "us-east-1b".into();
        s
    };
    let mut open = fixture::open_flow();
    open.availability_zone = "us-east-1b".into();
    h.cp.set_provider_state(in_b(None));
    let refused = loop {
        match h.open_flow(open.clone()).await {
            Err(status) if status.code() == Code::Unavailable => break status,
            _ => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    };
    assert!(refused.message().contains("no targets"), "{refused:?}");
    h.cp.set_provider_state(in_b(Some(true)));
    let (_, tx, mut inbound) = loop {
        match h.open_flow(open.clone()).await {
            Ok(flow) => break flow,
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    };
    ping(&tx, &mut inbound, b"across zones").await;
    h.stop().await;
}

/// An HTTP target that answers every request with `status`.
async fn http_target(status: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut conn, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut head = Vec::new();
                while !head.ends_with(b"\r\n\r\n") {
                    if conn.read_buf(&mut head).await.unwrap_or(0) == 0 {
                        return;
                    }
                }
                let _ = conn
                    .write_all(format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n").as_bytes())
                    .await;
            });
        }
    });
    port
}

#[tokio::test]
async fn an_http_check_with_a_matcher_the_target_fails_makes_it_unhealthy() {
    let port = http_target("302 Found").await;
    let h = Harness::start().await;
    // The default matcher (200-399) passes a 302; `200` does not.
    for (matcher, state, reason) in [
        ("", "healthy", ""),
        ("200", "unhealthy", "Target.ResponseCodeMismatch"),
    ] {
        let mut s = fixture::provider_state(&[("127.0.0.1", port)], "available");
        let hc = s.target_groups[0].health_check.as_mut().unwrap();
        hc.protocol = "HTTP".into();
        hc.path = "/ready".into();
        hc.matcher = matcher.into();
        h.cp.set_provider_state(s);
        let r =
            h.cp.wait_for_report(WAIT, |r| {
                r.targets
                    .iter()
                    .any(|t| t.state == state && t.reason == reason)
            })
            .await;
        if !reason.is_empty() {
            assert_eq!(
                r.targets[0].description,
                "Health checks failed with these codes: [302]"
            );
        }
    }
    h.stop().await;
}

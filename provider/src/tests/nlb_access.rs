//! What the NLB lets through and what targets see, through the real tunnel: PROXY v2, the load
//! balancer's state, its security groups, cross-zone load balancing and HTTP health checks.

use std::time::Duration;

use bytes::Bytes;
use plemu_proto::pb::frame::Kind;
use plemu_proto::pb::{Frame, HalfClose, TargetGroupAttributesSpec};
use plemu_proto::tunnel::frame;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tonic::Code;

use super::harness::{Harness, WAIT, echo_target};
use super::nlb::{End, ping, state, until_end};
use crate::proxy_protocol;
use crate::test_util::fixture;

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
    // As on AWS the flow is dropped: no `opened`, no refusal, no echo, even after the
    // client's half-close; only a flow admitted before the snapshot applied answers.
    loop {
        let (tx, mut inbound) = h
            .open_stream(frame(Kind::Open(Box::new(fixture::open_flow()))))
            .await
            .unwrap();
        tx.send(frame(Kind::Data(Bytes::from_static(b"hello"))))
            .await
            .unwrap();
        tx.send(frame(Kind::HalfClose(HalfClose {}))).await.unwrap();
        match tokio::time::timeout(Duration::from_millis(700), inbound.message()).await {
            Err(_) => break,
            Ok(Ok(Some(Frame {
                kind: Some(Kind::Opened(_)),
            }))) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Ok(other) => panic!("a dropped flow must hear nothing, got {other:?}"),
        }
    }
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

//! Flows through the tunnel: echo and half-close, and every way a flow is refused.

use std::time::Duration;

use bytes::Bytes;
use plemu_proto::pb::frame::Kind;
use plemu_proto::pb::{AgentRole, HalfClose};
use plemu_proto::tunnel::frame;
use tonic::Code;

use super::harness::{Harness, WAIT, echo_target, read_to_half_close, refusing_port};
use crate::test_util::fixture;

#[tokio::test]
async fn echo_through_the_tunnel_with_half_close() {
    let target = echo_target().await;
    let h = Harness::serving(&[("127.0.0.1", target.port())]).await;

    let watch = &h.cp.watch_requests()[0];
    assert_eq!(watch.role(), AgentRole::Provider);
    assert_eq!(watch.agent_id, "provider-0");
    assert_eq!(watch.tunnel_address, h.tunnel.to_string());

    let (opened, tx, mut inbound) = h.open_flow(fixture::open_flow()).await.unwrap();
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

    h.stop().await;
}

#[tokio::test]
async fn refused_flows_end_with_the_right_status() {
    let target = echo_target().await;
    let targets = [("127.0.0.1", target.port())];
    let h = Harness::serving(&targets).await;

    let mut wrong = fixture::open_flow();
    wrong.credential = "not-the-credential".into();
    let err = h.refused(wrong).await;
    assert_eq!(err.code(), Code::PermissionDenied, "{err:?}");

    let mut other_port = fixture::open_flow();
    other_port.port = 6380;
    let err = h.refused(other_port).await;
    assert_eq!(err.code(), Code::NotFound, "{err:?}");

    // A first frame that is not `open`.
    let (_tx, mut inbound) = h
        .open_stream(frame(Kind::Data(Bytes::from_static(b"x"))))
        .await
        .unwrap();
    assert_eq!(
        inbound.message().await.unwrap_err().code(),
        Code::InvalidArgument
    );

    // The endpoint goes back to pendingAcceptance: flows stop being admitted.
    h.publish(&targets, "pendingAcceptance");
    let mut last = None;
    for _ in 0..100 {
        match h.open_flow(fixture::open_flow()).await {
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

    h.stop().await;
}

#[tokio::test]
async fn a_refusing_target_makes_the_flow_unavailable() {
    let bad = refusing_port().await;
    let h = Harness::serving(&[("127.0.0.1", bad)]).await;
    // No healthy target: the NLB fails open to the only one, which refuses.
    let err = h.refused(fixture::open_flow()).await;
    assert_eq!(err.code(), Code::Unavailable, "{err:?}");
    assert!(
        err.message().contains("cannot connect"),
        "{}",
        err.message()
    );

    h.publish(&[], "available");
    h.wait_applied(0).await;
    let err = h.refused(fixture::open_flow()).await;
    assert_eq!(err.code(), Code::Unavailable, "{err:?}");
    assert!(
        err.message().contains("no targets registered"),
        "{}",
        err.message()
    );

    h.stop().await;
}

#[tokio::test]
async fn a_target_sees_the_load_balancer_node_of_the_flows_zone() {
    // A target that answers each connection with the address it came from.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut s, peer)) = listener.accept().await {
            use tokio::io::AsyncWriteExt;
            let _ = s.write_all(peer.ip().to_string().as_bytes()).await;
            let _ = s.shutdown().await;
        }
    });
    let h = Harness::start().await;
    let mut state = fixture::provider_state(&[("127.0.0.1", port)], "available");
    state.load_balancers[0].nodes = vec![
        plemu_proto::pb::LoadBalancerNode {
            availability_zone: "us-east-1b".into(),
            bind_address: "127.0.0.78".into(),
            ..Default::default()
        },
        plemu_proto::pb::LoadBalancerNode {
            availability_zone: fixture::AZ.into(),
            bind_address: "127.0.0.77".into(),
            ..Default::default()
        },
    ];
    h.cp.set_provider_state(state);
    h.wait_applied(1).await;

    let (_, _tx, mut inbound) = h.open_flow(fixture::open_flow()).await.unwrap();
    // Not the agent's own 127.0.0.1: the node in the zone of the flow's ENI.
    assert_eq!(read_to_half_close(&mut inbound).await, b"127.0.0.77");
    h.stop().await;
}

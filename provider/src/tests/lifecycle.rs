//! The agent's life: the Watch stream reopened, shutdown, and a bad configuration.

use bytes::Bytes;
use plemu_proto::pb::frame::Kind;
use plemu_proto::tunnel::frame;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::harness::{Harness, WAIT, echo_target};
use crate::test_util::fixture;
use crate::{Config, Error, run};

#[tokio::test]
async fn watch_is_reopened_and_health_reported_again() {
    let target = echo_target().await;
    let h = Harness::serving(&[("127.0.0.1", target.port())]).await;
    let reports_before = h.cp.reports().len();
    h.cp.end_watches();
    h.cp.wait_for_watches(2, WAIT).await;
    // After a reconnect the agent reports again, even with no change.
    h.cp.wait_for_reports(reports_before + 1, WAIT).await;
    h.stop().await;
}

#[tokio::test]
async fn shutdown_ends_open_flows_and_run_returns() {
    let target = echo_target().await;
    let h = Harness::serving(&[("127.0.0.1", target.port())]).await;
    let (_, tx, mut inbound) = h.open_flow(fixture::open_flow()).await.unwrap();
    tx.send(frame(Kind::Data(Bytes::from_static(b"x"))))
        .await
        .unwrap();
    let echoed = inbound.message().await.unwrap().unwrap();
    assert_eq!(echoed.kind, Some(Kind::Data(Bytes::from_static(b"x"))));

    h.stop().await;
    // The consumer is told, as a client of a vanished NLB sees an RST; then the stream ends.
    let last = tokio::time::timeout(WAIT, inbound.message())
        .await
        .expect("flow ends");
    assert!(
        matches!(&last, Ok(Some(f)) if matches!(&f.kind, Some(Kind::Reset(r)) if r.reason == "provider agent shutting down")),
        "a reset at shutdown: {last:?}"
    );
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
        load_balancer_arns: vec![],
        address_map: None,
        agent_token: None,
        idle_timeout: None,
        metrics: Default::default(),
    };
    let err = run(config, listener, CancellationToken::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ControlPlaneUrl { .. }), "{err}");
}

/// A tunnel stream that never sends `open` is ended after the deadline, not held forever.
#[tokio::test]
async fn a_stream_without_open_is_refused_after_the_deadline() {
    let h = Harness::serving(&[]).await;
    let mut client =
        plemu_proto::pb::tunnel_client::TunnelClient::connect(format!("http://{}", h.tunnel))
            .await
            .unwrap();
    let (_tx, rx) = tokio::sync::mpsc::channel::<plemu_proto::pb::Frame>(1);
    let mut inbound = client
        .open(tokio_stream::wrappers::ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    let started = std::time::Instant::now();
    let status = tokio::time::timeout(std::time::Duration::from_secs(20), inbound.message())
        .await
        .expect("ended within 20 s")
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::DeadlineExceeded, "{status:?}");
    assert!(started.elapsed() >= std::time::Duration::from_secs(9));
    h.stop().await;
}

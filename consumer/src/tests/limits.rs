//! Flow caps: past the per-ENI cap a new connection is reset at once, and a slot frees when a
//! flow ends.

use super::*;
use crate::FlowLimits;

/// Sends `ping` and expects it echoed: the flow runs.
async fn echoes(stream: &mut TcpStream) {
    stream.write_all(b"ping").await.unwrap();
    let mut echo = [0u8; 4];
    tokio::time::timeout(PATIENCE, stream.read_exact(&mut echo))
        .await
        .expect("echo in time")
        .unwrap();
    assert_eq!(&echo, b"ping");
}

#[tokio::test]
async fn a_flow_past_the_eni_cap_is_reset_and_a_closed_one_frees_its_slot() {
    let control_plane = FakeControlPlane::start().await.unwrap();
    let config = crate::Config {
        flow_limits: FlowLimits {
            per_eni: 2,
            per_agent: 10,
        },
        ..crate::Config::default()
    };
    let c = Running::start_configured(
        control_plane.url(),
        control_plane,
        ProviderMode::Echo,
        config,
    )
    .await;
    c.control_plane.push(c.state("available", "10.1.0.0/16"));
    let mut first = c.connect().await;
    echoes(&mut first).await;
    let mut second = c.connect().await;
    echoes(&mut second).await;

    // The third is accepted by the kernel, then reset by the agent.
    let third = c.connect().await;
    assert_reset(third).await;

    // One ends; its slot is free again once the agent has seen the close.
    drop(first);
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let mut next = c.connect().await;
        let _ = next.write_all(b"ping").await;
        let mut echo = [0u8; 4];
        match tokio::time::timeout(PATIENCE, next.read_exact(&mut echo)).await {
            Ok(Ok(_)) => {
                assert_eq!(&echo, b"ping");
                break;
            }
            _ if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            other => panic!("no slot came free: {other:?}"),
        }
    }
    echoes(&mut second).await;
    c.stop().await;
}

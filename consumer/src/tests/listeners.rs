//! Endpoint listeners that cannot bind are reported, retried, and reported again once they run.

use super::*;

/// An ENI address someone else holds: the agent reports the failure (so the control plane shows
/// the endpoint `failed`), keeps trying, binds once the address is free, and clears the report.
#[tokio::test]
async fn a_listener_that_cannot_bind_is_reported_until_it_binds() {
    let c = Running::start(ProviderMode::Echo).await;
    let squatter = std::net::TcpListener::bind(c.eni).unwrap();
    c.control_plane.push(c.state("available", "10.1.0.0/16"));

    let report = tokio::time::timeout(PATIENCE, c.control_plane.listener_report(|f| !f.is_empty()))
        .await
        .expect("a listener failure report");
    assert_eq!(report.len(), 1, "{report:?}");
    let f = &report[0];
    assert_eq!(
        (f.vpc_endpoint_id.as_str(), f.network_interface_id.as_str()),
        (VPCE, ENI)
    );
    assert_eq!(f.address, c.eni.to_string());
    assert!(f.error.contains("in use"), "{}", f.error);

    // Freed: the next retry (every 5 s) binds it and the report empties.
    drop(squatter);
    tokio::time::timeout(PATIENCE, c.control_plane.listener_report(<[_]>::is_empty))
        .await
        .expect("the failure cleared");
    let mut stream = c.connect().await;
    stream.write_all(b"ping").await.unwrap();
    let mut echo = [0u8; 4];
    stream.read_exact(&mut echo).await.unwrap();
    assert_eq!(&echo, b"ping");
    c.stop().await;
}

//! The agent end to end: `run()` against a fake control plane and a fake provider, on loopback.

mod harness;
mod limits;
mod listeners;

use std::io::ErrorKind;
use std::time::Duration;

use plemu_proto::pb::{AgentRole, ConsumerState};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::testing::fixtures::{self, CREDENTIAL};
use crate::testing::{FakeControlPlane, ProviderMode, dns_sockets};
use crate::{Config, Error, run};
use harness::*;
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn echoes_through_the_tunnel_with_half_close() {
    let c = Running::start(ProviderMode::Echo).await;
    c.control_plane.push(c.state("available", "10.1.0.0/16"));
    let mut stream = c.connect().await;
    let local_port = stream.local_addr().unwrap().port();
    stream.write_all(b"PING plemu\r\n").await.unwrap();
    let mut first = [0u8; 12];
    stream.read_exact(&mut first).await.unwrap();
    assert_eq!(&first, b"PING plemu\r\n");
    // Half-close: the far side still answers what was sent before the FIN.
    stream.write_all(b"last words").await.unwrap();
    stream.shutdown().await.unwrap();
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await.unwrap();
    assert_eq!(rest, b"last words");
    assert_eq!(c.provider.wait_for_ends(1).await, ["half_close"]);

    let opens = c.provider.opens();
    assert_eq!(opens.len(), 1);
    let open = &opens[0];
    assert_eq!(open.vpc_endpoint_id, VPCE);
    assert_eq!(open.credential, CREDENTIAL);
    assert_eq!(open.port, u32::from(c.eni.port()));
    assert_eq!(open.client_address, format!("10.1.1.254:{local_port}"));
    assert_eq!(open.eni_address, format!("10.1.1.37:{}", c.eni.port()));
    assert_eq!(open.network_interface_id, ENI);
    assert_eq!(open.availability_zone, "us-east-1a");
    let watch = c.control_plane.watch_requests();
    assert_eq!(watch[0].role(), AgentRole::Consumer);
    assert_eq!(watch[0].agent_id, "consumer-test");
    c.stop().await;
}

#[tokio::test]
async fn carries_a_megabyte_both_ways() {
    let c = Running::start(ProviderMode::Echo).await;
    c.control_plane.push(c.state("available", "10.1.0.0/16"));
    let stream = c.connect().await;
    let payload: Vec<u8> = (0..1024 * 1024).map(|i| (i % 251) as u8).collect();
    let (mut rd, mut wr) = stream.into_split();
    let sent = payload.clone();
    let writer = tokio::spawn(async move {
        wr.write_all(&sent).await.unwrap();
        wr.shutdown().await.unwrap();
    });
    let mut echoed = Vec::new();
    tokio::time::timeout(PATIENCE, rd.read_to_end(&mut echoed))
        .await
        .unwrap()
        .unwrap();
    writer.await.unwrap();
    assert!(
        echoed == payload,
        "echo differs ({} bytes back)",
        echoed.len()
    );
    c.stop().await;
}

#[tokio::test]
async fn security_groups_that_do_not_admit_the_client_drop_it() {
    let c = Running::start(ProviderMode::Echo).await;
    c.control_plane.push(c.state("available", "10.2.0.0/16"));
    // As on AWS the attempt is dropped: the client waits, nothing resets it.
    c.assert_dropped().await;
    assert_eq!(c.provider.streams(), 0);
    // The rule changes, the listener stays: the next connection passes.
    c.control_plane.push(c.state("available", "10.1.1.254/32"));
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let mut s = c.connect().await;
        s.write_all(b"x").await.unwrap();
        let mut b = [0u8; 1];
        if s.read_exact(&mut b).await.is_ok() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "new rule never applied"
        );
    }
    c.stop().await;
}

#[tokio::test]
async fn endpoints_not_available_reset_clients() {
    let c = Running::start(ProviderMode::Echo).await;
    c.control_plane
        .push(c.state("pendingAcceptance", "10.1.0.0/16"));
    assert_reset(c.connect().await).await;
    assert_eq!(c.provider.streams(), 0);
    c.stop().await;
}

#[tokio::test]
async fn no_provider_agent_resets_clients() {
    let c = Running::start(ProviderMode::Echo).await;
    c.control_plane
        .push(c.state_with_provider("available", "10.1.0.0/16", ""));
    assert_reset(c.connect().await).await;
    assert_eq!(c.provider.streams(), 0);
    c.stop().await;
}

/// A restarted control plane knows no provider until the providers reconnect: the last one
/// is still dialled meanwhile (the group change proves the new snapshot was applied).
#[tokio::test]
async fn a_provider_the_control_plane_forgot_for_a_moment_is_still_dialled() {
    let c = Running::start(ProviderMode::Echo).await;
    c.control_plane.push(c.state("available", "10.2.0.0/16"));
    c.assert_dropped().await;
    let cp = &c.control_plane;
    cp.push(c.state_with_provider("available", "10.1.0.0/16", ""));
    for attempt in 0.. {
        let mut s = c.connect().await;
        let mut echo = [0u8; 4];
        let ok = s.write_all(b"ping").await.is_ok() && s.read_exact(&mut echo).await.is_ok();
        if ok && &echo == b"ping" {
            break;
        }
        assert!(attempt < 50, "the remembered provider was not dialled");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    c.stop().await;
}

#[tokio::test]
async fn a_refused_tunnel_stream_resets_the_client() {
    let mode = ProviderMode::Refuse(tonic::Code::PermissionDenied, "credential mismatch".into());
    let c = Running::start(mode).await;
    c.control_plane.push(c.state("available", "10.1.0.0/16"));
    assert_reset(c.connect().await).await;
    assert_eq!(c.provider.streams(), 1);
    assert_eq!(c.provider.opens()[0].vpc_endpoint_id, VPCE);
    c.stop().await;
}

#[tokio::test]
async fn removing_the_endpoint_closes_its_listener_and_resets_its_flows() {
    let c = Running::start(ProviderMode::Echo).await;
    c.control_plane.push(c.state("available", "10.1.0.0/16"));
    let mut flow = c.connect().await;
    flow.write_all(b"hi").await.unwrap();
    let mut b = [0u8; 2];
    flow.read_exact(&mut b).await.unwrap();

    c.control_plane.push(ConsumerState::default());
    assert_reset(flow).await;
    let ends = c.provider.wait_for_ends(1).await;
    // The provider sees the reset, or the stream end without a half-close.
    assert_ne!(ends[0], "half_close");
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        match TcpStream::connect(c.eni).await {
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => break,
            _ => {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "listener still open"
                );
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    // And it comes back with the endpoint.
    c.control_plane.push(c.state("available", "10.1.0.0/16"));
    let mut again = c.connect().await;
    again.write_all(b"ok").await.unwrap();
    again.read_exact(&mut b).await.unwrap();
    assert_eq!(&b, b"ok");
    c.stop().await;
}

#[tokio::test]
async fn serves_dns_for_the_snapshot() {
    use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig};
    use hickory_resolver::net::runtime::TokioRuntimeProvider;

    let c = Running::start(ProviderMode::Echo).await;
    c.control_plane.push(c.state("available", "10.1.0.0/16"));
    // The listener is up once the snapshot was applied, and DNS names before it.
    drop(c.connect().await);
    let mut conn = ConnectionConfig::udp();
    conn.port = c.dns.port();
    let ns = NameServerConfig::new(c.dns.ip(), true, vec![conn]);
    let mut builder = hickory_resolver::Resolver::builder_with_config(
        ResolverConfig::from_name_servers(vec![ns]),
        TokioRuntimeProvider::default(),
    );
    builder.options_mut().cache_size = 0;
    let resolver = builder.build().unwrap();
    for name in [
        fixtures::regional_name(VPCE),
        fixtures::zonal_name(VPCE, "us-east-1a"),
        fixtures::PRIVATE_NAME.to_string(),
    ] {
        let ips: Vec<_> = resolver
            .lookup_ip(format!("{name}."))
            .await
            .unwrap()
            .iter()
            .collect();
        assert_eq!(ips, [std::net::IpAddr::V4(*c.eni.ip())], "{name}");
    }
    c.stop().await;
}

#[tokio::test]
async fn reconnects_to_a_control_plane_that_starts_late() {
    let probe = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = probe.local_addr().unwrap();
    drop(probe);
    // The agent starts first and keeps retrying with backoff.
    let placeholder = FakeControlPlane::start().await.unwrap();
    let mut c =
        Running::start_with(format!("http://{addr}"), placeholder, ProviderMode::Echo).await;
    let late = FakeControlPlane::serve(TcpListener::bind(addr).await.unwrap());
    late.push(c.state("available", "10.1.0.0/16"));
    c.control_plane = late;
    let mut s = c.connect().await;
    s.write_all(b"up").await.unwrap();
    let mut b = [0u8; 2];
    s.read_exact(&mut b).await.unwrap();
    assert_eq!(&b, b"up");
    c.stop().await;
}

#[tokio::test]
async fn invalid_config_is_reported() {
    let (udp, tcp) = dns_sockets().await.unwrap();
    let config = Config {
        tunnel_connections: 0,
        ..Config::default()
    };
    let err = run(config, udp, tcp, CancellationToken::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err}");
}

//! The harness of the agent tests: a consumer agent against a fake control plane and provider.

use std::io::ErrorKind;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::Once;
use std::time::Duration;

use plemu_proto::pb::ConsumerState;
use rand::Rng;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::testing::fixtures;
use crate::testing::{FakeControlPlane, FakeProvider, ProviderMode, dns_sockets};
use crate::{Config, Error, run};

pub(super) const VPCE: &str = "vpce-0aaaaaaaaaaaaaaaa";
pub(super) const ENI: &str = "eni-0000000000000000a";
/// How long any bounded wait in these tests may take.
pub(super) const PATIENCE: Duration = Duration::from_secs(10);

pub(super) fn trace_init() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| "plemu_consumer=debug".into());
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_test_writer()
            .try_init();
    });
}

/// A random 127.1.x.y address with a port free on it, so that parallel tests never share a listener.
pub(super) fn eni_addr() -> SocketAddrV4 {
    let mut rng = rand::rng();
    let ip = Ipv4Addr::new(127, 1, rng.random_range(1..=254), rng.random_range(1..=254));
    let port = std::net::TcpListener::bind((ip, 0))
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    SocketAddrV4::new(ip, port)
}

/// A consumer agent running against fakes.
pub(super) struct Running {
    pub(super) control_plane: FakeControlPlane,
    pub(super) provider: FakeProvider,
    pub(super) eni: SocketAddrV4,
    pub(super) dns: SocketAddr,
    pub(super) token: CancellationToken,
    pub(super) task: JoinHandle<Result<(), Error>>,
}

impl Running {
    pub(super) async fn start(mode: ProviderMode) -> Self {
        let control_plane = FakeControlPlane::start().await.unwrap();
        Self::start_with(control_plane.url(), control_plane, mode).await
    }

    pub(super) async fn start_with(
        url: String,
        control_plane: FakeControlPlane,
        mode: ProviderMode,
    ) -> Self {
        Self::start_configured(url, control_plane, mode, Config::default()).await
    }

    /// Starts with `base` (its control plane URL and agent id replaced).
    pub(super) async fn start_configured(
        url: String,
        control_plane: FakeControlPlane,
        mode: ProviderMode,
        base: Config,
    ) -> Self {
        trace_init();
        let provider = FakeProvider::start(mode).await.unwrap();
        let (udp, tcp) = dns_sockets().await.unwrap();
        let dns = udp.local_addr().unwrap();
        let token = CancellationToken::new();
        let config = Config {
            control_plane: url,
            agent_id: "consumer-test".into(),
            ..base
        };
        let task = tokio::spawn(run(config, udp, tcp, token.clone()));
        Self {
            control_plane,
            provider,
            eni: eni_addr(),
            dns,
            token,
            task,
        }
    }

    /// The fixture endpoint in `state`, its group admitting `cidr`, served by the fake provider.
    pub(super) fn state(&self, state: &str, cidr: &str) -> ConsumerState {
        self.state_with_provider(state, cidr, &self.provider.address())
    }

    pub(super) fn state_with_provider(
        &self,
        state: &str,
        cidr: &str,
        provider: &str,
    ) -> ConsumerState {
        ConsumerState {
            endpoints: vec![fixtures::endpoint(
                VPCE,
                state,
                provider,
                &[self.eni.port()],
                vec![fixtures::eni(
                    ENI,
                    "us-east-1a",
                    "10.1.1.0/24",
                    "10.1.1.37",
                    &self.eni.ip().to_string(),
                )],
            )],
            security_groups: vec![fixtures::endpoint_group(cidr, self.eni.port())],
        }
    }

    /// Expects connection attempts to go unanswered, as packets a security group drops: not
    /// refused, not reset; `connect` just does not complete (once the listener is up).
    pub(super) async fn assert_dropped(&self) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let attempt = TcpStream::connect(self.eni);
            match tokio::time::timeout(Duration::from_millis(500), attempt).await {
                Err(_) => return,
                Ok(Err(e))
                    if e.kind() == ErrorKind::ConnectionRefused
                        && tokio::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Ok(other) => panic!("expected an unanswered attempt, got {other:?}"),
            }
        }
    }

    /// Connects once the listener is up (bounded).
    pub(super) async fn connect(&self) -> TcpStream {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            match TcpStream::connect(self.eni).await {
                Ok(s) => return s,
                Err(e)
                    if e.kind() == ErrorKind::ConnectionRefused
                        && tokio::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                Err(e) => panic!("cannot connect to {}: {e}", self.eni),
            }
        }
    }

    pub(super) async fn stop(self) {
        self.token.cancel();
        let done = tokio::time::timeout(PATIENCE, self.task)
            .await
            .expect("run() stops on cancel");
        done.unwrap().expect("run() returns Ok after cancel");
    }
}

/// Expects the peer to reset the connection: an RST and nothing before it, no FIN that a client
/// could take for a clean close.
pub(super) async fn assert_reset(mut stream: TcpStream) {
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(PATIENCE, stream.read(&mut buf))
        .await
        .expect("no answer");
    match read {
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        other => panic!("expected a reset, got {other:?}"),
    }
}

//! The e2e harness: the fake control plane, `run()` against it, loopback targets and tunnel flows.

use std::net::SocketAddr;
use std::sync::Once;
use std::time::Duration;

use plemu_proto::pb::frame::Kind;
use plemu_proto::pb::tunnel_client::TunnelClient;
use plemu_proto::pb::{Frame, OpenFlow};
use plemu_proto::tunnel::frame;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::{Status, Streaming};

use crate::test_util::FakeControlPlane;
use crate::test_util::fixture;
use crate::{Config, Error, run};

/// Bound on every wait in these tests (health needs about two 1 s intervals).
pub(super) const WAIT: Duration = Duration::from_secs(10);

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
pub(super) async fn echo_target() -> SocketAddr {
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
pub(super) async fn refusing_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap().port()
}

/// Reads data frames until `half_close`; returns the bytes.
pub(super) async fn read_to_half_close(inbound: &mut Streaming<Frame>) -> Vec<u8> {
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

/// A provider agent (`provider-0`) running against its own fake control plane.
pub(super) struct Harness {
    /// The control plane the agent watches and reports to.
    pub cp: FakeControlPlane,
    /// The agent's tunnel listener.
    pub tunnel: SocketAddr,
    shutdown: CancellationToken,
    task: JoinHandle<Result<(), Error>>,
}

impl Harness {
    /// Starts the agent; the control plane has published no snapshot yet.
    pub async fn start() -> Self {
        trace_init();
        let cp = FakeControlPlane::start().await;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let tunnel = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let config = Config {
            control_plane: cp.url(),
            agent_id: "provider-0".into(),
            advertise_address: None,
            vpc_ids: vec![],
            load_balancer_arns: vec![],
            address_map: None,
            agent_token: None,
            idle_timeout: None,
            metrics: Default::default(),
        };
        let task = tokio::spawn(run(config, listener, shutdown.clone()));
        Self {
            cp,
            tunnel,
            shutdown,
            task,
        }
    }

    /// Starts the agent and waits until it applied the fixture with `targets` behind an
    /// `available` endpoint (non-empty: the first report is the signal).
    pub async fn serving(targets: &[(&str, u16)]) -> Self {
        let h = Self::start().await;
        h.publish(targets, "available");
        h.wait_applied(targets.len()).await;
        h
    }

    /// Publishes the fixture with `targets` and the endpoint in `endpoint_state`.
    pub fn publish(&self, targets: &[(&str, u16)], endpoint_state: &str) {
        self.cp
            .set_provider_state(fixture::provider_state(targets, endpoint_state));
    }

    /// Waits until the agent applied a snapshot with `n` targets: it reports them at once.
    pub async fn wait_applied(&self, n: usize) {
        self.cp
            .wait_for_report(WAIT, |r| r.targets.len() == n)
            .await;
    }

    /// Opens a tunnel stream as the consumer agent does: `first` into the channel, then the call.
    pub async fn open_stream(
        &self,
        first: Frame,
    ) -> Result<(mpsc::Sender<Frame>, Streaming<Frame>), Status> {
        let mut client = TunnelClient::connect(format!("http://{}", self.tunnel))
            .await
            .unwrap();
        let (tx, rx) = mpsc::channel(8);
        tx.send(first).await.unwrap();
        let inbound = client.open(ReceiverStream::new(rx)).await?.into_inner();
        Ok((tx, inbound))
    }

    /// Opens a flow and waits for `opened`; returns the target it names.
    pub async fn open_flow(
        &self,
        open: OpenFlow,
    ) -> Result<(String, mpsc::Sender<Frame>, Streaming<Frame>), Status> {
        let (tx, mut inbound) = self.open_stream(frame(Kind::Open(Box::new(open)))).await?;
        match inbound.message().await?.and_then(|f| f.kind) {
            Some(Kind::Opened(o)) => Ok((o.target, tx, inbound)),
            other => panic!("expected opened, got {other:?}"),
        }
    }

    /// Opens a flow that must be refused; returns the status.
    pub async fn refused(&self, open: OpenFlow) -> Status {
        match self.open_flow(open).await {
            Ok((target, _, _)) => panic!("flow admitted to {target}"),
            Err(status) => status,
        }
    }

    /// Cancels the agent and checks that `run` returns `Ok` in time.
    pub async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(WAIT, self.task)
            .await
            .expect("run returns in time")
            .unwrap()
            .unwrap();
    }
}

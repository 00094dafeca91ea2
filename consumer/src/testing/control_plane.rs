//! A fake control plane: serves `Agent.Watch` and streams whatever state the test pushes.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use futures::Stream;
use plemu_proto::pb::agent_server::{Agent, AgentServer};
use plemu_proto::pb::{
    ConsumerState, DesiredState, ListenerFailure, ReportListenerFailuresRequest,
    ReportListenerFailuresResponse, ReportTargetHealthRequest, ReportTargetHealthResponse,
    WatchRequest,
};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::{TcpListenerStream, WatchStream};
use tokio_util::sync::{CancellationToken, DropGuard};
use tonic::{Request, Response, Status};

/// A fake control plane on loopback. Every Watch stream gets the latest pushed
/// state at once and each later one. Stops when dropped.
#[derive(Debug)]
pub struct FakeControlPlane {
    /// Where it listens.
    addr: SocketAddr,
    /// The latest desired state (`None` until the first push).
    state: watch::Sender<Option<DesiredState>>,
    /// Every Watch request received.
    requests: Arc<Mutex<Vec<WatchRequest>>>,
    /// The latest listener failure report, once one came.
    failures: watch::Receiver<Option<Vec<ListenerFailure>>>,
    /// Stops the server when dropped.
    _stop: DropGuard,
}

/// The `Agent` service behind [`FakeControlPlane`].
#[derive(Debug)]
struct Service {
    /// The latest desired state.
    state: watch::Receiver<Option<DesiredState>>,
    /// Every Watch request received.
    requests: Arc<Mutex<Vec<WatchRequest>>>,
    /// The latest listener failure report.
    failures: watch::Sender<Option<Vec<ListenerFailure>>>,
}

// === impl FakeControlPlane ===

impl FakeControlPlane {
    /// Serves on a fresh `127.0.0.1:0` listener.
    ///
    /// # Errors
    /// When the listener cannot be bound.
    pub async fn start() -> std::io::Result<Self> {
        Ok(Self::serve(TcpListener::bind("127.0.0.1:0").await?))
    }

    /// Serves on `listener`.
    ///
    /// # Panics
    /// When the listener has no local address.
    pub fn serve(listener: TcpListener) -> Self {
        let addr = listener.local_addr().expect("bound listener");
        let (state, rx) = watch::channel(None);
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (failures_tx, failures) = watch::channel(None);
        let service = Service {
            state: rx,
            requests: Arc::clone(&requests),
            failures: failures_tx,
        };
        let token = CancellationToken::new();
        let stop = token.clone();
        tokio::spawn(async move {
            let served = tonic::transport::Server::builder()
                .add_service(AgentServer::new(service))
                .serve_with_incoming_shutdown(
                    TcpListenerStream::new(listener),
                    stop.cancelled_owned(),
                )
                .await;
            if let Err(e) = served {
                tracing::warn!(error = %e, "fake control plane failed");
            }
        });
        Self {
            addr,
            state,
            requests,
            failures,
            _stop: token.drop_guard(),
        }
    }

    /// The URL to put in `Config::control_plane`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Streams `consumer` as the next desired state.
    pub fn push(&self, consumer: ConsumerState) {
        self.state.send_modify(|s| {
            let version = s.as_ref().map_or(1, |s| s.version + 1);
            *s = Some(DesiredState {
                version,
                provider: None,
                consumer: Some(consumer),
                topology: None,
            });
        });
    }

    /// Waits for a listener failure report that satisfies `done`, and returns it.
    pub async fn listener_report(
        &self,
        mut done: impl FnMut(&[ListenerFailure]) -> bool,
    ) -> Vec<ListenerFailure> {
        let mut rx = self.failures.clone();
        let report = rx
            .wait_for(|r| r.as_deref().is_some_and(&mut done))
            .await
            .expect("fake control plane running");
        report.clone().unwrap_or_default()
    }

    /// The Watch requests received so far.
    pub fn watch_requests(&self) -> Vec<WatchRequest> {
        self.requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

// === impl Service ===

#[tonic::async_trait]
impl Agent for Service {
    type WatchStream = Pin<Box<dyn Stream<Item = Result<DesiredState, Status>> + Send>>;

    async fn watch(
        &self,
        request: Request<WatchRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        self.requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(request.into_inner());
        let stream = WatchStream::new(self.state.clone()).filter_map(|s| s.map(Ok));
        Ok(Response::new(Box::pin(stream)))
    }

    async fn report_listener_failures(
        &self,
        request: Request<ReportListenerFailuresRequest>,
    ) -> Result<Response<ReportListenerFailuresResponse>, Status> {
        self.failures
            .send_replace(Some(request.into_inner().failures));
        Ok(Response::new(ReportListenerFailuresResponse {}))
    }

    async fn report_target_health(
        &self,
        _request: Request<ReportTargetHealthRequest>,
    ) -> Result<Response<ReportTargetHealthResponse>, Status> {
        Ok(Response::new(ReportTargetHealthResponse {}))
    }
}

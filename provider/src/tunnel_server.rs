//! The tunnel server: one gRPC stream per flow, admitted, dialled to a target and spliced.

use std::sync::Arc;
use std::time::Duration;

use plemu_proto::metrics::Metrics;
use plemu_proto::metrics::flow::Counted;
use plemu_proto::pb::frame::Kind;
use plemu_proto::pb::tunnel_server::{Tunnel, TunnelServer};
use plemu_proto::pb::{FlowOpened, Frame, OpenFlow};
use plemu_proto::tunnel::{FLOW_CHANNEL_FRAMES, FlowEnd, frame, splice_until};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, mpsc};
use tokio::time::Instant;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::{ReceiverStream, TcpListenerStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tonic::{Request, Response, Status, Streaming};
use tracing::Instrument;

use crate::admission::{Admission, Rejection, admit};
use crate::error::Error;
use crate::health::table::HealthTable;
use crate::nlb::dropped;
use crate::nlb::flows::FlowTable;
use crate::nlb::idle::{Activity, DEFAULT_IDLE_TIMEOUT, Tracked};
use crate::nlb::meter::{self, FlowMeter};
use crate::nlb::target::{DIAL_TIMEOUT, Dialer};
use crate::proxy_protocol;
use crate::routes::Routes;

/// HTTP/2 window of one tunnel stream: loopback throughput is capped near 90 MiB/s with the
/// 64 KiB default.
const STREAM_WINDOW: u32 = 4 * 1024 * 1024;
/// HTTP/2 window of one connection, shared by its streams: large so that one stalled flow
/// cannot starve the others.
const CONNECTION_WINDOW: u32 = 16 * 1024 * 1024;
/// How long a new tunnel stream may take to send its `open` frame.
const OPEN_DEADLINE: Duration = Duration::from_secs(10);
/// Interval of HTTP/2 keepalive pings to consumer agents.
const KEEPALIVE: Duration = Duration::from_secs(30);
/// Concurrent tunnel streams (flows) one consumer connection may carry. A consumer agent keeps
/// two connections to a provider and caps its own flows at 32,768, so it is refused before it
/// would wait for a stream.
pub const MAX_STREAMS_PER_CONNECTION: u32 = 16_384;
/// Concurrent flows the provider agent carries; past it a new flow is refused with
/// `RESOURCE_EXHAUSTED` and the consumer resets its client.
pub const MAX_FLOWS: usize = 65_536;

/// The `Tunnel` service: what every flow task shares.
#[derive(Debug, Clone)]
pub struct TunnelService {
    routes: Arc<Routes>,
    health: Arc<HealthTable>,
    dialer: Arc<Dialer>,
    /// Every target's open flows, so that draining and unhealthy targets can have them reset.
    flows: Arc<FlowTable>,
    /// Where flow tasks run, so that shutdown can wait for them.
    tracker: TaskTracker,
    /// Cancelled at shutdown: every flow stops.
    shutdown: CancellationToken,
    /// One permit per running flow, [`MAX_FLOWS`] in all.
    permits: Arc<Semaphore>,
    /// Replaces every listener's `tcp.idle_timeout.seconds` (`--tcp-idle-timeout`, for tests).
    idle_timeout: Option<std::time::Duration>,
    /// Where the load balancers' and services' metrics go.
    metrics: Metrics,
}

// === impl TunnelService ===

impl TunnelService {
    /// A service that routes by `routes` and `health`, dials with `dialer`, and runs its flows
    /// in `tracker` under `shutdown`.
    pub fn new(
        routes: Arc<Routes>,
        health: Arc<HealthTable>,
        dialer: Arc<Dialer>,
        tracker: TaskTracker,
        shutdown: CancellationToken,
    ) -> Self {
        Self {
            routes,
            health,
            dialer,
            flows: Arc::new(FlowTable::new()),
            tracker,
            shutdown,
            permits: Arc::new(Semaphore::new(MAX_FLOWS)),
            idle_timeout: None,
            metrics: Metrics::default(),
        }
    }

    /// The same service, resetting flows idle for `idle_timeout` whatever their listener's
    /// `tcp.idle_timeout.seconds` says (`None`: as the listener says).
    #[must_use]
    pub fn with_idle_timeout(self, idle_timeout: Option<std::time::Duration>) -> Self {
        Self {
            idle_timeout,
            ..self
        }
    }

    /// The same service, recording its flows' metrics in `metrics`.
    #[must_use]
    pub fn with_metrics(self, metrics: Metrics) -> Self {
        Self { metrics, ..self }
    }

    /// The same service, recording its flows in `flows` (shared with health checks and the
    /// drainer).
    #[must_use]
    pub fn with_flows(self, flows: Arc<FlowTable>) -> Self {
        Self { flows, ..self }
    }

    /// Serves the tunnel on `listener` until `shutdown` is cancelled.
    ///
    /// # Errors
    /// [`Error::TunnelServer`] when the server fails, [`Error::TunnelServerStopped`] when it
    /// returns without cancellation.
    pub async fn serve(self, listener: TcpListener) -> Result<(), Error> {
        let shutdown = self.shutdown.clone();
        let incoming = TcpListenerStream::new(listener).map(|accepted| {
            accepted.inspect(|socket| {
                let _ = socket.set_nodelay(true);
            })
        });
        tonic::transport::Server::builder()
            .initial_stream_window_size(STREAM_WINDOW)
            .initial_connection_window_size(CONNECTION_WINDOW)
            .max_frame_size(Some(plemu_proto::tunnel::HTTP2_MAX_FRAME))
            .http2_keepalive_interval(Some(KEEPALIVE))
            .max_concurrent_streams(Some(MAX_STREAMS_PER_CONNECTION))
            .add_service(TunnelServer::new(self))
            .serve_with_incoming_shutdown(incoming, shutdown.clone().cancelled_owned())
            .await
            .map_err(Error::TunnelServer)?;
        if shutdown.is_cancelled() {
            Ok(())
        } else {
            Err(Error::TunnelServerStopped)
        }
    }

    /// Runs one flow from its first frame to its end.
    async fn flow(self, mut inbound: Streaming<Frame>, tx: mpsc::Sender<Result<Frame, Status>>) {
        let first = tokio::select! {
            _ = self.shutdown.cancelled() => return,
            first = tokio::time::timeout(OPEN_DEADLINE, inbound.message()) => match first {
                Ok(first) => first,
                Err(_) => {
                    tracing::debug!("tunnel stream sent no `open` in time");
                    let _ = tx
                        .send(Err(Status::deadline_exceeded(format!(
                            "no `open` frame within {OPEN_DEADLINE:?}"
                        ))))
                        .await;
                    return;
                }
            },
        };
        let open = match first {
            Ok(Some(Frame {
                kind: Some(Kind::Open(open)),
            })) => *open,
            Ok(Some(_)) => {
                tracing::debug!("tunnel stream did not start with open");
                let _ = tx
                    .send(Err(Status::invalid_argument(
                        "the first frame of a flow must be `open`",
                    )))
                    .await;
                return;
            }
            Ok(None) => return tracing::debug!("tunnel stream ended before open"),
            Err(status) => {
                return tracing::debug!(
                    message = status.message(),
                    "tunnel stream failed before open"
                );
            }
        };
        let span = tracing::info_span!(
            "flow",
            vpce = %open.vpc_endpoint_id,
            client.addr = %open.client_address,
            target.addr = tracing::field::Empty,
        );
        self.admitted_flow(open, inbound, tx).instrument(span).await;
    }

    async fn admitted_flow(
        self,
        open: OpenFlow,
        inbound: Streaming<Frame>,
        tx: mpsc::Sender<Result<Frame, Status>>,
    ) {
        let snapshot = self.routes.snapshot();
        let route = match admit(&snapshot, &self.health, &open, rand::random()) {
            Admission::Allowed(route) => route,
            Admission::Rejected(rejection @ Rejection::SecurityGroups { .. }) => {
                tracing::debug!(reason = %rejection.to_status().message(), "flow dropped");
                let forget_after = self.idle_timeout.unwrap_or(DEFAULT_IDLE_TIMEOUT);
                return dropped::hold(inbound, tx, self.shutdown.clone(), forget_after).await;
            }
            Admission::Rejected(rejection) => {
                meter::rejected(&self.metrics, &snapshot, &open, &rejection);
                let status = rejection.to_status();
                tracing::debug!(code = ?status.code(), reason = status.message(), "flow refused");
                let _ = tx.send(Err(status)).await;
                return;
            }
        };
        let target = route.target();
        // Held until the flow ends: its counter handles, looked up once.
        let meter = FlowMeter::open(&self.metrics, &snapshot, &open, &route);
        drop(snapshot);
        tracing::Span::current().record("target.addr", tracing::field::display(&target));
        if route.failed_open {
            tracing::debug!(target_group = %route.target_group_arn, "no healthy target: failing open");
        }
        let dialled = tokio::select! {
            _ = self.shutdown.cancelled() => return,
            r = self.dialer.dial_from(&route.target_id, route.target_port, DIAL_TIMEOUT, route.node_source) => r,
        };
        let mut socket = match dialled {
            Ok(socket) => socket,
            Err(e) => {
                tracing::debug!(error = %e, "target unreachable: flow refused");
                meter.elb_reset();
                let _ = tx.send(Err(Status::unavailable(e.to_string()))).await;
                return;
            }
        };
        // The header goes first, whether or not the target speaks PROXY v2: a target that
        // does not gets it as the first bytes of the client's data, as on AWS.
        if route.proxy_protocol_v2 {
            let header = proxy_protocol::header(
                &open.client_address,
                &open.eni_address,
                &open.vpc_endpoint_id,
            );
            let written = match header {
                Ok(h) => socket.write_all(&h).await.map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            if let Err(e) = written {
                tracing::info!(error = %e, "PROXY v2 header not sent: flow refused");
                meter.elb_reset();
                plemu_proto::tunnel::reset_socket(socket);
                let _ = tx.send(Err(Status::unavailable(e))).await;
                return;
            }
        }
        if tx
            .send(Ok(frame(Kind::Opened(FlowOpened { target }))))
            .await
            .is_err()
        {
            plemu_proto::tunnel::reset_socket(socket);
            return tracing::debug!("consumer left before the flow opened");
        }
        tracing::debug!(load_balancer = %route.load_balancer_arn, "flow opened");
        let started = Instant::now();
        let idle_timeout = self.idle_timeout.unwrap_or(route.idle_timeout);
        let membership = self.flows.enter(&route.key());
        let activity = Activity::new();
        let shutdown = self.shutdown.clone();
        let idle = activity.clone();
        let ended = async {
            tokio::select! {
                _ = shutdown.cancelled() => "provider agent shutting down".to_string(),
                reason = membership.terminated() => reason,
                reason = idle.timed_out(idle_timeout) => reason,
            }
        };
        // On shutdown, idle timeout, or a terminated target the target gets an RST and the
        // consumer a reset, as from an NLB.
        let stats = splice_until(
            socket,
            Tracked::new(Counted::new(tx, meter.bytes.clone()), activity.clone()),
            Tracked::new(Counted::new(inbound, meter.bytes.clone()), activity),
            ended,
        )
        .await;
        meter.ended(&stats.end);
        if let FlowEnd::LocalError(e) = &stats.end {
            tracing::debug!(error = %e, "target socket error");
        }
        tracing::debug!(
            bytes.to_target = stats.bytes_in,
            bytes.to_client = stats.bytes_out,
            end = ?stats.end,
            duration = ?started.elapsed(),
            "flow closed"
        );
    }
}

#[tonic::async_trait]
impl Tunnel for TunnelService {
    type OpenStream = ReceiverStream<Result<Frame, Status>>;

    async fn open(
        &self,
        request: Request<Streaming<Frame>>,
    ) -> Result<Response<Self::OpenStream>, Status> {
        let Ok(permit) = Arc::clone(&self.permits).try_acquire_owned() else {
            tracing::debug!(
                limit = MAX_FLOWS,
                "flow refused: the provider agent carries its maximum"
            );
            return Err(Status::resource_exhausted(format!(
                "the provider agent already carries {MAX_FLOWS} flows"
            )));
        };
        let inbound = request.into_inner();
        let (tx, rx) = mpsc::channel(FLOW_CHANNEL_FRAMES);
        // Answer at once: the consumer may await the response headers before it sends `open`.
        let flow = self.clone().flow(inbound, tx);
        self.tracker.spawn(async move {
            flow.await;
            drop(permit);
        });
        Ok(Response::new(ReceiverStream::new(rx)))
    }
}

//! Test helpers: a fake control plane that serves the `Agent` service, and snapshot fixtures.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{Stream, StreamExt};
use plemu_proto::pb::agent_server::{Agent, AgentServer};
use plemu_proto::pb::{
    DesiredState, EndpointGrant, EniSpec, HealthCheckSpec, ListenerSpec, LoadBalancerSpec,
    OpenFlow, ProviderState, ReportTargetHealthRequest, ReportTargetHealthResponse,
    TargetGroupSpec, TargetSpec, WatchRequest,
};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_stream::wrappers::TcpListenerStream;
use tokio_util::sync::{CancellationToken, DropGuard};
use tonic::{Request, Response, Status};

/// An in-test control plane: hands out the [`DesiredState`] the test sets and records every
/// `ReportTargetHealth` call. Stops serving when dropped.
#[derive(Debug)]
pub struct FakeControlPlane {
    addr: SocketAddr,
    state: watch::Sender<DesiredState>,
    reports: watch::Receiver<Vec<ReportTargetHealthRequest>>,
    watches: watch::Receiver<Vec<WatchRequest>>,
    /// Ends the Watch streams open now; replaced by a fresh token each time.
    epoch: Arc<Mutex<CancellationToken>>,
    _stop: DropGuard,
}

#[derive(Debug, Clone)]
struct Service {
    state: watch::Receiver<DesiredState>,
    reports: Arc<watch::Sender<Vec<ReportTargetHealthRequest>>>,
    watches: Arc<watch::Sender<Vec<WatchRequest>>>,
    epoch: Arc<Mutex<CancellationToken>>,
}

// === impl FakeControlPlane ===

impl FakeControlPlane {
    /// Serves on a fresh `127.0.0.1:0` listener.
    ///
    /// # Panics
    /// When no loopback port can be bound.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake control plane");
        Self::serve(listener)
    }

    /// Serves on `listener` (bind it early to hand its address out before serving).
    ///
    /// # Panics
    /// When the listener has no local address.
    pub fn serve(listener: TcpListener) -> Self {
        let addr = listener.local_addr().expect("listener address");
        let (state, state_rx) = watch::channel(DesiredState::default());
        let (reports_tx, reports) = watch::channel(Vec::new());
        let (watches_tx, watches) = watch::channel(Vec::new());
        let epoch = Arc::new(Mutex::new(CancellationToken::new()));
        let service = Service {
            state: state_rx,
            reports: Arc::new(reports_tx),
            watches: Arc::new(watches_tx),
            epoch: epoch.clone(),
        };
        let stop = CancellationToken::new();
        let signal = stop.clone();
        tokio::spawn(async move {
            let served = tonic::transport::Server::builder()
                .add_service(AgentServer::new(service))
                .serve_with_incoming_shutdown(
                    TcpListenerStream::new(listener),
                    signal.cancelled_owned(),
                )
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "fake control plane failed");
            }
        });
        Self {
            addr,
            state,
            reports,
            watches,
            epoch,
            _stop: stop.drop_guard(),
        }
    }

    /// The URL agents dial, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Publishes a new provider snapshot to every watcher (with a higher version).
    pub fn set_provider_state(&self, provider: ProviderState) {
        self.state.send_modify(|s| {
            s.version += 1;
            s.provider = Some(provider);
        });
    }

    /// Every `ReportTargetHealth` call so far.
    pub fn reports(&self) -> Vec<ReportTargetHealthRequest> {
        self.reports.borrow().clone()
    }

    /// Every `Watch` call so far.
    pub fn watch_requests(&self) -> Vec<WatchRequest> {
        self.watches.borrow().clone()
    }

    /// Waits until `n` Watch calls were made in all.
    ///
    /// # Panics
    /// When fewer were made within `within`.
    pub async fn wait_for_watches(&self, n: usize, within: Duration) -> Vec<WatchRequest> {
        let mut rx = self.watches.clone();
        match tokio::time::timeout(within, rx.wait_for(|w| w.len() >= n)).await {
            Ok(Ok(w)) => w.clone(),
            _ => panic!(
                "{n} Watch calls expected within {within:?}, got {:#?}",
                self.watch_requests()
            ),
        }
    }

    /// Waits until `n` `ReportTargetHealth` calls were made in all.
    ///
    /// # Panics
    /// When fewer were made within `within`.
    pub async fn wait_for_reports(
        &self,
        n: usize,
        within: Duration,
    ) -> Vec<ReportTargetHealthRequest> {
        let mut rx = self.reports.clone();
        match tokio::time::timeout(within, rx.wait_for(|r| r.len() >= n)).await {
            Ok(Ok(r)) => r.clone(),
            _ => panic!(
                "{n} health reports expected within {within:?}, got {:#?}",
                self.reports()
            ),
        }
    }

    /// Ends every Watch stream open now (as a control plane that restarts would).
    pub fn end_watches(&self) {
        let mut epoch = self.epoch.lock().unwrap_or_else(|e| e.into_inner());
        epoch.cancel();
        *epoch = CancellationToken::new();
    }

    /// Waits until a health report satisfies `pred` and returns it.
    ///
    /// # Panics
    /// When none does within `within`; the message lists the reports seen.
    pub async fn wait_for_report(
        &self,
        within: Duration,
        pred: impl Fn(&ReportTargetHealthRequest) -> bool,
    ) -> ReportTargetHealthRequest {
        let mut rx = self.reports.clone();
        let found = tokio::time::timeout(within, rx.wait_for(|all| all.iter().any(&pred))).await;
        match found {
            Ok(Ok(all)) => all
                .iter()
                .rev()
                .find(|r| pred(r))
                .cloned()
                .expect("matched"),
            _ => panic!(
                "no matching health report within {within:?}; got {:#?}",
                self.reports()
            ),
        }
    }
}

type DesiredStream = Pin<Box<dyn Stream<Item = Result<DesiredState, Status>> + Send>>;

#[tonic::async_trait]
impl Agent for Service {
    type WatchStream = DesiredStream;

    async fn watch(
        &self,
        request: Request<WatchRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        let ended = self
            .epoch
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .cancelled_owned();
        self.watches.send_modify(|w| w.push(request.into_inner()));
        let stream = tokio_stream::wrappers::WatchStream::new(self.state.clone())
            .map(Ok)
            .take_until(ended);
        Ok(Response::new(Box::pin(stream)))
    }

    /// A consumer's report: the real control plane refuses it from a provider's token too.
    async fn report_listener_failures(
        &self,
        _request: Request<plemu_proto::pb::ReportListenerFailuresRequest>,
    ) -> Result<Response<plemu_proto::pb::ReportListenerFailuresResponse>, Status> {
        Err(Status::permission_denied(
            "a provider agent does not report endpoint listeners",
        ))
    }

    async fn report_target_health(
        &self,
        request: Request<ReportTargetHealthRequest>,
    ) -> Result<Response<ReportTargetHealthResponse>, Status> {
        let report = request.into_inner();
        self.reports.send_modify(|all| all.push(report));
        Ok(Response::new(ReportTargetHealthResponse {}))
    }
}

/// A small provider topology: one NLB with one TCP listener forwarding to one target group.
pub mod fixture {
    use super::*;

    /// The interface endpoint granted access.
    pub const VPCE: &str = "vpce-0123456789abcdef0";
    /// The endpoint's credential.
    pub const CREDENTIAL: &str = "s3cr3tS3CR3Ts3cr3tS3CR3Ts3cr3tXY";
    /// The provider VPC.
    pub const VPC: &str = "vpc-0123456789abcdef0";
    /// The NLB.
    pub const LB_ARN: &str = "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/redis/0123456789abcdef";
    /// The target group.
    pub const TG_ARN: &str =
        "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/redis/0123456789abcdef";
    /// The listener port.
    pub const PORT: u32 = 6379;
    /// The zone of the endpoint ENI and the targets.
    pub const AZ: &str = "us-east-1a";

    /// Health checks fast enough for tests on the real clock: TCP every second, 2 s timeout,
    /// thresholds of 2.
    pub fn fast_health_check() -> HealthCheckSpec {
        HealthCheckSpec {
            protocol: "TCP".into(),
            port: 0,
            interval_seconds: 1,
            timeout_seconds: 2,
            healthy_threshold: 2,
            unhealthy_threshold: 2,
            path: String::new(),
            ..Default::default()
        }
    }

    /// The topology with `targets` (`(id, port)`, all in [`AZ`]) and the endpoint in
    /// `endpoint_state`.
    pub fn provider_state(targets: &[(&str, u16)], endpoint_state: &str) -> ProviderState {
        ProviderState {
            load_balancers: vec![LoadBalancerSpec {
                load_balancer_arn: LB_ARN.into(),
                load_balancer_name: "redis".into(),
                vpc_id: VPC.into(),
                state: "active".into(),
                nodes: vec![],
                cross_zone_enabled: false,
                listeners: vec![ListenerSpec {
                    listener_arn: format!("{LB_ARN}/listener"),
                    port: PORT,
                    target_group_arn: TG_ARN.into(),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            target_groups: vec![TargetGroupSpec {
                target_group_arn: TG_ARN.into(),
                vpc_id: VPC.into(),
                port: PORT,
                health_check: Some(fast_health_check()),
                targets: targets
                    .iter()
                    .map(|(id, port)| TargetSpec {
                        id: (*id).into(),
                        port: (*port).into(),
                        availability_zone: AZ.into(),
                        ..Default::default()
                    })
                    .collect(),
                in_use: true,
                ..Default::default()
            }],
            endpoints: vec![EndpointGrant {
                vpc_endpoint_id: VPCE.into(),
                service_id: "vpce-svc-0123456789abcdef0".into(),
                state: endpoint_state.into(),
                credential: CREDENTIAL.into(),
                load_balancer_arns: vec![LB_ARN.into()],
                network_interfaces: vec![EniSpec {
                    network_interface_id: "eni-0123456789abcdef0".into(),
                    availability_zone: AZ.into(),
                    private_ip_address: "10.1.1.4".into(),
                    ..Default::default()
                }],
            }],
            ..Default::default()
        }
    }

    /// The `open` frame of a flow from [`VPCE`] to the listener.
    pub fn open_flow() -> OpenFlow {
        OpenFlow {
            vpc_endpoint_id: VPCE.into(),
            credential: CREDENTIAL.into(),
            port: PORT,
            client_address: "10.1.1.20:50000".into(),
            eni_address: "10.1.1.4:6379".into(),
            network_interface_id: "eni-0123456789abcdef0".into(),
            availability_zone: AZ.into(),
        }
    }
}

//! plemu's provider agent: the Network Load Balancer's data plane and the tunnel server.
//!
//! # Layout
//! - [`run`], [`Config`]: the agent, as `plemu up` and `plemu provider` start it.
//! - [`agent`]: the Watch stream to the control plane; each snapshot becomes the routing table
//!   ([`routes`]) and the set of health checkers.
//! - [`health`]: health checks (`health/{tcp,http}.rs`), one checker loop per target
//!   (`health/checker.rs`), the state machine (`health/state.rs`), the shared table
//!   (`health/table.rs`) and the reports to the control plane (`health/report.rs`).
//! - [`nlb`]: flow-hash target choice (`nlb/select.rs`), dialling targets (`nlb/target.rs`),
//!   each target's open flows (`nlb/flows.rs`), deregistration delay (`nlb/drain.rs`) and the
//!   idle timeout (`nlb/idle.rs`).
//! - [`proxy_protocol`]: the PROXY v2 header targets get with `proxy_protocol_v2.enabled`.
//! - [`admission`]: whether a flow may pass, and to which target.
//! - [`tunnel_server`]: the `Tunnel` gRPC service, one stream per flow.
//! - [`error`]: the crate's error types.
#![warn(missing_docs)]

pub mod admission;
pub mod agent;
pub mod error;
pub mod health;
pub mod nlb;
pub mod proxy_protocol;
pub mod routes;
#[cfg(any(test, feature = "test-util"))]
pub mod test_util;
pub mod tunnel_server;

use std::sync::Arc;
use std::time::Duration;

use plemu_proto::pb::agent_client::AgentClient;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tonic::transport::Endpoint;

pub use error::Error;
pub use tunnel_server::{MAX_FLOWS, MAX_STREAMS_PER_CONNECTION};

use agent::Agent;
use health::Supervisor;
use health::table::HealthTable;
use nlb::drain::Drainer;
use nlb::flows::FlowTable;
use nlb::target::Dialer;
use routes::Routes;
use tunnel_server::TunnelService;

/// How long the agent waits for its flows and checkers to stop after shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// What a provider agent needs to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Control plane gRPC URL, e.g. `http://127.0.0.1:4566`.
    pub control_plane: String,
    /// Stable agent name, e.g. `provider-0`.
    pub agent_id: String,
    /// Address consumer agents dial for the tunnel (host:port). None: the tunnel listener's local address.
    pub advertise_address: Option<String>,
    /// VPCs served; empty = all.
    pub vpc_ids: Vec<String>,
    /// Load balancers served (one container per load balancer in Docker); empty = every one in
    /// the VPCs served.
    pub load_balancer_arns: Vec<String>,
    /// Where targets really are when the VPC is a Docker network whose subnet differs from its
    /// CIDR block: a registered IP is dialled at its real address. None: as registered.
    pub address_map: Option<plemu_proto::address_map::AddressMap>,
    /// The token the control plane gave this agent; `None` only against a control plane that
    /// asks for none (tests).
    pub agent_token: Option<plemu_proto::agent_token::AgentToken>,
    /// Resets flows idle this long, whatever their listener's `tcp.idle_timeout.seconds` says
    /// (AWS allows 60 s at least; tests want seconds). `None`: as the listener says.
    pub idle_timeout: Option<std::time::Duration>,
    /// Where the load balancers' `AWS/NetworkELB` and the services' `AWS/PrivateLinkServices`
    /// metrics go (shared with the other roles in `plemu up`).
    pub metrics: plemu_proto::metrics::Metrics,
}

/// Runs until `shutdown` is cancelled: keeps a Watch stream to the control plane (reconnecting with backoff
/// 100ms..5s if it fails, logging at warn), serves the Tunnel service on `tunnel_listener`, runs health checks and
/// reports target health.
///
/// # Errors
/// [`Error::ControlPlaneUrl`] for a bad URL, [`Error::ListenerAddress`] when the listener's address
/// cannot be read, and the tunnel server's failures.
pub async fn run(
    config: Config,
    tunnel_listener: TcpListener,
    shutdown: CancellationToken,
) -> Result<(), Error> {
    let tunnel_address = match &config.advertise_address {
        Some(a) => a.clone(),
        None => tunnel_listener
            .local_addr()
            .map_err(Error::ListenerAddress)?
            .to_string(),
    };
    let channel = Endpoint::from_shared(config.control_plane.clone())
        .map_err(|source| Error::ControlPlaneUrl {
            url: config.control_plane.clone(),
            source,
        })?
        .connect_timeout(Duration::from_secs(5))
        .http2_keep_alive_interval(Duration::from_secs(30))
        .keep_alive_while_idle(true)
        .connect_lazy();
    let client = AgentClient::new(channel);
    // A child token, so that a failing tunnel server stops this agent's tasks only.
    let token = shutdown.child_token();
    let tracker = TaskTracker::new();
    let routes = Arc::new(Routes::new());
    let health = Arc::new(HealthTable::new());
    let dialer = Arc::new(Dialer::from_system().with_address_map(config.address_map));
    let flows = Arc::new(FlowTable::new());

    tracker.spawn(health::report::run(
        client.clone(),
        config.agent_id.clone(),
        config.agent_token.clone(),
        health.clone(),
        token.clone(),
    ));
    let agent = Agent {
        client,
        request: Agent::watch_request(&config, &tunnel_address),
        token: config.agent_token.clone(),
        routes: routes.clone(),
        health: health.clone(),
        supervisor: Supervisor::new(
            health.clone(),
            dialer.clone(),
            token.clone(),
            tracker.clone(),
        )
        .with_flows(flows.clone()),
        drainer: Drainer::new(flows.clone(), token.clone(), tracker.clone()),
    };
    tracker.spawn(agent.run(token.clone()));
    tracing::info!(
        agent_id = %config.agent_id,
        tunnel.addr = %tunnel_address,
        control_plane = %config.control_plane,
        "provider agent started"
    );

    let service = TunnelService::new(routes, health, dialer, tracker.clone(), token.clone())
        .with_flows(flows)
        .with_idle_timeout(config.idle_timeout)
        .with_metrics(config.metrics.clone());
    let served = service.serve(tunnel_listener).await;
    token.cancel();
    tracker.close();
    if tokio::time::timeout(SHUTDOWN_GRACE, tracker.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            tasks = tracker.len(),
            "provider agent tasks still running after {SHUTDOWN_GRACE:?}"
        );
    }
    tracing::info!(agent_id = %config.agent_id, "provider agent stopped");
    served
}

#[cfg(test)]
mod tests;

//! The agent loop: a Watch stream to the control plane, each snapshot reconciled into routes and checkers.

use std::sync::Arc;
use std::time::Duration;

use plemu_proto::agent_token::{self, AgentToken};
use plemu_proto::pb::agent_client::AgentClient;
use plemu_proto::pb::{AgentRole, DesiredState, ProviderState, WatchRequest};
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

use crate::health::Supervisor;
use crate::health::table::HealthTable;
use crate::nlb::drain::Drainer;
use crate::routes::Routes;

/// First wait before the Watch stream is opened again.
const BACKOFF_MIN: Duration = Duration::from_millis(100);
/// Longest wait before the Watch stream is opened again.
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// Doubling reconnect delays between [`BACKOFF_MIN`] and [`BACKOFF_MAX`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct Backoff {
    next: Duration,
}

impl Backoff {
    fn new() -> Self {
        Self { next: BACKOFF_MIN }
    }

    /// The delay to wait now; the one after is twice as long, up to the maximum.
    fn next_delay(&mut self) -> Duration {
        let now = self.next;
        self.next = (self.next * 2).min(BACKOFF_MAX);
        now
    }

    /// Back to the shortest delay (the control plane answered).
    fn reset(&mut self) {
        self.next = BACKOFF_MIN;
    }
}

/// The provider agent's connection to the control plane and what it keeps in step.
#[derive(Debug)]
pub struct Agent {
    /// The control plane's `Agent` service.
    pub client: AgentClient<Channel>,
    /// What this agent tells the control plane about itself.
    pub request: WatchRequest,
    /// Proves to the control plane that this is an agent, and which.
    pub token: Option<AgentToken>,
    /// The routing table the tunnel server reads.
    pub routes: Arc<Routes>,
    /// The health table, touched after each (re)connect so the health is reported again.
    pub health: Arc<HealthTable>,
    /// The health checkers.
    pub supervisor: Supervisor,
    /// The timers that reset draining targets' flows.
    pub drainer: Drainer,
}

// === impl Agent ===

impl Agent {
    /// The Watch request of a provider agent.
    pub fn watch_request(config: &crate::Config, tunnel_address: &str) -> WatchRequest {
        WatchRequest {
            role: AgentRole::Provider.into(),
            agent_id: config.agent_id.clone(),
            tunnel_address: tunnel_address.into(),
            vpc_ids: config.vpc_ids.clone(),
            load_balancer_arns: config.load_balancer_arns.clone(),
        }
    }

    /// Watches until `shutdown` is cancelled, reopening a failed stream with backoff.
    pub async fn run(mut self, shutdown: CancellationToken) {
        let mut backoff = Backoff::new();
        loop {
            let ended = tokio::select! {
                _ = shutdown.cancelled() => return,
                ended = self.watch_once(&mut backoff) => ended,
            };
            let delay = backoff.next_delay();
            match ended {
                Ok(()) => tracing::warn!(retry_in = ?delay, "control plane ended the watch stream"),
                Err(status) => tracing::warn!(
                    retry_in = ?delay,
                    code = ?status.code(),
                    message = status.message(),
                    "watch stream to the control plane failed"
                ),
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(delay) => {}
            }
        }
    }

    /// One Watch stream, applied until it ends.
    async fn watch_once(&mut self, backoff: &mut Backoff) -> Result<(), tonic::Status> {
        let request = agent_token::request(self.token.as_ref(), self.request.clone());
        let mut stream = self.client.watch(request).await?.into_inner();
        let mut first = true;
        while let Some(state) = stream.message().await? {
            if first {
                tracing::info!("watching the control plane");
                backoff.reset();
                // A restarted control plane has forgotten the health this agent reported.
                self.health.touch();
                first = false;
            }
            self.apply(state);
        }
        Ok(())
    }

    /// Makes `state` the current routing table and checks its targets.
    fn apply(&mut self, state: DesiredState) {
        let provider = served(state.provider.unwrap_or_default(), &self.request.vpc_ids);
        tracing::debug!(
            version = state.version,
            load_balancers = provider.load_balancers.len(),
            target_groups = provider.target_groups.len(),
            endpoints = provider.endpoints.len(),
            "desired state"
        );
        let groups = provider.target_groups.clone();
        // Routes first: a target that left stops receiving flows before its checker stops.
        self.routes.replace(provider);
        self.supervisor.reconcile(&groups);
        self.drainer.reconcile(&groups);
    }
}

/// The part of `state` in `vpc_ids` (all of it when empty).
fn served(mut state: ProviderState, vpc_ids: &[String]) -> ProviderState {
    if !vpc_ids.is_empty() {
        state
            .load_balancers
            .retain(|lb| vpc_ids.contains(&lb.vpc_id));
        state
            .target_groups
            .retain(|tg| vpc_ids.contains(&tg.vpc_id));
    }
    state
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::fixture;

    #[test]
    fn backoff_doubles_to_five_seconds_and_resets() {
        let mut b = Backoff::new();
        let delays: Vec<u64> = (0..8).map(|_| b.next_delay().as_millis() as u64).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
        b.reset();
        assert_eq!(b.next_delay(), BACKOFF_MIN);
    }

    #[test]
    fn only_served_vpcs_are_kept() {
        let state = fixture::provider_state(&[("10.0.1.10", 6379)], "available");
        assert_eq!(served(state.clone(), &[]), state);
        assert_eq!(served(state.clone(), &[fixture::VPC.into()]), state);
        let other = served(state, &["vpc-0000000000000000f".into()]);
        assert!(other.load_balancers.is_empty() && other.target_groups.is_empty());
    }
}

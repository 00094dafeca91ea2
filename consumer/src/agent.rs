//! The Watch stream to the control plane and the reconciliation of each snapshot.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use plemu_proto::agent_token;
use plemu_proto::pb::agent_client::AgentClient;
use plemu_proto::pb::{AgentRole, DesiredState, WatchRequest};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::config::Settings;
use crate::dns::zones::{self, Zones};
use crate::endpoint::limits::FlowCounter;
use crate::endpoint::listener::{self, ListenerSpec, Listeners};
use crate::endpoint::proxy::FlowContext;
use crate::endpoint::refusal_log::RefusalLog;
use crate::endpoint::report;
use crate::table::{Snapshot, Table};
use crate::tunnel_client::pool::TunnelPool;

/// First wait before reconnecting to the control plane.
const BACKOFF_MIN: Duration = Duration::from_millis(100);
/// Longest wait between reconnection attempts.
const BACKOFF_MAX: Duration = Duration::from_secs(5);
/// How often listeners that could not bind are tried again.
const BIND_RETRY: Duration = Duration::from_secs(5);
/// How long listeners and flows get to stop at shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The consumer agent: watches the control plane and applies what it sends.
#[derive(Debug)]
pub(crate) struct Agent {
    /// Validated configuration.
    settings: Settings,
    /// The names the DNS server answers.
    zones: Zones,
    /// What accepted connections read.
    ctx: Arc<FlowContext>,
}

/// Reconnection delays doubling from [`BACKOFF_MIN`] to [`BACKOFF_MAX`].
#[derive(Debug)]
struct Backoff(Duration);

// === impl Backoff ===

impl Backoff {
    /// The next delay; later ones double.
    fn next(&mut self) -> Duration {
        let d = self.0;
        self.0 = (self.0 * 2).min(BACKOFF_MAX);
        d
    }

    /// Back to the shortest delay (after a snapshot arrived).
    fn reset(&mut self) {
        self.0 = BACKOFF_MIN;
    }
}

// === impl Agent ===

impl Agent {
    /// An agent that will serve `zones` once snapshots arrive.
    pub fn new(settings: Settings, zones: Zones) -> Self {
        let ctx = Arc::new(FlowContext {
            table: Table::default(),
            pool: TunnelPool::new(settings.tunnel_connections),
            client_address: settings.client_address,
            flows: FlowCounter::new(settings.flow_limits),
            refusals: RefusalLog::new(settings.metrics.clone()),
            metrics: settings.metrics.clone(),
        });
        Self {
            settings,
            zones,
            ctx,
        }
    }

    /// Watches until `token` is cancelled, reconnecting with backoff; then
    /// stops every listener, resetting their flows.
    pub async fn run(self, token: CancellationToken) {
        let mut listeners = Listeners::new(Arc::clone(&self.ctx), token.clone());
        let mut backoff = Backoff(BACKOFF_MIN);
        loop {
            let ended = tokio::select! {
                () = token.cancelled() => break,
                ended = self.watch(&mut listeners, &mut backoff) => ended,
            };
            let delay = backoff.next();
            warn!(control_plane = %self.settings.control_plane.uri(), retry_in = ?delay, "{ended}");
            tokio::select! {
                () = token.cancelled() => break,
                () = tokio::time::sleep(delay) => {}
            }
        }
        listeners.shutdown(SHUTDOWN_GRACE).await;
    }

    /// One Watch stream, applying every snapshot, until it fails or ends;
    /// returns why.
    async fn watch(&self, listeners: &mut Listeners, backoff: &mut Backoff) -> String {
        let channel = match self.settings.control_plane.connect().await {
            Ok(c) => c,
            Err(e) => return format!("cannot reach the control plane: {e}"),
        };
        let request = WatchRequest {
            role: AgentRole::Consumer.into(),
            agent_id: self.settings.agent_id.clone(),
            tunnel_address: String::new(),
            vpc_ids: self.settings.vpc_ids.clone(),
            ..Default::default()
        };
        let request = agent_token::request(self.settings.agent_token.as_ref(), request);
        let mut client = AgentClient::new(channel);
        let mut stream = match client.watch(request).await {
            Ok(r) => r.into_inner(),
            Err(status) => return format!("watch refused: {}", status.message()),
        };
        info!(agent_id = %self.settings.agent_id, "watching the control plane");
        let mut wanted = Vec::new();
        // A new stream: the control plane knows no failures of this agent's (or will forget
        // them with the old stream), so report any there are.
        let mut reported = Vec::new();
        let mut unreported = false;
        let mut retry = tokio::time::interval(BIND_RETRY);
        retry.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                message = stream.message() => match message {
                    Ok(Some(state)) => {
                        backoff.reset();
                        wanted = self.apply(state, listeners);
                    }
                    Ok(None) => return "the control plane ended the watch stream".to_string(),
                    Err(status) => return format!("watch stream failed: {}", status.message()),
                },
                _ = retry.tick(), if listeners.has_failures() || unreported => {
                    listeners.reconcile(&wanted);
                }
            }
            let failures = listeners.failures();
            unreported = failures != reported;
            if unreported && report::send(&mut client, &self.settings, &failures).await {
                reported = failures;
                unreported = false;
            }
        }
    }

    /// Makes listeners, DNS names, the shared table and tunnel connections match `state`;
    /// returns the listeners it asks for.
    fn apply(&self, state: DesiredState, listeners: &mut Listeners) -> Vec<ListenerSpec> {
        let mut consumer = state.consumer.unwrap_or_default();
        // A control plane that just restarted knows no provider until the provider agents
        // reconnect: keep dialling the last provider an endpoint had meanwhile, so that its
        // traffic keeps flowing (a provider that really went away fails the flows anyway).
        self.ctx.table.read(|old| {
            for e in consumer
                .endpoints
                .iter_mut()
                .filter(|e| e.provider_tunnel_address.is_empty())
            {
                if let Some(before) = old.endpoints.get(&e.vpc_endpoint_id) {
                    e.provider_tunnel_address = before.provider_tunnel_address.clone();
                }
            }
        });
        let snapshot = Snapshot::from_state(&consumer);
        let wanted = listener::wanted(
            &snapshot,
            self.settings.bind,
            &self.settings.eni_ids,
            self.settings.client_address,
        );
        let providers: HashSet<String> = consumer
            .endpoints
            .iter()
            .map(|e| e.provider_tunnel_address.clone())
            .filter(|a| !a.is_empty())
            .collect();
        self.zones
            .replace(zones::build(&consumer, self.settings.bind));
        // The table first: new listeners must find their endpoint.
        self.ctx.table.replace(snapshot);
        listeners.reconcile(&wanted);
        self.ctx.pool.retain(&providers);
        debug!(
            version = state.version,
            endpoints = consumer.endpoints.len(),
            security_groups = consumer.security_groups.len(),
            "applied desired state"
        );
        wanted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_the_cap_and_resets() {
        let mut b = Backoff(BACKOFF_MIN);
        let seq: Vec<u64> = (0..8).map(|_| b.next().as_millis() as u64).collect();
        assert_eq!(seq, [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
        b.reset();
        assert_eq!(b.next(), BACKOFF_MIN);
    }
}

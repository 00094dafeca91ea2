//! One target's checker loop: check at once, then every interval, and feed the state machine.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use super::TargetKey;
use super::state::{Probe, TargetHealth, Thresholds};
use super::table::HealthTable;

/// One kind of health check of one target (pingora's `HealthCheck`).
pub trait HealthCheck: Send + Sync + 'static {
    /// Checks the target once. The checker bounds the call by the timeout and counts an
    /// overrun as [`Probe::Timeout`].
    fn probe(&self) -> impl Future<Output = Probe> + Send;
}

/// The loop that checks one target and records its health.
#[derive(Debug)]
pub struct Checker {
    /// The target checked.
    pub key: TargetKey,
    /// This checker's claim on the key in the table.
    pub generation: u64,
    /// Time between the starts of two checks.
    pub interval: Duration,
    /// Time after which a check counts as [`Probe::Timeout`].
    pub timeout: Duration,
    /// Consecutive results needed to change state.
    pub thresholds: Thresholds,
    /// Where the health is recorded.
    pub table: Arc<HealthTable>,
}

// === impl Checker ===

impl Checker {
    /// Checks at once, then every `interval`, until `shutdown` is cancelled.
    pub async fn run<C: HealthCheck>(self, check: C, shutdown: CancellationToken) {
        let target = format!("{}:{}", self.key.id, self.key.port);
        let mut health = self
            .table
            .get(&self.key)
            .unwrap_or_else(TargetHealth::initial);
        let mut ticker = tokio::time::interval(self.interval);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = ticker.tick() => {}
            }
            let probe = tokio::select! {
                _ = shutdown.cancelled() => return,
                r = tokio::time::timeout(self.timeout, check.probe()) => r.unwrap_or(Probe::Timeout),
            };
            tracing::debug!(target_group = %self.key.target_group_arn, %target, ?probe, "health check");
            let next = health.clone().on(&probe, self.thresholds);
            if self.table.update(&self.key, self.generation, next.clone()) {
                tracing::info!(
                    target_group = %self.key.target_group_arn,
                    %target,
                    state = next.state.as_str(),
                    reason = next.reason.map(|r| r.code()).unwrap_or(""),
                    ?probe,
                    "target health changed"
                );
            }
            health = next;
        }
    }
}

#[cfg(test)]
mod tests;

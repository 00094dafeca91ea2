//! One target's checker loop: check at once, then every interval, and feed the state machine.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use super::state::{Probe, TargetHealth, TargetHealthState, Thresholds};
use super::table::HealthTable;
use super::{TargetKey, UnhealthyPolicy};
use crate::nlb::flows::FlowTable;

/// What the flows of a target that turned unhealthy are told when they are reset.
pub const UNHEALTHY: &str = "target unhealthy: connection terminated";

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
    /// What happens to open flows when the target turns unhealthy.
    pub unhealthy: UnhealthyPolicy,
    /// The open flows, reset by the policy; `None` when no flows pass (tests of the loop).
    pub flows: Option<Arc<FlowTable>>,
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
        // When the target last turned unhealthy, for `unhealthy.draining`.
        let mut unhealthy_since = None;
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
            let turned_unhealthy = next.state == TargetHealthState::Unhealthy
                && health.state != TargetHealthState::Unhealthy;
            if turned_unhealthy {
                unhealthy_since = Some(tokio::time::Instant::now());
            } else if next.state != TargetHealthState::Unhealthy {
                unhealthy_since = None;
            }
            let visible = self.visible(&next, unhealthy_since);
            if self
                .table
                .update(&self.key, self.generation, visible.clone())
            {
                tracing::info!(
                    target_group = %self.key.target_group_arn,
                    %target,
                    state = visible.state.as_str(),
                    reason = visible.reason.map(|r| r.code()).unwrap_or(""),
                    ?probe,
                    "target health changed"
                );
            }
            if turned_unhealthy {
                self.on_unhealthy(&target);
            }
            health = next;
        }
    }
}

impl Checker {
    /// The health reported: `unhealthy.draining` instead of `unhealthy` while the draining
    /// interval of a target whose flows are kept runs.
    fn visible(
        &self,
        health: &TargetHealth,
        unhealthy_since: Option<tokio::time::Instant>,
    ) -> TargetHealth {
        let mut visible = health.clone();
        let draining = !self.unhealthy.terminate
            && unhealthy_since.is_some_and(|t| t.elapsed() < self.unhealthy.draining);
        if health.state == TargetHealthState::Unhealthy && draining {
            visible.state = TargetHealthState::UnhealthyDraining;
        }
        visible
    }

    /// Resets the target's flows when the policy says so, unless no other target of the group
    /// is healthy: then the group fails open and they run on, as on AWS.
    fn on_unhealthy(&self, target: &str) {
        let Some(flows) = &self.flows else { return };
        if !self.unhealthy.terminate {
            return;
        }
        if !self
            .table
            .any_other_healthy(&self.key.target_group_arn, &self.key)
        {
            tracing::info!(target_group = %self.key.target_group_arn, %target, "target unhealthy, group fails open: flows kept");
            return;
        }
        let n = flows.terminate(&self.key, UNHEALTHY);
        tracing::info!(target_group = %self.key.target_group_arn, %target, flows = n, "target unhealthy: flows reset");
    }
}

#[cfg(test)]
mod tests;

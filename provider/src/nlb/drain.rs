//! Deregistration delay: a draining target gets no new flows (target choice skips it), and with
//! `deregistration_delay.connection_termination.enabled` its open flows are reset when the
//! delay ends.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use plemu_proto::pb::TargetGroupSpec;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::flows::FlowTable;
use crate::health::TargetKey;

/// What a draining target's flows are told when its delay ends.
pub const DELAY_ENDED: &str = "deregistration delay ended: connection terminated";

/// One timer per draining target whose flows must be reset at the end of its delay.
#[derive(Debug)]
pub struct Drainer {
    flows: Arc<FlowTable>,
    shutdown: CancellationToken,
    tracker: TaskTracker,
    /// Armed timers: the deadline (Unix milliseconds) and the timer's token.
    armed: HashMap<TargetKey, (i64, CancellationToken)>,
}

// === impl Drainer ===

impl Drainer {
    /// A drainer that resets flows in `flows`, its timers running in `tracker` under `shutdown`.
    pub fn new(flows: Arc<FlowTable>, shutdown: CancellationToken, tracker: TaskTracker) -> Self {
        Self {
            flows,
            shutdown,
            tracker,
            armed: HashMap::new(),
        }
    }

    /// Arms a timer for every draining target of `groups` whose group terminates connections at
    /// the end of the delay, and disarms the others (a target registered again, a changed
    /// attribute).
    pub fn reconcile(&mut self, groups: &[TargetGroupSpec]) {
        let mut wanted: HashMap<TargetKey, i64> = HashMap::new();
        for tg in groups {
            let terminate = tg
                .attributes
                .as_ref()
                .is_some_and(|a| a.deregistration_connection_termination);
            if !terminate {
                continue;
            }
            for t in tg.targets.iter().filter(|t| t.draining) {
                wanted.insert(TargetKey::of(tg, t), t.drain_deadline_unix_ms);
            }
        }
        self.armed.retain(|key, (deadline, token)| {
            let keep = wanted.get(key) == Some(deadline);
            if !keep {
                token.cancel();
            }
            keep
        });
        for (key, deadline) in wanted {
            if self.armed.contains_key(&key) {
                continue;
            }
            let token = self.shutdown.child_token();
            let flows = self.flows.clone();
            let wait = until(deadline);
            let stop = token.clone();
            let timer_key = key.clone();
            self.tracker.spawn(async move {
                tokio::select! {
                    _ = stop.cancelled() => {}
                    _ = tokio::time::sleep(wait) => {
                        let n = flows.terminate(&timer_key, DELAY_ENDED);
                        tracing::info!(
                            target_group = %timer_key.target_group_arn,
                            target = %format_args!("{}:{}", timer_key.id, timer_key.port),
                            flows = n,
                            "deregistration delay ended: flows reset"
                        );
                    }
                }
            });
            self.armed.insert(key, (deadline, token));
        }
    }
}

impl Drop for Drainer {
    fn drop(&mut self) {
        for (_, token) in self.armed.values() {
            token.cancel();
        }
    }
}

/// How long from now until `deadline_ms` (Unix milliseconds, wall clock); zero if past.
fn until(deadline_ms: i64) -> Duration {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    Duration::from_millis(u64::try_from(deadline_ms - now_ms).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use plemu_proto::pb::{TargetGroupAttributesSpec, TargetSpec};

    fn group(terminate: bool, deadline_ms: i64) -> TargetGroupSpec {
        TargetGroupSpec {
            target_group_arn: "tg".into(),
            port: 80,
            targets: vec![TargetSpec {
                id: "10.0.1.5".into(),
                draining: true,
                drain_deadline_unix_ms: deadline_ms,
                ..Default::default()
            }],
            attributes: Some(TargetGroupAttributesSpec {
                deregistration_connection_termination: terminate,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn now_ms() -> i64 {
        i64::try_from(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_millis(),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn flows_are_reset_at_the_deadline_only_with_termination_on() {
        let flows = Arc::new(FlowTable::new());
        let key = TargetKey::new("tg", "10.0.1.5", 80);
        let mut drainer = Drainer::new(flows.clone(), CancellationToken::new(), TaskTracker::new());
        let flow = flows.enter(&key);

        drainer.reconcile(&[group(false, now_ms())]);
        assert!(drainer.armed.is_empty(), "termination off: no timer");

        drainer.reconcile(&[group(true, now_ms() + 200)]);
        assert_eq!(drainer.armed.len(), 1);
        let reason = tokio::time::timeout(Duration::from_secs(5), flow.terminated())
            .await
            .expect("reset once the delay ends");
        assert_eq!(reason, DELAY_ENDED);

        // Registered again before the deadline: the timer is disarmed.
        let flow = flows.enter(&key);
        drainer.reconcile(&[group(true, now_ms() + 300)]);
        drainer.reconcile(&[]);
        assert!(drainer.armed.is_empty());
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(flows.open(&key), 1, "the flow was left alone");
        drop(flow);
    }
}

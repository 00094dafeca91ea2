//! The shared table of every checked target's health, read by target choice and the reporter.

use std::collections::HashMap;
use std::sync::RwLock;

use plemu_proto::pb::TargetHealthReport;
use tokio::sync::Notify;

use super::TargetKey;
use super::state::{TargetHealth, TargetHealthState};

/// Every checked target's current health, and a signal when any visible state changes.
///
/// Each entry belongs to one checker generation: a checker that was replaced or stopped can no
/// longer write, so a late result never resurrects a removed target.
#[derive(Debug, Default)]
pub struct HealthTable {
    entries: RwLock<HashMap<TargetKey, Entry>>,
    changed: Notify,
}

#[derive(Debug, Clone)]
struct Entry {
    generation: u64,
    health: TargetHealth,
}

// === impl HealthTable ===

impl HealthTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Gives `key` to checker `generation`, keeping the health it has (or `initial` if new).
    pub fn register(&self, key: TargetKey, generation: u64) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        let is_new = !entries.contains_key(&key);
        entries
            .entry(key)
            .and_modify(|e| e.generation = generation)
            .or_insert_with(|| Entry {
                generation,
                health: TargetHealth::initial(),
            });
        drop(entries);
        if is_new {
            self.changed.notify_one();
        }
    }

    /// Records the health found by checker `generation`. Ignored when the key now belongs to
    /// another checker or was removed. `true` when the visible state changed.
    pub fn update(&self, key: &TargetKey, generation: u64, health: TargetHealth) -> bool {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        let Some(entry) = entries.get_mut(key).filter(|e| e.generation == generation) else {
            return false;
        };
        let changed = !entry.health.same_view(&health);
        entry.health = health;
        drop(entries);
        if changed {
            self.changed.notify_one();
        }
        changed
    }

    /// Stops tracking `key` (its target left the desired state).
    pub fn remove(&self, key: &TargetKey) {
        let removed = self
            .entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key)
            .is_some();
        if removed {
            self.changed.notify_one();
        }
    }

    /// The current health of `key`.
    pub fn get(&self, key: &TargetKey) -> Option<TargetHealth> {
        self.entries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .map(|e| e.health.clone())
    }

    /// Whether `key` is currently `healthy`.
    pub fn is_healthy(&self, key: &TargetKey) -> bool {
        self.get(key)
            .is_some_and(|h| h.state == TargetHealthState::Healthy)
    }

    /// Whether a target of `target_group_arn` other than `except` is `healthy`: if none is, the
    /// group fails open.
    pub fn any_other_healthy(&self, target_group_arn: &str, except: &TargetKey) -> bool {
        self.entries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|(k, e)| {
                k.target_group_arn == target_group_arn
                    && k != except
                    && e.health.state == TargetHealthState::Healthy
            })
    }

    /// Every checked target as a report, in a stable order.
    pub fn reports(&self) -> Vec<TargetHealthReport> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        let mut out: Vec<TargetHealthReport> = entries
            .iter()
            .map(|(k, e)| TargetHealthReport {
                target_group_arn: k.target_group_arn.clone(),
                target_id: k.id.clone(),
                port: k.port,
                state: e.health.state.as_str().into(),
                reason: e.health.reason.map(|r| r.code().into()).unwrap_or_default(),
                description: e.health.reason.map(|r| r.description()).unwrap_or_default(),
            })
            .collect();
        out.sort_by(|a, b| {
            (&a.target_group_arn, &a.target_id, a.port).cmp(&(
                &b.target_group_arn,
                &b.target_id,
                b.port,
            ))
        });
        out
    }

    /// Resolves after a visible change since the last call (changes in between coalesce).
    pub async fn changed(&self) {
        self.changed.notified().await;
    }

    /// Wakes [`changed`](Self::changed) without a change, so that the table is reported again.
    pub fn touch(&self) {
        self.changed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::state::{Probe, Thresholds};

    #[test]
    fn stale_checkers_cannot_write() {
        let table = HealthTable::new();
        let key = TargetKey::new("tg", "127.0.0.1", 80);
        let t = Thresholds {
            healthy: 1,
            unhealthy: 1,
        };
        let healthy = TargetHealth::initial().on(&Probe::Success, t);
        table.register(key.clone(), 1);
        table.register(key.clone(), 2);
        assert!(!table.update(&key, 1, healthy.clone()));
        assert!(!table.is_healthy(&key));
        assert!(table.update(&key, 2, healthy.clone()));
        assert!(table.is_healthy(&key));
        // A re-registration with new settings keeps the health.
        table.register(key.clone(), 3);
        assert!(table.is_healthy(&key));
        table.remove(&key);
        assert!(!table.update(&key, 3, healthy));
        assert!(table.reports().is_empty());
    }
}

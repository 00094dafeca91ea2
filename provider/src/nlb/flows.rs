//! The open flows of each target, so that the NLB can reset them all at once: when a draining
//! target's deregistration delay ends with connection termination on, or when a target turns
//! unhealthy.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use tokio_util::sync::CancellationToken;

use crate::health::TargetKey;

/// Every target's open flows, as one cancellation per target.
#[derive(Debug, Default)]
pub struct FlowTable {
    targets: Mutex<HashMap<TargetKey, Flows>>,
}

/// The flows open to one target.
#[derive(Debug, Clone)]
struct Flows {
    /// Cancelled when the target's flows are terminated.
    token: CancellationToken,
    /// Why they were terminated, set before the token is cancelled.
    reason: Arc<OnceLock<String>>,
    /// How many are open.
    open: usize,
}

/// One open flow's membership in the table; leaves it when dropped.
#[derive(Debug)]
pub struct FlowGuard {
    table: Arc<FlowTable>,
    key: TargetKey,
    token: CancellationToken,
    reason: Arc<OnceLock<String>>,
}

// === impl FlowTable ===

impl FlowTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a new flow to `key`.
    pub fn enter(self: &Arc<Self>, key: &TargetKey) -> FlowGuard {
        let mut targets = self.targets.lock().unwrap_or_else(|e| e.into_inner());
        let flows = targets.entry(key.clone()).or_insert_with(|| Flows {
            token: CancellationToken::new(),
            reason: Arc::new(OnceLock::new()),
            open: 0,
        });
        flows.open += 1;
        FlowGuard {
            table: self.clone(),
            key: key.clone(),
            token: flows.token.clone(),
            reason: flows.reason.clone(),
        }
    }

    /// Resets every flow open to `key`, telling each `reason`; returns how many there were.
    /// Flows opened afterwards are not affected.
    pub fn terminate(&self, key: &TargetKey, reason: &str) -> usize {
        let removed = self
            .targets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
        let Some(flows) = removed else { return 0 };
        let _ = flows.reason.set(reason.to_string());
        flows.token.cancel();
        flows.open
    }

    /// How many flows are open to `key`.
    pub fn open(&self, key: &TargetKey) -> usize {
        self.targets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .map_or(0, |f| f.open)
    }
}

// === impl FlowGuard ===

impl FlowGuard {
    /// Resolves, with the reason, when this flow's target has its flows terminated.
    pub async fn terminated(&self) -> String {
        self.token.cancelled().await;
        self.reason.get().cloned().unwrap_or_default()
    }
}

impl Drop for FlowGuard {
    fn drop(&mut self) {
        let mut targets = self.table.targets.lock().unwrap_or_else(|e| e.into_inner());
        // The entry may be a newer one when this flow's was terminated: only its own counts.
        if let Some(flows) = targets.get_mut(&self.key)
            && Arc::ptr_eq(&flows.reason, &self.reason)
        {
            flows.open = flows.open.saturating_sub(1);
            if flows.open == 0 {
                targets.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn terminating_a_target_resets_its_open_flows_only() {
        let table = Arc::new(FlowTable::new());
        let a = TargetKey::new("tg", "10.0.1.5", 80);
        let b = TargetKey::new("tg", "10.0.1.6", 80);
        let a1 = table.enter(&a);
        let a2 = table.enter(&a);
        let b1 = table.enter(&b);
        assert_eq!((table.open(&a), table.open(&b)), (2, 1));
        drop(a2);
        assert_eq!(table.terminate(&a, "target unhealthy"), 1);
        assert_eq!(a1.terminated().await, "target unhealthy");
        assert!(!b1.token.is_cancelled());
        // A flow opened after the termination is a new one.
        let a3 = table.enter(&a);
        assert!(!a3.token.is_cancelled());
        drop(a1);
        assert_eq!(table.open(&a), 1, "the old flow leaving does not count");
        drop(a3);
        drop(b1);
        assert_eq!(table.terminate(&a, "x"), 0);
        assert!(table.targets.lock().unwrap().is_empty());
    }
}

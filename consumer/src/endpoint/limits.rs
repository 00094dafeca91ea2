//! Caps on concurrent flows, per ENI and per agent: past a cap a new connection is reset at
//! once instead of taking file descriptors and tunnel streams without end.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Default cap on concurrent flows through one endpoint network interface.
pub const DEFAULT_MAX_FLOWS_PER_ENI: usize = 16_384;
/// Default cap on concurrent flows through one consumer agent.
pub const DEFAULT_MAX_FLOWS: usize = 32_768;

/// The caps (each at least 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowLimits {
    /// Concurrent flows through one ENI.
    pub per_eni: usize,
    /// Concurrent flows through the agent.
    pub per_agent: usize,
}

impl Default for FlowLimits {
    fn default() -> Self {
        Self {
            per_eni: DEFAULT_MAX_FLOWS_PER_ENI,
            per_agent: DEFAULT_MAX_FLOWS,
        }
    }
}

/// Which cap a new flow hit.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum LimitHit {
    /// The ENI carries its maximum.
    #[error("network interface {eni} already carries {limit} flows (--max-flows-per-eni)")]
    Eni {
        /// The ENI.
        eni: String,
        /// Its cap.
        limit: usize,
    },
    /// The agent carries its maximum.
    #[error("the consumer agent already carries {limit} flows (--max-flows)")]
    Agent {
        /// The cap.
        limit: usize,
    },
}

/// Live flow counts against [`FlowLimits`].
#[derive(Debug)]
pub(crate) struct FlowCounter {
    limits: FlowLimits,
    counts: Mutex<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    per_eni: HashMap<String, usize>,
}

/// One admitted flow's place under the caps, given back when dropped.
#[derive(Debug)]
pub(crate) struct FlowSlot {
    counter: Arc<FlowCounter>,
    eni: String,
}

// === impl FlowCounter ===

impl FlowCounter {
    /// No flows yet.
    pub fn new(limits: FlowLimits) -> Arc<Self> {
        Arc::new(Self {
            limits,
            counts: Mutex::new(Counts::default()),
        })
    }

    /// A slot for a new flow through `eni`, unless a cap is reached.
    pub fn acquire(self: &Arc<Self>, eni: &str) -> Result<FlowSlot, LimitHit> {
        let mut c = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if c.total >= self.limits.per_agent {
            return Err(LimitHit::Agent {
                limit: self.limits.per_agent,
            });
        }
        let n = c.per_eni.entry(eni.to_string()).or_default();
        if *n >= self.limits.per_eni {
            return Err(LimitHit::Eni {
                eni: eni.to_string(),
                limit: self.limits.per_eni,
            });
        }
        *n += 1;
        c.total += 1;
        Ok(FlowSlot {
            counter: Arc::clone(self),
            eni: eni.to_string(),
        })
    }

    /// Flows running now, for tests.
    #[cfg(test)]
    pub fn running(&self) -> usize {
        self.counts.lock().unwrap_or_else(|p| p.into_inner()).total
    }
}

impl Drop for FlowSlot {
    fn drop(&mut self) {
        let mut c = self
            .counter
            .counts
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        c.total -= 1;
        if let Some(n) = c.per_eni.get_mut(&self.eni) {
            *n -= 1;
            if *n == 0 {
                c.per_eni.remove(&self.eni);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_per_eni_and_per_agent_and_gives_slots_back() {
        let c = FlowCounter::new(FlowLimits {
            per_eni: 2,
            per_agent: 3,
        });
        let a1 = c.acquire("eni-a").unwrap();
        let _a2 = c.acquire("eni-a").unwrap();
        assert!(matches!(
            c.acquire("eni-a"),
            Err(LimitHit::Eni { limit: 2, .. })
        ));
        let _b1 = c.acquire("eni-b").unwrap();
        assert_eq!(
            c.acquire("eni-b").unwrap_err(),
            LimitHit::Agent { limit: 3 }
        );
        drop(a1);
        assert_eq!(c.running(), 2);
        let _a3 = c.acquire("eni-a").unwrap();
        assert_eq!(c.running(), 3);
    }
}

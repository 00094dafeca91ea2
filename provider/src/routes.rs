//! The latest desired state of the load balancers this agent serves, shared with every flow.

use std::sync::{Arc, RwLock};

use plemu_proto::pb::ProviderState;

/// The routing table: the latest [`ProviderState`] snapshot, swapped whole on every update so
/// that each flow reads one consistent version.
#[derive(Debug, Default)]
pub struct Routes {
    current: RwLock<Arc<ProviderState>>,
}

impl Routes {
    /// An empty table: every flow is refused until the first snapshot arrives.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces the snapshot.
    pub fn replace(&self, state: ProviderState) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(state);
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<ProviderState> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

//! The latest desired state, shared by the agent and every accepted connection.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use plemu_proto::pb::{ConsumerState, EndpointSpec, SecurityGroupSpec};

/// The endpoints and security groups of the latest snapshot, by id.
#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    /// Endpoints by `vpc_endpoint_id`.
    pub endpoints: HashMap<String, EndpointSpec>,
    /// Security groups by `group_id`.
    pub security_groups: HashMap<String, SecurityGroupSpec>,
}

/// A cheap handle on the current [`Snapshot`]; connections read it at accept
/// time, so they see state changes without their listener being rebound.
#[derive(Clone, Debug, Default)]
pub(crate) struct Table(Arc<RwLock<Snapshot>>);

// === impl Snapshot ===

impl Snapshot {
    /// Indexes a consumer state by id.
    pub fn from_state(state: &ConsumerState) -> Self {
        Self {
            endpoints: state
                .endpoints
                .iter()
                .map(|e| (e.vpc_endpoint_id.clone(), e.clone()))
                .collect(),
            security_groups: state
                .security_groups
                .iter()
                .map(|g| (g.group_id.clone(), g.clone()))
                .collect(),
        }
    }
}

// === impl Table ===

impl Table {
    /// Replaces the snapshot.
    pub fn replace(&self, snapshot: Snapshot) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = snapshot;
    }

    /// Runs `f` on the current snapshot (under a short read lock; never await inside).
    pub fn read<T>(&self, f: impl FnOnce(&Snapshot) -> T) -> T {
        f(&self.0.read().unwrap_or_else(|p| p.into_inner()))
    }
}

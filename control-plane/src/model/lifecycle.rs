//! The states of endpoints and endpoint services, their transitions, and the timed ones
//! (`deleting` → `deleted` → gone, `pendingAcceptance` → `expired`).
//!
//! Each record keeps when it entered its state (wall clock, in the store), so a timed
//! transition due while the control plane was down happens when it is back.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::Resources;
use crate::error::ApiError;

/// The endpoint (connection) state, as AWS's `VpcEndpoint.State`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum EndpointState {
    /// Waiting for the service owner to accept.
    PendingAcceptance,
    /// Accepted (or auto-accepted), being provisioned.
    Pending,
    /// Carries traffic.
    Available,
    /// Deleted by its owner; its network interfaces are gone.
    Deleting,
    /// Deleted; shown for a while (`Timings::retention`), then gone.
    Deleted,
    /// Rejected by the service owner.
    Rejected,
    /// Could not be provisioned: its service went away while it was `pending`.
    Failed,
    /// Nobody accepted the connection request in time (`Timings::acceptance_expiry`).
    Expired,
}

/// What happens to an endpoint connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EndpointEvent {
    /// The service owner accepts the connection request.
    Accept,
    /// The provisioning delay has passed.
    Provisioned,
    /// Provisioning cannot finish.
    Fail,
    /// The service owner rejects the connection.
    Reject,
    /// The consumer deletes the endpoint.
    Delete,
    /// The deletion delay has passed.
    DeletionDone,
    /// The acceptance window has passed.
    Expire,
}

impl EndpointState {
    /// The state a new endpoint starts in.
    pub fn initial(acceptance_required: bool) -> Self {
        if acceptance_required {
            Self::PendingAcceptance
        } else {
            Self::Pending
        }
    }

    /// The state after `event`.
    ///
    /// # Errors
    /// `InvalidState` when the event does not apply in this state.
    pub fn on(self, event: EndpointEvent) -> Result<Self, ApiError> {
        use EndpointEvent as E;
        match (self, event) {
            (Self::PendingAcceptance, E::Accept) => Ok(Self::Pending),
            (Self::Pending, E::Provisioned) => Ok(Self::Available),
            (Self::Pending, E::Fail) => Ok(Self::Failed),
            (Self::PendingAcceptance | Self::Pending | Self::Available, E::Reject) => {
                Ok(Self::Rejected)
            }
            (Self::PendingAcceptance, E::Expire) => Ok(Self::Expired),
            (Self::Deleted, E::Delete) => Err(Self::invalid(self)),
            (_, E::Delete) => Ok(Self::Deleting),
            (Self::Deleting, E::DeletionDone) => Ok(Self::Deleted),
            (state, _) => Err(Self::invalid(state)),
        }
    }

    fn invalid(state: Self) -> ApiError {
        ApiError::conflict(
            "InvalidState",
            format!("Endpoint is in state '{}'", state.as_str()),
        )
    }

    /// The state's wire name (lowerCamel).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PendingAcceptance => "pendingAcceptance",
            Self::Pending => "pending",
            Self::Available => "available",
            Self::Deleting => "deleting",
            Self::Deleted => "deleted",
            Self::Rejected => "rejected",
            Self::Failed => "failed",
            Self::Expired => "expired",
        }
    }

    /// Whether the endpoint holds the service (deleting the service is refused).
    pub fn is_active(self) -> bool {
        matches!(
            self,
            Self::PendingAcceptance | Self::Pending | Self::Available
        )
    }

    /// Whether the endpoint is being or has been deleted: it holds no subnet, group or name.
    pub fn is_gone(self) -> bool {
        matches!(self, Self::Deleting | Self::Deleted)
    }
}

/// An endpoint service's state, as AWS's `ServiceState` (written as is on the wire).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum ServiceState {
    /// A load balancer of the service is still `provisioning`.
    Pending,
    /// Endpoints can connect.
    Available,
    /// Deleted by its owner.
    Deleting,
    /// Deleted; shown for a while (`Timings::retention`), then gone.
    Deleted,
    /// Could not be provisioned (plemu has no cause for it yet: a service's load balancers
    /// cannot go away under it).
    Failed,
}

/// What happens to an endpoint service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ServiceEvent {
    /// Every load balancer of the service is active.
    Provisioned,
    /// Provisioning cannot finish (no cause in plemu yet; the transition is tested).
    #[allow(dead_code)]
    Fail,
    /// The owner deletes the service.
    Delete,
    /// The deletion delay has passed.
    DeletionDone,
}

impl ServiceState {
    /// The default of records stored before services had states.
    pub fn available() -> Self {
        Self::Available
    }

    /// The state a new service starts in.
    pub fn initial(load_balancers_active: bool) -> Self {
        if load_balancers_active {
            Self::Available
        } else {
            Self::Pending
        }
    }

    /// The state after `event`.
    ///
    /// # Errors
    /// `InvalidState` when the event does not apply in this state.
    pub fn on(self, event: ServiceEvent) -> Result<Self, ApiError> {
        use ServiceEvent as E;
        match (self, event) {
            (Self::Pending, E::Provisioned) => Ok(Self::Available),
            (Self::Pending, E::Fail) => Ok(Self::Failed),
            (Self::Pending | Self::Available | Self::Failed | Self::Deleting, E::Delete) => {
                Ok(Self::Deleting)
            }
            (Self::Deleting, E::DeletionDone) => Ok(Self::Deleted),
            (state, _) => Err(ApiError::conflict(
                "InvalidState",
                format!("The endpoint service is in state '{}'", state.as_str()),
            )),
        }
    }

    /// The state's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Available => "Available",
            Self::Deleting => "Deleting",
            Self::Deleted => "Deleted",
            Self::Failed => "Failed",
        }
    }

    /// Whether the service is being or has been deleted: consumers no longer see it.
    pub fn is_gone(self) -> bool {
        matches!(self, Self::Deleting | Self::Deleted)
    }
}

/// How long the timed states last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Timings {
    /// `deleting` → `deleted` (endpoints and services).
    pub deletion: Duration,
    /// How long a `deleted` record is still described before it goes.
    pub retention: Duration,
    /// How long a connection request waits in `pendingAcceptance` before it is `expired`.
    pub acceptance_expiry: Duration,
}

/// Dates the records stored before states were timed (`state_since` 0) at `now`, so that their
/// timed states count from the upgrade rather than from the epoch (a `pendingAcceptance`
/// endpoint would otherwise expire at once).
pub(crate) fn date_undated(res: &mut Resources, now: i64) {
    for e in res.endpoints.values_mut().filter(|e| e.state_since == 0) {
        e.state_since = now;
    }
    for v in res.services.values_mut().filter(|v| v.state_since == 0) {
        v.state_since = now;
    }
}

/// Whether `since` (ms) is at least `d` before `now` (ms).
fn elapsed(since: i64, now: i64, d: Duration) -> bool {
    now.saturating_sub(since) >= i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Whether a timed transition is due at `now` (ms since the epoch).
pub(crate) fn due(res: &Resources, t: &Timings, now: i64) -> bool {
    let endpoint = res.endpoints.values().any(|e| match e.state {
        EndpointState::Deleting => elapsed(e.state_since, now, t.deletion),
        EndpointState::Deleted => elapsed(e.state_since, now, t.retention),
        EndpointState::PendingAcceptance => elapsed(e.state_since, now, t.acceptance_expiry),
        _ => false,
    });
    endpoint
        || res.services.values().any(|v| match v.state {
            ServiceState::Deleting => elapsed(v.state_since, now, t.deletion),
            ServiceState::Deleted => elapsed(v.state_since, now, t.retention),
            _ => false,
        })
}

/// Applies every timed transition due at `now` (ms since the epoch).
pub(crate) fn sweep(res: &mut Resources, t: &Timings, now: i64) {
    res.endpoints.retain(|_, e| {
        !(e.state == EndpointState::Deleted && elapsed(e.state_since, now, t.retention))
    });
    res.services.retain(|_, v| {
        !(v.state == ServiceState::Deleted && elapsed(v.state_since, now, t.retention))
    });
    for e in res.endpoints.values_mut() {
        let event = match e.state {
            EndpointState::Deleting => EndpointEvent::DeletionDone,
            EndpointState::PendingAcceptance => EndpointEvent::Expire,
            _ => continue,
        };
        let wait = if event == EndpointEvent::Expire {
            t.acceptance_expiry
        } else {
            t.deletion
        };
        if elapsed(e.state_since, now, wait) {
            let _ = e.apply(event);
        }
    }
    for v in res.services.values_mut() {
        if v.state == ServiceState::Deleting && elapsed(v.state_since, now, t.deletion) {
            let _ = v.apply(ServiceEvent::DeletionDone);
        }
    }
}

#[cfg(test)]
mod tests;

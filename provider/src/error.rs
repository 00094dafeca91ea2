//! The errors of the provider agent's boundaries: starting the agent, and dialling a target.

use std::net::SocketAddr;
use std::time::Duration;

/// Why [`run`](crate::run) could not start or stopped before it was cancelled.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `Config::control_plane` is not a valid gRPC URL.
    #[error("invalid control plane URL {url:?}: {source}")]
    ControlPlaneUrl {
        /// The URL as configured.
        url: String,
        /// What is wrong with it.
        #[source]
        source: tonic::transport::Error,
    },
    /// The tunnel listener's local address could not be read (to advertise it).
    #[error("cannot read the tunnel listener's address: {0}")]
    ListenerAddress(#[source] std::io::Error),
    /// The tunnel server failed while serving.
    #[error("tunnel server failed: {0}")]
    TunnelServer(#[source] tonic::transport::Error),
    /// The tunnel server returned although shutdown was not requested.
    #[error("tunnel server stopped without being cancelled")]
    TunnelServerStopped,
}

/// Why a target could not be reached. The blame is always upstream (the target's side).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DialError {
    /// The target's host name did not resolve.
    #[error("cannot resolve target host {host}: {reason}")]
    Resolve {
        /// The registered host name.
        host: String,
        /// The resolver's error.
        reason: String,
    },
    /// The host name resolved to no address.
    #[error("target host {host} has no address")]
    NoAddress {
        /// The registered host name.
        host: String,
    },
    /// The TCP connection failed (refused, unreachable, …).
    #[error("cannot connect to target {addr}: {source}")]
    Connect {
        /// The address dialled.
        addr: SocketAddr,
        /// The socket error.
        #[source]
        source: std::io::Error,
    },
    /// The connection did not complete in time.
    #[error("connecting to target {target} timed out after {after:?}")]
    Timeout {
        /// The target as registered, `id:port`.
        target: String,
        /// How long the dial waited.
        after: Duration,
    },
}

impl DialError {
    /// Whether the dial failed because it ran out of time (a health check's `Target.Timeout`).
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout { .. })
            || matches!(self, Self::Connect { source, .. } if source.kind() == std::io::ErrorKind::TimedOut)
    }
}

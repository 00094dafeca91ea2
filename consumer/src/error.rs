//! The errors that end the consumer agent.

/// Why [`run`](crate::run) returned an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is invalid; every bad field is listed.
    #[error("invalid consumer configuration: {}", .0.join("; "))]
    Config(Vec<String>),
    /// The DNS server failed on one of its sockets.
    #[error("DNS server failed: {0}")]
    DnsServer(String),
    /// The DNS server stopped although the agent was not shut down.
    #[error("DNS server stopped unexpectedly")]
    DnsStopped,
}

//! plemu's consumer agent: the interface endpoint of a consumer VPC.
//!
//! It keeps a Watch stream to the control plane, binds a TCP listener for every
//! listener port of the service on each endpoint network interface (ENI),
//! admits clients by the endpoint's security groups, carries every accepted
//! connection (a *flow*) over its own tunnel stream to the provider agent, and
//! answers the VPC's private DNS names.
//!
//! # Layout
//! - [`config`]: [`Config`], [`BindMode`], [`ClientAddress`].
//! - `agent.rs`: the Watch stream (reconnect with backoff) and reconciliation
//!   of listeners, DNS zones and tunnel connections from each snapshot.
//! - `table.rs`: the latest snapshot, shared with every accepted connection.
//! - `endpoint/listener.rs`: one accept loop per (ENI, address, port).
//! - `endpoint/proxy.rs`: one flow: state, security groups, tunnel, splice.
//! - `security_group.rs`: whether ingress rules admit a client.
//! - `dns/zones.rs`, `dns/server.rs`: the private DNS names and their server.
//! - `tunnel_client/pool.rs`, `tunnel_client/client.rs`: HTTP/2 connections
//!   to provider agents and the opening exchange of a tunnel stream.
//! - [`error`]: the errors that end the agent ([`Error`]).
//! - `testing` (feature `test-util`): fake control plane and fake provider.
#![warn(missing_docs)]

mod agent;
pub mod config;
mod dns;
mod endpoint;
pub mod error;
mod security_group;
mod table;
mod tunnel_client;

#[cfg(any(test, feature = "test-util"))]
pub mod testing;

#[cfg(test)]
mod tests;

pub use config::{BindMode, ClientAddress, Config};
pub use endpoint::limits::{DEFAULT_MAX_FLOWS, DEFAULT_MAX_FLOWS_PER_ENI, FlowLimits};
pub use error::Error;

use tokio::net::{TcpListener, UdpSocket};
use tokio_util::sync::CancellationToken;

/// Runs the consumer agent until `shutdown` is cancelled.
///
/// Keeps a Watch stream to the control plane (reconnecting with a backoff from
/// 100 ms to 5 s), reconciles the endpoint listeners with every snapshot, and
/// serves DNS on the given sockets.
///
/// # Arguments
/// * `config` - what to watch and how to bind and evaluate addresses.
/// * `dns_udp`, `dns_tcp` - bound sockets of the DNS server.
/// * `shutdown` - cancelling it stops the listeners (resetting their flows),
///   the Watch stream and the DNS server.
///
/// # Errors
/// [`Error::Config`] for an invalid configuration, [`Error::DnsServer`] or
/// [`Error::DnsStopped`] when the DNS server fails or stops on its own.
pub async fn run(
    config: Config,
    dns_udp: UdpSocket,
    dns_tcp: TcpListener,
    shutdown: CancellationToken,
) -> Result<(), Error> {
    let config = config.validate()?;
    let zones = dns::zones::Zones::new(dns::forwarder::Forwarder::new(config.dns_upstream));
    let mut server = dns::server::serve(zones.clone(), dns_udp, dns_tcp);
    let agent = agent::Agent::new(config, zones);
    let agent_token = shutdown.child_token();
    let agent_run = agent.run(agent_token.clone());
    tokio::pin!(agent_run);
    tokio::select! {
        () = &mut agent_run => {}
        done = server.block_until_done() => {
            agent_token.cancel();
            agent_run.await;
            return Err(match done {
                Ok(()) => Error::DnsStopped,
                Err(e) => Error::DnsServer(e.to_string()),
            });
        }
    }
    server
        .shutdown_gracefully()
        .await
        .map_err(|e| Error::DnsServer(e.to_string()))
}

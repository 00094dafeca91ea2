//! The DNS server on the given UDP and TCP sockets, answering from the VPC's current catalog
//! (see [`Zones`]).

use std::time::Duration;

use hickory_server::Server;
use hickory_server::net::runtime::Time;
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use tokio::net::{TcpListener, UdpSocket};

use super::zones::Zones;

/// How long a TCP connection may stay idle between requests.
const TCP_TIMEOUT: Duration = Duration::from_secs(10);
/// Responses queued per TCP connection.
const TCP_RESPONSE_BUFFER: usize = 32;

/// Answers each query from the catalog current when it arrives, so that a snapshot that
/// replaces the names never races a query half-answered.
#[derive(Debug)]
pub(crate) struct Handler {
    /// The names served, replaced by the agent on every snapshot.
    zones: Zones,
}

/// Starts serving `zones` on `udp` and `tcp`; stop it with `shutdown_gracefully`.
pub(crate) fn serve(zones: Zones, udp: UdpSocket, tcp: TcpListener) -> Server<Handler> {
    let mut server = Server::new(Handler { zones });
    server.register_socket(udp);
    server.register_listener(tcp, TCP_TIMEOUT, TCP_RESPONSE_BUFFER);
    server
}

// === impl Handler ===

#[async_trait::async_trait]
impl RequestHandler for Handler {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        response_handle: R,
    ) -> ResponseInfo {
        let catalog = self.zones.catalog();
        catalog
            .handle_request::<R, T>(request, response_handle)
            .await
    }
}

#[cfg(test)]
mod tests;

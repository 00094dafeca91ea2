//! The DNS server on the given UDP and TCP sockets, answering from the shared zones and
//! forwarding every other name upstream.

use std::time::Duration;

use hickory_proto::op::{Header, HeaderCounts, MessageType, Metadata, OpCode, ResponseCode};
use hickory_server::Server;
use hickory_server::net::runtime::Time;
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::zone_handler::MessageResponseBuilder;
use tokio::net::{TcpListener, UdpSocket};
use tracing::debug;

use super::forwarder::{Forwarded, Forwarder};
use super::zones::{Answer, Zones};

/// How long a TCP connection may stay idle between requests.
const TCP_TIMEOUT: Duration = Duration::from_secs(10);
/// Responses queued per TCP connection.
const TCP_RESPONSE_BUFFER: usize = 32;

/// Answers queries from [`Zones`], and forwards the others.
#[derive(Debug)]
pub(crate) struct Handler {
    /// The names served, replaced by the agent on every snapshot.
    zones: Zones,
    /// Where names outside plemu's are resolved.
    forwarder: Forwarder,
}

/// Starts serving `zones` on `udp` and `tcp`, forwarding other names to `upstream`, or to the
/// host's resolvers when it is `None`; stop it with `shutdown_gracefully`.
pub(crate) fn serve(
    zones: Zones,
    upstream: Option<std::net::SocketAddr>,
    udp: UdpSocket,
    tcp: TcpListener,
) -> Server<Handler> {
    let forwarder = upstream.map_or_else(Forwarder::from_system, Forwarder::to);
    serve_with(zones, forwarder, udp, tcp)
}

/// As [`serve`], forwarding with `forwarder`.
pub(crate) fn serve_with(
    zones: Zones,
    forwarder: Forwarder,
    udp: UdpSocket,
    tcp: TcpListener,
) -> Server<Handler> {
    let mut server = Server::new(Handler { zones, forwarder });
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
        mut response_handle: R,
    ) -> ResponseInfo {
        let builder = MessageResponseBuilder::from_message_request(request);
        let mut metadata = Metadata::response_from_request(&request.metadata);
        let code = if request.metadata.message_type != MessageType::Query
            || request.metadata.op_code != OpCode::Query
        {
            Some(ResponseCode::NotImp)
        } else {
            None
        };
        let sent = match (code, request.request_info()) {
            (Some(code), _) => {
                response_handle
                    .send_response(builder.error_msg(&request.metadata, code))
                    .await
            }
            (None, Err(_)) => {
                response_handle
                    .send_response(builder.error_msg(&request.metadata, ResponseCode::FormErr))
                    .await
            }
            (None, Ok(info)) => {
                let name = info.query.name();
                let query_type = info.query.query_type();
                match self.zones.answer(name, query_type) {
                    Answer::Records(records) => {
                        debug!(%name, %query_type, answers = records.len(), "DNS answer");
                        metadata.authoritative = true;
                        let response = builder.build(metadata, records.iter(), [], [], []);
                        response_handle.send_response(response).await
                    }
                    Answer::NxDomain => {
                        debug!(%name, %query_type, "DNS NXDOMAIN");
                        metadata.authoritative = true;
                        metadata.response_code = ResponseCode::NXDomain;
                        response_handle
                            .send_response(builder.build_no_records(metadata))
                            .await
                    }
                    Answer::Refused => {
                        metadata.recursion_available = true;
                        match self.forwarder.forward(name, query_type).await {
                            Some(Forwarded::Records(records)) => {
                                debug!(%name, %query_type, answers = records.len(), "DNS forwarded");
                                let response = builder.build(metadata, records.iter(), [], [], []);
                                response_handle.send_response(response).await
                            }
                            Some(Forwarded::NxDomain) => {
                                debug!(%name, %query_type, "DNS forwarded: NXDOMAIN");
                                metadata.response_code = ResponseCode::NXDomain;
                                response_handle
                                    .send_response(builder.build_no_records(metadata))
                                    .await
                            }
                            Some(Forwarded::ServFail) => {
                                response_handle
                                    .send_response(
                                        builder
                                            .error_msg(&request.metadata, ResponseCode::ServFail),
                                    )
                                    .await
                            }
                            None => {
                                debug!(%name, %query_type, "DNS REFUSED: no upstream resolver");
                                response_handle
                                    .send_response(
                                        builder.error_msg(&request.metadata, ResponseCode::Refused),
                                    )
                                    .await
                            }
                        }
                    }
                }
            }
        };
        match sent {
            Ok(info) => info,
            Err(error) => {
                debug!(%error, "cannot send a DNS response");
                metadata.response_code = ResponseCode::ServFail;
                ResponseInfo::from(Header {
                    metadata,
                    counts: HeaderCounts::default(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests;

//! The public DNS, as far as plemu is concerned: the TXT records providers publish (the
//! `PublicDns` gRPC service, `plemu public-dns`) answered over DNS on the control plane's public
//! DNS address, and the lookup `StartVpcEndpointServicePrivateDnsVerification` makes
//! ([`verify`]), against that address or the resolver the user configured.
//!
//! On AWS the record lives wherever the domain's DNS is (a public Route 53 hosted zone, say) and
//! AWS asks public resolvers for it; here the whole workflow runs offline.

pub(crate) mod verify;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use arc_swap::ArcSwap;
use hickory_proto::rr::rdata::{SOA, TXT};
use hickory_proto::rr::{LowerName, Name, RData, Record};
use hickory_server::Server;
use hickory_server::net::runtime::{Time, TokioRuntimeProvider};
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, ZoneHandler, ZoneType};
use tokio::net::{TcpListener, UdpSocket};
use tokio_util::sync::CancellationToken;
use tracing::warn;

use crate::error::Error;
use crate::model::TxtRecord;

/// Time to live of every answer, in seconds: short, so a changed record is seen soon by any
/// resolver that caches.
const TTL: u32 = 30;
/// How long a TCP connection may stay idle between requests.
const TCP_TIMEOUT: Duration = Duration::from_secs(10);
/// Responses queued per TCP connection.
const TCP_RESPONSE_BUFFER: usize = 32;

/// The TXT records as one zone at the root, replaced whole whenever they change (they are few),
/// so that a query never sees half a change. A name without records is NXDOMAIN.
pub(crate) struct PublicZone {
    current: ArcSwap<Catalog>,
    /// Where the zone is answered, once it is served.
    served_at: OnceLock<SocketAddr>,
}

impl std::fmt::Debug for PublicZone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicZone")
            .field("served_at", &self.served_at.get())
            .finish_non_exhaustive()
    }
}

// === impl PublicZone ===

impl PublicZone {
    /// A zone with `records`, not yet served.
    pub fn new(records: &BTreeMap<String, TxtRecord>) -> Self {
        let zone = Self {
            current: ArcSwap::from_pointee(Catalog::new()),
            served_at: OnceLock::new(),
        };
        zone.replace(records);
        zone
    }

    /// Answers from `records` from now on.
    pub fn replace(&self, records: &BTreeMap<String, TxtRecord>) {
        let mut handler = InMemoryZoneHandler::<TokioRuntimeProvider>::empty(
            Name::root(),
            ZoneType::Primary,
            AxfrPolicy::Deny,
        );
        // An SOA at the apex: negative answers carry it (RFC 2308), and hickory's catalog warns
        // on every NXDOMAIN of a zone without one.
        if let Some(soa) = soa() {
            handler.upsert_mut(soa, 0);
        }
        for (name, record) in records {
            let owner = match Name::from_ascii(format!("{name}.")) {
                Ok(n) => n,
                Err(e) => {
                    warn!(name, error = %e, "a stored TXT record's name is not a DNS name; not served");
                    continue;
                }
            };
            for value in &record.values {
                let txt = RData::TXT(TXT::new(vec![value.clone()]));
                handler.upsert_mut(Record::from_rdata(owner.clone(), TTL, txt), 0);
            }
        }
        let handler: Arc<dyn ZoneHandler> = Arc::new(handler);
        let mut catalog = Catalog::new();
        catalog.upsert(LowerName::from(Name::root()), vec![handler]);
        self.current.store(Arc::new(catalog));
    }

    /// The address the zone is answered on, once it has sockets
    /// ([`crate::ControlPlane::with_public_dns`]).
    pub fn served_at(&self) -> Option<SocketAddr> {
        self.served_at.get().copied()
    }

    /// Records where the zone is answered; the first address given stays (verification asks it).
    pub fn answer_at(&self, addr: SocketAddr) {
        let _ = self.served_at.set(addr);
    }
}

/// The zone's SOA record: plemu's public DNS as the primary, negative answers cached for [`TTL`].
fn soa() -> Option<Record> {
    let mname = Name::from_ascii("public-dns.plemu.").ok()?;
    let rname = Name::from_ascii("hostmaster.plemu.").ok()?;
    let ttl = i32::try_from(TTL).ok()?;
    let rdata = SOA::new(mname, rname, 1, ttl, ttl, 7 * 24 * 3600, TTL);
    Some(Record::from_rdata(Name::root(), TTL, RData::SOA(rdata)))
}

/// Answers each query from the zone current when it arrives.
struct Handler(Arc<PublicZone>);

#[async_trait::async_trait]
impl RequestHandler for Handler {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        response_handle: R,
    ) -> ResponseInfo {
        let catalog = self.0.current.load_full();
        catalog
            .handle_request::<R, T>(request, response_handle)
            .await
    }
}

/// Answers `zone` on `udp` and `tcp` (one address) until `shutdown` is cancelled.
///
/// # Errors
/// [`Error::PublicDns`] when the server fails, [`Error::PublicDnsStopped`] when it stops by itself.
pub(crate) async fn serve(
    zone: Arc<PublicZone>,
    udp: UdpSocket,
    tcp: TcpListener,
    shutdown: CancellationToken,
) -> Result<(), Error> {
    let mut server = Server::new(Handler(zone));
    server.register_socket(udp);
    server.register_listener(tcp, TCP_TIMEOUT, TCP_RESPONSE_BUFFER);
    tokio::select! {
        () = shutdown.cancelled() => {}
        done = server.block_until_done() => {
            return Err(match done {
                Ok(()) => Error::PublicDnsStopped,
                Err(e) => Error::PublicDns(e),
            });
        }
    }
    server.shutdown_gracefully().await.map_err(Error::PublicDns)
}

#[cfg(test)]
mod tests;

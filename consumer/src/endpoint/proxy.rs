//! One accepted connection: endpoint state, security groups, then a tunnel stream spliced to the socket.

use std::net::SocketAddr;
use std::sync::Arc;

use plemu_proto::metrics::Metrics;
use plemu_proto::metrics::flow::Counted;
use plemu_proto::pb::OpenFlow;
use plemu_proto::tunnel::{FlowEnd, reset_socket, splice_until};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, debug, info_span, warn};

use super::limits::FlowCounter;
use super::meter::{self, FlowMeter};
use super::refusal_log::RefusalLog;
use crate::ClientAddress;
use crate::security_group::{self, Admission};
use crate::table::{Snapshot, Table};
use crate::tunnel_client::client;
use crate::tunnel_client::pool::TunnelPool;

/// The endpoint state in which flows pass.
const AVAILABLE: &str = "available";

/// What every flow needs, shared by all listeners.
#[derive(Debug)]
pub(crate) struct FlowContext {
    /// The latest snapshot, read at accept time.
    pub table: Table,
    /// Connections to provider agents.
    pub pool: TunnelPool,
    /// How a client's modelled address is found.
    pub client_address: ClientAddress,
    /// Concurrent flows against their caps.
    pub flows: Arc<FlowCounter>,
    /// Refused connections, logged without flooding.
    pub refusals: RefusalLog,
    /// Where the endpoints' metrics go.
    pub metrics: Metrics,
}

/// Which listener accepted a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Listen {
    /// The endpoint.
    pub vpce: String,
    /// The ENI whose address was dialled.
    pub eni_id: String,
    /// The listener (service) port.
    pub port: u16,
}

/// A flow the endpoint lets through, with what the provider must be told.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Admitted {
    /// The `open` frame.
    pub open: OpenFlow,
    /// The provider agent's tunnel address.
    pub provider: String,
}

/// Why the endpoint reset a connection instead of tunnelling it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Refusal {
    /// The endpoint left the snapshot after the connection was accepted.
    #[error("VPC endpoint {vpce} no longer exists; connection from {client} refused")]
    Gone {
        /// The endpoint.
        vpce: String,
        /// The client's real address.
        client: SocketAddr,
    },
    /// Traffic passes only once the endpoint is `available`.
    #[error("VPC endpoint {vpce} is {state}; connection from {client} refused")]
    NotAvailable {
        /// The endpoint.
        vpce: String,
        /// Its lowerCamel state.
        state: String,
        /// The client's real address.
        client: SocketAddr,
    },
    /// The ENI left the endpoint after the connection was accepted.
    #[error("VPC endpoint {vpce} has no network interface {eni}; connection from {client} refused")]
    NoInterface {
        /// The endpoint.
        vpce: String,
        /// The ENI.
        eni: String,
        /// The client's real address.
        client: SocketAddr,
    },
    /// The client's modelled address cannot be worked out.
    #[error("VPC endpoint {vpce}: no modelled address for client {client}: {reason}")]
    ClientAddress {
        /// The endpoint.
        vpce: String,
        /// The client's real address.
        client: SocketAddr,
        /// What is missing.
        reason: String,
    },
    /// No ingress rule admits the client.
    #[error("security groups [{groups}] of {vpce} admit no TCP {port} from {client}")]
    SecurityGroups {
        /// The endpoint's groups, comma separated.
        groups: String,
        /// The endpoint.
        vpce: String,
        /// The listener port.
        port: u16,
        /// The client's modelled address.
        client: std::net::Ipv4Addr,
    },
    /// No provider agent serves the service's load balancer yet.
    #[error("no provider agent serves service {service}")]
    NoProvider {
        /// The endpoint service id.
        service: String,
    },
}

impl Refusal {
    /// A short name of the reason, for logs.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::Gone { .. } => "endpoint_gone",
            Self::NotAvailable { .. } => "endpoint_not_available",
            Self::NoInterface { .. } => "no_interface",
            Self::ClientAddress { .. } => "client_address",
            Self::SecurityGroups { .. } => "security_groups",
            Self::NoProvider { .. } => "no_provider",
        }
    }
}

/// Whether the endpoint's security groups refuse every connection to `listen`, whoever makes
/// it: true only where a client's modelled address does not depend on its real one (a local
/// client stands as a host of the ENI's subnet) and the groups do not admit that address. Such
/// a listener drops connection attempts silently, as AWS drops the packets.
pub(crate) fn groups_refuse_everyone(
    snapshot: &Snapshot,
    listen: &Listen,
    client_address: ClientAddress,
) -> bool {
    if !matches!(
        client_address,
        ClientAddress::SubnetHost | ClientAddress::Fixed(_)
    ) {
        return false;
    }
    let anyone = SocketAddr::from(([127, 0, 0, 1], 0));
    matches!(
        admit(snapshot, listen, anyone, client_address),
        Err(Refusal::SecurityGroups { .. })
    )
}

/// Decides whether a connection from `peer` to `listen` may be tunnelled,
/// on the snapshot as it is now.
pub(crate) fn admit(
    snapshot: &Snapshot,
    listen: &Listen,
    peer: SocketAddr,
    client_address: ClientAddress,
) -> Result<Admitted, Refusal> {
    let vpce = listen.vpce.clone();
    let endpoint = snapshot.endpoints.get(&listen.vpce).ok_or(Refusal::Gone {
        vpce: vpce.clone(),
        client: peer,
    })?;
    if endpoint.state != AVAILABLE {
        return Err(Refusal::NotAvailable {
            vpce,
            state: endpoint.state.clone(),
            client: peer,
        });
    }
    let eni = endpoint
        .network_interfaces
        .iter()
        .find(|e| e.network_interface_id == listen.eni_id)
        .ok_or_else(|| Refusal::NoInterface {
            vpce: vpce.clone(),
            eni: listen.eni_id.clone(),
            client: peer,
        })?;
    let client = client_address
        .modelled(&eni.subnet_cidr, peer.ip())
        .map_err(|reason| Refusal::ClientAddress {
            vpce: vpce.clone(),
            client: peer,
            reason,
        })?;
    let groups = endpoint
        .security_group_ids
        .iter()
        .filter_map(|id| snapshot.security_groups.get(id));
    let lookup = |id: &str| snapshot.security_groups.get(id);
    if security_group::admit(groups, lookup, client, listen.port) == Admission::Rejected {
        return Err(Refusal::SecurityGroups {
            groups: endpoint.security_group_ids.join(", "),
            vpce,
            port: listen.port,
            client,
        });
    }
    if endpoint.provider_tunnel_address.is_empty() {
        return Err(Refusal::NoProvider {
            service: endpoint.service_id.clone(),
        });
    }
    Ok(Admitted {
        open: OpenFlow {
            vpc_endpoint_id: vpce,
            credential: endpoint.credential.clone(),
            port: u32::from(listen.port),
            client_address: format!("{client}:{}", peer.port()),
            eni_address: format!("{}:{}", eni.private_ip_address, listen.port),
            network_interface_id: eni.network_interface_id.clone(),
            availability_zone: eni.availability_zone.clone(),
        },
        provider: endpoint.provider_tunnel_address.clone(),
    })
}

/// How long a flow that sent the provider a reset keeps its stream open for the provider to
/// read it and end the stream.
const RESET_DRAIN_LIMIT: std::time::Duration = std::time::Duration::from_secs(1);

/// Serves one accepted connection until it closes or `token` (its
/// listener's) is cancelled, which resets it.
pub(crate) async fn serve(
    ctx: Arc<FlowContext>,
    listen: Listen,
    socket: TcpStream,
    peer: SocketAddr,
    token: CancellationToken,
) {
    let span = info_span!("flow", vpce = %listen.vpce, client.addr = %peer);
    flow(ctx, listen, socket, peer, token)
        .instrument(span)
        .await;
}

/// The body of [`serve`], inside its span.
async fn flow(
    ctx: Arc<FlowContext>,
    listen: Listen,
    socket: TcpStream,
    peer: SocketAddr,
    token: CancellationToken,
) {
    // Held until the flow ends.
    let _slot = match ctx.flows.acquire(&listen.eni_id) {
        Ok(slot) => slot,
        Err(hit) => {
            ctx.refusals.note(&listen.vpce, "flow_limit", &hit);
            reset_socket(socket);
            return;
        }
    };
    let (admitted, labels) = ctx.table.read(|s| {
        (
            admit(s, &listen, peer, ctx.client_address),
            meter::labels(s, &listen.vpce),
        )
    });
    let admitted = match admitted {
        Ok(a) => a,
        Err(refusal) => {
            meter::dropped(&ctx.metrics, &labels);
            ctx.refusals.note(&listen.vpce, refusal.kind(), &refusal);
            reset_socket(socket);
            return;
        }
    };
    let tunnel = match ctx.pool.client(&admitted.provider) {
        Ok(c) => c,
        Err(e) => {
            warn!("{e}");
            reset_socket(socket);
            return;
        }
    };
    let client_modelled = admitted.open.client_address.clone();
    // Held until the flow ends: its counter handles, looked up once.
    let meter = FlowMeter::open(&ctx.metrics, &labels);
    let started = client::start(tunnel, admitted.open);
    let refused = |status: &tonic::Status| {
        let refusal = format!(
            "tunnel refused the flow ({:?}, provider {}): {}",
            status.code(),
            admitted.provider,
            status.message()
        );
        ctx.refusals
            .note(&listen.vpce, "provider_refused", &refusal);
        meter.reset_received();
    };
    let mut stream = match started {
        Ok(s) => s,
        Err(status) => {
            refused(&status);
            reset_socket(socket);
            return;
        }
    };
    debug!(client.modelled = %client_modelled, "flow opening");
    let reason = format!("VPC endpoint {} listener stopped", listen.vpce);
    let stopped = async move {
        token.cancelled().await;
        reason
    };
    // The client's bytes follow `open` at once; the provider's answer comes first on the way back.
    let stats = splice_until(
        socket,
        Counted::new(stream.tx, meter.bytes.clone()),
        Counted::new(&mut stream.inbound, meter.bytes.clone()),
        stopped,
    )
    .await;
    if let FlowEnd::LocalError(_) = &stats.end {
        // A reset went to the provider: it reaches the provider only on an open stream.
        stream.inbound.drain(RESET_DRAIN_LIMIT).await;
    }
    if let Some(status) = stream.inbound.refusal() {
        refused(status);
    } else if let Some(target) = stream.inbound.target() {
        debug!(%target, "flow was opened");
    }
    match &stats.end {
        FlowEnd::Closed => {}
        FlowEnd::LocalError(e) => debug!(error = %e, "client socket error"),
        FlowEnd::ResetByPeer(reason) => {
            meter.reset_received();
            debug!(%reason, "flow reset");
        }
        FlowEnd::StreamLost(reason) => debug!(%reason, "tunnel stream lost"),
        FlowEnd::Cancelled(reason) => debug!(%reason, "flow ended by its listener"),
    }
    debug!(bytes_out = stats.bytes_out, bytes_in = stats.bytes_in, end = ?stats.end, "flow closed");
}

#[cfg(test)]
mod tests;

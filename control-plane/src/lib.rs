//! plemu's control plane: the EC2/ELBv2-shaped gRPC API, the PrivateLink state machines, the
//! embedded store and the agents' desired-state watch streams.
//!
//! # Layout
//! - [`ControlPlane`]: opens the store ([`Config::data_dir`]) and serves `Ec2` and `Elbv2` on the
//!   API address (with `grpc.health.v1.Health` and server reflection), `Agent` on an address of
//!   its own for agents with a token.
//! - `api`, `api/`: one thin handler per AWS action (decode -> validate -> apply -> encode).
//! - `port`: what the API address serves: the gRPC services, health, reflection, the Query front.
//! - `query`, `query/`: the same actions in AWS's Query protocols (EC2's and ELBv2's), on the
//!   API address beside gRPC, for the `aws` CLI and the AWS SDKs.
//! - `model`, `model/`: the stored resources and their state enums.
//! - `metrics`: `/metrics`, with the gauges the control plane owns refreshed at each scrape.
//! - `topology`, `topology/`: the live topology page at `GET /` and its JSON.
//! - `bind_net`: the data directory's own loopback block for ENI addresses.
//! - `validate`: AWS's parameter rules; `filter`: Describe* filters; `page`: their pages.
//! - `state`: resources behind one lock, committed to the store before each answer; timers.
//! - `store`: redb, one table of `kind/id` -> JSON.
//! - `watch`: the desired state each provider or consumer agent serves.
//! - `notify`: connection notifications' events, to watch streams and an HTTP sink.
//! - `public_dns`: the TXT records providers publish, answered over DNS on the public DNS
//!   address ([`ControlPlane::with_public_dns`]), and private DNS verification's lookup.
//! - [`error`]: [`ApiError`] (AWS error codes) and [`Error`] (open/serve failures).
#![warn(missing_docs)]

mod api;
mod bind_net;
pub mod error;
mod filter;
mod metrics;
mod model;
mod notify;
mod page;
mod port;
mod public_dns;
mod query;
mod state;
mod store;
#[cfg(test)]
mod tests;
mod topology;
mod validate;
mod watch;

use std::path::PathBuf;
use std::time::Duration;

use plemu_proto::pb;
use tokio_stream::wrappers::TcpListenerStream;
use tokio_util::sync::CancellationToken;

pub use error::{ApiError, Error, StoreError};
pub use notify::NotificationUrl;
pub use plemu_proto::agent_token::AgentSecret;

/// How the control plane stores its state and paces its state machines.
#[derive(Clone, Debug)]
pub struct Config {
    /// Directory holding the store file (`plemu.redb`); created if missing.
    pub data_dir: PathBuf,
    /// Loopback range from which each ENI (endpoint network interface) gets its own bind address
    /// in all-in-one mode (network address skipped; first free, persisted). `None`: a /22 of
    /// 127.64.0.0/10 chosen once for the data directory and kept in it, clear of addresses
    /// something on the machine listens on.
    pub eni_bind_net: Option<ipnet::Ipv4Net>,
    /// How long an accepted endpoint stays `pending` (and a new NLB `provisioning`) before it
    /// becomes `available`/`active`. Default 1 s. Tests use 0.
    pub provisioning_delay: Duration,
    /// How long a deleted endpoint or endpoint service stays `deleting` before it is
    /// `deleted`. Default 1 s.
    pub deletion_delay: Duration,
    /// How long a `deleted` endpoint or service is still described before it is gone, as AWS
    /// shows deleted resources for a while. Default 10 minutes.
    pub deleted_retention: Duration,
    /// How long a connection request waits in `pendingAcceptance` before it is `expired`.
    /// Default 7 days.
    pub acceptance_expiry: Duration,
    /// Where connection notifications' events are POSTed as SNS would deliver them (one URL for
    /// every topic, or per topic). Empty: to the `WatchConnectionEvents` streams only.
    pub notification_urls: Vec<NotificationUrl>,
    /// The metrics served at `/metrics` on the API address: what the control plane knows (target
    /// health from the agents' reports, endpoint counts) and, in `plemu up`, the agents' own.
    pub metrics: plemu_proto::metrics::Metrics,
    /// The DNS server (UDP, then TCP) that private DNS verification asks for the TXT record.
    /// `None`: the control plane's own public DNS ([`ControlPlane::with_public_dns`]).
    pub verification_resolver: Option<std::net::SocketAddr>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from(".plemu"),
            eni_bind_net: None,
            provisioning_delay: Duration::from_secs(1),
            deletion_delay: Duration::from_secs(1),
            deleted_retention: Duration::from_secs(600),
            acceptance_expiry: Duration::from_secs(7 * 24 * 3600),
            notification_urls: Vec::new(),
            metrics: plemu_proto::metrics::Metrics::default(),
            verification_resolver: None,
        }
    }
}

/// The control plane: the store loaded in memory, ready to serve.
pub struct ControlPlane {
    shared: state::Shared,
    /// Where the public DNS is answered, if it is ([`ControlPlane::with_public_dns`]).
    public_dns: Option<(tokio::net::UdpSocket, tokio::net::TcpListener)>,
}

impl ControlPlane {
    /// Opens (or creates) the store in `config.data_dir` and loads every resource.
    ///
    /// Provisioning timers of load balancers and endpoints that were still pending are re-armed.
    ///
    /// # Errors
    /// When the directory cannot be created, the store cannot be opened (for example because
    /// another process holds it), or a stored record cannot be decoded.
    pub async fn open(config: Config) -> Result<Self, Error> {
        Ok(Self {
            shared: state::Shared::open(config).await?,
            public_dns: None,
        })
    }

    /// Also answers the public DNS (the TXT records of the `PublicDns` service) on `udp` and
    /// `tcp`, one address, while [`ControlPlane::serve`] runs; private DNS verification asks it
    /// unless [`Config::verification_resolver`] names another resolver.
    pub fn with_public_dns(
        mut self,
        udp: tokio::net::UdpSocket,
        tcp: tokio::net::TcpListener,
    ) -> Self {
        if let Ok(addr) = udp.local_addr() {
            self.shared.public_zone.answer_at(addr);
        }
        self.public_dns = Some((udp, tcp));
        self
    }

    /// Where the public DNS will be answered, if [`ControlPlane::with_public_dns`] gave it sockets.
    pub fn public_dns_addr(&self) -> Option<std::net::SocketAddr> {
        self.public_dns
            .as_ref()
            .and_then(|(udp, _)| udp.local_addr().ok())
    }

    /// The secret agent tokens are made with ([`AgentSecret::mint`]); kept in the data directory
    /// so that tokens outlive a restart.
    pub fn agent_secret(&self) -> &AgentSecret {
        &self.shared.agent_secret
    }

    /// Serves the API (Ec2, Elbv2, in gRPC and in the Query protocols) on `listener` and the
    /// Agent service, for agents holding a token, on `agents`, until `shutdown` is cancelled. The two are apart so that API callers
    /// never reach agent credentials, and so that agents in containers can be given an address
    /// of their own.
    ///
    /// On shutdown the watch streams end, timers stop, and the store file is closed.
    ///
    /// # Errors
    /// When either gRPC server or the public DNS fails, or the reflection service cannot be
    /// built.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        agents: tokio::net::TcpListener,
        shutdown: CancellationToken,
    ) -> Result<(), Error> {
        let api = api::Api {
            shared: self.shared.clone(),
        };
        let (routes, health) = port::routes(api.clone()).await?;
        let internal = self.shared.shutdown_token().clone();
        let stopping = shutdown.clone();
        let dns_stop = shutdown.clone();
        let signal = async move {
            stopping.cancelled().await;
            port::not_serving(health).await;
            // Watch streams never end by themselves: end them so that the server can drain.
            internal.cancel();
        };
        let agents_server = tonic::transport::Server::builder()
            .add_service(pb::agent_server::AgentServer::new(api.clone()))
            .serve_with_incoming_shutdown(
                TcpListenerStream::new(agents),
                shutdown.cancelled_owned(),
            );
        // HTTP/1.1 too: the Query front's clients (the aws CLI, boto3) speak it.
        let api_server = tonic::transport::Server::builder()
            .accept_http1(true)
            .add_routes(routes)
            .serve_with_incoming_shutdown(TcpListenerStream::new(listener), signal);
        let zone = self.shared.public_zone.clone();
        let sockets = self.public_dns;
        let public_dns = async move {
            match sockets {
                Some((udp, tcp)) => public_dns::serve(zone, udp, tcp, dns_stop).await,
                None => Ok(()),
            }
        };
        let servers = async { tokio::try_join!(api_server, agents_server).map_err(Error::from) };
        let result = tokio::try_join!(servers, public_dns).map(|_| ());
        self.shared.close().await;
        result
    }
}

//! The control plane's options shared by `plemu up` and `plemu control-plane`: its store, its
//! state machines' timings, connection notifications and the public DNS.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

use crate::up::{bind_dns, parse_duration};

/// The control plane's store and model options, shared by `plemu up` and `plemu control-plane`.
#[derive(clap::Args, Debug)]
pub struct StoreArgs {
    /// Directory of the embedded store; everything created through the API lives here and survives restarts.
    #[arg(long, env = "PLEMU_DATA_DIR", default_value = ".plemu")]
    pub data_dir: PathBuf,
    /// Loopback range from which each endpoint network interface gets an address of its own to
    /// listen on. Default: a /22 of 127.64.0.0/10 chosen once per data directory and kept in it,
    /// so that two plemu instances on one machine never share an address.
    #[arg(long, env = "PLEMU_ENI_BIND_NET")]
    pub eni_bind_net: Option<ipnet::Ipv4Net>,
    /// How long a new endpoint stays `pending` (and a new load balancer `provisioning`), e.g. `1s`, `200ms`, `0`.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub provisioning_delay: Duration,
    /// How long a deleted endpoint or endpoint service stays `deleting`/`Deleting`, e.g. `1s`, `0`.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub deletion_delay: Duration,
    /// How long a deleted endpoint or endpoint service is still described (`deleted`/`Deleted`).
    #[arg(long, default_value = "10m", value_parser = parse_duration)]
    pub deleted_retention: Duration,
    /// How long a connection request stays `pendingAcceptance` before it is `expired`.
    #[arg(long, default_value = "168h", value_parser = parse_duration)]
    pub acceptance_expiry: Duration,
    /// Where connection notifications' events are POSTed, as SNS delivers to an HTTP
    /// subscriber: `http://host:port/path` for every topic, or `TOPIC_ARN=URL` for one topic
    /// (repeatable; a topic's own URL wins over the default).
    #[arg(long, env = "PLEMU_NOTIFICATION_URL", value_delimiter = ',')]
    pub notification_url: Vec<plemu_control_plane::NotificationUrl>,
    /// Address (UDP and TCP) of the public DNS plemu serves: the TXT records published with
    /// `plemu public-dns put-txt-record`, which private DNS verification looks up. Port 0 picks
    /// a free port (printed on the ready line as `public-dns`).
    #[arg(long, env = "PLEMU_PUBLIC_DNS", default_value = "127.0.0.1:0")]
    pub public_dns: SocketAddr,
    /// DNS server (ip:port) that `start-vpc-endpoint-service-private-dns-verification` asks
    /// for the TXT record, as AWS asks public resolvers: your own DNS where you publish the
    /// record yourself. Default: plemu's public DNS (--public-dns).
    #[arg(long, env = "PLEMU_VERIFICATION_RESOLVER")]
    pub verification_resolver: Option<SocketAddr>,
}

impl StoreArgs {
    /// Opens the control plane on this store, with its public DNS bound (see
    /// [`plemu_control_plane::ControlPlane::public_dns_addr`]).
    ///
    /// # Errors
    /// When the store cannot be opened or the public DNS address cannot be bound.
    pub async fn open(
        &self,
        metrics: plemu_proto::metrics::Metrics,
    ) -> anyhow::Result<plemu_control_plane::ControlPlane> {
        let (udp, tcp, _) = bind_dns(self.public_dns)
            .await
            .context("cannot serve the public DNS (--public-dns)")?;
        let cp = plemu_control_plane::ControlPlane::open(plemu_control_plane::Config {
            data_dir: self.data_dir.clone(),
            eni_bind_net: self.eni_bind_net,
            provisioning_delay: self.provisioning_delay,
            deletion_delay: self.deletion_delay,
            deleted_retention: self.deleted_retention,
            acceptance_expiry: self.acceptance_expiry,
            notification_urls: self.notification_url.clone(),
            metrics,
            verification_resolver: self.verification_resolver,
        })
        .await
        .with_context(|| format!("cannot open the store in {}", self.data_dir.display()))?;
        Ok(cp.with_public_dns(udp, tcp))
    }
}

//! A few HTTP/2 connections to each provider agent, chosen round-robin.

use std::collections::{HashMap, HashSet};
use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use plemu_proto::pb::tunnel_client::TunnelClient;
use tonic::transport::{Channel, Endpoint};

/// HTTP/2 stream window of every tunnel connection (flow control per flow).
const STREAM_WINDOW: u32 = 4 * 1024 * 1024;
/// HTTP/2 connection window: several flows' worth, so one stalled flow does not starve the rest.
const CONNECTION_WINDOW: u32 = 16 * 1024 * 1024;
/// Interval of HTTP/2 keep-alive pings on idle connections.
const KEEP_ALIVE: Duration = Duration::from_secs(30);
/// How long dialling a provider agent may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The connections to one provider agent.
#[derive(Debug)]
struct Connections {
    /// Lazily connected channels, one HTTP/2 connection each.
    channels: Vec<Channel>,
    /// The next channel to hand out.
    next: AtomicUsize,
}

/// Channels to provider agents, keyed by tunnel address (`host:port`).
#[derive(Debug)]
pub(crate) struct TunnelPool {
    /// Channels per provider agent.
    size: NonZeroUsize,
    /// Connections by provider tunnel address.
    providers: Mutex<HashMap<String, Connections>>,
}

/// A provider tunnel address that is not a valid URI authority.
#[derive(Debug, thiserror::Error)]
#[error("invalid provider tunnel address {address:?}: {source}")]
pub(crate) struct InvalidAddress {
    /// The address as the snapshot gave it.
    address: String,
    /// Why tonic rejected it.
    source: tonic::transport::Error,
}

// === impl TunnelPool ===

impl TunnelPool {
    /// An empty pool that keeps `size` connections per provider agent.
    pub fn new(size: NonZeroUsize) -> Self {
        Self {
            size,
            providers: Mutex::new(HashMap::new()),
        }
    }

    /// A tunnel client on the next connection to the provider agent at `address`,
    /// creating that agent's connections on first use (they dial lazily).
    ///
    /// # Errors
    /// When `address` does not form a valid `http://` URI.
    pub fn client(&self, address: &str) -> Result<TunnelClient<Channel>, InvalidAddress> {
        let mut providers = self.providers.lock().unwrap_or_else(|p| p.into_inner());
        if !providers.contains_key(address) {
            let channels = (0..self.size.get())
                .map(|_| endpoint(address).map(|e| e.connect_lazy()))
                .collect::<Result<Vec<_>, _>>()?;
            providers.insert(
                address.to_string(),
                Connections {
                    channels,
                    next: AtomicUsize::new(0),
                },
            );
        }
        let c = &providers[address];
        let i = c.next.fetch_add(1, Ordering::Relaxed) % c.channels.len();
        Ok(TunnelClient::new(c.channels[i].clone()))
    }

    /// Drops the connections to provider agents not in `keep`.
    pub fn retain(&self, keep: &HashSet<String>) {
        let mut providers = self.providers.lock().unwrap_or_else(|p| p.into_inner());
        providers.retain(|address, _| keep.contains(address));
    }

    /// The provider addresses with connections, for tests.
    #[cfg(test)]
    pub fn addresses(&self) -> Vec<String> {
        let providers = self.providers.lock().unwrap_or_else(|p| p.into_inner());
        let mut v: Vec<String> = providers.keys().cloned().collect();
        v.sort();
        v
    }
}

/// The tuned endpoint of one connection to `address`.
fn endpoint(address: &str) -> Result<Endpoint, InvalidAddress> {
    let e =
        Endpoint::from_shared(format!("http://{address}")).map_err(|source| InvalidAddress {
            address: address.to_string(),
            source,
        })?;
    Ok(e.initial_stream_window_size(STREAM_WINDOW)
        .initial_connection_window_size(CONNECTION_WINDOW)
        .max_frame_size(plemu_proto::tunnel::HTTP2_MAX_FRAME)
        .tcp_nodelay(true)
        .http2_keep_alive_interval(KEEP_ALIVE)
        .connect_timeout(CONNECT_TIMEOUT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn creates_lazily_and_drops_unlisted() {
        let pool = TunnelPool::new(NonZeroUsize::new(2).unwrap());
        pool.client("127.0.0.1:1").unwrap();
        pool.client("127.0.0.1:1").unwrap();
        pool.client("127.0.0.1:2").unwrap();
        assert_eq!(pool.addresses(), ["127.0.0.1:1", "127.0.0.1:2"]);
        pool.retain(&HashSet::from(["127.0.0.1:2".to_string()]));
        assert_eq!(pool.addresses(), ["127.0.0.1:2"]);
        assert!(pool.client("bad address with spaces").is_err());
    }
}

//! One accept loop per (ENI, bind address, port), reconciled with every snapshot.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddrV4;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{error, info, warn};

use super::proxy::{self, FlowContext, Listen};
use super::syn_drop;
use crate::dns::zones::eni_address;
use crate::table::Snapshot;
use crate::{BindMode, ClientAddress};

/// Pause after a failed `accept` (e.g. out of file descriptors) before the next one.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(50);

/// What identifies a listener: reconciliation starts missing keys and stops stale ones.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct ListenerKey {
    /// The ENI the listener stands for.
    pub eni_id: String,
    /// The address and port it binds.
    pub addr: SocketAddrV4,
}

/// A listener the snapshot asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ListenerSpec {
    /// Its identity.
    pub key: ListenerKey,
    /// The endpoint that owns the ENI.
    pub vpce: String,
    /// Its security groups admit no client: connection attempts are dropped unanswered.
    pub drop_syns: bool,
}

/// A listener that is running.
#[derive(Debug)]
struct Running {
    /// Cancelled to stop it and its flows.
    token: CancellationToken,
    /// Shared with its accept loop, to change its filter.
    listener: Arc<TcpListener>,
    /// Whether it drops connection attempts now.
    drop_syns: bool,
}

/// The running listeners of the agent.
#[derive(Debug)]
pub(crate) struct Listeners {
    /// What every accepted connection needs.
    ctx: Arc<FlowContext>,
    /// The agent's token; each listener runs under a child of it.
    parent: CancellationToken,
    /// Accept loops and flows.
    tracker: TaskTracker,
    /// Running listeners.
    running: HashMap<ListenerKey, Running>,
    /// Wanted listeners that could not bind, with the reason, until one binds.
    failed: BTreeMap<ListenerKey, (String, String)>,
}

/// A wanted listener that could not bind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Failure {
    /// The listener.
    pub key: ListenerKey,
    /// Its endpoint.
    pub vpce: String,
    /// The operating system's reason.
    pub error: String,
}

/// The listeners `snapshot` asks for: every service port on every ENI of every
/// endpoint (only those in `eni_ids` unless it is empty), at the address `bind`
/// selects. ENIs without a usable address and invalid ports are logged and left out. A
/// listener whose security groups refuse every client (see
/// [`proxy::groups_refuse_everyone`]) drops connection attempts.
pub(crate) fn wanted(
    snapshot: &Snapshot,
    bind: BindMode,
    eni_ids: &[String],
    client_address: ClientAddress,
) -> Vec<ListenerSpec> {
    let mut out = Vec::new();
    for endpoint in snapshot.endpoints.values() {
        let served = endpoint
            .network_interfaces
            .iter()
            .filter(|n| eni_ids.is_empty() || eni_ids.contains(&n.network_interface_id));
        for eni in served {
            let Some(ip) = eni_address(eni, bind) else {
                error!(vpce = %endpoint.vpc_endpoint_id, eni = %eni.network_interface_id, ?bind,
                    bind_address = %eni.bind_address, private_ip = %eni.private_ip_address,
                    "ENI has no IPv4 address to listen on");
                continue;
            };
            for &port in &endpoint.ports {
                match u16::try_from(port) {
                    Ok(port) if port != 0 => {
                        let listen = Listen {
                            vpce: endpoint.vpc_endpoint_id.clone(),
                            eni_id: eni.network_interface_id.clone(),
                            port,
                        };
                        out.push(ListenerSpec {
                            key: ListenerKey {
                                eni_id: eni.network_interface_id.clone(),
                                addr: SocketAddrV4::new(ip, port),
                            },
                            vpce: endpoint.vpc_endpoint_id.clone(),
                            drop_syns: proxy::groups_refuse_everyone(
                                snapshot,
                                &listen,
                                client_address,
                            ),
                        });
                    }
                    _ => error!(vpce = %endpoint.vpc_endpoint_id, port, "invalid listener port"),
                }
            }
        }
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

// === impl Listeners ===

impl Listeners {
    /// No listeners yet; they will run under children of `parent`.
    pub fn new(ctx: Arc<FlowContext>, parent: CancellationToken) -> Self {
        Self {
            ctx,
            parent,
            tracker: TaskTracker::new(),
            running: HashMap::new(),
            failed: BTreeMap::new(),
        }
    }

    /// Stops listeners not in `wanted` (resetting their flows) and starts the
    /// missing ones. A listener that cannot bind is logged once and kept in
    /// [`Listeners::failures`] until a later reconciliation binds it.
    pub fn reconcile(&mut self, wanted: &[ListenerSpec]) {
        let keep: HashMap<&ListenerKey, &ListenerSpec> =
            wanted.iter().map(|s| (&s.key, s)).collect();
        self.failed.retain(|key, _| keep.contains_key(key));
        self.running.retain(|key, running| {
            let stay = keep.contains_key(key);
            if !stay {
                info!(eni = %key.eni_id, addr = %key.addr, "stopping endpoint listener");
                running.token.cancel();
            }
            stay
        });
        for spec in wanted {
            if let Some(running) = self.running.get_mut(&spec.key) {
                if running.drop_syns != spec.drop_syns {
                    running.drop_syns = set_drop(&running.listener, spec);
                }
                continue;
            }
            match bind(spec.key.addr) {
                Ok(listener) => {
                    if self.failed.remove(&spec.key).is_some() {
                        info!(vpce = %spec.vpce, addr = %spec.key.addr, "endpoint listener bound at last");
                    }
                    let listener = Arc::new(listener);
                    let drop_syns = spec.drop_syns && set_drop(&listener, spec);
                    let token = self.parent.child_token();
                    self.running.insert(
                        spec.key.clone(),
                        Running {
                            token: token.clone(),
                            listener: Arc::clone(&listener),
                            drop_syns,
                        },
                    );
                    let listen = Listen {
                        vpce: spec.vpce.clone(),
                        eni_id: spec.key.eni_id.clone(),
                        port: spec.key.addr.port(),
                    };
                    self.tracker.spawn(accept_loop(
                        listener,
                        listen,
                        Arc::clone(&self.ctx),
                        self.tracker.clone(),
                        token,
                    ));
                }
                Err(e) => {
                    let error = e.to_string();
                    let again = self
                        .failed
                        .get(&spec.key)
                        .is_some_and(|(_, was)| *was == error);
                    if !again {
                        error!(
                            vpce = %spec.vpce, address = %spec.key.addr.ip(), port = spec.key.addr.port(),
                            error, "cannot bind endpoint listener; the endpoint shows as failed until it binds"
                        );
                    }
                    self.failed
                        .insert(spec.key.clone(), (spec.vpce.clone(), error));
                }
            }
        }
    }

    /// Whether a wanted listener could not bind.
    pub fn has_failures(&self) -> bool {
        !self.failed.is_empty()
    }

    /// The wanted listeners that could not bind at the last reconciliation, in key order.
    pub fn failures(&self) -> Vec<Failure> {
        self.failed
            .iter()
            .map(|(key, (vpce, error))| Failure {
                key: key.clone(),
                vpce: vpce.clone(),
                error: error.clone(),
            })
            .collect()
    }

    /// Stops every listener (resetting their flows) and waits up to `grace` for them.
    pub async fn shutdown(mut self, grace: Duration) {
        for (_, running) in self.running.drain() {
            running.token.cancel();
        }
        self.tracker.close();
        if tokio::time::timeout(grace, self.tracker.wait())
            .await
            .is_err()
        {
            warn!(
                tasks = self.tracker.len(),
                "endpoint listeners and flows still running after the grace period"
            );
        }
    }
}

/// Makes `listener` drop connection attempts or answer them, as `spec` asks; returns whether it
/// drops them now (a filter the kernel refuses is logged, and the listener keeps answering:
/// its flows are then reset by the security-group check instead).
fn set_drop(listener: &TcpListener, spec: &ListenerSpec) -> bool {
    match syn_drop::set(listener, spec.drop_syns) {
        Ok(()) => {
            info!(vpce = %spec.vpce, addr = %spec.key.addr, dropping = spec.drop_syns,
                "endpoint security groups {} every client",
                if spec.drop_syns { "now admit no" } else { "admit some" });
            spec.drop_syns
        }
        Err(e) => {
            warn!(vpce = %spec.vpce, addr = %spec.key.addr, error = %e, "cannot change the listener's packet filter");
            !spec.drop_syns
        }
    }
}

/// Binds `addr` now (no await, so reconciliation stays synchronous).
fn bind(addr: SocketAddrV4) -> std::io::Result<TcpListener> {
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    TcpListener::from_std(listener)
}

/// Accepts connections until `token` is cancelled; each flow runs under the same token.
async fn accept_loop(
    listener: Arc<TcpListener>,
    listen: Listen,
    ctx: Arc<FlowContext>,
    tracker: TaskTracker,
    token: CancellationToken,
) {
    let local = listener.local_addr().ok();
    info!(vpce = %listen.vpce, eni = %listen.eni_id, addr = ?local, "endpoint listener started");
    loop {
        tokio::select! {
            () = token.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((socket, peer)) => {
                    tracker.spawn(proxy::serve(
                        Arc::clone(&ctx),
                        listen.clone(),
                        socket,
                        peer,
                        token.clone(),
                    ));
                }
                Err(e) => {
                    warn!(vpce = %listen.vpce, addr = ?local, error = %e, "accept failed");
                    tokio::select! {
                        () = token.cancelled() => break,
                        () = tokio::time::sleep(ACCEPT_ERROR_PAUSE) => {}
                    }
                }
            },
        }
    }
    info!(vpce = %listen.vpce, addr = ?local, "endpoint listener stopped");
}

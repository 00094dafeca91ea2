//! The orchestrator: watches the control plane as an agent of its own and makes the engine's
//! networks and containers match every topology it receives.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use bollard::Docker;
use ipnet::Ipv4Net;
use plemu_proto::agent_token::{AgentSecret, Scope};
use plemu_proto::pb::agent_client::AgentClient;
use plemu_proto::pb::{AgentRole, TopologyState, WatchRequest};
use tokio_util::sync::CancellationToken;

use crate::agents::{self, AgentSettings};
use crate::containers::{self, Placement};
use crate::error::Error;
use crate::network;

/// How often the engine is checked again with no change from the control plane: a container
/// removed or stopped by hand comes back within this.
const RESYNC: Duration = Duration::from_secs(5);
/// Longest wait between attempts to reach the control plane.
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// Makes Docker match the control plane's topology.
#[derive(Clone, Debug)]
pub struct Orchestrator {
    /// The engine.
    pub docker: Docker,
    /// Mints each agent container's token, and the orchestrator's own.
    pub secret: AgentSecret,
    /// Where the control plane's API is, as this process dials it.
    pub control_plane: String,
    /// Where and how agent containers are created.
    pub placement: Placement,
    /// What each agent container is told.
    pub agents: AgentSettings,
    /// Where a VPC network's subnet comes from when its CIDR block is taken.
    pub pool: Ipv4Net,
}

// === impl Orchestrator ===

impl Orchestrator {
    /// Watches and reconciles until `token` is cancelled. Containers and networks stay when it
    /// stops: a restart on the same data directory finds them (see `clean` to remove them).
    ///
    /// # Errors
    /// [`Error::ControlPlaneUrl`] when the URL is not one; everything else is retried.
    pub async fn run(self, token: CancellationToken) -> Result<(), Error> {
        let endpoint = tonic::transport::Endpoint::from_shared(self.control_plane.clone())
            .map_err(|source| Error::ControlPlaneUrl {
                url: self.control_plane.clone(),
                source,
            })?;
        let mut delay = Duration::from_millis(100);
        let mut topology: Option<TopologyState> = None;
        loop {
            let ended = tokio::select! {
                () = token.cancelled() => return Ok(()),
                ended = self.watch(&endpoint, &mut topology, &mut delay) => ended,
            };
            tracing::warn!(control_plane = %self.control_plane, retry_in = ?delay, "{ended}");
            tokio::select! {
                () = token.cancelled() => return Ok(()),
                () = tokio::time::sleep(delay) => {}
            }
            delay = (delay * 2).min(BACKOFF_MAX);
        }
    }

    /// One Watch stream: applies every topology, and the last one again every [`RESYNC`].
    async fn watch(
        &self,
        endpoint: &tonic::transport::Endpoint,
        topology: &mut Option<TopologyState>,
        delay: &mut Duration,
    ) -> String {
        let channel = match endpoint.connect().await {
            Ok(c) => c,
            Err(e) => return format!("cannot reach the control plane: {e}"),
        };
        let request = WatchRequest {
            role: AgentRole::Orchestrator.into(),
            agent_id: format!("docker-{}", self.placement.instance),
            ..Default::default()
        };
        let request = self.secret.mint(&Scope::All).request(request);
        let mut stream = match AgentClient::new(channel).watch(request).await {
            Ok(r) => r.into_inner(),
            Err(status) => return format!("watch refused: {}", status.message()),
        };
        let mut tick = tokio::time::interval(RESYNC);
        loop {
            tokio::select! {
                m = stream.message() => match m {
                    Ok(Some(state)) => {
                        *delay = Duration::from_millis(100);
                        *topology = Some(state.topology.unwrap_or_default());
                    }
                    Ok(None) => return "the control plane ended the watch stream".into(),
                    Err(status) => return format!("watch stream failed: {}", status.message()),
                },
                _ = tick.tick() => {}
            }
            if let Some(t) = topology.as_ref()
                && let Err(e) = self.apply(t).await
            {
                tracing::warn!(error = %e, "cannot make Docker match the topology yet; retrying");
            }
        }
    }

    /// Creates missing networks and containers, replaces changed containers, removes stale
    /// ones, then removes networks of VPCs that are gone.
    ///
    /// # Errors
    /// The first engine failure; the rest is done at the next pass.
    pub async fn apply(&self, topology: &TopologyState) -> Result<(), Error> {
        let docker = &self.docker;
        let instance = &self.placement.instance;
        let mut networks = network::vpc_networks(docker, instance).await?;
        for vpc in &topology.vpcs {
            if networks.contains_key(&vpc.vpc_id) {
                continue;
            }
            let Ok(cidr) = vpc.cidr_block.parse() else {
                tracing::warn!(vpc = %vpc.vpc_id, cidr = %vpc.cidr_block, "unreadable CIDR block");
                continue;
            };
            let net =
                network::create_vpc_network(docker, instance, &vpc.vpc_id, cidr, self.pool).await?;
            networks.insert(vpc.vpc_id.clone(), net);
        }
        let maps: HashMap<String, _> = networks.iter().map(|(v, n)| (v.clone(), n.map)).collect();
        let wanted = agents::wanted(topology, &maps, &self.agents);
        let existing = containers::list(docker, instance).await?;
        let wanted_by_name: HashMap<&str, _> =
            wanted.iter().map(|s| (s.name.as_str(), s)).collect();
        let mut kept = HashSet::new();
        for c in &existing {
            let digest = wanted_by_name.get(c.name.as_str()).map(|s| {
                let token = self.secret.mint(&s.scope);
                s.digest(&self.placement.image, &self.placement.backbone, &token)
            });
            if digest.as_deref() == Some(c.digest.as_str()) {
                if !c.running {
                    containers::start(docker, &c.name).await?;
                }
                kept.insert(c.name.clone());
            } else {
                containers::remove(docker, &c.name).await?;
            }
        }
        for spec in wanted.iter().filter(|s| !kept.contains(&s.name)) {
            containers::create(
                docker,
                spec,
                &self.placement,
                &self.secret.mint(&spec.scope),
            )
            .await?;
        }
        let vpcs: HashSet<&str> = topology.vpcs.iter().map(|v| v.vpc_id.as_str()).collect();
        for (vpc, net) in &networks {
            if !vpcs.contains(vpc.as_str()) {
                network::remove(docker, &net.name).await;
            }
        }
        Ok(())
    }
}

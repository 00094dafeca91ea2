//! The shared control-plane state: resources behind one lock, the store, the version counter and timers.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use plemu_proto::agent_token::AgentSecret;
use plemu_proto::pb;
use tokio::sync::{Mutex, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::Config;
use crate::error::{ApiError, Error, StoreError};
use crate::model::lifecycle::{self, Timings};
use crate::model::{
    EndpointEvent, EndpointState, LbState, Resources, ServiceEvent, ServiceState, unix_millis,
};
use crate::store::{FILE_NAME, Store};

/// How often the timed state transitions (`deleting` → `deleted` → gone, `expired`) are
/// looked at.
const LIFECYCLE_TICK: std::time::Duration = std::time::Duration::from_millis(100);

/// Resources plus what only lives while the process runs.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// Everything persisted.
    pub res: Resources,
    /// Connected agents, by connection number.
    pub agents: HashMap<u64, AgentInfo>,
    /// Latest target health reports, by provider agent id.
    pub health: HashMap<String, Vec<pb::TargetHealthReport>>,
    /// Endpoint listeners that cannot listen, by consumer agent id.
    pub listener_failures: HashMap<String, Vec<pb::ListenerFailure>>,
}

impl State {
    /// Why an endpoint's listeners do not all run, if a consumer agent says so.
    pub fn listener_failure(&self, vpc_endpoint_id: &str) -> Option<&pb::ListenerFailure> {
        self.listener_failures
            .values()
            .flatten()
            .find(|f| f.vpc_endpoint_id == vpc_endpoint_id)
    }
}

/// A connected agent, as its Watch request describes it.
#[derive(Clone, Debug)]
pub(crate) struct AgentInfo {
    pub role: pb::AgentRole,
    pub agent_id: String,
    pub tunnel_address: String,
    /// Empty: every VPC.
    pub vpc_ids: Vec<String>,
    /// Providers only; empty: every load balancer of the VPCs served.
    pub load_balancer_arns: Vec<String>,
}

impl AgentInfo {
    /// Whether this agent serves `vpc_id`.
    pub fn serves(&self, vpc_id: &str) -> bool {
        self.vpc_ids.is_empty() || self.vpc_ids.iter().any(|v| v == vpc_id)
    }

    /// Whether this agent serves the load balancer `arn` in `vpc_id`.
    pub fn serves_lb(&self, arn: &str, vpc_id: &str) -> bool {
        self.serves(vpc_id)
            && (self.load_balancer_arns.is_empty()
                || self.load_balancer_arns.iter().any(|a| a == arn))
    }
}

/// Cheap handle on the control plane's state, shared by the API handlers, timers and watch streams.
#[derive(Clone)]
pub(crate) struct Shared(Arc<Inner>);

pub(crate) struct Inner {
    pub config: Config,
    /// Signs and checks agent tokens; kept in the data directory.
    pub agent_secret: AgentSecret,
    /// Where ENI bind addresses come from (the configured block, or the data directory's own).
    pub eni_bind_net: ipnet::Ipv4Net,
    /// Delivers connection notifications' events.
    pub notifier: crate::notify::Notifier,
    /// The TXT records as the public DNS answers them, replaced on every change of them.
    pub public_zone: Arc<crate::public_dns::PublicZone>,
    /// In an `Arc` so that a commit can own the lock (see [`Shared::mutate`]).
    state: Arc<Mutex<State>>,
    store: Store,
    version: watch::Sender<u64>,
    tasks: TaskTracker,
    shutdown: CancellationToken,
    next_agent: AtomicU64,
}

impl std::ops::Deref for Shared {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

// === impl Shared ===

impl Shared {
    /// Opens the store in `config.data_dir`, loads it, and re-arms the provisioning timers.
    pub async fn open(config: Config) -> Result<Self, Error> {
        let dir = config.data_dir.clone();
        std::fs::create_dir_all(&dir).map_err(|source| Error::DataDir {
            path: dir.clone(),
            source,
        })?;
        let agent_secret = AgentSecret::load_or_create(&dir).map_err(|source| Error::DataDir {
            path: dir.join(plemu_proto::agent_token::SECRET_FILE),
            source,
        })?;
        let eni_bind_net = match config.eni_bind_net {
            Some(net) => net,
            None => crate::bind_net::load_or_choose(&dir).map_err(|source| Error::DataDir {
                path: dir.join(crate::bind_net::FILE),
                source,
            })?,
        };
        let store = Store::open(&dir.join(FILE_NAME))?;
        let mut res = Resources::load(store.load()?)?;
        lifecycle::date_undated(&mut res, unix_millis());
        let (version, _) = watch::channel(1);
        let tasks = TaskTracker::new();
        let shutdown = CancellationToken::new();
        let notifier =
            crate::notify::Notifier::new(&config.notification_urls, shutdown.clone(), |run| {
                tasks.spawn(run);
            });
        let public_zone = Arc::new(crate::public_dns::PublicZone::new(&res.txt_records));
        let shared = Self(Arc::new(Inner {
            config,
            agent_secret,
            eni_bind_net,
            notifier,
            public_zone,
            state: Arc::new(Mutex::new(State {
                res,
                ..State::default()
            })),
            store,
            version,
            tasks,
            shutdown,
            next_agent: AtomicU64::new(1),
        }));
        let st = shared.state.lock().await;
        for lb in st
            .res
            .load_balancers
            .values()
            .filter(|l| l.state == LbState::Provisioning)
        {
            shared.arm_load_balancer(lb.arn.clone());
        }
        for e in st
            .res
            .endpoints
            .values()
            .filter(|e| e.state == EndpointState::Pending)
        {
            shared.arm_endpoint(e.id.clone());
        }
        drop(st);
        shared.run_lifecycle();
        Ok(shared)
    }

    /// Runs `f` on a copy of the resources; if it succeeds, commits the changes to the store, then
    /// makes them current and wakes the watchers. Nothing changes when `f` or the commit fails.
    ///
    /// The commit and the swap run in a blocking task that owns the lock, so they happen together
    /// even when the caller is dropped half-way (a client that goes away mid-request): the store
    /// never holds a change that memory and the watchers lack.
    pub async fn mutate<T>(
        &self,
        f: impl FnOnce(&mut Resources) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut st = Arc::clone(&self.state).lock_owned().await;
        let mut draft = st.res.clone();
        let out = f(&mut draft)?;
        crate::notify::cascade(&mut draft);
        let ops = draft.diff(&st.res)?;
        if !ops.is_empty() {
            let this = self.clone();
            tokio::task::spawn_blocking(move || {
                this.store.write(ops)?;
                let old = std::mem::replace(&mut st.res, draft);
                this.notifier.publish(crate::notify::between(&old, &st.res));
                if old.txt_records != st.res.txt_records {
                    this.public_zone.replace(&st.res.txt_records);
                }
                this.bump();
                Ok::<_, StoreError>(())
            })
            .await
            .map_err(StoreError::from)??;
        }
        Ok(out)
    }

    /// Reads the state under the lock.
    pub async fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        f(&*self.state.lock().await)
    }

    /// Registers a watching agent; returns its connection number.
    ///
    /// # Errors
    /// `InvalidParameterValue` when a connected provider agent already uses the same agent id
    /// with another tunnel address: health reports are kept by agent id, so two such agents
    /// would overwrite each other's. The same id at the same address is a reconnection (the
    /// old stream may not have ended yet) and is accepted.
    pub async fn register_agent(&self, info: AgentInfo) -> Result<u64, ApiError> {
        let provider = info.role == pb::AgentRole::Provider;
        let mut st = self.state.lock().await;
        if provider
            && let Some(other) = st.agents.values().find(|a| {
                a.role == pb::AgentRole::Provider
                    && a.agent_id == info.agent_id
                    && a.tunnel_address != info.tunnel_address
            })
        {
            return Err(ApiError::duplicate(
                "InvalidParameterValue",
                format!(
                    "agent id {:?} is already used by a connected provider agent at {}; \
                     give each provider agent its own --agent-id",
                    info.agent_id, other.tunnel_address
                ),
            ));
        }
        let n = self.next_agent.fetch_add(1, Ordering::Relaxed);
        st.agents.insert(n, info);
        drop(st);
        if provider {
            self.bump();
        }
        Ok(n)
    }

    /// Forgets a watching agent whose stream ended. When it was a provider's last stream, what
    /// it reported turns `unavailable`: nobody checks those targets any more.
    pub async fn unregister_agent(&self, n: u64) {
        let mut st = self.state.lock().await;
        let Some(gone) = st.agents.remove(&n) else {
            return;
        };
        let still_there = st.agents.values().any(|a| a.agent_id == gone.agent_id);
        if gone.role == pb::AgentRole::Consumer && !still_there {
            // Its listeners stopped with it; what it could not bind is no longer anyone's.
            st.listener_failures.remove(&gone.agent_id);
            return;
        }
        if gone.role != pb::AgentRole::Provider {
            return;
        }
        if !still_there && let Some(reports) = st.health.get_mut(&gone.agent_id) {
            for r in reports {
                r.state = "unavailable".into();
                r.reason = "Elb.InternalError".into();
                r.description = format!(
                    "Health checks stopped: provider agent {} disconnected",
                    gone.agent_id
                );
            }
        }
        drop(st);
        self.bump();
    }

    /// Replaces the target health reports of provider agent `agent_id`.
    pub async fn report_health(&self, agent_id: String, reports: Vec<pb::TargetHealthReport>) {
        self.state.lock().await.health.insert(agent_id, reports);
    }

    /// Replaces the listener failures consumer agent `agent_id` reported.
    pub async fn report_listener_failures(
        &self,
        agent_id: String,
        failures: Vec<pb::ListenerFailure>,
    ) {
        let mut st = self.state.lock().await;
        if failures.is_empty() {
            st.listener_failures.remove(&agent_id);
        } else {
            st.listener_failures.insert(agent_id, failures);
        }
    }

    /// The version counter that changes with every state change.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.version.subscribe()
    }

    /// Cancelled when the control plane stops serving.
    pub fn shutdown_token(&self) -> &CancellationToken {
        &self.shutdown
    }

    /// Runs `fut` as a task that [`Shared::close`] waits for.
    pub fn spawn(&self, fut: impl Future<Output = ()> + Send + 'static) {
        self.tasks.spawn(fut);
    }

    /// Makes a new load balancer `active` after the provisioning delay.
    pub fn arm_load_balancer(&self, arn: String) {
        let this = self.clone();
        self.after_delay(async move {
            let r = this
                .mutate(|res| {
                    if let Some(lb) = res.load_balancers.get_mut(&arn) {
                        lb.state = LbState::Active;
                    }
                    let lbs = &res.load_balancers;
                    let active =
                        |a: &String| lbs.get(a).is_some_and(|l| l.state == LbState::Active);
                    for svc in res.services.values_mut() {
                        if svc.state == ServiceState::Pending && svc.nlb_arns.iter().all(active) {
                            svc.apply(ServiceEvent::Provisioned)?;
                        }
                    }
                    Ok(())
                })
                .await;
            if let Err(e) = r {
                tracing::warn!(%arn, error = %e, "cannot activate load balancer");
            }
        });
    }

    /// Makes a `pending` endpoint `available` after the provisioning delay.
    pub fn arm_endpoint(&self, id: String) {
        let this = self.clone();
        self.after_delay(async move {
            let r = this
                .mutate(|res| {
                    let service_there = res
                        .endpoints
                        .get(&id)
                        .and_then(|e| res.services.get(&e.service_id))
                        .is_some_and(|v| !v.state.is_gone());
                    if let Some(e) = res.endpoints.get_mut(&id)
                        && e.state == EndpointState::Pending
                    {
                        e.apply(if service_there {
                            EndpointEvent::Provisioned
                        } else {
                            EndpointEvent::Fail
                        })?;
                    }
                    Ok(())
                })
                .await;
            if let Err(e) = r {
                tracing::warn!(endpoint = %id, error = %e, "cannot make endpoint available");
            }
        });
    }

    /// The configured lengths of the timed states.
    fn timings(&self) -> Timings {
        Timings {
            deletion: self.config.deletion_delay,
            retention: self.config.deleted_retention,
            acceptance_expiry: self.config.acceptance_expiry,
        }
    }

    /// Applies the timed state transitions as they fall due, until shutdown. Deadlines come
    /// from the records' stored `state_since`, so they hold across restarts.
    fn run_lifecycle(&self) {
        let this = self.clone();
        let token = self.shutdown.clone();
        self.spawn(async move {
            let mut tick = tokio::time::interval(LIFECYCLE_TICK);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    () = token.cancelled() => break,
                    _ = tick.tick() => {}
                }
                let (t, now) = (this.timings(), unix_millis());
                if !this.read(|st| lifecycle::due(&st.res, &t, now)).await {
                    continue;
                }
                let r = this
                    .mutate(|res| {
                        lifecycle::sweep(res, &t, now);
                        Ok(())
                    })
                    .await;
                if let Err(e) = r {
                    tracing::warn!(error = %e, "cannot apply timed state transitions");
                }
            }
        });
    }

    fn after_delay(&self, then: impl Future<Output = ()> + Send + 'static) {
        let delay = self.config.provisioning_delay;
        let token = self.shutdown.clone();
        self.spawn(async move {
            tokio::select! {
                () = token.cancelled() => {}
                () = tokio::time::sleep(delay) => then.await,
            }
        });
    }

    /// Stops timers and watch streams, waits for them, and closes the store.
    pub async fn close(&self) {
        self.shutdown.cancel();
        self.tasks.close();
        self.tasks.wait().await;
        self.store.close();
    }

    fn bump(&self) {
        self.version.send_modify(|v| *v += 1);
    }
}

#[cfg(test)]
mod tests;

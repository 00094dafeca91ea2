//! Active health checks: one checker task per checked target, kept in step with the desired state.

pub mod checker;
pub mod http;
pub mod report;
pub mod state;
pub mod table;
pub mod tcp;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use plemu_proto::pb::{HealthCheckSpec, TargetGroupSpec};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::nlb::target::Dialer;
use checker::Checker;
use state::Thresholds;
use table::HealthTable;

/// One checked target: a registration of `id:port` in a target group.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TargetKey {
    /// The target group's ARN.
    pub target_group_arn: String,
    /// The target id as registered (IP address or host name).
    pub id: String,
    /// The traffic port: the target's own, or the group's when it registered none.
    pub port: u32,
}

impl TargetKey {
    /// The key of target `id` on `port` in `target_group_arn`.
    pub fn new(target_group_arn: &str, id: &str, port: u32) -> Self {
        Self {
            target_group_arn: target_group_arn.into(),
            id: id.into(),
            port,
        }
    }
}

/// The protocol a health check speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckProtocol {
    /// Connect, then close.
    Tcp,
    /// `GET path`, expecting 200-399.
    Http,
}

/// A target group's health-check settings, with the NLB defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HealthSettings {
    /// What a check does. `HTTPS` is checked as TCP (no TLS handshake).
    pub protocol: CheckProtocol,
    /// The port checked; 0 means the target's traffic port.
    pub port: u32,
    /// Time between the starts of two checks.
    pub interval: Duration,
    /// Time after which a check counts as failed with `Target.Timeout`.
    pub timeout: Duration,
    /// Consecutive results needed to change state.
    pub thresholds: Thresholds,
    /// The HTTP path requested.
    pub path: String,
}

impl HealthSettings {
    /// Settings from a target group's spec; zero or missing values take the NLB defaults
    /// (interval 30 s, timeout 10 s, or 6 s for HTTP, thresholds 5 and 2, path `/`).
    pub fn from_spec(spec: Option<&HealthCheckSpec>) -> Self {
        let spec = spec.cloned().unwrap_or_default();
        let protocol = if spec.protocol.eq_ignore_ascii_case("HTTP") {
            CheckProtocol::Http
        } else {
            CheckProtocol::Tcp
        };
        let or = |v: u32, d: u32| if v == 0 { d } else { v };
        let default_timeout = if protocol == CheckProtocol::Http {
            6
        } else {
            10
        };
        Self {
            protocol,
            port: spec.port,
            interval: Duration::from_secs(or(spec.interval_seconds, 30).into()),
            timeout: Duration::from_secs(or(spec.timeout_seconds, default_timeout).into()),
            thresholds: Thresholds {
                healthy: or(spec.healthy_threshold, 5),
                unhealthy: or(spec.unhealthy_threshold, 2),
            },
            path: if spec.path.is_empty() {
                "/".into()
            } else {
                spec.path
            },
        }
    }

    /// The port checked on a target whose traffic port is `traffic_port`.
    pub fn check_port(&self, traffic_port: u32) -> u32 {
        if self.port == 0 {
            traffic_port
        } else {
            self.port
        }
    }
}

/// Starts, restarts and stops checker tasks so that exactly the targets of in-use target groups
/// are checked. Owned by the agent's reconcile loop.
#[derive(Debug)]
pub struct Supervisor {
    table: Arc<HealthTable>,
    dialer: Arc<Dialer>,
    shutdown: CancellationToken,
    tracker: TaskTracker,
    running: HashMap<TargetKey, Running>,
    next_generation: u64,
}

#[derive(Debug)]
struct Running {
    settings: HealthSettings,
    token: CancellationToken,
}

// === impl Supervisor ===

impl Supervisor {
    /// A supervisor whose checkers run in `tracker`, each under a child of `shutdown`.
    pub fn new(
        table: Arc<HealthTable>,
        dialer: Arc<Dialer>,
        shutdown: CancellationToken,
        tracker: TaskTracker,
    ) -> Self {
        Self {
            table,
            dialer,
            shutdown,
            tracker,
            running: HashMap::new(),
            next_generation: 0,
        }
    }

    /// Brings the checkers in line with `groups`: new targets start at `initial`, removed ones are
    /// cancelled and forgotten, and those whose settings changed are restarted.
    pub fn reconcile(&mut self, groups: &[TargetGroupSpec]) {
        let mut desired: HashMap<TargetKey, HealthSettings> = HashMap::new();
        for tg in groups.iter().filter(|tg| tg.in_use) {
            let settings = HealthSettings::from_spec(tg.health_check.as_ref());
            for t in &tg.targets {
                let port = if t.port == 0 { tg.port } else { t.port };
                desired.insert(
                    TargetKey::new(&tg.target_group_arn, &t.id, port),
                    settings.clone(),
                );
            }
        }
        self.running.retain(|key, running| {
            let keep = desired.get(key) == Some(&running.settings);
            if !keep {
                running.token.cancel();
                if !desired.contains_key(key) {
                    tracing::info!(target_group = %key.target_group_arn, target = %format_args!("{}:{}", key.id, key.port), "target no longer checked");
                    self.table.remove(key);
                }
            }
            keep
        });
        for (key, settings) in desired {
            if !self.running.contains_key(&key) {
                self.start(key, settings);
            }
        }
    }

    /// How many targets are being checked.
    pub fn len(&self) -> usize {
        self.running.len()
    }

    /// Whether no target is being checked.
    pub fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    fn start(&mut self, key: TargetKey, settings: HealthSettings) {
        self.next_generation += 1;
        let generation = self.next_generation;
        self.table.register(key.clone(), generation);
        let token = self.shutdown.child_token();
        let port = u16::try_from(settings.check_port(key.port)).unwrap_or(0);
        let checker = Checker {
            key: key.clone(),
            generation,
            interval: settings.interval,
            timeout: settings.timeout,
            thresholds: settings.thresholds,
            table: self.table.clone(),
        };
        match settings.protocol {
            CheckProtocol::Tcp => {
                let check =
                    tcp::TcpCheck::new(self.dialer.clone(), &key.id, port, settings.timeout);
                self.tracker.spawn(checker.run(check, token.clone()));
            }
            CheckProtocol::Http => {
                let check = http::HttpCheck::new(
                    self.dialer.clone(),
                    &key.id,
                    port,
                    &settings.path,
                    settings.timeout,
                );
                self.tracker.spawn(checker.run(check, token.clone()));
            }
        }
        self.running.insert(key, Running { settings, token });
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        for running in self.running.values() {
            running.token.cancel();
        }
    }
}

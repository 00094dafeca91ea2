//! Starting, restarting and stopping one checker task per checked target.

use std::collections::HashMap;
use std::sync::Arc;

use plemu_proto::pb::TargetGroupSpec;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::checker::Checker;
use super::table::HealthTable;
use super::{CheckProtocol, HealthSettings, TargetKey, http, tcp};
use crate::nlb::flows::FlowTable;
use crate::nlb::target::Dialer;

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
    /// The open flows that a target turning unhealthy may reset.
    flows: Option<Arc<FlowTable>>,
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
            flows: None,
        }
    }

    /// The same supervisor, whose checkers reset the flows in `flows` of a target that turns
    /// unhealthy when its group says so.
    #[must_use]
    pub fn with_flows(mut self, flows: Arc<FlowTable>) -> Self {
        self.flows = Some(flows);
        self
    }

    /// Brings the checkers in line with `groups`: new targets start at `initial`, removed and
    /// draining ones are cancelled and forgotten, and those whose settings changed are restarted.
    pub fn reconcile(&mut self, groups: &[TargetGroupSpec]) {
        let mut desired: HashMap<TargetKey, HealthSettings> = HashMap::new();
        for tg in groups.iter().filter(|tg| tg.in_use) {
            let settings =
                HealthSettings::of_group(tg.health_check.as_ref(), tg.attributes.as_ref());
            for t in tg.targets.iter().filter(|t| !t.draining) {
                desired.insert(TargetKey::of(tg, t), settings.clone());
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
            unhealthy: settings.unhealthy,
            flows: self.flows.clone(),
        };
        match settings.protocol {
            CheckProtocol::Tcp => {
                let mut check =
                    tcp::TcpCheck::new(self.dialer.clone(), &key.id, port, settings.timeout);
                check.proxy_protocol = settings.proxy_protocol;
                self.tracker.spawn(checker.run(check, token.clone()));
            }
            CheckProtocol::Http | CheckProtocol::Https => {
                let mut check = http::HttpCheck::new(
                    self.dialer.clone(),
                    &key.id,
                    port,
                    &settings.path,
                    settings.timeout,
                );
                check.tls = settings.protocol == CheckProtocol::Https;
                check.matcher = http::Matcher::parse(&settings.matcher);
                check.proxy_protocol = settings.proxy_protocol;
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

#[cfg(test)]
mod tests;

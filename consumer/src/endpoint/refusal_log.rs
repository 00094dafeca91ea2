//! Refused connections, logged without flooding: every refusal at debug, and at most one
//! warning a minute for each endpoint and reason, with how many were not shown; the last one of
//! each endpoint is kept for the topology page.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use plemu_proto::metrics::Metrics;
use tracing::{debug, warn};

/// Shortest interval between two warnings of one endpoint and reason.
const WARN_EVERY: Duration = Duration::from_secs(60);

/// An endpoint and a reason.
type Key = (String, &'static str);
/// When the last warning of a key went out, and how many refusals followed it unshown.
type Seen = (Instant, u64);

/// Counts refusals and decides which ones are worth a warning.
#[derive(Debug)]
pub(crate) struct RefusalLog {
    /// By (endpoint, reason): when the last warning went out and how many followed it.
    seen: Mutex<HashMap<Key, Seen>>,
    /// Where the last refusal of each endpoint is kept.
    metrics: Metrics,
}

impl RefusalLog {
    /// A log that keeps each endpoint's last refusal in `metrics`.
    pub fn new(metrics: Metrics) -> Self {
        Self {
            seen: Mutex::default(),
            metrics,
        }
    }

    /// Records a refusal of kind `kind` at endpoint `vpce`.
    pub fn note(&self, vpce: &str, kind: &'static str, refusal: &impl Display) {
        debug!(reason = kind, "{refusal}");
        let by = if kind == "provider_refused" {
            "service"
        } else {
            "endpoint"
        };
        self.metrics
            .refusals
            .note(vpce, by, kind, refusal.to_string());
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        match seen.get_mut(&(vpce.to_string(), kind)) {
            Some((last, quiet)) if now.duration_since(*last) < WARN_EVERY => *quiet += 1,
            Some((last, quiet)) => {
                warn!(
                    reason = kind,
                    "{refusal} ({quiet} more like it in the last {:?})",
                    now.duration_since(*last)
                );
                *last = now;
                *quiet = 0;
            }
            None => {
                warn!(reason = kind, "{refusal}");
                seen.insert((vpce.to_string(), kind), (now, 0));
            }
        }
    }
}

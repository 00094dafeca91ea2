//! The last refusal of each endpoint, kept for the topology page: which rule refused a flow.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::SystemTime;

/// One refused flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// Who refused it: `endpoint` (the consumer agent) or `service` (the provider agent).
    pub by: &'static str,
    /// A short name of the reason (`security_groups`, `endpoint_not_available`, …).
    pub kind: String,
    /// The refusal as logged, naming the rule.
    pub message: String,
    /// When it happened, seconds since the Unix epoch.
    pub at_unix: u64,
    /// How many flows of this endpoint have been refused in all.
    pub count: u64,
}

/// The last refusal of each endpoint. Only refused flows take its lock, never passing ones.
#[derive(Debug, Default)]
pub struct LastRefusals(Mutex<HashMap<String, Refusal>>);

impl LastRefusals {
    /// Records that `by` refused a flow of `vpce` for `kind`, as `message` says.
    pub fn note(&self, vpce: &str, by: &'static str, kind: &str, message: String) {
        let at_unix = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let count = map.get(vpce).map_or(0, |r| r.count) + 1;
        map.insert(
            vpce.to_string(),
            Refusal {
                by,
                kind: kind.to_string(),
                message,
                at_unix,
                count,
            },
        );
    }

    /// The last refusal of `vpce`, if any.
    pub fn last(&self, vpce: &str) -> Option<Refusal> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(vpce)
            .cloned()
    }
}

//! Flow-hash target choice: which target of a listener's target group a new flow goes to.

use std::hash::{DefaultHasher, Hash, Hasher};

use plemu_proto::pb::TargetSpec;

/// The availability zone value of a target outside the VPC, eligible from every zone.
pub const ALL_ZONES: &str = "all";

/// What identifies a flow to the NLB's hash: as NLB hashes the 5-tuple plus the TCP sequence
/// number, each flow goes to one target for life and flows spread across targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FlowKey<'a> {
    /// The client's modelled address, `ip:port`.
    pub client: &'a str,
    /// The endpoint ENI's modelled address, `ip:port`.
    pub eni: &'a str,
    /// The listener port.
    pub port: u32,
    /// A random number drawn once per flow, standing in for the initial TCP sequence number.
    pub sequence: u32,
}

impl FlowKey<'_> {
    /// The flow's hash.
    pub fn hash_value(&self) -> u64 {
        let mut h = DefaultHasher::new();
        self.hash(&mut h);
        h.finish()
    }
}

/// The target a flow goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice<'a> {
    /// The chosen target.
    pub target: &'a TargetSpec,
    /// No eligible target was healthy, so the NLB failed open and chose among all eligible ones.
    pub failed_open: bool,
}

/// Whether `target` may receive new flows arriving through an ENI in `eni_az`: not while it
/// drains; then every target with cross-zone load balancing, else those in the ENI's zone or in
/// [`ALL_ZONES`]. An empty `eni_az` (the consumer did not say) admits every target.
pub fn is_eligible(target: &TargetSpec, eni_az: &str, cross_zone: bool) -> bool {
    !target.draining
        && (cross_zone
            || eni_az.is_empty()
            || target.availability_zone == eni_az
            || target.availability_zone == ALL_ZONES)
}

/// Chooses the target of a new flow among `targets`.
///
/// Healthy eligible targets are preferred; when none is healthy the NLB fails open and chooses
/// among all eligible targets. `None` when no target is eligible: the flow is refused.
///
/// # Arguments
/// * `eni_az`, `cross_zone`: decide eligibility (see [`is_eligible`]).
/// * `is_healthy`: the current health-check verdict of a target.
/// * `flow`: the flow's hash input.
pub fn choose<'a>(
    targets: &'a [TargetSpec],
    eni_az: &str,
    cross_zone: bool,
    is_healthy: impl Fn(&TargetSpec) -> bool,
    flow: &FlowKey<'_>,
) -> Option<Choice<'a>> {
    // One pass, one allocation per flow: each eligible target with its health.
    let eligible: Vec<(&TargetSpec, bool)> = targets
        .iter()
        .filter(|t| is_eligible(t, eni_az, cross_zone))
        .map(|t| (t, is_healthy(t)))
        .collect();
    let healthy = eligible.iter().filter(|(_, h)| *h).count();
    let failed_open = healthy == 0;
    let pool = if failed_open { eligible.len() } else { healthy };
    if pool == 0 {
        return None;
    }
    let index = (flow.hash_value() % pool as u64) as usize;
    let (target, _) = eligible
        .into_iter()
        .filter(|(_, h)| failed_open || *h)
        .nth(index)?;
    Some(Choice {
        target,
        failed_open,
    })
}

#[cfg(test)]
mod tests;

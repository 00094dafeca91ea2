//! A target's health-check state machine: consecutive results against the thresholds.

/// `TargetHealth.State`, the values a checked target can be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetHealthState {
    /// Registered, not yet through enough checks.
    Initial,
    /// Passed `healthy_threshold` consecutive checks.
    Healthy,
    /// Failed `unhealthy_threshold` consecutive checks.
    Unhealthy,
    /// Unhealthy, with unhealthy connection termination off, for the group's draining
    /// interval: its flows run on.
    UnhealthyDraining,
}

impl TargetHealthState {
    /// The state as ELBv2 spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Initial => "initial",
            Self::Healthy => "healthy",
            Self::Unhealthy => "unhealthy",
            Self::UnhealthyDraining => "unhealthy.draining",
        }
    }
}

/// `TargetHealth.Reason` of a target that is not healthy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// `Elb.InitialHealthChecking`.
    InitialHealthChecking,
    /// `Target.Timeout`: the last check timed out.
    Timeout,
    /// `Target.FailedHealthChecks`: the last check failed (refused, reset, …).
    FailedHealthChecks,
    /// `Target.ResponseCodeMismatch`: an HTTP check answered with this status code.
    ResponseCodeMismatch(u16),
}

impl Reason {
    /// The reason code as ELBv2 spells it.
    pub fn code(self) -> &'static str {
        match self {
            Self::InitialHealthChecking => "Elb.InitialHealthChecking",
            Self::Timeout => "Target.Timeout",
            Self::FailedHealthChecks => "Target.FailedHealthChecks",
            Self::ResponseCodeMismatch(_) => "Target.ResponseCodeMismatch",
        }
    }

    /// The description ELBv2 gives with the reason.
    pub fn description(self) -> String {
        match self {
            Self::InitialHealthChecking => "Initial health checks in progress".into(),
            Self::Timeout => "Request timed out".into(),
            Self::FailedHealthChecks => "Health checks failed".into(),
            Self::ResponseCodeMismatch(code) => {
                format!("Health checks failed with these codes: [{code}]")
            }
        }
    }
}

/// The result of one health check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// The target passed.
    Success,
    /// The check did not complete within the timeout.
    Timeout,
    /// The check failed, with what went wrong.
    Failed(String),
    /// An HTTP check got a status code outside 200-399.
    ResponseCodeMismatch(u16),
}

impl Probe {
    /// The reason a target made unhealthy by this probe reports; `None` for a success.
    fn failure_reason(&self) -> Option<Reason> {
        match self {
            Self::Success => None,
            Self::Timeout => Some(Reason::Timeout),
            Self::Failed(_) => Some(Reason::FailedHealthChecks),
            Self::ResponseCodeMismatch(code) => Some(Reason::ResponseCodeMismatch(*code)),
        }
    }
}

/// Consecutive results needed to change state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Thresholds {
    /// Successes that make a target healthy (`HealthyThresholdCount`).
    pub healthy: u32,
    /// Failures that make a target unhealthy (`UnhealthyThresholdCount`).
    pub unhealthy: u32,
}

/// A checked target's health: its visible state and reason, and the run of results behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetHealth {
    /// The state reported.
    pub state: TargetHealthState,
    /// Why the target is not healthy; `None` when healthy.
    pub reason: Option<Reason>,
    /// Consecutive successes so far.
    successes: u32,
    /// Consecutive failures so far.
    failures: u32,
}

// === impl TargetHealth ===

impl TargetHealth {
    /// A newly checked target: `initial`, `Elb.InitialHealthChecking`.
    pub fn initial() -> Self {
        Self {
            state: TargetHealthState::Initial,
            reason: Some(Reason::InitialHealthChecking),
            successes: 0,
            failures: 0,
        }
    }

    /// The health after one more check result.
    pub fn on(self, probe: &Probe, thresholds: Thresholds) -> Self {
        let Self {
            mut state,
            mut reason,
            mut successes,
            mut failures,
        } = self;
        match probe.failure_reason() {
            None => {
                successes = successes.saturating_add(1);
                failures = 0;
                if state != TargetHealthState::Healthy && successes >= thresholds.healthy {
                    state = TargetHealthState::Healthy;
                    reason = None;
                }
            }
            Some(why) => {
                failures = failures.saturating_add(1);
                successes = 0;
                if state == TargetHealthState::Unhealthy {
                    // Still unhealthy: the reason follows the latest failure.
                    reason = Some(why);
                } else if failures >= thresholds.unhealthy {
                    state = TargetHealthState::Unhealthy;
                    reason = Some(why);
                }
            }
        }
        Self {
            state,
            reason,
            successes,
            failures,
        }
    }

    /// Whether `other` looks the same from outside (state and reason).
    pub fn same_view(&self, other: &Self) -> bool {
        self.state == other.state && self.reason == other.reason
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Probe::{Failed, ResponseCodeMismatch as Code, Success as Ok_, Timeout as To};
    use TargetHealthState::{Healthy as H, Initial as I, Unhealthy as U};

    fn fail() -> Probe {
        Failed("connection refused".into())
    }

    #[test]
    fn transitions() {
        let t = Thresholds {
            healthy: 3,
            unhealthy: 2,
        };
        // (probes from initial, expected state, expected reason)
        let cases: Vec<(Vec<Probe>, TargetHealthState, Option<Reason>)> = vec![
            (vec![], I, Some(Reason::InitialHealthChecking)),
            (vec![Ok_, Ok_], I, Some(Reason::InitialHealthChecking)),
            (vec![Ok_, Ok_, Ok_], H, None),
            (
                vec![Ok_, Ok_, fail(), Ok_],
                I,
                Some(Reason::InitialHealthChecking),
            ),
            (vec![fail()], I, Some(Reason::InitialHealthChecking)),
            (vec![fail(), fail()], U, Some(Reason::FailedHealthChecks)),
            (vec![fail(), To], U, Some(Reason::Timeout)),
            (vec![To, fail()], U, Some(Reason::FailedHealthChecks)),
            (
                vec![Code(503), Code(503)],
                U,
                Some(Reason::ResponseCodeMismatch(503)),
            ),
            // from healthy, unhealthy_threshold failures are needed
            (vec![Ok_, Ok_, Ok_, fail()], H, None),
            (vec![Ok_, Ok_, Ok_, fail(), Ok_, fail()], H, None),
            (vec![Ok_, Ok_, Ok_, To, To], U, Some(Reason::Timeout)),
            // from unhealthy, healthy_threshold successes are needed
            (
                vec![fail(), fail(), Ok_, Ok_],
                U,
                Some(Reason::FailedHealthChecks),
            ),
            (vec![fail(), fail(), Ok_, Ok_, Ok_], H, None),
            (
                vec![fail(), fail(), Ok_, Ok_, fail(), Ok_, Ok_, Ok_],
                H,
                None,
            ),
            // the reason follows the latest failure while unhealthy
            (vec![fail(), fail(), To], U, Some(Reason::Timeout)),
        ];
        for (probes, state, reason) in cases {
            let h = probes
                .iter()
                .fold(TargetHealth::initial(), |h, p| h.on(p, t));
            assert_eq!((h.state, h.reason), (state, reason), "after {probes:?}");
        }
    }

    #[test]
    fn codes_and_descriptions_are_aws_words() {
        assert_eq!(H.as_str(), "healthy");
        assert_eq!(
            Reason::InitialHealthChecking.code(),
            "Elb.InitialHealthChecking"
        );
        assert_eq!(
            Reason::InitialHealthChecking.description(),
            "Initial health checks in progress"
        );
        assert_eq!(Reason::Timeout.code(), "Target.Timeout");
        assert_eq!(Reason::Timeout.description(), "Request timed out");
        assert_eq!(
            Reason::FailedHealthChecks.code(),
            "Target.FailedHealthChecks"
        );
        assert_eq!(
            Reason::FailedHealthChecks.description(),
            "Health checks failed"
        );
    }
}

//! Target health as the control plane sees it, and flows steering clear of unhealthy targets.

use plemu_proto::pb::ReportTargetHealthRequest;

use super::harness::{Harness, WAIT, echo_target, refusing_port};
use crate::test_util::fixture::{self, TG_ARN};

/// The `(state, reason, description)` reported for the target on `port`.
fn state_of(r: &ReportTargetHealthRequest, port: u16) -> Option<(String, String, String)> {
    r.targets
        .iter()
        .find(|t| t.port == u32::from(port) && t.target_group_arn == TG_ARN)
        .map(|t| (t.state.clone(), t.reason.clone(), t.description.clone()))
}

#[tokio::test]
async fn health_is_reported_and_flows_avoid_the_unhealthy_target() {
    let good = echo_target().await;
    let bad = refusing_port().await;
    let h = Harness::start().await;
    h.publish(
        &[("127.0.0.1", good.port()), ("localhost", bad)],
        "available",
    );
    let first = h.cp.wait_for_report(WAIT, |r| r.targets.len() == 2).await;
    assert_eq!(first.agent_id, "provider-0");
    assert!(first.targets.iter().all(|t| t.state == "initial"
        && t.reason == "Elb.InitialHealthChecking"
        && t.description == "Initial health checks in progress"));

    let settled =
        h.cp.wait_for_report(WAIT, |r| {
            state_of(r, good.port()).is_some_and(|s| s.0 == "healthy")
                && state_of(r, bad).is_some_and(|s| s.0 == "unhealthy")
        })
        .await;
    assert_eq!(
        state_of(&settled, good.port()),
        Some(("healthy".into(), String::new(), String::new()))
    );
    assert_eq!(
        state_of(&settled, bad),
        Some((
            "unhealthy".into(),
            "Target.FailedHealthChecks".into(),
            "Health checks failed".into()
        ))
    );

    for _ in 0..10 {
        let (target, _tx, _inbound) = h.open_flow(fixture::open_flow()).await.unwrap();
        assert_eq!(target, format!("127.0.0.1:{}", good.port()));
    }

    // Deregistering the bad target stops its checks and drops it from the report.
    h.publish(&[("127.0.0.1", good.port())], "available");
    h.wait_applied(1).await;

    h.stop().await;
}

use std::time::Duration;

use super::*;
use crate::test_util::fixture::{self, TG_ARN};

/// A supervisor over a fresh table, under a shutdown token that is never cancelled.
fn supervisor() -> (Supervisor, Arc<HealthTable>, TaskTracker) {
    let table = Arc::new(HealthTable::new());
    let tracker = TaskTracker::new();
    let supervisor = Supervisor::new(
        table.clone(),
        Arc::new(Dialer::without_dns()),
        CancellationToken::new(),
        tracker.clone(),
    );
    (supervisor, table, tracker)
}

/// The token of the checker of `127.0.0.1:port`.
fn token(supervisor: &Supervisor, port: u32) -> CancellationToken {
    supervisor.running[&TargetKey::new(TG_ARN, "127.0.0.1", port)]
        .token
        .clone()
}

#[tokio::test]
async fn checkers_follow_the_desired_state_and_stop_with_the_supervisor() {
    let (mut supervisor, table, tracker) = supervisor();
    let mut state = fixture::provider_state(&[("127.0.0.1", 1), ("127.0.0.1", 2)], "available");
    supervisor.reconcile(&state.target_groups);
    assert_eq!(supervisor.len(), 2);
    let reports = table.reports();
    assert_eq!(reports.len(), 2);
    assert!(reports.iter().all(|r| r.state == "initial"), "{reports:?}");

    // The same snapshot again: nothing restarts.
    let first = token(&supervisor, 1);
    supervisor.reconcile(&state.target_groups);
    assert!(!first.is_cancelled());

    // New settings: the checker is replaced, the target stays in the table.
    let check = state.target_groups[0].health_check.as_mut().unwrap();
    check.interval_seconds = 5;
    supervisor.reconcile(&state.target_groups);
    assert!(first.is_cancelled());
    assert!(!token(&supervisor, 1).is_cancelled());
    assert_eq!((supervisor.len(), table.reports().len()), (2, 2));

    // A deregistered target: its checker stops and it leaves the table.
    let second = token(&supervisor, 2);
    state.target_groups[0].targets.pop();
    supervisor.reconcile(&state.target_groups);
    assert!(second.is_cancelled());
    assert_eq!((supervisor.len(), table.reports().len()), (1, 1));

    // A target group no longer in use is not checked.
    let replaced = token(&supervisor, 1);
    state.target_groups[0].in_use = false;
    supervisor.reconcile(&state.target_groups);
    assert!(replaced.is_cancelled());
    assert!(supervisor.is_empty() && table.reports().is_empty());

    // Dropping the supervisor stops the checkers it still runs; every task ends.
    state.target_groups[0].in_use = true;
    supervisor.reconcile(&state.target_groups);
    assert_eq!(supervisor.len(), 1);
    drop(supervisor);
    tracker.close();
    tokio::time::timeout(Duration::from_secs(5), tracker.wait())
        .await
        .expect("every checker task ends");
}

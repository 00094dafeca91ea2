use super::*;
use crate::health::state::{Reason, TargetHealthState};
use std::collections::VecDeque;
use std::sync::Mutex;
use tokio::time::Instant;

/// Answers with a script of probes (then successes); `None` in the script hangs past any timeout.
struct Scripted {
    script: Mutex<VecDeque<Option<Probe>>>,
    calls: Mutex<Vec<Instant>>,
}

impl HealthCheck for Arc<Scripted> {
    async fn probe(&self) -> Probe {
        self.calls.lock().unwrap().push(Instant::now());
        let next = self.script.lock().unwrap().pop_front();
        match next {
            Some(Some(p)) => p,
            Some(None) => std::future::pending().await,
            None => Probe::Success,
        }
    }
}

fn setup(script: Vec<Option<Probe>>) -> (Arc<Scripted>, Arc<HealthTable>, TargetKey, Checker) {
    let check = Arc::new(Scripted {
        script: Mutex::new(script.into()),
        calls: Mutex::new(Vec::new()),
    });
    let table = Arc::new(HealthTable::new());
    let key = TargetKey::new("tg", "10.0.1.10", 6379);
    table.register(key.clone(), 1);
    let checker = Checker {
        key: key.clone(),
        generation: 1,
        interval: Duration::from_secs(10),
        timeout: Duration::from_secs(5),
        thresholds: Thresholds {
            healthy: 3,
            unhealthy: 2,
        },
        table: table.clone(),
        unhealthy: Default::default(),
        flows: None,
    };
    (check, table, key, checker)
}

/// Sleeps until `secs` after `start` on the paused clock; the runtime auto-advances through
/// every timer due before, in order, so the checker runs exactly as it would in real time.
async fn at(start: Instant, secs: f64) {
    tokio::time::sleep_until(start + Duration::from_secs_f64(secs)).await;
}

fn state(table: &HealthTable, key: &TargetKey) -> (TargetHealthState, Option<Reason>) {
    let h = table.get(key).unwrap();
    (h.state, h.reason)
}

#[tokio::test(start_paused = true)]
async fn first_check_at_once_then_every_interval_until_healthy() {
    let (check, table, key, checker) = setup(vec![]);
    let stop = CancellationToken::new();
    let start = Instant::now();
    let task = tokio::spawn(checker.run(check.clone(), stop.clone()));
    at(start, 0.5).await;
    assert_eq!(check.calls.lock().unwrap().len(), 1);
    assert_eq!(table.get(&key).unwrap().state, TargetHealthState::Initial);
    at(start, 10.5).await;
    assert_eq!(table.get(&key).unwrap().state, TargetHealthState::Initial);
    at(start, 20.5).await;
    assert_eq!(state(&table, &key), (TargetHealthState::Healthy, None));
    let calls: Vec<u64> = check
        .calls
        .lock()
        .unwrap()
        .iter()
        .map(|t| (*t - start).as_secs())
        .collect();
    assert_eq!(calls, [0, 10, 20]);
    stop.cancel();
    task.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn hanging_checks_time_out_and_make_the_target_unhealthy() {
    let (check, table, key, checker) = setup(vec![None, None]);
    let stop = CancellationToken::new();
    let start = Instant::now();
    let task = tokio::spawn(checker.run(check.clone(), stop.clone()));
    // t=0 hangs and times out at 5: one failure, still initial
    at(start, 7.0).await;
    assert_eq!(table.get(&key).unwrap().state, TargetHealthState::Initial);
    // t=10 hangs and times out at 15: unhealthy
    at(start, 16.0).await;
    assert_eq!(
        state(&table, &key),
        (TargetHealthState::Unhealthy, Some(Reason::Timeout))
    );
    // successes at 20, 30, 40: healthy only after the third
    at(start, 36.0).await;
    assert_eq!(table.get(&key).unwrap().state, TargetHealthState::Unhealthy);
    at(start, 41.0).await;
    assert_eq!(state(&table, &key), (TargetHealthState::Healthy, None));
    stop.cancel();
    task.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn refused_checks_report_failed_health_checks() {
    let refused = || Some(Probe::Failed("connection refused".into()));
    let (check, table, key, checker) = setup(vec![refused(), refused()]);
    let stop = CancellationToken::new();
    let start = Instant::now();
    let task = tokio::spawn(checker.run(check, stop.clone()));
    at(start, 1.0).await;
    assert_eq!(table.get(&key).unwrap().state, TargetHealthState::Initial);
    at(start, 11.0).await;
    assert_eq!(
        state(&table, &key),
        (
            TargetHealthState::Unhealthy,
            Some(Reason::FailedHealthChecks)
        )
    );
    stop.cancel();
    task.await.unwrap();
}

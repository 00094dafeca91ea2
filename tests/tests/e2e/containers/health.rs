//! Two Redis targets, one stopped: it turns unhealthy and new flows go to the other.

use std::time::Duration;

use plemu_proto::pb;
use plemu_testkit::containers::exec;
use plemu_testkit::eventually;
use plemu_testkit::topology::PROVIDER;

use super::{env, set_works, through_endpoint};

/// Target id → state, from DescribeTargetHealth.
async fn health(e: &super::Env) -> anyhow::Result<Vec<(String, String)>> {
    let r = e
        .plemu
        .api()
        .elbv2(PROVIDER)
        .describe_target_health(pb::DescribeTargetHealthRequest {
            target_group_arn: e.published.topology.target_group_arn.clone(),
            ..Default::default()
        })
        .await?
        .into_inner();
    let mut out: Vec<_> = r
        .target_health_descriptions
        .into_iter()
        .map(|d| {
            let id = d.target.map(|t| t.id).unwrap_or_default();
            let state = d.target_health.map(|h| h.state).unwrap_or_default();
            (id, state)
        })
        .collect();
    out.sort();
    Ok(out)
}

#[tokio::test]
async fn a_stopped_target_turns_unhealthy_and_flows_go_to_the_other() -> anyhow::Result<()> {
    let Some(e) = env(2, false, "10.0.0.0/16").await? else {
        return Ok(());
    };
    let names: Vec<String> = (0..2)
        .map(|i| format!("redis{i}-{}", e.plemu.instance()))
        .collect();
    let all_healthy = || async {
        let h = health(&e).await?;
        anyhow::ensure!(
            h.iter().all(|(_, s)| s == "healthy") && h.len() == 2,
            "{h:?}"
        );
        Ok(())
    };
    eventually(Duration::from_secs(30), all_healthy).await?;
    set_works(&e.app, "warm-up", "1").await?;

    e.targets[0].stop().await?;
    let first_unhealthy = || async {
        let h = health(&e).await?;
        let want = vec![
            (names[0].clone(), "unhealthy".to_string()),
            (names[1].clone(), "healthy".to_string()),
        ];
        anyhow::ensure!(h == want, "{h:?}");
        Ok(())
    };
    // Interval 5 s, unhealthy after 2 failures.
    eventually(Duration::from_secs(30), first_unhealthy).await?;

    // Every new flow (a new connection per command) lands on the live target.
    for i in 0..10 {
        let key = format!("after-{i}");
        let out = through_endpoint(&e.app, &["SET", &key, "v"]).await?;
        assert_eq!(out, "OK", "flow {i}");
    }
    let keys = exec(
        &e.targets[1],
        &["redis-cli", "--scan", "--pattern", "after-*"],
    )
    .await?
    .stdout;
    assert_eq!(keys.lines().count(), 10, "{keys}");
    Ok(())
}

//! Two `plemu up` on one machine (two CI jobs, two projects), each with its defaults: their
//! endpoints never share an address, and each carries its own traffic.

use std::time::Duration;

use plemu_testkit::topology::{PRIVATE_DNS_NAME, TopologySpec};
use plemu_testkit::{RedisServer, Scenario, eventually};

use crate::support::{endpoint_addr, redis_cmd};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_never_share_an_endpoint_address() -> anyhow::Result<()> {
    let mut running = Vec::new();
    for _ in 0..2 {
        let redis = RedisServer::start()?;
        let scenario = Scenario::start(TopologySpec {
            target: redis.addr,
            acceptance_required: false,
            client_cidr: "10.1.0.0/16".into(),
        })
        .await?;
        scenario
            .topo
            .wait_available(&scenario.api, Duration::from_secs(10))
            .await?;
        let addr = eventually(Duration::from_secs(10), || {
            endpoint_addr(scenario.plemu.dns, PRIVATE_DNS_NAME)
        })
        .await?;
        running.push((redis, scenario, addr));
    }
    assert_ne!(
        running[0].2, running[1].2,
        "both endpoints listen on one address"
    );
    for (i, (redis, _, addr)) in running.iter().enumerate() {
        let value = format!("instance {i}");
        let set = ["SET", "who", value.as_str()];
        eventually(Duration::from_secs(10), || redis_cmd(*addr, &set)).await?;
        // Each write reached that instance's own target, not the other's.
        assert_eq!(
            redis_cmd(redis.addr, &["GET", "who"]).await?.as_deref(),
            Some(value.as_str())
        );
    }
    Ok(())
}

//! The roles apart: `plemu control-plane`, `plemu provider` and `plemu consumer`
//! as three processes, as containers run them, carry the Redis case.

use std::time::Duration;

use plemu_testkit::topology::TopologySpec;
use plemu_testkit::{Api, RedisServer, RedisTopology, RoleProcess, trace_init};

use crate::support::{endpoint_addr, redis_cmd};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_three_roles_as_separate_processes_carry_redis() -> anyhow::Result<()> {
    trace_init();
    let redis = RedisServer::start()?;
    let data = tempfile::tempdir()?;
    let data_dir = data.path().to_str().unwrap_or_default();
    let cp = RoleProcess::start(
        "control-plane",
        &[
            "--api",
            "127.0.0.1:0",
            "--agents",
            "127.0.0.1:0",
            "--data-dir",
            data_dir,
            "--provisioning-delay",
            "0",
        ],
    )?;
    let url = format!("http://{}", cp.address("api")?);
    let agents = format!("http://{}", cp.address("agents")?);
    // Agents apart prove who they are with a token made from the control plane's secret.
    let token = std::process::Command::new(plemu_testkit::process::plemu_bin()?)
        .args(["agent-token", "--all", "--data-dir", data_dir])
        .output()?;
    anyhow::ensure!(token.status.success(), "agent-token: {token:?}");
    let token = String::from_utf8(token.stdout)?.trim().to_string();
    let _provider = RoleProcess::start(
        "provider",
        &[
            "--control-plane",
            &agents,
            "--agent-token",
            &token,
            "--tunnel",
            "127.0.0.1:0",
        ],
    )?;
    let consumer = RoleProcess::start(
        "consumer",
        &[
            "--control-plane",
            &agents,
            "--agent-token",
            &token,
            "--dns",
            "127.0.0.1:0",
        ],
    )?;
    let dns = consumer.address("dns")?;

    let api = Api::connect(&url).await?;
    let spec = TopologySpec {
        target: redis.addr,
        acceptance_required: false,
        client_cidr: "10.1.0.0/16".into(),
    };
    let topo = RedisTopology::build(&api, &spec).await?;
    topo.wait_available(&api, Duration::from_secs(10)).await?;
    let addr = plemu_testkit::eventually(Duration::from_secs(10), || {
        endpoint_addr(dns, plemu_testkit::topology::PRIVATE_DNS_NAME)
    })
    .await?;
    plemu_testkit::eventually(Duration::from_secs(10), || {
        redis_cmd(addr, &["SET", "roles", "apart"])
    })
    .await?;
    assert_eq!(
        redis_cmd(redis.addr, &["GET", "roles"]).await?.as_deref(),
        Some("apart")
    );
    Ok(())
}

//! The roles apart: `plemu control-plane`, `plemu provider` and `plemu consumer`
//! as three processes, as containers run them, carry the Redis case; and a
//! provider killed mid-flow.

use std::net::SocketAddr;
use std::time::Duration;

use plemu_testkit::topology::TopologySpec;
use plemu_testkit::{Api, RedisServer, RedisTopology, RoleProcess, trace_init};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{endpoint_addr, redis_cmd};

/// The three roles as processes, the topology built, the endpoint's address resolved.
pub(crate) struct Roles {
    pub cp: Option<RoleProcess>,
    pub provider: Option<RoleProcess>,
    pub consumer: Option<RoleProcess>,
    /// The agents' URL (`http://127.0.0.1:port`).
    pub agents: String,
    pub token: String,
    pub redis: RedisServer,
    pub topo: RedisTopology,
    pub endpoint: SocketAddr,
    pub data: tempfile::TempDir,
}

impl Roles {
    pub async fn start() -> anyhow::Result<Self> {
        trace_init();
        let redis = RedisServer::start()?;
        let data = tempfile::tempdir()?;
        let data_dir = data.path().to_str().unwrap_or_default().to_string();
        let cp = control_plane(&data_dir, "127.0.0.1:0")?;
        let url = format!("http://{}", cp.address("api")?);
        let agents = format!("http://{}", cp.address("agents")?);
        // Agents apart prove who they are with a token made from the control plane's secret.
        let token = std::process::Command::new(plemu_testkit::process::plemu_bin()?)
            .args(["agent-token", "--all", "--data-dir", &data_dir])
            .output()?;
        anyhow::ensure!(token.status.success(), "agent-token: {token:?}");
        let token = String::from_utf8(token.stdout)?.trim().to_string();
        let provider = provider(&agents, &token)?;
        let consumer = agent("consumer", &agents, &token, &["--dns", "127.0.0.1:0"])?;
        let dns = consumer.address("dns")?;

        let api = Api::connect(&url).await?;
        let spec = TopologySpec {
            target: redis.addr,
            acceptance_required: false,
            client_cidr: "10.1.0.0/16".into(),
        };
        let topo = RedisTopology::build(&api, &spec).await?;
        topo.wait_available(&api, Duration::from_secs(10)).await?;
        let endpoint = plemu_testkit::eventually(Duration::from_secs(10), || {
            endpoint_addr(dns, plemu_testkit::topology::PRIVATE_DNS_NAME)
        })
        .await?;
        Ok(Self {
            cp: Some(cp),
            provider: Some(provider),
            consumer: Some(consumer),
            agents,
            token,
            redis,
            topo,
            endpoint,
            data,
        })
    }
}

/// `plemu control-plane` on `data_dir`, its agents' service on `agents`.
pub(crate) fn control_plane(data_dir: &str, agents: &str) -> anyhow::Result<RoleProcess> {
    RoleProcess::start(
        "control-plane",
        &[
            "--api",
            "127.0.0.1:0",
            "--agents",
            agents,
            "--data-dir",
            data_dir,
            "--provisioning-delay",
            "0",
        ],
    )
}

pub(crate) fn provider(agents: &str, token: &str) -> anyhow::Result<RoleProcess> {
    agent("provider", agents, token, &["--tunnel", "127.0.0.1:0"])
}

/// An agent role dialling the control plane's agents' address with `token`, plus `args`.
pub(crate) fn agent(
    role: &'static str,
    agents: &str,
    token: &str,
    args: &[&str],
) -> anyhow::Result<RoleProcess> {
    let mut all = vec!["--control-plane", agents, "--agent-token", token];
    all.extend_from_slice(args);
    RoleProcess::start(role, &all)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_three_roles_as_separate_processes_carry_redis() -> anyhow::Result<()> {
    let r = Roles::start().await?;
    plemu_testkit::eventually(Duration::from_secs(10), || {
        redis_cmd(r.endpoint, &["SET", "roles", "apart"])
    })
    .await?;
    assert_eq!(
        redis_cmd(r.redis.addr, &["GET", "roles"]).await?.as_deref(),
        Some("apart")
    );
    Ok(())
}

/// SIGKILL of the provider agent with a flow open: the client is reset, not left hanging; a
/// new provider process takes over and new flows work, with no API call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_killed_mid_flow_resets_the_client_and_a_new_one_takes_over()
-> anyhow::Result<()> {
    let mut r = Roles::start().await?;
    let ping = b"*1\r\n$4\r\nPING\r\n";
    let mut client = plemu_testkit::eventually(Duration::from_secs(10), || async {
        let mut c = tokio::net::TcpStream::connect(r.endpoint).await?;
        c.write_all(ping).await?;
        let mut pong = [0u8; 7];
        tokio::time::timeout(Duration::from_secs(2), c.read_exact(&mut pong)).await??;
        anyhow::ensure!(&pong == b"+PONG\r\n", "answered {pong:?}");
        Ok(c)
    })
    .await?;

    drop(r.provider.take()); // SIGKILL
    let mut buf = [0u8; 64];
    let ended = tokio::time::timeout(Duration::from_secs(10), client.read(&mut buf))
        .await
        .expect("the client must not hang once its provider is gone");
    assert_eq!(
        ended.map_err(|e| e.kind()),
        Err(std::io::ErrorKind::ConnectionReset),
        "the client is reset"
    );

    r.provider = Some(provider(&r.agents, &r.token)?);
    let pong =
        plemu_testkit::eventually(Duration::from_secs(15), || redis_cmd(r.endpoint, &["PING"]))
            .await?;
    assert_eq!(pong.as_deref(), Some("PONG"));
    Ok(())
}

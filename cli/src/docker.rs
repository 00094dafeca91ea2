//! `plemu up --docker` and `plemu clean`: VPCs as Docker networks, endpoint network interfaces
//! and load balancers as agent containers, the control plane here.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::shutdown;
use crate::up::{UpArgs, dialable};

/// Options of `plemu up` for the Docker backend.
#[derive(clap::Args, Debug)]
#[command(next_help_heading = "Docker")]
pub struct DockerArgs {
    /// Run endpoints and load balancers as containers: every VPC becomes a Docker network named
    /// plemu-<vpc-id>, which application containers join (see docs/containers.md).
    #[arg(long)]
    pub docker: bool,
    /// The image of the agent containers.
    #[arg(long, env = "PLEMU_DOCKER_IMAGE", default_value = "plemu:dev")]
    pub docker_image: String,
    /// Where a VPC network's subnet comes from when the VPC's own CIDR block is taken (two VPCs
    /// with 10.0.0.0/16, say).
    #[arg(
        long,
        env = "PLEMU_DOCKER_ADDRESS_POOL",
        default_value = "10.96.0.0/11"
    )]
    pub docker_address_pool: ipnet::Ipv4Net,
    /// Port agents dial the control plane on, on their backbone network.
    #[arg(long, env = "PLEMU_DOCKER_AGENT_PORT", default_value_t = 4598)]
    pub docker_agent_port: u16,
    /// plemu itself runs in this container (name or id; `auto`: this host name): it joins the
    /// backbone and agents dial it there. Unset: plemu runs on the host, which agents reach at
    /// the backbone's gateway address.
    #[arg(long, env = "PLEMU_DOCKER_SELF")]
    pub docker_self: Option<String>,
    /// Name of this plemu's set of networks and containers. Default: one made once per data
    /// directory and kept in it.
    #[arg(long, env = "PLEMU_DOCKER_INSTANCE")]
    pub docker_instance: Option<String>,
    /// RUST_LOG of the agent containers.
    #[arg(long, env = "PLEMU_AGENT_LOG", default_value = "info")]
    pub agent_log: String,
}

/// Arguments of `plemu clean`.
#[derive(clap::Args, Debug)]
pub struct CleanArgs {
    /// The data directory whose Docker instance is removed.
    #[arg(long, env = "PLEMU_DATA_DIR", default_value = ".plemu")]
    pub data_dir: std::path::PathBuf,
    /// Remove this instance's containers and networks instead.
    #[arg(long, env = "PLEMU_DOCKER_INSTANCE", conflicts_with = "all")]
    pub instance: Option<String>,
    /// Remove the containers and networks of every plemu instance on this engine.
    #[arg(long)]
    pub all: bool,
}

/// Runs the control plane and the Docker orchestrator until Ctrl-C or SIGTERM. The containers
/// and networks stay when plemu stops; a restart on the same data directory adopts them.
///
/// # Errors
/// When an address cannot be bound, the store cannot be opened, or Docker cannot be used.
pub async fn up(args: UpArgs) -> anyhow::Result<()> {
    let d = &args.docker;
    let api = TcpListener::bind(args.api)
        .await
        .with_context(|| format!("cannot listen for the API on {}", args.api))?;
    let api_addr = api.local_addr()?;
    let control_plane = args
        .store
        .open(plemu_proto::metrics::Metrics::default())
        .await?;
    let control_plane_public_dns = control_plane
        .public_dns_addr()
        .context("the public DNS is bound")?;
    let instance = match &d.docker_instance {
        Some(i) => i.clone(),
        None => instance_of(&args.store.data_dir)?,
    };
    let docker = plemu_docker::connect(&d.docker_image).await?;
    let backbone = plemu_docker::network::ensure_backbone(&docker, &instance).await?;
    let (agents, agent_url) = match &d.docker_self {
        Some(me) => {
            let me = if me == "auto" {
                crate::roles::hostname()?
            } else {
                me.clone()
            };
            plemu_docker::attach(&docker, &me, &backbone.name).await?;
            let addr = SocketAddr::from((Ipv4Addr::UNSPECIFIED, d.docker_agent_port));
            let url = format!(
                "http://{}:{}",
                plemu_docker::CONTROL_PLANE_ALIAS,
                d.docker_agent_port
            );
            (bind(addr).await?, url)
        }
        None => {
            let addr = SocketAddr::from((backbone.gateway, d.docker_agent_port));
            (bind(addr).await?, format!("http://{addr}"))
        }
    };
    let orchestrator = plemu_docker::Orchestrator {
        docker,
        secret: control_plane.agent_secret().clone(),
        control_plane: format!("http://{}", dialable(agents.local_addr()?)),
        placement: plemu_docker::containers::Placement {
            instance: instance.clone(),
            image: d.docker_image.clone(),
            backbone: backbone.name.clone(),
            log_filter: d.agent_log.clone(),
        },
        agents: plemu_docker::agents::AgentSettings {
            control_plane: agent_url.clone(),
        },
        pool: d.docker_address_pool,
    };

    let token = CancellationToken::new();
    let mut tasks = JoinSet::new();
    let t = token.child_token();
    tasks.spawn(async move {
        let served = control_plane.serve(api, agents, t).await;
        ("control plane", served.map_err(anyhow::Error::from))
    });
    let t = token.child_token();
    tasks.spawn(async move {
        let run = orchestrator.run(t).await;
        ("docker orchestrator", run.map_err(anyhow::Error::from))
    });
    tracing::info!(api = %api_addr, %instance, backbone = %backbone.name, agents = %agent_url,
        data_dir = %args.store.data_dir.display(), "plemu ready (docker)");
    let public_dns = control_plane_public_dns;
    println!("plemu ready: api {api_addr} docker {instance} public-dns {public_dns}");
    shutdown::supervise(token, tasks).await
}

/// Removes what `plemu up --docker` created.
///
/// # Errors
/// When Docker cannot be used.
pub async fn clean(args: CleanArgs) -> anyhow::Result<()> {
    let docker = bollard_connect()?;
    let instance = match (&args.instance, args.all) {
        (_, true) => None,
        (Some(i), false) => Some(i.clone()),
        (None, false) => {
            let file = args.data_dir.join(INSTANCE_FILE);
            let text = std::fs::read_to_string(&file).with_context(|| {
                format!(
                    "no Docker instance recorded in {} (use --instance or --all)",
                    file.display()
                )
            })?;
            Some(text.trim().to_string())
        }
    };
    let done = plemu_docker::clean(&docker, instance.as_deref()).await?;
    println!(
        "removed {} containers and {} networks of {}",
        done.containers,
        done.networks,
        instance
            .as_deref()
            .map_or("every plemu instance".to_string(), |i| format!(
                "instance {i}"
            ))
    );
    Ok(())
}

/// The file in the data directory that names its Docker instance.
const INSTANCE_FILE: &str = "docker-instance";

/// The instance of `data_dir`, made (8 hex digits) and kept there the first time.
fn instance_of(data_dir: &Path) -> anyhow::Result<String> {
    let file = data_dir.join(INSTANCE_FILE);
    if let Ok(text) = std::fs::read_to_string(&file) {
        return Ok(text.trim().to_string());
    }
    let id = format!("{:08x}", rand::random::<u32>());
    std::fs::create_dir_all(data_dir)?;
    std::fs::write(&file, &id).with_context(|| format!("cannot write {}", file.display()))?;
    Ok(id)
}

async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen for agents on {addr}"))
}

fn bollard_connect() -> anyhow::Result<bollard::Docker> {
    bollard::Docker::connect_with_defaults().context("cannot connect to the Docker engine")
}

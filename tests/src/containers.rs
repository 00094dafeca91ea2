//! plemu in containers, for tests written with testcontainers: the [`PlemuImage`] image (plemu
//! itself in a container, running `plemu up --docker` with the Docker socket mounted), a
//! [`PlemuContainer`] handle with API clients that removes every network and agent container
//! plemu made when dropped, and the helpers in `containers/` that publish a target container as
//! an endpoint service and start test containers on a VPC's network.
//!
//! The images come from `scripts/images.sh`: `plemu:dev` and `plemu-testbed:dev`.

mod publish;
mod testbed;

use std::borrow::Cow;
use std::time::Duration;

use anyhow::Context;
use testcontainers::core::{ContainerPort, IntoContainerPort, Mount, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, Image, ImageExt};

pub use publish::{ProviderVpcNetwork, Published};
pub use testbed::{ExecOutput, Testbed, exec, start_on};

use crate::api::Api;

/// The port of plemu's API inside its container.
pub const API_PORT: u16 = 4599;
/// The image `scripts/images.sh` builds.
pub const IMAGE: &str = "plemu";
/// Its tag.
pub const TAG: &str = "dev";

/// plemu as a testcontainers image: `plemu up --docker` with the engine's socket mounted, so it
/// makes a network of each VPC and an agent container of each endpoint and load balancer.
#[derive(Clone, Debug)]
pub struct PlemuImage {
    /// The name of this plemu's networks and containers (see [`PlemuContainer::instance`]).
    instance: String,
    /// The command line after `plemu`.
    cmd: Vec<String>,
    /// `/var/run/docker.sock` mounted at the same path.
    mounts: Vec<Mount>,
    /// The API port.
    ports: [ContainerPort; 1],
}

// === impl PlemuImage ===

impl Default for PlemuImage {
    fn default() -> Self {
        let instance = format!("test-{:08x}", rand::random::<u32>());
        let cmd = [
            "up",
            "--docker",
            "--docker-self",
            "auto",
            "--docker-instance",
            &instance,
            "--api",
            "0.0.0.0:4599",
            "--data-dir",
            "/var/lib/plemu",
            "--provisioning-delay",
            "0",
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        Self {
            instance,
            cmd,
            mounts: vec![Mount::bind_mount(
                "/var/run/docker.sock",
                "/var/run/docker.sock",
            )],
            ports: [API_PORT.tcp()],
        }
    }
}

impl Image for PlemuImage {
    fn name(&self) -> &str {
        IMAGE
    }

    fn tag(&self) -> &str {
        TAG
    }

    fn ready_conditions(&self) -> Vec<WaitFor> {
        vec![WaitFor::message_on_stdout("plemu ready:")]
    }

    fn cmd(&self) -> impl IntoIterator<Item = impl Into<Cow<'_, str>>> {
        self.cmd.iter().map(String::as_str)
    }

    fn mounts(&self) -> impl IntoIterator<Item = &Mount> {
        self.mounts.iter()
    }

    fn expose_ports(&self) -> &[ContainerPort] {
        &self.ports
    }
}

/// A running plemu container, its API, and the cleanup of everything it created.
pub struct PlemuContainer {
    /// The container (removed when dropped, by testcontainers).
    container: ContainerAsync<PlemuImage>,
    /// Clients of its API.
    api: Api,
    /// Its networks' and containers' label.
    instance: String,
}

// === impl PlemuContainer ===

impl PlemuContainer {
    /// Starts plemu in a container and connects to its API.
    ///
    /// # Errors
    /// When the image is missing (build it with `scripts/images.sh`) or plemu does not start.
    pub async fn start() -> anyhow::Result<Self> {
        let image = PlemuImage::default();
        let instance = image.instance.clone();
        let container = image
            .with_startup_timeout(Duration::from_secs(60))
            .start()
            .await
            .context("cannot start plemu:dev (build it with scripts/images.sh)")?;
        let api = connect(&container).await?;
        Ok(Self {
            container,
            api,
            instance,
        })
    }

    /// Clients of plemu's API (`api.ec2(account)`, `api.elbv2(account)`).
    pub fn api(&self) -> &Api {
        &self.api
    }

    /// The label value of this plemu's networks and containers (`dev.plemu.instance`).
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// The URL of plemu's API from the test process.
    ///
    /// # Errors
    /// When the container's port cannot be read.
    pub async fn api_url(&self) -> anyhow::Result<String> {
        api_url(&self.container).await
    }

    /// The Docker network of `vpc_id`, once plemu has created it: what a container joins to be
    /// in that VPC.
    ///
    /// # Errors
    /// When the network does not appear within 30 s.
    pub async fn vpc_network(&self, vpc_id: &str) -> anyhow::Result<String> {
        let name = plemu_docker::names::vpc_network(vpc_id);
        let docker = bollard::Docker::connect_with_defaults()?;
        crate::eventually(Duration::from_secs(30), || async {
            docker
                .inspect_network(&name, None)
                .await
                .map(|_| name.clone())
                .with_context(|| format!("no network {name} yet"))
        })
        .await
    }

    /// Stops plemu's container and starts it again (its store survives in the container), then
    /// reconnects to its API. The agent containers keep running meanwhile.
    ///
    /// # Errors
    /// When the container does not come back.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        self.container.stop().await?;
        self.container.start().await?;
        let container = &self.container;
        self.api = crate::eventually(Duration::from_secs(30), || connect(container)).await?;
        Ok(())
    }
}

impl Drop for PlemuContainer {
    /// Removes plemu's container first (so that it recreates nothing), then every network and
    /// agent container of this instance.
    fn drop(&mut self) {
        let instance = self.instance.clone();
        let id = self.container.id().to_string();
        let cleaned = std::thread::spawn(move || -> anyhow::Result<plemu_docker::Cleaned> {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(async {
                let docker = bollard::Docker::connect_with_defaults()?;
                plemu_docker::containers::remove(&docker, &id).await?;
                Ok(plemu_docker::clean(&docker, Some(&instance)).await?)
            })
        })
        .join();
        match cleaned {
            Ok(Ok(c)) => {
                tracing::debug!(instance = %self.instance, ?c, "plemu's containers removed")
            }
            Ok(Err(e)) => eprintln!(
                "plemu-testkit: cannot remove instance {}: {e:#}",
                self.instance
            ),
            Err(_) => eprintln!(
                "plemu-testkit: cleanup of instance {} panicked",
                self.instance
            ),
        }
    }
}

impl std::fmt::Debug for PlemuContainer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlemuContainer")
            .field("id", &self.container.id())
            .field("instance", &self.instance)
            .finish()
    }
}

async fn api_url(container: &ContainerAsync<PlemuImage>) -> anyhow::Result<String> {
    let host = container.get_host().await?;
    let port = container.get_host_port_ipv4(API_PORT).await?;
    Ok(format!("http://{host}:{port}"))
}

async fn connect(container: &ContainerAsync<PlemuImage>) -> anyhow::Result<Api> {
    Api::connect(&api_url(container).await?).await
}

/// Whether container tests can run here. Without a usable Docker engine and the images, prints
/// one loud line and returns false, unless `PLEMU_REQUIRE_DOCKER=1`, which makes it an error.
///
/// # Errors
/// When Docker or the images are missing and `PLEMU_REQUIRE_DOCKER=1`.
pub async fn docker_ready() -> anyhow::Result<bool> {
    let problem = match bollard::Docker::connect_with_defaults() {
        Err(e) => Some(format!("no Docker engine: {e}")),
        Ok(docker) => match docker.ping().await {
            Err(e) => Some(format!("the Docker engine does not answer: {e}")),
            Ok(_) => {
                let mut missing = Vec::new();
                for image in [
                    format!("{IMAGE}:{TAG}"),
                    format!("{}:{}", testbed::IMAGE, TAG),
                ] {
                    if docker.inspect_image(&image).await.is_err() {
                        missing.push(image);
                    }
                }
                (!missing.is_empty()).then(|| {
                    format!(
                        "images missing ({}): run scripts/images.sh",
                        missing.join(", ")
                    )
                })
            }
        },
    };
    let Some(problem) = problem else {
        return Ok(true);
    };
    if std::env::var("PLEMU_REQUIRE_DOCKER").is_ok_and(|v| v == "1") {
        anyhow::bail!("container tests need Docker: {problem}");
    }
    eprintln!(
        "!!! SKIPPED: container test not run: {problem} (PLEMU_REQUIRE_DOCKER=1 makes this an error)"
    );
    Ok(false)
}

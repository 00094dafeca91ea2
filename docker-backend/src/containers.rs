//! Agent containers in the engine: list, create (VPC network with address and aliases, then the
//! backbone), start and remove.

use std::collections::HashMap;

use bollard::Docker;
use bollard::models::{
    ContainerCreateBody, ContainerSummaryStateEnum, EndpointIpamConfig, EndpointSettings,
    HostConfig, NetworkConnectRequest, NetworkingConfig, RestartPolicy, RestartPolicyNameEnum,
};
use bollard::query_parameters::{
    CreateContainerOptions, ListContainersOptions, RemoveContainerOptions,
};

use plemu_proto::agent_token::AgentToken;

use crate::agents::ContainerSpec;
use crate::error::{Error, refused};
use crate::names::{self, LABEL_SPEC};

/// An agent container as the engine has it.
#[derive(Clone, Debug)]
pub struct Existing {
    /// Its name (without Docker's leading `/`).
    pub name: String,
    /// The digest it was created with.
    pub digest: String,
    /// Whether it runs.
    pub running: bool,
}

/// Where and how agent containers are created.
#[derive(Clone, Debug)]
pub struct Placement {
    /// The plemu instance that owns them.
    pub instance: String,
    /// The agents' image, e.g. `plemu:dev`.
    pub image: String,
    /// The backbone network's name.
    pub backbone: String,
    /// `RUST_LOG` for the agents; empty: their default.
    pub log_filter: String,
}

/// The containers of `instance` (every kind), running or not.
///
/// # Errors
/// When the engine cannot list containers.
pub async fn list(docker: &Docker, instance: &str) -> Result<Vec<Existing>, Error> {
    let options = ListContainersOptions {
        all: true,
        filters: Some(names::instance_filter(instance)),
        ..Default::default()
    };
    let found = docker
        .list_containers(Some(options))
        .await
        .map_err(refused("list containers"))?;
    Ok(found
        .into_iter()
        .filter_map(|c| {
            let name = c.names?.first()?.trim_start_matches('/').to_string();
            let digest = c
                .labels
                .unwrap_or_default()
                .remove(LABEL_SPEC)
                .unwrap_or_default();
            let running = c.state == Some(ContainerSummaryStateEnum::RUNNING);
            Some(Existing {
                name,
                digest,
                running,
            })
        })
        .collect())
}

/// Creates and starts the container of `spec`.
///
/// # Errors
/// [`Error::ImageMissing`] when the image is not in the engine, or the engine's refusal.
/// The container gets `token` in its environment (`PLEMU_AGENT_TOKEN`), not on its command line.
pub async fn create(
    docker: &Docker,
    spec: &ContainerSpec,
    at: &Placement,
    token: &AgentToken,
) -> Result<(), Error> {
    let mut labels = names::labels(&at.instance, spec.kind, &spec.id);
    labels.insert(
        LABEL_SPEC.into(),
        spec.digest(&at.image, &at.backbone, token),
    );
    let vpc_endpoint = EndpointSettings {
        ipam_config: Some(EndpointIpamConfig {
            ipv4_address: Some(spec.ip.to_string()),
            ..Default::default()
        }),
        aliases: Some(spec.aliases.clone()),
        ..Default::default()
    };
    let mut env = vec![format!("PLEMU_AGENT_TOKEN={}", token.expose())];
    if !at.log_filter.is_empty() {
        env.push(format!("RUST_LOG={}", at.log_filter));
    }
    let body = ContainerCreateBody {
        image: Some(at.image.clone()),
        cmd: Some(spec.args.clone()),
        env: Some(env),
        labels: Some(labels),
        host_config: Some(HostConfig {
            network_mode: Some(spec.vpc_network.clone()),
            restart_policy: Some(RestartPolicy {
                name: Some(RestartPolicyNameEnum::UNLESS_STOPPED),
                ..Default::default()
            }),
            ..Default::default()
        }),
        networking_config: Some(NetworkingConfig {
            endpoints_config: Some(HashMap::from([(spec.vpc_network.clone(), vpc_endpoint)])),
        }),
        ..Default::default()
    };
    let options = CreateContainerOptions {
        name: Some(spec.name.clone()),
        ..Default::default()
    };
    match docker.create_container(Some(options), body).await {
        Ok(_) => {}
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            message,
        }) if message.contains("image") => return Err(Error::ImageMissing(at.image.clone())),
        Err(e) => return Err(refused(format!("create container {}", spec.name))(e)),
    }
    // Engines older than API 1.44 take one network at creation: the backbone comes second.
    let connect = NetworkConnectRequest {
        container: spec.name.clone(),
        endpoint_config: None,
    };
    docker
        .connect_network(&at.backbone, connect)
        .await
        .map_err(refused(format!("connect {} to {}", spec.name, at.backbone)))?;
    start(docker, &spec.name).await?;
    tracing::info!(container = %spec.name, ip = %spec.ip, aliases = ?spec.aliases, "started agent container");
    Ok(())
}

/// Starts container `name`.
///
/// # Errors
/// The engine's refusal.
pub async fn start(docker: &Docker, name: &str) -> Result<(), Error> {
    docker
        .start_container(name, None)
        .await
        .map_err(refused(format!("start container {name}")))
}

/// Removes container `name`, stopping it first.
///
/// # Errors
/// The engine's refusal (a container already gone is not an error).
pub async fn remove(docker: &Docker, name: &str) -> Result<(), Error> {
    let options = RemoveContainerOptions {
        force: true,
        ..Default::default()
    };
    match docker.remove_container(name, Some(options)).await {
        Ok(()) => {
            tracing::info!(container = %name, "removed agent container");
            Ok(())
        }
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => Ok(()),
        Err(e) => Err(refused(format!("remove container {name}"))(e)),
    }
}

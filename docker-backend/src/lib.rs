//! plemu's Docker backend: every VPC a Docker network, every endpoint network interface and
//! load balancer an agent container, kept in step with the control plane.
//!
//! # Layout
//! - [`Orchestrator`] (`reconcile`): watches the control plane (role orchestrator) and makes the
//!   engine match each topology; the last one again every few seconds.
//! - [`network`]: a VPC's network (internal, on its CIDR block or a free one of the same size)
//!   and the agents' backbone.
//! - [`agents`]: which agent containers a topology asks for, with addresses and DNS aliases.
//! - [`containers`]: creating, starting and removing them in the engine.
//! - [`names`]: names and labels of everything plemu creates; [`clean`] removes it all.
//! - `error`: [`Error`], what can go wrong with the engine.
#![warn(missing_docs)]

pub mod agents;
pub mod containers;
pub mod error;
pub mod names;
pub mod network;
mod reconcile;

use bollard::Docker;
use bollard::models::NetworkConnectRequest;
use bollard::query_parameters::{ListContainersOptions, RemoveContainerOptions};

pub use error::Error;
pub use reconcile::Orchestrator;

use crate::error::refused;

/// Connects to the engine as the Docker CLI would (`DOCKER_HOST`, else the local socket) and
/// checks that `image` is there.
///
/// # Errors
/// When the engine cannot be reached, or [`Error::ImageMissing`].
pub async fn connect(image: &str) -> Result<Docker, Error> {
    let docker =
        Docker::connect_with_defaults().map_err(refused("connect to the Docker engine"))?;
    docker
        .ping()
        .await
        .map_err(refused("reach the Docker engine"))?;
    if docker.inspect_image(image).await.is_err() {
        return Err(Error::ImageMissing(image.to_string()));
    }
    Ok(docker)
}

/// The name plemu's own container has on the backbone when plemu runs in a container: agents
/// dial the control plane there, whatever the container's name or address.
pub const CONTROL_PLANE_ALIAS: &str = "plemu-control-plane";

/// Joins the container `container` (a name, an id, or a prefix of one, such as the hostname
/// Docker gives a container) to `network` as [`CONTROL_PLANE_ALIAS`].
///
/// # Errors
/// When the container is not known to the engine or cannot join.
pub async fn attach(docker: &Docker, container: &str, network: &str) -> Result<(), Error> {
    let info = docker
        .inspect_container(container, None)
        .await
        .map_err(refused(format!("find container {container}")))?;
    let name = info
        .name
        .unwrap_or_default()
        .trim_start_matches('/')
        .to_string();
    let joined = info
        .network_settings
        .and_then(|s| s.networks)
        .is_some_and(|n| n.contains_key(network));
    if !joined {
        let req = NetworkConnectRequest {
            container: name.clone(),
            endpoint_config: Some(bollard::models::EndpointSettings {
                aliases: Some(vec![CONTROL_PLANE_ALIAS.to_string()]),
                ..Default::default()
            }),
        };
        docker
            .connect_network(network, req)
            .await
            .map_err(refused(format!("connect {name} to {network}")))?;
    }
    Ok(())
}

/// What [`clean`] removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Cleaned {
    /// Containers removed.
    pub containers: usize,
    /// Networks removed.
    pub networks: usize,
}

/// Removes every container and network of `instance`, or of every plemu instance when `None`.
/// Containers plemu did not create (an application's) are disconnected from plemu's networks
/// first, not removed.
///
/// # Errors
/// When the engine cannot list or remove containers.
pub async fn clean(docker: &Docker, instance: Option<&str>) -> Result<Cleaned, Error> {
    let filters = match instance {
        Some(i) => names::instance_filter(i),
        None => std::collections::HashMap::from([(
            "label".to_string(),
            vec![names::LABEL_INSTANCE.to_string()],
        )]),
    };
    let mut out = Cleaned::default();
    let found = docker
        .list_containers(Some(ListContainersOptions {
            all: true,
            filters: Some(filters.clone()),
            ..Default::default()
        }))
        .await
        .map_err(refused("list containers"))?;
    for c in found {
        let Some(id) = c.id else { continue };
        let options = RemoveContainerOptions {
            force: true,
            ..Default::default()
        };
        docker
            .remove_container(&id, Some(options))
            .await
            .map_err(refused(format!("remove container {id}")))?;
        out.containers += 1;
    }
    let nets = docker
        .list_networks(Some(bollard::query_parameters::ListNetworksOptions {
            filters: Some(filters),
        }))
        .await
        .map_err(refused("list networks"))?;
    for n in nets {
        let Some(name) = n.name else { continue };
        let attached = docker
            .inspect_network(&name, None)
            .await
            .ok()
            .and_then(|n| n.containers)
            .unwrap_or_default();
        for container in attached.keys() {
            let req = bollard::models::NetworkDisconnectRequest {
                container: container.clone(),
                force: Some(true),
            };
            if let Err(e) = docker.disconnect_network(&name, req).await {
                tracing::warn!(network = %name, %container, error = %e, "cannot disconnect container");
            }
        }
        match docker.remove_network(&name).await {
            Ok(()) => out.networks += 1,
            Err(e) => tracing::warn!(network = %name, error = %e, "network left in place"),
        }
    }
    Ok(out)
}

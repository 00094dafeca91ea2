//! What can go wrong between plemu and the Docker engine.

use ipnet::Ipv4Net;

/// An error of the Docker backend.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The engine refused or failed a request.
    #[error("docker: cannot {what}")]
    Docker {
        /// What plemu asked for.
        what: String,
        /// The engine's answer.
        #[source]
        source: bollard::errors::Error,
    },
    /// The agents' image is not in the engine.
    #[error("the image {0} is not in the Docker engine: build it with scripts/images.sh")]
    ImageMissing(String),
    /// A network has no IPv4 gateway, so the host cannot be reached on it.
    #[error("network {0} has no IPv4 gateway")]
    NoGateway(String),
    /// No block of the VPC's size is free for its network.
    #[error(
        "no free subnet for the network of {vpc} ({cidr}): it overlaps another network and the \
         pool {pool} has no free /{} block (see --docker-address-pool)", cidr.prefix_len()
    )]
    NoSubnet {
        /// The VPC.
        vpc: String,
        /// Its CIDR block.
        cidr: Ipv4Net,
        /// Where other blocks were looked for.
        pool: Ipv4Net,
    },
    /// The control plane URL is not a URL.
    #[error("control plane URL {url:?}")]
    ControlPlaneUrl {
        /// As given.
        url: String,
        /// Why it is not one.
        #[source]
        source: tonic::transport::Error,
    },
}

/// Turns a bollard error into [`Error::Docker`] saying what was asked.
pub(crate) fn refused(what: impl Into<String>) -> impl FnOnce(bollard::errors::Error) -> Error {
    let what = what.into();
    move |source| Error::Docker { what, source }
}

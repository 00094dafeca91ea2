//! plemu's gRPC contract and the pieces both agents share.
//!
//! # Layout
//! - [`pb`]: the generated messages and services (`proto/plemu/v1/*.proto`):
//!   `Ec2` and `Elbv2` (the AWS-shaped API), `Agent` (watch streams and health
//!   reports), `Tunnel` (one stream per TCP flow).
//! - [`ids`]: AWS resource ids (`vpc-` + 17 hex, …) and ARNs, checked once.
//! - [`meta`]: the metadata that carries account, region and AWS error codes.
//! - [`tunnel`]: the pump between a TCP socket and a tunnel stream, with
//!   half-close and reset, used by both agents.
#![warn(missing_docs)]

pub mod ids;
pub mod meta;
pub mod tunnel;

/// Generated protobuf types and gRPC services of package `plemu.v1`.
#[allow(missing_docs, clippy::all, clippy::pedantic)]
pub mod pb {
    tonic::include_proto!("plemu.v1");
}

//! plemu-testkit: start plemu and its peers for end-to-end tests, ours and users'.
//!
//! # Layout
//! - [`containers`]: plemu in a container for testcontainers tests ([`containers::PlemuContainer`]),
//!   publishing a target container, testbed containers.
//! - [`process`]: [`Plemu`], the real `plemu up` binary as a child process.
//! - [`redis`]: [`RedisServer`], a real `redis-server` on a free loopback port.
//! - [`api`]: gRPC clients that call as a given account.
//! - [`http`]: plain HTTP GETs (`/metrics`, the topology page) and Prometheus samples.
//! - [`browser`]: headless Chromium for the topology page.
//! - [`python_clients`]: Python clients of both fronts (`aws` CLI, boto3, grpcio) from a venv.
//! - [`dns`]: a resolver that asks plemu's DNS server.
//! - [`topology`]: the PrivateLink topology of the Redis case, built through the API.
//! - [`tcp`]: small TCP peers (a sink that counts bytes) and `eventually`.
#![warn(missing_docs)]

pub mod api;
pub mod browser;
pub mod containers;
pub mod dns;
pub mod http;
pub mod process;
pub mod python_clients;
pub mod redis;
pub mod tcp;
pub mod topology;

pub use api::Api;
pub use process::{Plemu, PlemuOptions, RoleProcess};
pub use python_clients::PythonClients;
pub use redis::RedisServer;
pub use tcp::eventually;
pub use topology::{ProviderVpc, Publish, RedisTopology, Scenario};

/// Installs a test log subscriber once (`RUST_LOG` filters it).
pub fn trace_init() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let filter =
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_test_writer()
            .try_init();
    });
}

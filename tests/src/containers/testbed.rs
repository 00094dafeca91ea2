//! `plemu-testbed:dev` containers (Debian with redis-server, redis-cli and dig): a Redis target on
//! a provider VPC's network, a client on a consumer VPC's network, and commands run in them.

use anyhow::Context;
use testcontainers::core::{CmdWaitFor, ExecCommand, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};

/// The image `scripts/images.sh` builds for targets and clients.
pub const IMAGE: &str = "plemu-testbed";

/// Kinds of testbed container.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Testbed {
    /// `redis-server` on 6379, ready when it says so.
    Redis,
    /// An idle container to run clients in (`redis-cli`, `dig`, `getent`).
    Client,
}

/// Starts a testbed container of `kind` named `name` on Docker network `network` (a VPC's,
/// from [`super::PlemuContainer::vpc_network`]).
///
/// # Errors
/// When the image is missing or the container does not become ready.
pub async fn start_on(
    kind: Testbed,
    network: &str,
    name: &str,
) -> anyhow::Result<ContainerAsync<GenericImage>> {
    let image = GenericImage::new(IMAGE, super::TAG);
    let request = match kind {
        Testbed::Redis => image
            .with_wait_for(WaitFor::message_on_stdout("Ready to accept connections"))
            .with_network(network),
        Testbed::Client => image
            .with_wait_for(WaitFor::Nothing)
            .with_network(network)
            .with_cmd(["sleep", "infinity"]),
    };
    request
        .with_container_name(name)
        .start()
        .await
        .with_context(|| format!("cannot start {IMAGE}:{} as {name} on {network}", super::TAG))
}

/// What a command run in a container did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecOutput {
    /// Its exit code (-1 when Docker did not report one).
    pub code: i64,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
}

/// Runs `cmd` in `container` to its end.
///
/// # Errors
/// When the command cannot be run.
pub async fn exec(
    container: &ContainerAsync<GenericImage>,
    cmd: &[&str],
) -> anyhow::Result<ExecOutput> {
    let mut run = container
        .exec(ExecCommand::new(cmd.iter().copied()).with_cmd_ready_condition(CmdWaitFor::exit()))
        .await
        .map_err(|e| anyhow::anyhow!("cannot run {cmd:?}: {e:?}"))?;
    let fail = |e: testcontainers::TestcontainersError| anyhow::anyhow!("{cmd:?}: {e:?}");
    let stdout = String::from_utf8_lossy(&run.stdout_to_vec().await.map_err(fail)?).into_owned();
    let stderr = String::from_utf8_lossy(&run.stderr_to_vec().await.map_err(fail)?).into_owned();
    let code = run.exit_code().await.map_err(fail)?.unwrap_or(-1);
    Ok(ExecOutput {
        code,
        stdout,
        stderr,
    })
}

//! plemu in containers (`plemu up --docker` inside a container, via the testkit's
//! testcontainers module): VPCs as Docker networks, the endpoint the only way across.
//! Each test skips loudly without Docker, unless PLEMU_REQUIRE_DOCKER=1.

mod example;
mod guide;
mod health;
mod path;
mod restart;

use std::time::Duration;

use plemu_testkit::containers::{PlemuContainer, Published, Testbed, exec, start_on};
use plemu_testkit::{Publish, eventually};
use testcontainers::{ContainerAsync, GenericImage};

/// The service's private DNS name, as the testkit publishes it.
const NAME: &str = "redis.example.internal";

#[test]
fn docs_testcontainers_shows_the_guide_test_as_it_is() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let doc = std::fs::read_to_string(root.join("docs/testcontainers.md")).unwrap();
    let test = std::fs::read_to_string(root.join("tests/tests/e2e/containers/guide.rs")).unwrap();
    let start = doc.find("```rust\n").expect("a rust block") + "```rust\n".len();
    let len = doc[start..].find("```\n").expect("its end");
    assert_eq!(
        &doc[start..start + len],
        test,
        "docs/testcontainers.md and guide.rs differ"
    );
}

/// A published Redis and an application container on the consumer's network.
struct Env {
    plemu: PlemuContainer,
    published: Published,
    targets: Vec<ContainerAsync<GenericImage>>,
    app: ContainerAsync<GenericImage>,
}

/// Starts plemu, `targets` Redis containers on a provider VPC `10.0.0.0/16`, publishes them, and
/// an application container on a consumer VPC that is `10.0.0.0/16` too. `None` without Docker.
async fn env(
    targets: usize,
    acceptance_required: bool,
    client_cidr: &str,
) -> anyhow::Result<Option<Env>> {
    if !plemu_testkit::containers::docker_ready().await? {
        return Ok(None);
    }
    let plemu = PlemuContainer::start().await?;
    let provider = plemu.provider_vpc("10.0.0.0/16").await?;
    let mut started = Vec::new();
    let mut names = Vec::new();
    for i in 0..targets {
        let name = format!("redis{i}-{}", plemu.instance());
        started.push(start_on(Testbed::Redis, &provider.network, &name).await?);
        names.push((name, 6379));
    }
    let publish = Publish {
        targets: names,
        acceptance_required,
        client_cidr: client_cidr.into(),
        consumer_cidr: "10.0.0.0/16".into(),
    };
    let published = plemu.publish(provider, &publish).await?;
    let app_name = format!("app-{}", plemu.instance());
    let app = start_on(Testbed::Client, &published.consumer_network, &app_name).await?;
    Ok(Some(Env {
        plemu,
        published,
        targets: started,
        app,
    }))
}

/// `redis-cli -h redis.example.internal ARGS…` in `app`, bounded by 5 s; its output and errors.
async fn through_endpoint(
    app: &ContainerAsync<GenericImage>,
    args: &[&str],
) -> anyhow::Result<String> {
    let mut cmd = vec!["timeout", "5", "redis-cli", "-h", NAME];
    cmd.extend_from_slice(args);
    let out = exec(app, &cmd).await?;
    Ok(format!("{}{}", out.stdout, out.stderr).trim().to_string())
}

/// Waits (30 s at most) until a SET through the endpoint answers OK.
async fn set_works(
    app: &ContainerAsync<GenericImage>,
    key: &str,
    value: &str,
) -> anyhow::Result<()> {
    eventually(Duration::from_secs(30), || async {
        let out = through_endpoint(app, &["SET", key, value]).await?;
        anyhow::ensure!(out == "OK", "SET answered {out:?}");
        Ok(())
    })
    .await
}

use std::time::Duration;

use plemu_testkit::containers::{PlemuContainer, Testbed, exec, start_on};
use plemu_testkit::{Publish, eventually};

#[tokio::test]
async fn redis_through_privatelink_in_containers() -> anyhow::Result<()> {
    // Skips (loudly) where Docker or the images are missing, unless PLEMU_REQUIRE_DOCKER=1.
    if !plemu_testkit::containers::docker_ready().await? {
        return Ok(());
    }
    // plemu in a container: every VPC becomes a Docker network.
    let plemu = PlemuContainer::start().await?;

    // The provider's VPC, and Redis (the stand-in for ElastiCache) on its network.
    let provider = plemu.provider_vpc("10.0.0.0/16").await?;
    let redis_name = format!("redis-{}", plemu.instance());
    let redis = start_on(Testbed::Redis, &provider.network, &redis_name).await?;

    // Redis behind an NLB, published as an endpoint service with the private DNS name
    // redis.example.internal; the consumer's endpoint in a VPC with the same CIDR block.
    let publish = Publish {
        targets: vec![(redis_name, 6379)],
        acceptance_required: false,
        client_cidr: "10.0.0.0/16".into(),
        consumer_cidr: "10.0.0.0/16".into(),
    };
    let published = plemu.publish(provider, &publish).await?;

    // The application: a container on the consumer's network, with no resolver setting.
    let app_name = format!("app-{}", plemu.instance());
    let app = start_on(Testbed::Client, &published.consumer_network, &app_name).await?;
    let set = [
        "redis-cli",
        "-h",
        "redis.example.internal",
        "SET",
        "greeting",
        "hello",
    ];
    eventually(Duration::from_secs(30), || async {
        let out = exec(&app, &set).await?;
        anyhow::ensure!(out.stdout.trim() == "OK", "SET answered {out:?}");
        Ok(())
    })
    .await?;

    // The value is in the provider's Redis.
    let value = exec(&redis, &["redis-cli", "GET", "greeting"])
        .await?
        .stdout;
    assert_eq!(value.trim(), "hello");
    Ok(())
}

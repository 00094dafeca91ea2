//! plemu's container restarted: the path works again with no API call, no agent container is
//! duplicated or lost; a deleted endpoint takes its container with it; and once the test is
//! done nothing of plemu's is left in Docker.

use std::collections::HashMap;

use bollard::query_parameters::{ListContainersOptions, ListNetworksOptions};
use plemu_docker::names::LABEL_INSTANCE;
use plemu_proto::pb;
use plemu_testkit::containers::exec;
use plemu_testkit::eventually;
use plemu_testkit::topology::CONSUMER;
use std::time::Duration;

use super::{env, set_works, through_endpoint};

/// The ids of the containers and networks labelled with `instance`.
async fn owned(instance: &str) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let docker = bollard::Docker::connect_with_defaults()?;
    let filters = HashMap::from([(
        "label".to_string(),
        vec![format!("{LABEL_INSTANCE}={instance}")],
    )]);
    let mut containers: Vec<String> = docker
        .list_containers(Some(ListContainersOptions {
            all: true,
            filters: Some(filters.clone()),
            ..Default::default()
        }))
        .await?
        .into_iter()
        .filter_map(|c| c.id)
        .collect();
    let mut networks: Vec<String> = docker
        .list_networks(Some(ListNetworksOptions {
            filters: Some(filters),
        }))
        .await?
        .into_iter()
        .filter_map(|n| n.id)
        .collect();
    containers.sort();
    networks.sort();
    Ok((containers, networks))
}

#[tokio::test]
async fn restarted_plemu_adopts_its_containers_and_leaves_nothing_behind() -> anyhow::Result<()> {
    let Some(mut e) = env(1, false, "10.0.0.0/16").await? else {
        return Ok(());
    };
    let instance = e.plemu.instance().to_string();
    set_works(&e.app, "before", "1").await?;
    let before = owned(&instance).await?;
    // An ENI and an NLB container; two VPC networks and the backbone.
    assert_eq!((before.0.len(), before.1.len()), (2, 3), "{before:?}");

    e.plemu.restart().await?;
    // Open the path with no API call: the same containers, the same networks.
    assert_eq!(through_endpoint(&e.app, &["GET", "before"]).await?, "1");
    set_works(&e.app, "after", "2").await?;
    assert_eq!(owned(&instance).await?, before);

    // Deleting the endpoint removes its ENI container; its names stop resolving.
    let vpce = e.published.topology.endpoint.vpc_endpoint_id.clone();
    e.plemu
        .api()
        .ec2(CONSUMER)
        .delete_vpc_endpoints(pb::DeleteVpcEndpointsRequest {
            vpc_endpoint_ids: vec![vpce],
        })
        .await?;
    eventually(Duration::from_secs(30), || async {
        let now = owned(&instance).await?;
        anyhow::ensure!(now.0.len() == 1, "containers: {:?}", now.0);
        Ok(())
    })
    .await?;
    let gone = exec(&e.app, &["getent", "hosts", "redis.example.internal"]).await?;
    assert_ne!(gone.code, 0, "{gone:?}");

    drop(e);
    let after = owned(&instance).await?;
    assert_eq!(after, (vec![], vec![]), "left behind");
    Ok(())
}

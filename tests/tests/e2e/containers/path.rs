//! The endpoint is the only way across: names resolve with no client setting, the target's own
//! address and name do not work from the consumer's network, and each refusal is AWS's.

use std::time::Duration;

use plemu_proto::pb;
use plemu_testkit::api::code;
use plemu_testkit::topology::{CONSUMER, LISTENER_PORT};
use plemu_testkit::{containers::exec, eventually};

use super::{env, set_works, through_endpoint};

#[tokio::test]
async fn names_resolve_in_the_consumer_vpc_and_the_direct_path_is_closed() -> anyhow::Result<()> {
    let Some(e) = env(1, false, "10.0.0.0/16").await? else {
        return Ok(());
    };
    set_works(&e.app, "k", "through the endpoint").await?;
    let stored = exec(&e.targets[0], &["redis-cli", "GET", "k"])
        .await?
        .stdout;
    assert_eq!(stored.trim(), "through the endpoint");

    // Every DNS name of the endpoint resolves to the ENI, in the consumer's VPC network.
    for entry in &e.published.topology.endpoint.dns_entries {
        let out = exec(&e.app, &["getent", "hosts", &entry.dns_name]).await?;
        assert_eq!(out.code, 0, "{} does not resolve: {out:?}", entry.dns_name);
    }

    // The target's own address and name: nothing from the consumer's network.
    let ip = exec(&e.targets[0], &["hostname", "-I"]).await?.stdout;
    let ip = ip.split_whitespace().next().unwrap_or_default().to_string();
    assert!(
        ip.parse::<std::net::Ipv4Addr>().is_ok(),
        "the target's address: {ip:?}"
    );
    let direct = exec(&e.app, &["timeout", "3", "redis-cli", "-h", &ip, "PING"]).await?;
    assert_ne!(
        direct.stdout.trim(),
        "PONG",
        "direct path to {ip} must fail"
    );
    assert_ne!(direct.code, 0, "{direct:?}");
    let name = format!("redis0-{}", e.plemu.instance());
    let by_name = exec(&e.app, &["getent", "hosts", &name]).await?;
    assert_ne!(
        by_name.code, 0,
        "{name} must not resolve in the consumer VPC: {by_name:?}"
    );
    Ok(())
}

#[tokio::test]
async fn pending_acceptance_then_a_security_group_refuse_the_client() -> anyhow::Result<()> {
    let Some(e) = env(1, true, "192.168.0.0/16").await? else {
        return Ok(());
    };
    let topo = &e.published.topology;
    let api = e.plemu.api();
    assert_eq!(
        topo.describe_endpoint(api).await?.state,
        "pendingAcceptance"
    );
    // The ENI listens (its name resolves, the connection is taken), and resets the client.
    let reset = || async {
        let out = through_endpoint(&e.app, &["SET", "k", "v"]).await?;
        anyhow::ensure!(
            out.contains("reset by peer"),
            "expected a reset, got {out:?}"
        );
        Ok(())
    };
    eventually(Duration::from_secs(30), reset).await?;

    topo.accept(api).await?;
    topo.wait_available(api, Duration::from_secs(10)).await?;
    // Available, but the group admits 192.168.0.0/16 and the client is 10.0.x.x in its VPC.
    for _ in 0..3 {
        reset().await?;
    }
    // A bad rule is refused as on AWS; the right one lets the client through.
    let mut ec2 = api.ec2(CONSUMER);
    let rule = |cidr: &str| pb::AuthorizeSecurityGroupIngressRequest {
        group_id: topo.endpoint_sg.clone(),
        ip_permissions: vec![pb::IpPermission {
            ip_protocol: "tcp".into(),
            from_port: Some(LISTENER_PORT),
            to_port: Some(LISTENER_PORT),
            ip_ranges: vec![pb::IpRange {
                cidr_ip: cidr.into(),
                ..Default::default()
            }],
            ..Default::default()
        }],
    };
    let bad = ec2
        .authorize_security_group_ingress(rule("10.0.0.0/33"))
        .await
        .unwrap_err();
    assert_eq!(code(&bad), "InvalidPermission.Malformed", "{bad:?}");
    ec2.authorize_security_group_ingress(rule("10.0.0.0/16"))
        .await?;
    set_works(&e.app, "k", "v").await?;
    Ok(())
}

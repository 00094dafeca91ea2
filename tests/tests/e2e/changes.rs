//! Changes to a live topology through `plemu up`, real sockets and the real tunnel: a revoked
//! security group rule refuses new flows and keeps open ones (security groups are stateful); a
//! removed endpoint subnet resets the flows through its network interface and its address stops
//! listening, while the other zone's address carries on; a listener moved to another target
//! group sends new flows there, while open ones stay with the target they have.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use plemu_proto::pb;
use plemu_testkit::topology::{CONSUMER, LISTENER_PORT, PROVIDER, TopologySpec};
use plemu_testkit::{Scenario, eventually, trace_init};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::support::{endpoint_addr, private_dns_addr};

/// An echo target; its task ends with the test.
async fn echo() -> anyhow::Result<SocketAddr> {
    let target = TcpListener::bind("127.0.0.1:0").await?;
    let addr = target.local_addr()?;
    tokio::spawn(async move {
        while let Ok((mut s, _)) = target.accept().await {
            tokio::spawn(async move {
                let (mut r, mut w) = s.split();
                let _ = tokio::io::copy(&mut r, &mut w).await;
            });
        }
    });
    Ok(addr)
}

/// A target that answers each read in upper case, to tell its flows from the echo's.
async fn shout() -> anyhow::Result<SocketAddr> {
    let target = TcpListener::bind("127.0.0.1:0").await?;
    let addr = target.local_addr()?;
    tokio::spawn(async move {
        while let Ok((mut s, _)) = target.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                while let Ok(n @ 1..) = s.read(&mut buf).await {
                    buf[..n].make_ascii_uppercase();
                    if s.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    Ok(addr)
}

/// Sends `msg` on `s` and reads its echo, within 5 s.
async fn round_trip(s: &mut TcpStream, msg: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut back = vec![0u8; msg.len()];
    tokio::time::timeout(Duration::from_secs(5), async {
        s.write_all(msg).await?;
        s.read_exact(&mut back).await?;
        Ok::<_, std::io::Error>(())
    })
    .await
    .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
    Ok(back)
}

/// A flow through `addr` that echoes (the listener may take a moment to come up).
async fn open_flow(addr: SocketAddr) -> anyhow::Result<TcpStream> {
    eventually(Duration::from_secs(10), || async {
        let mut s = TcpStream::connect(addr).await?;
        anyhow::ensure!(round_trip(&mut s, b"hello").await? == b"hello");
        Ok(s)
    })
    .await
}

/// How a fresh connection to `addr` ends: its echo, or the error kind.
async fn fresh(addr: SocketAddr) -> Result<Vec<u8>, std::io::ErrorKind> {
    let mut s = TcpStream::connect(addr).await.map_err(|e| e.kind())?;
    round_trip(&mut s, b"new").await.map_err(|e| e.kind())
}

async fn scenario() -> anyhow::Result<Scenario> {
    let sc = Scenario::start(TopologySpec {
        target: echo().await?,
        acceptance_required: false,
        client_cidr: "10.1.0.0/16".into(),
    })
    .await?;
    sc.topo
        .wait_available(&sc.api, Duration::from_secs(10))
        .await?;
    Ok(sc)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_a_rule_refuses_new_flows_and_keeps_open_ones() -> anyhow::Result<()> {
    trace_init();
    let Scenario { plemu, api, topo } = scenario().await?;
    let addr = private_dns_addr(&plemu).await?;
    let mut open = open_flow(addr).await?;
    let r = api
        .ec2(CONSUMER)
        .revoke_security_group_ingress(pb::RevokeSecurityGroupIngressRequest {
            group_id: topo.endpoint_sg.clone(),
            ip_permissions: vec![pb::IpPermission {
                ip_protocol: "tcp".into(),
                from_port: Some(LISTENER_PORT),
                to_port: Some(LISTENER_PORT),
                ip_ranges: vec![pb::IpRange {
                    cidr_ip: "10.1.0.0/16".into(),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        })
        .await?
        .into_inner();
    assert_eq!(r.revoked_security_group_rules.len(), 1);
    // New flows are refused once the consumer agent has the change...
    eventually(Duration::from_secs(10), || async {
        let got = fresh(addr).await;
        anyhow::ensure!(got.is_err(), "a new flow still passes: {got:?}");
        Ok(())
    })
    .await
    .with_context(|| plemu.log_text())?;
    // ...while the flow opened before goes on.
    assert_eq!(round_trip(&mut open, b"still here").await?, b"still here");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_a_subnet_resets_its_flows_and_stops_its_address() -> anyhow::Result<()> {
    trace_init();
    let Scenario { plemu, api, topo } = scenario().await?;
    let mut ec2 = api.ec2(CONSUMER);
    let zone_b = ec2
        .create_subnet(pb::CreateSubnetRequest {
            vpc_id: topo.consumer_vpc.clone(),
            cidr_block: "10.1.2.0/24".into(),
            availability_zone: "us-east-1b".into(),
            ..Default::default()
        })
        .await?
        .into_inner()
        .subnet
        .context("subnet")?
        .subnet_id;
    let modify = |add: Vec<String>, remove: Vec<String>| {
        let mut ec2 = ec2.clone();
        let id = topo.endpoint.vpc_endpoint_id.clone();
        async move {
            ec2.modify_vpc_endpoint(pb::ModifyVpcEndpointRequest {
                vpc_endpoint_id: id,
                add_subnet_ids: add,
                remove_subnet_ids: remove,
                ..Default::default()
            })
            .await
        }
    };
    assert!(
        modify(vec![zone_b], vec![])
            .await?
            .into_inner()
            .return_value
    );
    let e = topo.describe_endpoint(&api).await?;
    let zonal = |az: &str| {
        e.dns_entries
            .iter()
            .find(|d| d.dns_name.contains(&format!("-{az}.")))
            .map(|d| d.dns_name.clone())
            .with_context(|| format!("no zonal name for {az}: {e:?}"))
    };
    let (name_a, name_b) = (zonal("us-east-1a")?, zonal("us-east-1b")?);
    let addr_a = eventually(Duration::from_secs(10), || {
        endpoint_addr(plemu.dns, &name_a)
    })
    .await?;
    let addr_b = eventually(Duration::from_secs(10), || {
        endpoint_addr(plemu.dns, &name_b)
    })
    .await?;
    assert_ne!(addr_a, addr_b);
    let mut through_a = open_flow(addr_a).await?;
    let mut through_b = open_flow(addr_b).await?;

    modify(vec![], vec![topo.consumer_subnet.clone()]).await?;
    // The flow through zone a's interface is reset...
    let mut buf = [0u8; 16];
    let end = tokio::time::timeout(Duration::from_secs(10), through_a.read(&mut buf))
        .await
        .context("the flow through the removed interface was not ended")?;
    assert!(
        matches!(end, Ok(0) | Err(_)),
        "the flow through the removed interface still reads: {end:?}"
    );
    // ...its address stops listening...
    eventually(Duration::from_secs(10), || async {
        let got = fresh(addr_a).await;
        anyhow::ensure!(got.is_err(), "zone a still answers: {got:?}");
        Ok(())
    })
    .await?;
    // ...and zone b's flow and address carry on.
    assert_eq!(round_trip(&mut through_b, b"zone b").await?, b"zone b");
    assert_eq!(fresh(addr_b).await, Ok(b"new".to_vec()));
    let after = topo.describe_endpoint(&api).await?;
    assert_eq!(after.subnet_ids.len(), 1);
    assert!(!after.dns_entries.iter().any(|d| d.dns_name == name_a));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_moved_to_another_group_sends_new_flows_there_and_keeps_open_ones()
-> anyhow::Result<()> {
    trace_init();
    let Scenario { plemu, api, topo } = scenario().await?;
    let addr = private_dns_addr(&plemu).await?;
    let mut open = open_flow(addr).await?;
    let loud = shout().await?;
    let mut elb = api.elbv2(PROVIDER);
    let tg = elb
        .create_target_group(pb::CreateTargetGroupRequest {
            name: "loud".into(),
            protocol: "TCP".into(),
            port: Some(LISTENER_PORT),
            vpc_id: topo.provider_vpc.clone(),
            target_type: "ip".into(),
            health_check_interval_seconds: Some(5),
            healthy_threshold_count: Some(2),
            ..Default::default()
        })
        .await?
        .into_inner()
        .target_groups
        .remove(0)
        .target_group_arn;
    elb.register_targets(pb::RegisterTargetsRequest {
        target_group_arn: tg.clone(),
        targets: vec![pb::TargetDescription {
            id: loud.ip().to_string(),
            port: Some(i32::from(loud.port())),
            ..Default::default()
        }],
    })
    .await?;
    let listener = elb
        .describe_listeners(pb::DescribeListenersRequest {
            load_balancer_arn: topo.load_balancer_arn.clone(),
            ..Default::default()
        })
        .await?
        .into_inner()
        .listeners
        .remove(0)
        .listener_arn;
    let moved = elb
        .modify_listener(pb::ModifyListenerRequest {
            listener_arn: listener,
            default_actions: vec![pb::Action {
                r#type: "forward".into(),
                target_group_arn: tg.clone(),
                ..Default::default()
            }],
            ..Default::default()
        })
        .await?
        .into_inner();
    assert_eq!(moved.listeners[0].default_actions[0].target_group_arn, tg);
    // New flows reach the new group's target once the provider agent has the change...
    eventually(Duration::from_secs(20), || async {
        let got = fresh(addr).await;
        anyhow::ensure!(got == Ok(b"NEW".to_vec()), "a new flow got {got:?}");
        Ok(())
    })
    .await
    .with_context(|| plemu.log_text())?;
    // ...while the flow opened before stays with the echo.
    assert_eq!(round_trip(&mut open, b"old").await?, b"old");
    Ok(())
}

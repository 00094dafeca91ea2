use plemu_proto::pb;

use crate::api::testing::*;

#[tokio::test]
async fn endpoint_failure_modes() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let p = provider(&s, false).await;
    let mut ec2 = s.ec2(CONSUMER);
    let (vpc, subnet) = consumer_vpc(&s, "us-east-1a").await;
    let zone_c = self::subnet(&mut ec2, &vpc, "10.1.3.0/24", "us-east-1c").await;
    let zone_a2 = self::subnet(&mut ec2, &vpc, "10.1.4.0/24", "us-east-1a").await;
    let req = || endpoint_request(&p.service_name, &vpc, &subnet);

    let mut gateway = req();
    gateway.vpc_endpoint_type = String::new();
    let e = ec2.create_vpc_endpoint(gateway).await.unwrap_err();
    assert_eq!(code(&e), "InvalidParameter");
    assert!(e.message().contains("--vpc-endpoint-type Interface"));

    let e = ec2
        .create_vpc_endpoint(endpoint_request(&p.service_name, &vpc, &zone_c))
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidParameter");
    assert_eq!(
        e.message(),
        format!(
            "The VPC endpoint service {} does not support the availability zone of the subnet: {zone_c}.",
            p.service_name
        )
    );
    let mut two = req();
    two.subnet_ids.push(zone_a2);
    assert_eq!(
        code(&ec2.create_vpc_endpoint(two).await.unwrap_err()),
        "DuplicateSubnetsInSameZone"
    );

    let mut stranger = s.ec2("444444444444");
    let (svpc, ssubnet) = {
        let v = self::vpc(&mut stranger, "10.2.0.0/16").await;
        let n = self::subnet(&mut stranger, &v, "10.2.1.0/24", "us-east-1a").await;
        (v, n)
    };
    assert_eq!(
        code(
            &stranger
                .create_vpc_endpoint(endpoint_request(&p.service_name, &svpc, &ssubnet))
                .await
                .unwrap_err()
        ),
        "InvalidServiceName"
    );

    let mut dns = req();
    dns.private_dns_enabled = Some(true);
    let e = ec2.create_vpc_endpoint(dns.clone()).await.unwrap_err();
    assert_eq!(code(&e), "InvalidParameter");
    assert!(
        e.message().contains("has verified its private DNS name"),
        "{}",
        e.message()
    );
    verify(&s, &p.service_id).await;
    ec2.modify_vpc_attribute(pb::ModifyVpcAttributeRequest {
        vpc_id: vpc.clone(),
        enable_dns_hostnames: Some(false),
        ..Default::default()
    })
    .await
    .unwrap();
    let e = ec2.create_vpc_endpoint(dns.clone()).await.unwrap_err();
    assert_eq!(
        e.message(),
        format!(
            "Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for {vpc}"
        )
    );
    ec2.modify_vpc_attribute(pb::ModifyVpcAttributeRequest {
        vpc_id: vpc.clone(),
        enable_dns_hostnames: Some(true),
        ..Default::default()
    })
    .await
    .unwrap();

    let mut bad_sg = req();
    bad_sg.security_group_ids = vec!["sg-0123456789abcdef0".into()];
    assert_eq!(
        code(&ec2.create_vpc_endpoint(bad_sg).await.unwrap_err()),
        "InvalidGroup.NotFound"
    );
    let mut bad_subnet = req();
    bad_subnet.subnet_ids = vec!["subnet-0123456789abcdef0".into()];
    assert_eq!(
        code(&ec2.create_vpc_endpoint(bad_subnet).await.unwrap_err()),
        "InvalidSubnetID.NotFound"
    );
    let mut bad_vpc = req();
    bad_vpc.vpc_id = "vpc-0123456789abcdef0".into();
    assert_eq!(
        code(&ec2.create_vpc_endpoint(bad_vpc).await.unwrap_err()),
        "InvalidVpcID.NotFound"
    );

    // Private DNS now works; a second endpoint with the same private name in the VPC conflicts.
    let e = ec2
        .create_vpc_endpoint(req())
        .await
        .unwrap()
        .into_inner()
        .vpc_endpoint
        .unwrap();
    assert!(e.private_dns_enabled, "defaults to on for a verified name");
    assert_eq!(e.dns_entries.last().unwrap().dns_name, "redis.example.com");
    assert_eq!(
        code(&ec2.create_vpc_endpoint(dns).await.unwrap_err()),
        "InvalidParameter"
    );
    s.stop().await;
}

#[tokio::test]
async fn acceptance_watch_and_service_deletion() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let p = provider(&s, true).await;
    let (mut ec2, mut owner) = (s.ec2(CONSUMER), s.ec2(PROVIDER));
    let (vpc, subnet) = consumer_vpc(&s, "us-east-1b").await;
    let mut watch = watch(&s, pb::AgentRole::Consumer, "consumer-0", "", &[&vpc]).await;
    assert!(
        next(&mut watch)
            .await
            .consumer
            .unwrap()
            .endpoints
            .is_empty()
    );

    let mut req = endpoint_request(&p.service_name, &vpc, &subnet);
    req.tag_specifications = vec![pb::TagSpecification {
        resource_type: "vpc-endpoint".into(),
        tags: vec![pb::Tag {
            key: "app".into(),
            value: "redis".into(),
        }],
    }];
    let e = ec2
        .create_vpc_endpoint(req)
        .await
        .unwrap()
        .into_inner()
        .vpc_endpoint
        .unwrap();
    assert!(e.vpc_endpoint_id.starts_with("vpce-") && e.vpc_endpoint_id.len() == 22);
    assert_eq!(e.state, "pendingAcceptance");
    assert!(!e.private_dns_enabled);
    assert!(e.network_interface_ids[0].starts_with("eni-"));
    assert_eq!(
        e.policy_document,
        r#"{"Statement":[{"Action":"*","Effect":"Allow","Principal":"*","Resource":"*"}]}"#
    );
    assert_eq!(e.groups[0].group_name, "default");
    let regional = &e.dns_entries[0].dns_name;
    let (head, tail) = regional.split_once('.').unwrap();
    assert_eq!(
        tail,
        format!("{}.us-east-1.vpce.amazonaws.com", p.service_id)
    );
    let suffix = head
        .strip_prefix(&format!("{}-", e.vpc_endpoint_id))
        .unwrap();
    assert!(
        suffix.len() == 8
            && suffix
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    );
    assert_eq!(
        e.dns_entries[1].dns_name,
        format!("{}-{suffix}-us-east-1b.{tail}", e.vpc_endpoint_id)
    );
    assert_eq!(e.dns_entries[0].hosted_zone_id, "Z7HUB22UULQXV");

    // The consumer agent sees it appear, with its ENI and the service's listener port.
    let spec = loop {
        let st = next(&mut watch).await.consumer.unwrap();
        if let Some(spec) = st.endpoints.into_iter().next() {
            break spec;
        }
    };
    assert_eq!(spec.state, "pendingAcceptance");
    assert_eq!(spec.ports, vec![6379]);
    assert_eq!(spec.credential.len(), 32);
    assert_eq!(spec.network_interfaces[0].private_ip_address, "10.1.1.4");
    // The first free address of the block after the load balancer's two nodes' (.1 and .2).
    assert_eq!(spec.network_interfaces[0].bind_address, "127.1.0.3");
    assert_eq!(spec.network_interfaces[0].subnet_cidr, "10.1.1.0/24");
    assert_eq!(spec.provider_tunnel_address, "");
    assert_eq!(spec.dns_names[1].kind(), pb::DnsNameKind::Zonal);

    // A provider agent connecting shows up as the tunnel address.
    let mut provider_watch = self::watch(
        &s,
        pb::AgentRole::Provider,
        "provider-0",
        "127.0.0.1:7000",
        &[&p.vpc],
    )
    .await;
    // Each load balancer node has a bind address of its own, where its connections to
    // targets come from in `plemu up`.
    let nodes = &next(&mut provider_watch)
        .await
        .provider
        .unwrap()
        .load_balancers[0]
        .nodes;
    let binds: Vec<&str> = nodes.iter().map(|n| n.bind_address.as_str()).collect();
    assert_eq!(binds, ["127.1.0.1", "127.1.0.2"]);
    loop {
        let st = next(&mut watch).await.consumer.unwrap();
        if st.endpoints[0].provider_tunnel_address == "127.0.0.1:7000" {
            break;
        }
    }

    // Owner's view, accept, then pending -> available.
    let conns = owner
        .describe_vpc_endpoint_connections(pb::DescribeVpcEndpointConnectionsRequest {
            filters: vec![filter("vpc-endpoint-state", "pendingAcceptance")],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .vpc_endpoint_connections;
    assert_eq!(
        (conns.len(), conns[0].vpc_endpoint_owner.as_str()),
        (1, CONSUMER)
    );
    let del = pb::DeleteVpcEndpointServiceConfigurationsRequest {
        service_ids: vec![p.service_id.clone()],
    };
    let r = owner
        .delete_vpc_endpoint_service_configurations(del.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        r.unsuccessful[0].error.as_ref().unwrap().code,
        "ExistingVpcEndpointConnections"
    );
    assert_eq!(
        r.unsuccessful[0].error.as_ref().unwrap().message,
        "Service has existing active VPC Endpoint connections!"
    );
    let accept = |ids: Vec<String>| pb::AcceptVpcEndpointConnectionsRequest {
        service_id: p.service_id.clone(),
        vpc_endpoint_ids: ids,
    };
    let r = owner
        .accept_vpc_endpoint_connections(accept(vec![
            e.vpc_endpoint_id.clone(),
            "vpce-0123456789abcdef0".into(),
        ]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.unsuccessful.len(), 1);
    assert_eq!(
        r.unsuccessful[0].error.as_ref().unwrap().code,
        "InvalidVpcEndpointId.NotFound"
    );
    let id = e.vpc_endpoint_id.clone();
    eventually(|| {
        let (mut ec2, id) = (ec2.clone(), id.clone());
        async move { (describe_endpoint(&mut ec2, &id).await.state == "available").then_some(()) }
    })
    .await;
    let r = owner
        .accept_vpc_endpoint_connections(accept(vec![id.clone()]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        r.unsuccessful[0].error.as_ref().unwrap().code,
        "InvalidState"
    );

    // Reject, then the service can go.
    let r = owner
        .reject_vpc_endpoint_connections(pb::RejectVpcEndpointConnectionsRequest {
            service_id: p.service_id.clone(),
            vpc_endpoint_ids: vec![id.clone()],
        })
        .await
        .unwrap()
        .into_inner();
    assert!(r.unsuccessful.is_empty());
    assert_eq!(describe_endpoint(&mut ec2, &id).await.state, "rejected");
    assert!(
        owner
            .delete_vpc_endpoint_service_configurations(del.clone())
            .await
            .unwrap()
            .into_inner()
            .unsuccessful
            .is_empty()
    );
    let r = owner
        .delete_vpc_endpoint_service_configurations(del)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        r.unsuccessful[0].error.as_ref().unwrap().code,
        "InvalidVpcEndpointServiceId.NotFound"
    );

    // Deleting the endpoint: gone, and a second delete is an unsuccessful item.
    let f = pb::DescribeVpcEndpointsRequest {
        filters: vec![filter("tag:app", "redis")],
        ..Default::default()
    };
    assert_eq!(
        ec2.describe_vpc_endpoints(f)
            .await
            .unwrap()
            .into_inner()
            .vpc_endpoints
            .len(),
        1
    );
    let del = pb::DeleteVpcEndpointsRequest {
        vpc_endpoint_ids: vec![id.clone()],
    };
    assert_eq!(
        code(
            &owner
                .describe_vpc_endpoints(pb::DescribeVpcEndpointsRequest {
                    vpc_endpoint_ids: vec![id.clone()],
                    ..Default::default()
                })
                .await
                .unwrap_err()
        ),
        "InvalidVpcEndpointId.NotFound"
    );
    assert!(
        ec2.delete_vpc_endpoints(del.clone())
            .await
            .unwrap()
            .into_inner()
            .unsuccessful
            .is_empty()
    );
    assert_eq!(
        ec2.delete_vpc_endpoints(del)
            .await
            .unwrap()
            .into_inner()
            .unsuccessful[0]
            .error
            .as_ref()
            .unwrap()
            .code,
        "InvalidVpcEndpoint.NotFound"
    );
    // It shows as deleted for a while, as on AWS (the states are tested in `conformance`).
    let left = ec2
        .describe_vpc_endpoints(pb::DescribeVpcEndpointsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .vpc_endpoints;
    assert!(
        left.iter()
            .all(|e| matches!(e.state.as_str(), "deleting" | "deleted")),
        "{left:?}"
    );
    s.stop().await;
}

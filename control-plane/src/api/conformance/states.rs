//! The states of reference §4 through the API: `deleting`/`deleted` and `Deleting`/`Deleted`
//! shown for a while then gone, `expired`, `Pending`, and their timers across a restart.

use std::time::Duration;

use plemu_proto::pb;

use crate::api::testing::{
    CONSUMER, PROVIDER, Server, code, consumer_vpc, endpoint_request, eventually, provider,
};

async fn endpoint_state(s: &Server, id: &str) -> Option<String> {
    let req = pb::DescribeVpcEndpointsRequest {
        vpc_endpoint_ids: vec![id.into()],
        ..Default::default()
    };
    match s.ec2(CONSUMER).describe_vpc_endpoints(req).await {
        Ok(r) => r.into_inner().vpc_endpoints.pop().map(|e| e.state),
        Err(e) => {
            assert_eq!(code(&e), "InvalidVpcEndpointId.NotFound");
            None
        }
    }
}

async fn service_state(s: &Server, id: &str) -> Option<String> {
    let req = pb::DescribeVpcEndpointServiceConfigurationsRequest {
        service_ids: vec![id.into()],
        ..Default::default()
    };
    match s
        .ec2(PROVIDER)
        .describe_vpc_endpoint_service_configurations(req)
        .await
    {
        Ok(r) => r
            .into_inner()
            .service_configurations
            .pop()
            .map(|v| v.service_state),
        Err(e) => {
            assert_eq!(code(&e), "InvalidVpcEndpointServiceId.NotFound");
            None
        }
    }
}

#[tokio::test]
async fn deleted_endpoints_and_services_show_as_deleted_then_vanish() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let p = provider(&s, false).await;
    let (vpc, subnet) = consumer_vpc(&s, "us-east-1a").await;
    let mut c = s.ec2(CONSUMER);
    let id = c
        .create_vpc_endpoint(endpoint_request(&p.service_name, &vpc, &subnet))
        .await
        .unwrap()
        .into_inner()
        .vpc_endpoint
        .unwrap()
        .vpc_endpoint_id;
    let r = c
        .delete_vpc_endpoints(pb::DeleteVpcEndpointsRequest {
            vpc_endpoint_ids: vec![id.clone()],
        })
        .await
        .unwrap()
        .into_inner();
    assert!(r.unsuccessful.is_empty());
    let now = endpoint_state(&s, &id).await;
    assert!(
        matches!(now.as_deref(), Some("deleting" | "deleted")),
        "{now:?}"
    );
    eventually(|| async {
        (endpoint_state(&s, &id).await.as_deref() == Some("deleted")).then_some(())
    })
    .await;
    // Deleting a deleted endpoint: it is not there any more.
    let again = c
        .delete_vpc_endpoints(pb::DeleteVpcEndpointsRequest {
            vpc_endpoint_ids: vec![id.clone()],
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        again.unsuccessful[0].error.as_ref().unwrap().code,
        "InvalidVpcEndpoint.NotFound"
    );
    // Its subnet is free at once.
    s.ec2(CONSUMER)
        .delete_subnet(pb::DeleteSubnetRequest {
            subnet_id: subnet.clone(),
        })
        .await
        .unwrap();
    eventually(|| async { endpoint_state(&s, &id).await.is_none().then_some(()) }).await;

    let mut pe = s.ec2(PROVIDER);
    let r = pe
        .delete_vpc_endpoint_service_configurations(
            pb::DeleteVpcEndpointServiceConfigurationsRequest {
                service_ids: vec![p.service_id.clone()],
            },
        )
        .await
        .unwrap()
        .into_inner();
    assert!(r.unsuccessful.is_empty(), "{r:?}");
    let now = service_state(&s, &p.service_id).await;
    assert!(
        matches!(now.as_deref(), Some("Deleting" | "Deleted")),
        "{now:?}"
    );
    // Consumers no longer see it, and no endpoint can be made to it.
    let e = c
        .create_vpc_endpoint(endpoint_request(&p.service_name, &vpc, &subnet))
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidServiceName");
    eventually(|| async {
        (service_state(&s, &p.service_id).await.as_deref() == Some("Deleted")).then_some(())
    })
    .await;
    // Its load balancer can go while the service shows as deleted.
    s.elb(PROVIDER)
        .delete_load_balancer(pb::DeleteLoadBalancerRequest {
            load_balancer_arn: p.lb_arn.clone(),
        })
        .await
        .unwrap();
    eventually(|| async {
        service_state(&s, &p.service_id)
            .await
            .is_none()
            .then_some(())
    })
    .await;
    s.stop().await;
}

#[tokio::test]
async fn timed_states_resume_after_a_restart() {
    const LONG: Duration = Duration::from_secs(3600);
    let dir = tempfile::tempdir().unwrap();
    // Nothing times out in the first run.
    let s = Server::start_with(dir.path(), |c| {
        c.deletion_delay = LONG;
        c.provisioning_delay = LONG;
    })
    .await;
    let p = provider(&s, true).await;
    let (vpc, subnet) = consumer_vpc(&s, "us-east-1a").await;
    let mut c = s.ec2(CONSUMER);
    let create = |c: &mut crate::api::testing::Ec2| {
        let req = endpoint_request(&p.service_name, &vpc, &subnet);
        let mut c = c.clone();
        async move {
            c.create_vpc_endpoint(req)
                .await
                .unwrap()
                .into_inner()
                .vpc_endpoint
                .unwrap()
        }
    };
    let waiting = create(&mut c).await;
    assert_eq!(waiting.state, "pendingAcceptance");
    let doomed = create(&mut c).await;
    c.delete_vpc_endpoints(pb::DeleteVpcEndpointsRequest {
        vpc_endpoint_ids: vec![doomed.vpc_endpoint_id.clone()],
    })
    .await
    .unwrap();
    assert_eq!(
        endpoint_state(&s, &doomed.vpc_endpoint_id).await.as_deref(),
        Some("deleting")
    );
    // A service on a load balancer still provisioning is Pending.
    let lb = s
        .elb(PROVIDER)
        .create_load_balancer(pb::CreateLoadBalancerRequest {
            name: "slow".into(),
            subnets: provider_subnet(&s, &p.vpc).await.into_iter().collect(),
            r#type: "network".into(),
            scheme: "internal".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .load_balancers
        .remove(0);
    let pending = s
        .ec2(PROVIDER)
        .create_vpc_endpoint_service_configuration(
            pb::CreateVpcEndpointServiceConfigurationRequest {
                network_load_balancer_arns: vec![lb.load_balancer_arn.clone()],
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .into_inner()
        .service_configuration
        .unwrap();
    assert_eq!(pending.service_state, "Pending");
    s.stop().await;

    // The second run: every delay has passed, so each timed transition happens.
    let s = Server::start_with(dir.path(), |c| c.acceptance_expiry = Duration::ZERO).await;
    eventually(|| async {
        (endpoint_state(&s, &doomed.vpc_endpoint_id).await.as_deref() == Some("deleted"))
            .then_some(())
    })
    .await;
    eventually(|| async {
        (endpoint_state(&s, &waiting.vpc_endpoint_id)
            .await
            .as_deref()
            == Some("expired"))
        .then_some(())
    })
    .await;
    eventually(|| async {
        (service_state(&s, &pending.service_id).await.as_deref() == Some("Available")).then_some(())
    })
    .await;
    // An expired request cannot be accepted.
    let r = s
        .ec2(PROVIDER)
        .accept_vpc_endpoint_connections(pb::AcceptVpcEndpointConnectionsRequest {
            service_id: p.service_id.clone(),
            vpc_endpoint_ids: vec![waiting.vpc_endpoint_id.clone()],
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        r.unsuccessful[0].error.as_ref().unwrap().code,
        "InvalidState"
    );
    s.stop().await;
}

/// The first subnet of the provider VPC `vpc`.
async fn provider_subnet(s: &Server, vpc: &str) -> Option<String> {
    s.ec2(PROVIDER)
        .describe_subnets(pb::DescribeSubnetsRequest {
            filters: vec![crate::api::testing::filter("vpc-id", vpc)],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .subnets
        .into_iter()
        .next()
        .map(|n| n.subnet_id)
}

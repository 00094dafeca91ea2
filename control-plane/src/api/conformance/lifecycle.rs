//! What the changes do beyond their answer: Describe, the agents' snapshots, and the timed
//! states (reference §4), across a restart.

use std::time::Duration;

use plemu_proto::pb;

use super::fixture::{Fx, POLICY};
use crate::api::testing::{
    CONSUMER, PROVIDER, Server, code, consumer_vpc, describe_endpoint, endpoint_request,
    eventually, next, provider, verify, watch,
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
async fn a_revoked_rule_leaves_describe_and_the_consumer_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let f = Fx::build(&s).await;
    let mut w = watch(&s, pb::AgentRole::Consumer, "c", "", &[&f.cvpc]).await;
    let rules = |st: &pb::DesiredState, g: &str| {
        let c = st.consumer.clone().unwrap_or_default();
        c.security_groups
            .into_iter()
            .find(|x| x.group_id == g)
            .map(|x| x.ingress.len())
    };
    assert_eq!(rules(&next(&mut w).await, &f.app_sg), Some(1));
    let r = s
        .ec2(CONSUMER)
        .revoke_security_group_ingress(pb::RevokeSecurityGroupIngressRequest {
            group_id: f.app_sg.clone(),
            security_group_rule_ids: vec![f.app_rule.clone()],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(r.return_value);
    assert_eq!(
        r.revoked_security_group_rules[0].security_group_rule_id,
        f.app_rule
    );
    assert_eq!(r.revoked_security_group_rules[0].cidr_ipv4, "10.1.0.0/16");
    assert_eq!(rules(&next(&mut w).await, &f.app_sg), Some(0));
    let g = s
        .ec2(CONSUMER)
        .describe_security_groups(pb::DescribeSecurityGroupsRequest {
            group_ids: vec![f.app_sg.clone()],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .security_groups
        .remove(0);
    assert!(g.ip_permissions.is_empty(), "{g:?}");
    s.stop().await;
}

#[tokio::test]
async fn modifying_subnets_adds_and_removes_network_interfaces() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let f = Fx::build(&s).await;
    let mut c = s.ec2(CONSUMER);
    let before = describe_endpoint(&mut c, &f.endpoint).await;
    let base = c.clone();
    let modify = |m: pb::ModifyVpcEndpointRequest| {
        let mut c = base.clone();
        let id = f.endpoint.clone();
        async move {
            let req = pb::ModifyVpcEndpointRequest {
                vpc_endpoint_id: id,
                ..m
            };
            assert!(
                c.modify_vpc_endpoint(req)
                    .await
                    .unwrap()
                    .into_inner()
                    .return_value
            );
        }
    };
    modify(pb::ModifyVpcEndpointRequest {
        add_subnet_ids: vec![f.sub_b.clone()],
        ..Default::default()
    })
    .await;
    let both = describe_endpoint(&mut c, &f.endpoint).await;
    assert_eq!(both.subnet_ids, [f.sub_a.clone(), f.sub_b.clone()]);
    assert_eq!(
        both.network_interface_ids[0],
        before.network_interface_ids[0]
    );
    assert_eq!(both.network_interface_ids.len(), 2);
    assert!(
        both.dns_entries
            .iter()
            .any(|d| d.dns_name.contains("-us-east-1b.")),
        "{both:?}"
    );
    modify(pb::ModifyVpcEndpointRequest {
        remove_subnet_ids: vec![f.sub_a.clone()],
        ..Default::default()
    })
    .await;
    let mut w = watch(&s, pb::AgentRole::Consumer, "c", "", &[&f.cvpc]).await;
    let snap = next(&mut w).await.consumer.unwrap_or_default();
    let e = snap
        .endpoints
        .iter()
        .find(|e| e.vpc_endpoint_id == f.endpoint)
        .unwrap();
    let enis: Vec<_> = e
        .network_interfaces
        .iter()
        .map(|n| n.network_interface_id.clone())
        .collect();
    assert_eq!(enis, [both.network_interface_ids[1].clone()]);
    let after = describe_endpoint(&mut c, &f.endpoint).await;
    assert_eq!(after.subnet_ids, [f.sub_b.clone()]);
    assert!(
        !after
            .dns_entries
            .iter()
            .any(|d| d.dns_name.contains("-us-east-1a.")),
        "{after:?}"
    );
    // Groups, policy: stored and described.
    modify(pb::ModifyVpcEndpointRequest {
        add_security_group_ids: vec![f.default_sg.clone()],
        remove_security_group_ids: vec![f.app_sg.clone()],
        policy_document: POLICY.into(),
        ..Default::default()
    })
    .await;
    let e = describe_endpoint(&mut c, &f.endpoint).await;
    let groups: Vec<_> = e
        .groups
        .iter()
        .map(|g| (g.group_id.as_str(), g.group_name.as_str()))
        .collect();
    assert_eq!(groups, [(f.default_sg.as_str(), "default")]);
    assert_eq!(e.policy_document, POLICY);
    modify(pb::ModifyVpcEndpointRequest {
        reset_policy: true,
        ..Default::default()
    })
    .await;
    let e = describe_endpoint(&mut c, &f.endpoint).await;
    assert_eq!(e.policy_document, before.policy_document);
    s.stop().await;
}

#[tokio::test]
async fn private_dns_follows_the_service_and_a_new_name_starts_verification_over() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let f = Fx::build(&s).await;
    let (mut p, mut c) = (s.ec2(PROVIDER), s.ec2(CONSUMER));
    verify(&mut p, &f.p.service_id).await;
    let describe = |mut p: crate::api::testing::Ec2, id: String| async move {
        p.describe_vpc_endpoint_service_configurations(
            pb::DescribeVpcEndpointServiceConfigurationsRequest {
                service_ids: vec![id],
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .into_inner()
        .service_configurations
        .remove(0)
    };
    let verified = describe(p.clone(), f.p.service_id.clone()).await;
    let old = verified.private_dns_name_configuration.clone().unwrap();
    assert_eq!(old.state, "verified");
    c.modify_vpc_endpoint(pb::ModifyVpcEndpointRequest {
        vpc_endpoint_id: f.endpoint.clone(),
        private_dns_enabled: Some(true),
        ..Default::default()
    })
    .await
    .unwrap();
    let e = describe_endpoint(&mut c, &f.endpoint).await;
    assert!(e.private_dns_enabled);
    assert!(
        e.dns_entries
            .iter()
            .any(|d| d.dns_name == "redis.example.com"),
        "{e:?}"
    );
    let modify = |req: pb::ModifyVpcEndpointServiceConfigurationRequest| {
        let mut p = p.clone();
        async move {
            p.modify_vpc_endpoint_service_configuration(req)
                .await
                .unwrap()
                .into_inner()
                .return_value
        }
    };
    assert!(
        modify(pb::ModifyVpcEndpointServiceConfigurationRequest {
            service_id: f.p.service_id.clone(),
            private_dns_name: "Cache.Example.com".into(),
            ..Default::default()
        })
        .await
    );
    let renamed = describe(p.clone(), f.p.service_id.clone()).await;
    let new = renamed.private_dns_name_configuration.unwrap();
    assert_eq!(renamed.private_dns_name, "cache.example.com");
    assert_eq!(new.state, "pendingVerification");
    assert_ne!((&new.name, &new.value), (&old.name, &old.value));
    let e = describe_endpoint(&mut c, &f.endpoint).await;
    assert!(
        !e.dns_entries
            .iter()
            .any(|d| d.dns_name.ends_with("example.com")),
        "{e:?}"
    );
    assert!(
        modify(pb::ModifyVpcEndpointServiceConfigurationRequest {
            service_id: f.p.service_id.clone(),
            remove_private_dns_name: true,
            acceptance_required: Some(true),
            ..Default::default()
        })
        .await
    );
    let removed = describe(p.clone(), f.p.service_id.clone()).await;
    assert_eq!(removed.private_dns_name, "");
    assert!(removed.private_dns_name_configuration.is_none());
    assert!(removed.acceptance_required);
    s.stop().await;
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

//! What the changes do beyond their answer: Describe and the agents' snapshots.

use plemu_proto::pb;

use super::fixture::{Fx, POLICY};
use crate::api::testing::{
    CONSUMER, PROVIDER, Server, describe_endpoint, next, service_config, verify, watch,
};

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
    assert_eq!(after.subnet_ids, std::slice::from_ref(&f.sub_b));
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
    let (p, mut c) = (s.ec2(PROVIDER), s.ec2(CONSUMER));
    verify(&s, &f.p.service_id).await;
    let verified = service_config(&s, &f.p.service_id).await;
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
    let renamed = service_config(&s, &f.p.service_id).await;
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
    let removed = service_config(&s, &f.p.service_id).await;
    assert_eq!(removed.private_dns_name, "");
    assert!(removed.private_dns_name_configuration.is_none());
    assert!(removed.acceptance_required);
    s.stop().await;
}

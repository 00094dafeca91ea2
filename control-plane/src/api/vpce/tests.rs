use plemu_proto::pb;

use crate::api::testing::*;

#[tokio::test]
async fn services_permissions_and_the_consumer_view() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let p = provider(&s, false).await;
    let mut ec2 = s.ec2(PROVIDER);
    let d = |ids: Vec<String>| pb::DescribeVpcEndpointServiceConfigurationsRequest {
        service_ids: ids,
        ..Default::default()
    };
    let svc = ec2
        .describe_vpc_endpoint_service_configurations(d(vec![p.service_id.clone()]))
        .await
        .unwrap()
        .into_inner()
        .service_configurations
        .remove(0);
    assert!(svc.service_id.starts_with("vpce-svc-") && svc.service_id.len() == 26);
    assert_eq!(
        svc.service_name,
        format!("com.amazonaws.vpce.us-east-1.{}", svc.service_id)
    );
    assert_eq!(
        svc.base_endpoint_dns_names,
        vec![format!("{}.us-east-1.vpce.amazonaws.com", svc.service_id)]
    );
    assert_eq!(
        (
            svc.service_state.as_str(),
            svc.payer_responsibility.as_str()
        ),
        ("Available", "ServiceOwner")
    );
    assert_eq!(svc.availability_zones, vec!["us-east-1a", "us-east-1b"]);
    assert_eq!(svc.private_dns_name, "redis.example.com");
    let cfg = svc.private_dns_name_configuration.unwrap();
    assert_eq!(
        (cfg.state.as_str(), cfg.r#type.as_str()),
        ("pendingVerification", "TXT")
    );
    assert!(
        cfg.name.starts_with('_')
            && cfg.name.len() == 21
            && cfg.value.starts_with("vpce:")
            && cfg.value.len() == 25
    );
    assert_eq!(
        code(
            &ec2.describe_vpc_endpoint_service_configurations(d(vec!["vpce-svc-1".into()]))
                .await
                .unwrap_err()
        ),
        "InvalidVpcEndpointServiceId.Malformed"
    );
    assert_eq!(
        code(
            &ec2.describe_vpc_endpoint_service_configurations(d(vec![
                "vpce-svc-0123456789abcdef0".into()
            ]))
            .await
            .unwrap_err()
        ),
        "InvalidVpcEndpointServiceId.NotFound"
    );
    let f = pb::DescribeVpcEndpointServiceConfigurationsRequest {
        filters: vec![filter("service-name", &p.service_name)],
        ..Default::default()
    };
    assert_eq!(
        ec2.describe_vpc_endpoint_service_configurations(f)
            .await
            .unwrap()
            .into_inner()
            .service_configurations
            .len(),
        1
    );

    let create = |arns: Vec<String>, token: &str, acceptance| {
        pb::CreateVpcEndpointServiceConfigurationRequest {
            network_load_balancer_arns: arns,
            client_token: token.into(),
            acceptance_required: Some(acceptance),
            ..Default::default()
        }
    };
    let bogus = p
        .lb_arn
        .replace("loadbalancer/net/redis-nlb/", "loadbalancer/net/other/");
    for (req, want) in [
        (create(vec![], "", false), "InvalidParameter"),
        (
            create(vec!["arn:aws:nope".into()], "", false),
            "InvalidNetworkLoadBalancerArn.Malformed",
        ),
        (
            create(vec![bogus], "", false),
            "InvalidNetworkLoadBalancerArn.NotFound",
        ),
    ] {
        assert_eq!(
            code(
                &ec2.create_vpc_endpoint_service_configuration(req.clone())
                    .await
                    .unwrap_err()
            ),
            want,
            "{req:?}"
        );
    }
    let mut other = s.ec2(CONSUMER);
    let e = other
        .create_vpc_endpoint_service_configuration(create(vec![p.lb_arn.clone()], "", false))
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidNetworkLoadBalancerArn.NotFound");
    // Client tokens.
    let first = ec2
        .create_vpc_endpoint_service_configuration(create(vec![p.lb_arn.clone()], "tok", false))
        .await
        .unwrap()
        .into_inner();
    let again = ec2
        .create_vpc_endpoint_service_configuration(create(vec![p.lb_arn.clone()], "tok", false))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        first.service_configuration.unwrap().service_id,
        again.service_configuration.unwrap().service_id
    );
    let e = ec2
        .create_vpc_endpoint_service_configuration(create(vec![p.lb_arn.clone()], "tok", true))
        .await
        .unwrap_err();
    assert_eq!(code(&e), "IdempotentParameterMismatch");

    // Permissions.
    let modify =
        |add: Vec<&str>, remove: Vec<&str>| pb::ModifyVpcEndpointServicePermissionsRequest {
            service_id: p.service_id.clone(),
            add_allowed_principals: add.into_iter().map(String::from).collect(),
            remove_allowed_principals: remove.into_iter().map(String::from).collect(),
        };
    assert_eq!(
        code(
            &ec2.modify_vpc_endpoint_service_permissions(modify(vec!["bob"], vec![]))
                .await
                .unwrap_err()
        ),
        "InvalidPrincipal"
    );
    assert_eq!(
        code(
            &other
                .modify_vpc_endpoint_service_permissions(modify(vec!["*"], vec![]))
                .await
                .unwrap_err()
        ),
        "InvalidVpcEndpointServiceId.NotFound"
    );
    let r = ec2
        .modify_vpc_endpoint_service_permissions(modify(
            vec!["arn:aws:iam::333333333333:role/app"],
            vec![],
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(r.return_value);
    assert_eq!(r.added_principals[0].principal_type, "Role");
    assert!(
        r.added_principals[0]
            .service_permission_id
            .starts_with("vpce-svc-perm-")
            && r.added_principals[0].service_permission_id.len() == 31
    );
    let perms = ec2
        .describe_vpc_endpoint_service_permissions(
            pb::DescribeVpcEndpointServicePermissionsRequest {
                service_id: p.service_id.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .into_inner()
        .allowed_principals;
    assert_eq!(perms.len(), 2);

    // The consumer's view: visible through its account, private DNS name only once verified.
    let view = |names: Vec<String>| pb::DescribeVpcEndpointServicesRequest {
        service_names: names,
        ..Default::default()
    };
    let details = other
        .describe_vpc_endpoint_services(view(vec![p.service_name.clone()]))
        .await
        .unwrap()
        .into_inner()
        .service_details;
    assert_eq!(details[0].owner, PROVIDER);
    assert_eq!(details[0].private_dns_name, "");
    assert_eq!(
        details[0].private_dns_name_verification_state,
        "pendingVerification"
    );
    verify(&s, &p.service_id).await;
    let details = other
        .describe_vpc_endpoint_services(view(vec![p.service_name.clone()]))
        .await
        .unwrap()
        .into_inner()
        .service_details;
    assert_eq!(details[0].private_dns_name, "redis.example.com");
    assert_eq!(details[0].private_dns_name_verification_state, "verified");
    let mut stranger = s.ec2("444444444444");
    let e = stranger
        .describe_vpc_endpoint_services(view(vec![p.service_name.clone()]))
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidServiceName");
    assert!(e.message().contains(&p.service_name));
    // A role of the account counts for its account; removing a principal hides the service.
    let mut third = s.ec2("333333333333");
    assert_eq!(
        third
            .describe_vpc_endpoint_services(view(vec![]))
            .await
            .unwrap()
            .into_inner()
            .service_names,
        vec![p.service_name.clone()]
    );
    ec2.modify_vpc_endpoint_service_permissions(modify(
        vec![],
        vec!["arn:aws:iam::333333333333:role/app"],
    ))
    .await
    .unwrap();
    assert!(
        third
            .describe_vpc_endpoint_services(view(vec![]))
            .await
            .unwrap()
            .into_inner()
            .service_names
            .is_empty()
    );
    s.stop().await;
}

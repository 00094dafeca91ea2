//! Requests built from the PrivateLink command lines of the user story.

use plemu_proto::pb;

use crate::client::ec2::Ec2Command;
use crate::client::tests::ec2;

const NLB: &str = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/redis-nlb/0123456789abcdef";

#[test]
fn create_service_configuration_sends_acceptance_only_when_given() {
    let Ec2Command::CreateVpcEndpointServiceConfiguration(a) = ec2(&[
        "create-vpc-endpoint-service-configuration",
        "--network-load-balancer-arns",
        NLB,
        "--no-acceptance-required",
        "--private-dns-name",
        "redis.example.internal",
    ])
    .unwrap() else {
        panic!("create-vpc-endpoint-service-configuration")
    };
    let r = a.request().unwrap();
    assert_eq!(r.network_load_balancer_arns, [NLB]);
    assert_eq!(r.acceptance_required, Some(false));
    assert_eq!(r.private_dns_name, "redis.example.internal");
    for (flag, want) in [(None, None), (Some("--acceptance-required"), Some(true))] {
        let mut args = vec![
            "create-vpc-endpoint-service-configuration",
            "--network-load-balancer-arns",
            NLB,
        ];
        args.extend(flag);
        let Ec2Command::CreateVpcEndpointServiceConfiguration(a) = ec2(&args).unwrap() else {
            panic!("create-vpc-endpoint-service-configuration")
        };
        assert_eq!(a.request().unwrap().acceptance_required, want);
    }
    assert!(
        ec2(&[
            "create-vpc-endpoint-service-configuration",
            "--acceptance-required",
            "--no-acceptance-required"
        ])
        .is_err()
    );
}

#[test]
fn permissions_and_connections() {
    let Ec2Command::ModifyVpcEndpointServicePermissions(a) = ec2(&[
        "modify-vpc-endpoint-service-permissions",
        "--service-id",
        "vpce-svc-1",
        "--add-allowed-principals",
        "arn:aws:iam::222222222222:root",
    ])
    .unwrap() else {
        panic!("modify-vpc-endpoint-service-permissions")
    };
    assert_eq!(
        a.request().unwrap(),
        pb::ModifyVpcEndpointServicePermissionsRequest {
            service_id: "vpce-svc-1".into(),
            add_allowed_principals: vec!["arn:aws:iam::222222222222:root".into()],
            remove_allowed_principals: vec![],
        }
    );
    let Ec2Command::AcceptVpcEndpointConnections(a) = ec2(&[
        "accept-vpc-endpoint-connections",
        "--service-id",
        "vpce-svc-1",
        "--vpc-endpoint-ids",
        "vpce-1",
        "vpce-2",
    ])
    .unwrap() else {
        panic!("accept-vpc-endpoint-connections")
    };
    assert_eq!(a.request().unwrap().vpc_endpoint_ids, ["vpce-1", "vpce-2"]);
    assert!(
        ec2(&[
            "reject-vpc-endpoint-connections",
            "--service-id",
            "vpce-svc-1"
        ])
        .is_err()
    );
    let Ec2Command::DescribeVpcEndpointConnections(a) = ec2(&[
        "describe-vpc-endpoint-connections",
        "--filters",
        r#"[{"Name":"vpc-endpoint-state","Values":["pendingAcceptance"]}]"#,
    ])
    .unwrap() else {
        panic!("describe-vpc-endpoint-connections")
    };
    assert_eq!(
        a.request().unwrap().filters[0].values,
        ["pendingAcceptance"]
    );
}

#[test]
fn create_and_describe_endpoints() {
    let Ec2Command::CreateVpcEndpoint(a) = ec2(&[
        "create-vpc-endpoint",
        "--vpc-endpoint-type",
        "Interface",
        "--vpc-id",
        "vpc-2",
        "--service-name",
        "com.amazonaws.vpce.us-east-1.vpce-svc-1",
        "--subnet-ids",
        "subnet-a",
        "subnet-b",
        "--security-group-ids",
        "sg-1",
        "--private-dns-enabled",
    ])
    .unwrap() else {
        panic!("create-vpc-endpoint")
    };
    assert_eq!(
        a.request().unwrap(),
        pb::CreateVpcEndpointRequest {
            vpc_endpoint_type: "Interface".into(),
            vpc_id: "vpc-2".into(),
            service_name: "com.amazonaws.vpce.us-east-1.vpce-svc-1".into(),
            subnet_ids: vec!["subnet-a".into(), "subnet-b".into()],
            security_group_ids: vec!["sg-1".into()],
            private_dns_enabled: Some(true),
            ..Default::default()
        }
    );
    let Ec2Command::DescribeVpcEndpoints(a) = ec2(&[
        "describe-vpc-endpoints",
        "--vpc-endpoint-ids",
        "vpce-1",
        "--filters",
        "Name=vpc-endpoint-state,Values=available",
    ])
    .unwrap() else {
        panic!("describe-vpc-endpoints")
    };
    let r = a.request().unwrap();
    assert_eq!(r.vpc_endpoint_ids, ["vpce-1"]);
    assert_eq!(
        r.filters,
        [pb::Filter {
            name: "vpc-endpoint-state".into(),
            values: vec!["available".into()],
        }]
    );
    assert!(
        ec2(&["delete-vpc-endpoints"]).is_err(),
        "--vpc-endpoint-ids is required"
    );
}

//! The change rules, one row per rule, each naming the reference section it checks, driven
//! through the gRPC API against a fresh control plane per row.

mod fixture;
mod lifecycle;
mod private_dns;
mod states;

use plemu_proto::pb;

use self::fixture::Fx;
use super::testing::{CONSUMER, PROVIDER, Server, code};

/// One call of a row.
enum Call {
    RevokeIngress(pb::RevokeSecurityGroupIngressRequest),
    AuthorizeIngress(pb::AuthorizeSecurityGroupIngressRequest),
    AuthorizeEgress(pb::AuthorizeSecurityGroupEgressRequest),
    RevokeEgress(pb::RevokeSecurityGroupEgressRequest),
    ModifyEndpoint(pb::ModifyVpcEndpointRequest),
    ModifyService(pb::ModifyVpcEndpointServiceConfigurationRequest),
    ModifyListener(pb::ModifyListenerRequest),
}

/// A rule: where the reference states it, what it is, the call, and the AWS code expected
/// (`None`: success).
struct Row {
    section: &'static str,
    rule: &'static str,
    call: Call,
    want: Option<&'static str>,
}

async fn run(s: &Server, call: Call) -> Result<(), tonic::Status> {
    let (mut c, mut p, mut elb) = (s.ec2(CONSUMER), s.ec2(PROVIDER), s.elb(PROVIDER));
    match call {
        Call::RevokeIngress(r) => c.revoke_security_group_ingress(r).await.map(drop),
        Call::AuthorizeIngress(r) => c.authorize_security_group_ingress(r).await.map(drop),
        Call::AuthorizeEgress(r) => c.authorize_security_group_egress(r).await.map(drop),
        Call::RevokeEgress(r) => c.revoke_security_group_egress(r).await.map(drop),
        Call::ModifyEndpoint(r) => c.modify_vpc_endpoint(r).await.map(drop),
        Call::ModifyService(r) => p
            .modify_vpc_endpoint_service_configuration(r)
            .await
            .map(drop),
        Call::ModifyListener(r) => elb.modify_listener(r).await.map(drop),
    }
}

fn tcp(port: i32, cidrs: &[&str]) -> pb::IpPermission {
    pb::IpPermission {
        ip_protocol: "tcp".into(),
        from_port: Some(port),
        to_port: Some(port),
        ip_ranges: cidrs
            .iter()
            .map(|c| pb::IpRange {
                cidr_ip: (*c).into(),
                description: String::new(),
            })
            .collect(),
        user_id_group_pairs: Vec::new(),
    }
}

fn from_group(port: i32, pair: pb::UserIdGroupPair) -> pb::IpPermission {
    pb::IpPermission {
        user_id_group_pairs: vec![pair],
        ..tcp(port, &[])
    }
}

fn all_egress() -> pb::IpPermission {
    pb::IpPermission {
        ip_protocol: "-1".into(),
        ..tcp(0, &["0.0.0.0/0"])
    }
}

fn forward(tg: &str) -> Vec<pb::Action> {
    vec![pb::Action {
        r#type: "forward".into(),
        target_group_arn: tg.into(),
        ..Default::default()
    }]
}

#[rustfmt::skip]
fn rows(f: &Fx) -> Vec<Row> {
    let revoke = |perms: Vec<pb::IpPermission>, ids: Vec<String>| Call::RevokeIngress(pb::RevokeSecurityGroupIngressRequest {
        group_id: f.app_sg.clone(), ip_permissions: perms, security_group_rule_ids: ids,
    });
    let authorize = |perms: Vec<pb::IpPermission>| Call::AuthorizeIngress(pb::AuthorizeSecurityGroupIngressRequest {
        group_id: f.app_sg.clone(), ip_permissions: perms,
    });
    let egress = |perms: Vec<pb::IpPermission>| Call::AuthorizeEgress(pb::AuthorizeSecurityGroupEgressRequest {
        group_id: f.app_sg.clone(), ip_permissions: perms,
    });
    let revoke_egress = |perms: Vec<pb::IpPermission>| Call::RevokeEgress(pb::RevokeSecurityGroupEgressRequest {
        group_id: f.app_sg.clone(), ip_permissions: perms, security_group_rule_ids: Vec::new(),
    });
    let endpoint = |m: pb::ModifyVpcEndpointRequest| Call::ModifyEndpoint(pb::ModifyVpcEndpointRequest {
        vpc_endpoint_id: if m.vpc_endpoint_id.is_empty() { f.endpoint.clone() } else { m.vpc_endpoint_id.clone() }, ..m
    });
    let service = |m: pb::ModifyVpcEndpointServiceConfigurationRequest| Call::ModifyService(pb::ModifyVpcEndpointServiceConfigurationRequest {
        service_id: if m.service_id.is_empty() { f.p.service_id.clone() } else { m.service_id.clone() }, ..m
    });
    let listener = |m: pb::ModifyListenerRequest| Call::ModifyListener(pb::ModifyListenerRequest {
        listener_arn: if m.listener_arn.is_empty() { f.listener.clone() } else { m.listener_arn.clone() }, ..m
    });
    let ids = |v: &[&String]| v.iter().map(|s| (*s).clone()).collect::<Vec<String>>();
    let many: Vec<String> = (0..60).map(|i| format!("10.9.{i}.0/24")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let by_name = |name: &str| pb::UserIdGroupPair { group_name: name.into(), ..Default::default() };
    vec![
        Row { section: "§6", rule: "revoking an inbound rule by its properties removes it", call: revoke(vec![tcp(6379, &["10.1.0.0/16"])], vec![]), want: None },
        Row { section: "§6", rule: "revoking an inbound rule by its id removes it", call: revoke(vec![], vec![f.app_rule.clone()]), want: None },
        Row { section: "§6", rule: "revoking a rule the group lacks (non-default VPC) fails, nothing revoked", call: revoke(vec![tcp(6380, &["10.1.0.0/16"])], vec![]), want: Some("InvalidPermission.NotFound") },
        Row { section: "§6", rule: "one unknown rule among known ones fails the whole call", call: revoke(vec![tcp(6379, &["10.1.0.0/16"]), tcp(22, &["0.0.0.0/0"])], vec![]), want: Some("InvalidPermission.NotFound") },
        Row { section: "§6", rule: "an unknown rule id", call: revoke(vec![], vec!["sgr-0123456789abcdef0".into()]), want: Some("InvalidSecurityGroupRuleId.NotFound") },
        Row { section: "§6", rule: "a malformed rule id", call: revoke(vec![], vec!["rule-1".into()]), want: Some("InvalidSecurityGroupRuleId.Malformed") },
        Row { section: "§6", rule: "a revoke naming no rule", call: revoke(vec![], vec![]), want: Some("MissingParameter") },
        Row { section: "§6", rule: "a revoke on an unknown group", call: Call::RevokeIngress(pb::RevokeSecurityGroupIngressRequest { group_id: "sg-0123456789abcdef0".into(), ip_permissions: vec![tcp(6379, &["10.1.0.0/16"])], ..Default::default() }), want: Some("InvalidGroup.NotFound") },
        Row { section: "§6", rule: "a new group's allow-all egress is there: authorizing it again is a duplicate", call: egress(vec![all_egress()]), want: Some("InvalidPermission.Duplicate") },
        Row { section: "§6", rule: "authorizing a new outbound rule", call: egress(vec![tcp(6379, &["10.0.0.0/16"])]), want: None },
        Row { section: "§6", rule: "revoking the allow-all egress", call: revoke_egress(vec![all_egress()]), want: None },
        Row { section: "§6", rule: "revoking an outbound rule the group lacks", call: revoke_egress(vec![tcp(6379, &["10.0.0.0/16"])]), want: Some("InvalidPermission.NotFound") },
        Row { section: "§6", rule: "more than 60 inbound rules", call: authorize(vec![tcp(7000, &many)]), want: Some("RulesPerSecurityGroupLimitExceeded") },
        Row { section: "§6 (issue item 7)", rule: "a source group named by name in the group's VPC", call: authorize(vec![from_group(6379, by_name("default"))]), want: None },
        Row { section: "§6 (issue item 7)", rule: "a source group name the VPC lacks", call: authorize(vec![from_group(6379, by_name("nope"))]), want: Some("InvalidGroup.NotFound") },
        Row { section: "§2.2", rule: "adding a subnet in another zone of the service", call: endpoint(pb::ModifyVpcEndpointRequest { add_subnet_ids: ids(&[&f.sub_b]), ..Default::default() }), want: None },
        Row { section: "§2.2", rule: "adding a second subnet in the same zone", call: endpoint(pb::ModifyVpcEndpointRequest { add_subnet_ids: ids(&[&f.sub_a2]), ..Default::default() }), want: Some("DuplicateSubnetsInSameZone") },
        Row { section: "§2.2", rule: "swapping a zone's subnet in one call", call: endpoint(pb::ModifyVpcEndpointRequest { add_subnet_ids: ids(&[&f.sub_a2]), remove_subnet_ids: ids(&[&f.sub_a]), ..Default::default() }), want: None },
        Row { section: "§2.1", rule: "a subnet in a zone the service lacks", call: endpoint(pb::ModifyVpcEndpointRequest { add_subnet_ids: ids(&[&f.sub_c]), ..Default::default() }), want: Some("InvalidParameter") },
        Row { section: "§2.2", rule: "a subnet of another VPC", call: endpoint(pb::ModifyVpcEndpointRequest { add_subnet_ids: ids(&[&f.foreign_subnet]), ..Default::default() }), want: Some("InvalidSubnetID.NotFound") },
        Row { section: "§2.2", rule: "a malformed subnet id", call: endpoint(pb::ModifyVpcEndpointRequest { add_subnet_ids: vec!["subnet-1".into()], ..Default::default() }), want: Some("InvalidSubnetID.Malformed") },
        Row { section: "§2.2", rule: "removing a subnet the endpoint lacks", call: endpoint(pb::ModifyVpcEndpointRequest { remove_subnet_ids: ids(&[&f.sub_b]), ..Default::default() }), want: Some("InvalidParameter") },
        Row { section: "§2.2", rule: "removing the only subnet", call: endpoint(pb::ModifyVpcEndpointRequest { remove_subnet_ids: ids(&[&f.sub_a]), ..Default::default() }), want: Some("InvalidParameter") },
        Row { section: "§6", rule: "adding a security group of the endpoint's VPC", call: endpoint(pb::ModifyVpcEndpointRequest { add_security_group_ids: ids(&[&f.default_sg]), ..Default::default() }), want: None },
        Row { section: "§6", rule: "a security group of another VPC", call: endpoint(pb::ModifyVpcEndpointRequest { add_security_group_ids: ids(&[&f.foreign_sg]), ..Default::default() }), want: Some("InvalidGroup.NotFound") },
        Row { section: "§6", rule: "removing the only security group", call: endpoint(pb::ModifyVpcEndpointRequest { remove_security_group_ids: ids(&[&f.app_sg]), ..Default::default() }), want: Some("InvalidParameter") },
        Row { section: "§4.4", rule: "private DNS before the service's name is verified", call: endpoint(pb::ModifyVpcEndpointRequest { private_dns_enabled: Some(true), ..Default::default() }), want: Some("InvalidParameter") },
        Row { section: "§2.2", rule: "a policy document that is not a JSON policy", call: endpoint(pb::ModifyVpcEndpointRequest { policy_document: "{not json".into(), ..Default::default() }), want: Some("InvalidPolicyDocument") },
        Row { section: "§2.2", rule: "ResetPolicy with a PolicyDocument", call: endpoint(pb::ModifyVpcEndpointRequest { reset_policy: true, policy_document: fixture::POLICY.into(), ..Default::default() }), want: Some("InvalidParameterCombination") },
        Row { section: "§2.2", rule: "an unknown endpoint", call: endpoint(pb::ModifyVpcEndpointRequest { vpc_endpoint_id: "vpce-0123456789abcdef0".into(), ..Default::default() }), want: Some("InvalidVpcEndpointId.NotFound") },
        Row { section: "§2.1", rule: "adding a load balancer while an endpoint is attached", call: service(pb::ModifyVpcEndpointServiceConfigurationRequest { add_network_load_balancer_arns: ids(&[&f.nlb2]), ..Default::default() }), want: Some("ExistingVpcEndpointConnections") },
        Row { section: "§2.1", rule: "removing a load balancer while an endpoint is attached", call: service(pb::ModifyVpcEndpointServiceConfigurationRequest { remove_network_load_balancer_arns: ids(&[&f.p.lb_arn]), ..Default::default() }), want: Some("ExistingVpcEndpointConnections") },
        Row { section: "§2.1", rule: "a malformed load balancer ARN", call: service(pb::ModifyVpcEndpointServiceConfigurationRequest { add_network_load_balancer_arns: vec!["arn:aws:nope".into()], ..Default::default() }), want: Some("InvalidNetworkLoadBalancerArn.Malformed") },
        Row { section: "§2.1", rule: "requiring acceptance", call: service(pb::ModifyVpcEndpointServiceConfigurationRequest { acceptance_required: Some(true), ..Default::default() }), want: None },
        Row { section: "§4.4", rule: "a new private DNS name", call: service(pb::ModifyVpcEndpointServiceConfigurationRequest { private_dns_name: "cache.example.com".into(), ..Default::default() }), want: None },
        Row { section: "§2.1", rule: "PrivateDnsName with RemovePrivateDnsName", call: service(pb::ModifyVpcEndpointServiceConfigurationRequest { private_dns_name: "cache.example.com".into(), remove_private_dns_name: true, ..Default::default() }), want: Some("InvalidParameterCombination") },
        Row { section: "§2.1", rule: "an unknown service", call: service(pb::ModifyVpcEndpointServiceConfigurationRequest { service_id: "vpce-svc-0123456789abcdef0".into(), ..Default::default() }), want: Some("InvalidVpcEndpointServiceId.NotFound") },
        Row { section: "§5.1", rule: "forwarding to another target group of the VPC", call: listener(pb::ModifyListenerRequest { default_actions: forward(&f.spare_tg), ..Default::default() }), want: None },
        Row { section: "§5.1", rule: "a new free port", call: listener(pb::ModifyListenerRequest { port: Some(7000), ..Default::default() }), want: None },
        Row { section: "§5.1", rule: "a port another listener of the load balancer holds", call: listener(pb::ModifyListenerRequest { port: Some(6380), ..Default::default() }), want: Some("DuplicateListener") },
        Row { section: "§5.1", rule: "an unknown target group", call: listener(pb::ModifyListenerRequest { default_actions: forward("arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/none/0123456789abcdef"), ..Default::default() }), want: Some("TargetGroupNotFound") },
        Row { section: "§5.1", rule: "a target group of another VPC", call: listener(pb::ModifyListenerRequest { default_actions: forward(&f.foreign_tg), ..Default::default() }), want: Some("InvalidConfigurationRequest") },
        Row { section: "§5.1", rule: "port 0", call: listener(pb::ModifyListenerRequest { port: Some(0), ..Default::default() }), want: Some("ValidationError") },
        Row { section: "§5.1", rule: "a protocol PrivateLink does not carry", call: listener(pb::ModifyListenerRequest { protocol: "UDP".into(), ..Default::default() }), want: Some("UnsupportedProtocol") },
        Row { section: "§5.1", rule: "an unknown listener", call: listener(pb::ModifyListenerRequest { listener_arn: "arn:aws:elasticloadbalancing:us-east-1:111111111111:listener/net/redis-nlb/0123456789abcdef/0123456789abcdef".into(), port: Some(7000), ..Default::default() }), want: Some("ListenerNotFound") },
    ]
}

#[tokio::test]
async fn every_change_rule_answers_as_aws_does() {
    let mut i = 0;
    let mut failures = Vec::new();
    loop {
        let dir = tempfile::tempdir().unwrap();
        let s = Server::start(dir.path()).await;
        let f = Fx::build(&s).await;
        let mut all = rows(&f);
        if i >= all.len() {
            s.stop().await;
            break;
        }
        let row = all.swap_remove(i);
        let got = run(&s, row.call).await;
        let got_code = got.as_ref().err().map(|e| code(e).to_string());
        if got_code.as_deref() != row.want {
            failures.push(format!(
                "{} {}: want {:?}, got {:?}",
                row.section,
                row.rule,
                row.want,
                got.err()
            ));
        }
        s.stop().await;
        i += 1;
    }
    assert!(
        failures.is_empty(),
        "{} rows failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(i >= 40, "only {i} rows ran");
}

/// Issue item 7: an `ip` target outside the VPC with zone `all` (reference §5.1), and a subnet
/// placed by `AvailabilityZoneId` alone. (A source group by name is in the rows above.)
#[tokio::test]
async fn targets_outside_the_vpc_and_zones_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let p = super::testing::provider(&s, false).await;
    let mut elb = s.elb(PROVIDER);
    let register = |az: &str| pb::RegisterTargetsRequest {
        target_group_arn: p.tg_arn.clone(),
        targets: vec![pb::TargetDescription {
            id: "192.168.7.7".into(),
            port: None,
            availability_zone: az.into(),
        }],
    };
    let e = elb.register_targets(register("")).await.unwrap_err();
    assert_eq!(code(&e), "InvalidTarget", "{e:?}");
    elb.register_targets(register("all")).await.unwrap();
    let public = pb::RegisterTargetsRequest {
        targets: vec![pb::TargetDescription {
            id: "203.0.113.7".into(),
            port: None,
            availability_zone: "all".into(),
        }],
        ..register("all")
    };
    assert_eq!(
        code(&elb.register_targets(public).await.unwrap_err()),
        "InvalidTarget"
    );

    let mut ec2 = s.ec2(PROVIDER);
    let subnet = |id: &str, cidr: &str| pb::CreateSubnetRequest {
        vpc_id: p.vpc.clone(),
        cidr_block: cidr.into(),
        availability_zone_id: id.into(),
        ..Default::default()
    };
    let n = ec2
        .create_subnet(subnet("use1-az3", "10.0.9.0/24"))
        .await
        .unwrap()
        .into_inner()
        .subnet
        .unwrap();
    assert_eq!(
        (
            n.availability_zone.as_str(),
            n.availability_zone_id.as_str()
        ),
        ("us-east-1c", "use1-az3")
    );
    let e = ec2
        .create_subnet(subnet("use1-az9", "10.0.10.0/24"))
        .await
        .unwrap_err();
    assert_eq!(code(&e), "InvalidParameterValue");
    s.stop().await;
}

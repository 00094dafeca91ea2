//! Requests built from `plemu elbv2` command lines.

use plemu_proto::pb;

use super::Elbv2Command;
use crate::client::tests::{elbv2, usage_text};

const TG: &str =
    "arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/redis/0123456789abcdef";

#[test]
fn create_load_balancer_from_the_user_story() {
    let Elbv2Command::CreateLoadBalancer(a) = elbv2(&[
        "create-load-balancer",
        "--name",
        "redis-nlb",
        "--type",
        "network",
        "--scheme",
        "internal",
        "--subnets",
        "subnet-a",
        "subnet-b",
        "--tags",
        "Key=team,Value=cache",
        "Key=env,Value=dev",
    ])
    .unwrap() else {
        panic!("create-load-balancer")
    };
    let r = a.request().unwrap();
    assert_eq!(
        (r.name.as_str(), r.r#type.as_str(), r.scheme.as_str()),
        ("redis-nlb", "network", "internal")
    );
    assert_eq!(r.subnets, ["subnet-a", "subnet-b"]);
    assert_eq!(r.tags.len(), 2);
    assert_eq!(r.tags[1].value, "dev");
}

#[test]
fn create_target_group_sends_only_what_is_given() {
    let Elbv2Command::CreateTargetGroup(a) = elbv2(&[
        "create-target-group",
        "--name",
        "redis",
        "--protocol",
        "TCP",
        "--port",
        "6379",
        "--vpc-id",
        "vpc-1",
        "--target-type",
        "ip",
        "--health-check-interval-seconds",
        "5",
        "--healthy-threshold-count",
        "2",
        "--no-health-check-enabled",
        "--matcher",
        "HttpCode=200-399",
    ])
    .unwrap() else {
        panic!("create-target-group")
    };
    assert_eq!(
        a.request().unwrap(),
        pb::CreateTargetGroupRequest {
            name: "redis".into(),
            protocol: "TCP".into(),
            port: Some(6379),
            vpc_id: "vpc-1".into(),
            target_type: "ip".into(),
            health_check_interval_seconds: Some(5),
            healthy_threshold_count: Some(2),
            health_check_enabled: Some(false),
            matcher: Some(pb::Matcher {
                http_code: "200-399".into()
            }),
            ..Default::default()
        }
    );
    assert!(elbv2(&["create-target-group", "--name", "x", "--port", "http"]).is_err());
}

#[test]
fn targets_in_shorthand_and_json() {
    let Elbv2Command::RegisterTargets(a) = elbv2(&[
        "register-targets",
        "--target-group-arn",
        TG,
        "--targets",
        "Id=127.0.0.1,Port=6379",
        "Id=10.0.1.10",
    ])
    .unwrap() else {
        panic!("register-targets")
    };
    let r = a.register().unwrap();
    assert_eq!(r.target_group_arn, TG);
    assert_eq!(
        r.targets,
        [
            pb::TargetDescription {
                id: "127.0.0.1".into(),
                port: Some(6379),
                availability_zone: String::new(),
            },
            pb::TargetDescription {
                id: "10.0.1.10".into(),
                port: None,
                availability_zone: String::new(),
            },
        ]
    );
    let Elbv2Command::DeregisterTargets(a) = elbv2(&[
        "deregister-targets",
        "--target-group-arn",
        TG,
        "--targets",
        r#"[{"Id":"127.0.0.1","Port":6379},{"Id":"10.0.1.10"}]"#,
    ])
    .unwrap() else {
        panic!("deregister-targets")
    };
    assert_eq!(a.deregister().unwrap().targets, r.targets);
    let Elbv2Command::RegisterTargets(a) = elbv2(&[
        "register-targets",
        "--target-group-arn",
        TG,
        "--targets",
        "Id=a,Prot=1",
    ])
    .unwrap() else {
        panic!("register-targets")
    };
    assert_eq!(
        usage_text(a.register()),
        "plemu: error: argument --targets: unknown key \"Prot\", must be one of: Id, Port, AvailabilityZone in \"Id=a,Prot=1\""
    );
}

#[test]
fn listeners_forward_to_target_groups() {
    let Elbv2Command::CreateListener(a) = elbv2(&[
        "create-listener",
        "--load-balancer-arn",
        "arn:lb",
        "--protocol",
        "TCP",
        "--port",
        "6379",
        "--default-actions",
        &format!("Type=forward,TargetGroupArn={TG}"),
    ])
    .unwrap() else {
        panic!("create-listener")
    };
    let r = a.request().unwrap();
    assert_eq!(r.port, 6379);
    assert_eq!(
        r.default_actions,
        [pb::Action {
            r#type: "forward".into(),
            target_group_arn: TG.into(),
            ..Default::default()
        }]
    );
    let Elbv2Command::CreateListener(a) = elbv2(&[
        "create-listener",
        "--load-balancer-arn",
        "arn:lb",
        "--default-actions",
        "Type=forward,Order=1,ForwardConfig={TargetGroups=[{TargetGroupArn=arn:a,Weight=3},{TargetGroupArn=arn:b}]}",
    ])
    .unwrap() else {
        panic!("create-listener")
    };
    let action = &a.request().unwrap().default_actions[0];
    assert_eq!(action.order, 1);
    let groups = &action.forward_config.as_ref().unwrap().target_groups;
    assert_eq!(
        (groups[0].target_group_arn.as_str(), groups[0].weight),
        ("arn:a", 3)
    );
    assert_eq!(
        (groups[1].target_group_arn.as_str(), groups[1].weight),
        ("arn:b", 0)
    );
    assert!(
        elbv2(&["create-listener", "--load-balancer-arn", "arn:lb"]).is_err(),
        "--default-actions is required"
    );
}

#[test]
fn describes() {
    let Elbv2Command::DescribeTargetHealth(a) =
        elbv2(&["describe-target-health", "--target-group-arn", TG]).unwrap()
    else {
        panic!("describe-target-health")
    };
    assert!(a.request().unwrap().targets.is_empty());
    let Elbv2Command::DescribeLoadBalancers(a) =
        elbv2(&["describe-load-balancers", "--names", "a", "b"]).unwrap()
    else {
        panic!("describe-load-balancers")
    };
    assert_eq!(a.request().unwrap().names, ["a", "b"]);
}

#[test]
fn attribute_verbs_take_the_aws_shorthand_and_json() {
    let Elbv2Command::ModifyTargetGroupAttributes(a) = elbv2(&[
        "modify-target-group-attributes",
        "--target-group-arn",
        TG,
        "--attributes",
        "Key=deregistration_delay.timeout_seconds,Value=30",
        r#"{"Key":"proxy_protocol_v2.enabled","Value":"true"}"#,
    ])
    .unwrap() else {
        panic!("modify-target-group-attributes")
    };
    let r = a.request().unwrap();
    assert_eq!(r.target_group_arn, TG);
    let kv: Vec<(&str, &str)> = r
        .attributes
        .iter()
        .map(|a| (a.key.as_str(), a.value.as_str()))
        .collect();
    assert_eq!(
        kv,
        [
            ("deregistration_delay.timeout_seconds", "30"),
            ("proxy_protocol_v2.enabled", "true")
        ]
    );
    let Elbv2Command::SetSecurityGroups(a) = elbv2(&[
        "set-security-groups",
        "--load-balancer-arn",
        "arn:lb",
        "--security-groups",
        "sg-1",
        "sg-2",
        "--enforce-security-group-inbound-rules-on-private-link-traffic",
        "off",
    ])
    .unwrap() else {
        panic!("set-security-groups")
    };
    let r = a.request().unwrap();
    assert_eq!(r.security_groups, ["sg-1", "sg-2"]);
    assert_eq!(
        r.enforce_security_group_inbound_rules_on_private_link_traffic,
        "off"
    );
    let Elbv2Command::ModifyTargetGroup(a) = elbv2(&[
        "modify-target-group",
        "--target-group-arn",
        TG,
        "--health-check-protocol",
        "HTTP",
        "--health-check-path",
        "/ready",
        "--matcher",
        r#"{"HttpCode":"200,202"}"#,
    ])
    .unwrap() else {
        panic!("modify-target-group")
    };
    let r = a.request().unwrap();
    assert_eq!(
        (
            r.health_check_protocol.as_str(),
            r.health_check_path.as_str()
        ),
        ("HTTP", "/ready")
    );
    assert_eq!(r.matcher.unwrap().http_code, "200,202");
    assert_eq!(r.health_check_interval_seconds, None);
    assert!(
        elbv2(&["modify-listener-attributes", "--listener-arn", "arn:l"]).is_err(),
        "--attributes is required"
    );
}

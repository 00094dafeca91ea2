//! Requests built from security group command lines, with the one-rule conveniences.

use plemu_proto::pb;

use crate::client::ec2::Ec2Command;
use crate::client::tests::{ec2, usage_text};

fn authorize(
    args: &[&str],
) -> Result<pb::AuthorizeSecurityGroupIngressRequest, crate::client::CallError> {
    let mut all = vec!["authorize-security-group-ingress", "--group-id", "sg-1"];
    all.extend_from_slice(args);
    let Ec2Command::AuthorizeSecurityGroupIngress(a) = ec2(&all).unwrap() else {
        panic!("authorize-security-group-ingress")
    };
    a.request()
}

fn cidr(c: &str) -> pb::IpRange {
    pb::IpRange {
        cidr_ip: c.into(),
        description: String::new(),
    }
}

#[test]
fn one_rule_from_protocol_port_and_cidr() {
    let r = authorize(&[
        "--protocol",
        "tcp",
        "--port",
        "6379",
        "--cidr",
        "10.1.0.0/16",
    ])
    .unwrap();
    assert_eq!(r.group_id, "sg-1");
    assert_eq!(
        r.ip_permissions,
        [pb::IpPermission {
            ip_protocol: "tcp".into(),
            from_port: Some(6379),
            to_port: Some(6379),
            ip_ranges: vec![cidr("10.1.0.0/16")],
            user_id_group_pairs: vec![],
        }]
    );
    let r = authorize(&[
        "--protocol",
        "tcp",
        "--port",
        "6000-6100",
        "--source-group",
        "sg-2",
    ])
    .unwrap();
    let p = &r.ip_permissions[0];
    assert_eq!((p.from_port, p.to_port), (Some(6000), Some(6100)));
    assert_eq!(p.user_id_group_pairs[0].group_id, "sg-2");
    let r = authorize(&[
        "--protocol",
        "all",
        "--port",
        "-1",
        "--source-group",
        "web",
        "--group-owner",
        "222222222222",
    ])
    .unwrap();
    let p = &r.ip_permissions[0];
    assert_eq!(p.ip_protocol, "-1");
    assert_eq!((p.from_port, p.to_port), (Some(-1), Some(-1)));
    assert_eq!(p.user_id_group_pairs[0].group_name, "web");
    assert_eq!(p.user_id_group_pairs[0].user_id, "222222222222");
    let r = authorize(&["--protocol", "-1", "--cidr", "0.0.0.0/0"]).unwrap();
    assert_eq!(
        r.ip_permissions[0].from_port, None,
        "no --port sends no ports"
    );
}

#[test]
fn ip_permissions_in_shorthand_and_json() {
    let r = authorize(&[
        "--ip-permissions",
        "IpProtocol=tcp,FromPort=6379,ToPort=6379,IpRanges=[{CidrIp=10.1.0.0/16}]",
        "IpProtocol=tcp,FromPort=22,ToPort=22,UserIdGroupPairs=[{GroupId=sg-9,Description=ssh}]",
    ])
    .unwrap();
    assert_eq!(r.ip_permissions.len(), 2);
    assert_eq!(r.ip_permissions[0].ip_ranges, [cidr("10.1.0.0/16")]);
    assert_eq!(r.ip_permissions[1].user_id_group_pairs[0].group_id, "sg-9");
    assert_eq!(
        r.ip_permissions[1].user_id_group_pairs[0].description,
        "ssh"
    );
    let json = r#"[{"IpProtocol":"tcp","FromPort":6379,"ToPort":6379,"IpRanges":[{"CidrIp":"10.1.0.0/16"}]}]"#;
    let from_json = authorize(&["--ip-permissions", json]).unwrap();
    assert_eq!(from_json.ip_permissions[0], r.ip_permissions[0]);
}

#[test]
fn conflicting_or_incomplete_conveniences_are_usage_errors() {
    assert_eq!(
        usage_text(authorize(&[
            "--protocol",
            "tcp",
            "--ip-permissions",
            "IpProtocol=tcp"
        ])),
        "plemu: error: argument --ip-permissions: not allowed with --protocol"
    );
    assert_eq!(
        usage_text(authorize(&["--port", "22", "--cidr", "10.0.0.0/8"])),
        "plemu: error: argument --protocol: is required with --port, --cidr"
    );
    assert!(
        usage_text(authorize(&["--protocol", "tcp", "--port", "22-x"]))
            .contains("bad value \"22-x\"")
    );
    assert!(
        usage_text(authorize(&["--protocol", "tcp", "--group-owner", "1"]))
            .contains("--group-owner")
    );
    assert!(
        usage_text(authorize(&[
            "--ip-permissions",
            "IpProtocol=tcp,FromPort=abc"
        ]))
        .contains("FromPort: \"abc\" is not an integer in \"IpProtocol=tcp,FromPort=abc\"")
    );
}

#[test]
fn create_and_describe_security_groups() {
    let Ec2Command::CreateSecurityGroup(a) = ec2(&[
        "create-security-group",
        "--group-name",
        "redis",
        "--description",
        "Redis clients",
        "--vpc-id",
        "vpc-1",
    ])
    .unwrap() else {
        panic!("create-security-group")
    };
    let r = a.request().unwrap();
    assert_eq!(
        (
            r.group_name.as_str(),
            r.description.as_str(),
            r.vpc_id.as_str()
        ),
        ("redis", "Redis clients", "vpc-1")
    );
    let Ec2Command::DescribeSecurityGroups(a) = ec2(&[
        "describe-security-groups",
        "--group-ids",
        "sg-1",
        "sg-2",
        "--filters",
        "Name=vpc-id,Values=vpc-1",
    ])
    .unwrap() else {
        panic!("describe-security-groups")
    };
    let r = a.request().unwrap();
    assert_eq!(r.group_ids, ["sg-1", "sg-2"]);
    assert_eq!(r.filters[0].values, ["vpc-1"]);
}

//! A few change rules through the `plemu` binary, as a script would meet them: the verbs' AWS CLI
//! names and flags, the `Return` they print, and AWS's codes on stderr with exit status 254.

use std::process::{Command, Output};

use plemu_testkit::{Plemu, PlemuOptions, trace_init};

const PLEMU: &str = env!("CARGO_BIN_EXE_plemu");

fn plemu(api: &str, args: &[&str]) -> Output {
    Command::new(PLEMU)
        .args(["--endpoint-url", api])
        .args(args)
        .output()
        .unwrap()
}

/// The JSON a successful call printed.
fn ok(out: Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The AWS code of a failed call (exit status 254).
fn failed(out: Output, code: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(254), "{stderr}");
    assert!(stderr.contains(&format!("({code})")), "{stderr}");
}

#[test]
fn change_rules_through_the_cli() {
    trace_init();
    let p = Plemu::start(PlemuOptions::default()).unwrap();
    let api = p.api_url();
    let vpc = ok(plemu(
        &api,
        &["ec2", "create-vpc", "--cidr-block", "10.1.0.0/16"],
    ))["Vpc"]["VpcId"]
        .as_str()
        .unwrap()
        .to_string();
    let sg = ok(plemu(
        &api,
        &[
            "ec2",
            "create-security-group",
            "--group-name",
            "app",
            "--description",
            "app",
            "--vpc-id",
            &vpc,
        ],
    ))["GroupId"]
        .as_str()
        .unwrap()
        .to_string();
    // §6 and issue item 7: a source group by name.
    ok(plemu(
        &api,
        &[
            "ec2",
            "authorize-security-group-ingress",
            "--group-id",
            &sg,
            "--protocol",
            "tcp",
            "--port",
            "6379",
            "--source-group",
            "default",
        ],
    ));
    let revoke = [
        "ec2",
        "revoke-security-group-ingress",
        "--group-id",
        &sg,
        "--protocol",
        "tcp",
        "--port",
        "6379",
        "--source-group",
        "default",
    ];
    assert_eq!(ok(plemu(&api, &revoke))["Return"], serde_json::json!(true));
    // §6: the rule is gone; revoking it again is refused (non-default VPC).
    failed(plemu(&api, &revoke), "InvalidPermission.NotFound");
    // §6: the allow-all egress of a new group is there already.
    failed(
        plemu(
            &api,
            &[
                "ec2",
                "authorize-security-group-egress",
                "--group-id",
                &sg,
                "--ip-permissions",
                "IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]",
            ],
        ),
        "InvalidPermission.Duplicate",
    );
    ok(plemu(
        &api,
        &[
            "ec2",
            "revoke-security-group-egress",
            "--group-id",
            &sg,
            "--ip-permissions",
            "IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]",
        ],
    ));
    // §2.2 and §2.1: unknown resources.
    failed(
        plemu(
            &api,
            &[
                "ec2",
                "modify-vpc-endpoint",
                "--vpc-endpoint-id",
                "vpce-0123456789abcdef0",
                "--add-subnet-ids",
                "subnet-0123456789abcdef0",
            ],
        ),
        "InvalidVpcEndpointId.NotFound",
    );
    failed(
        plemu(
            &api,
            &[
                "ec2",
                "modify-vpc-endpoint-service-configuration",
                "--service-id",
                "vpce-svc-0123456789abcdef0",
                "--acceptance-required",
            ],
        ),
        "InvalidVpcEndpointServiceId.NotFound",
    );
    failed(
        plemu(
            &api,
            &[
                "elbv2",
                "modify-listener",
                "--listener-arn",
                "arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/net/x/0123456789abcdef/0123456789abcdef",
                "--port",
                "7000",
            ],
        ),
        "ListenerNotFound",
    );
}

/// `dig`'s short answer for the TXT records of `name` at `server`.
fn dig_txt(server: std::net::SocketAddr, name: &str) -> String {
    let out = Command::new("dig")
        .args(["+short", "+tries=1", "+time=2"])
        .arg(format!("@{}", server.ip()))
        .args(["-p", &server.port().to_string(), "TXT", name])
        .output()
        .expect("dig is installed (scripts/test.sh installs dnsutils)");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn private_dns_verification_through_the_cli_and_a_real_dns_client() {
    trace_init();
    let p = Plemu::start(PlemuOptions::default()).unwrap();
    let api = p.api_url();
    let call = |args: &[&str]| ok(plemu(&api, args));
    let vpc = call(&["ec2", "create-vpc", "--cidr-block", "10.0.0.0/16"])["Vpc"]["VpcId"]
        .as_str()
        .unwrap()
        .to_string();
    let subnet = call(&[
        "ec2",
        "create-subnet",
        "--vpc-id",
        &vpc,
        "--cidr-block",
        "10.0.1.0/24",
        "--availability-zone",
        "us-east-1a",
    ])["Subnet"]["SubnetId"]
        .as_str()
        .unwrap()
        .to_string();
    let nlb = call(&[
        "elbv2",
        "create-load-balancer",
        "--name",
        "dns",
        "--type",
        "network",
        "--scheme",
        "internal",
        "--subnets",
        &subnet,
    ])["LoadBalancers"][0]["LoadBalancerArn"]
        .as_str()
        .unwrap()
        .to_string();
    let svc = call(&[
        "ec2",
        "create-vpc-endpoint-service-configuration",
        "--network-load-balancer-arns",
        &nlb,
        "--private-dns-name",
        "cache.example.test",
    ])["ServiceConfiguration"]
        .clone();
    let id = svc["ServiceId"].as_str().unwrap().to_string();
    let config = &svc["PrivateDnsNameConfiguration"];
    assert_eq!(config["State"], "pendingVerification");
    let (name, value) = (
        config["Name"].as_str().unwrap(),
        config["Value"].as_str().unwrap(),
    );
    let at = format!("{name}.cache.example.test");
    let state = || {
        call(&[
            "ec2",
            "describe-vpc-endpoint-service-configurations",
            "--service-ids",
            &id,
        ])["ServiceConfigurations"][0]["PrivateDnsNameConfiguration"]["State"]
            .clone()
    };
    let start = [
        "ec2",
        "start-vpc-endpoint-service-private-dns-verification",
        "--service-id",
        &id,
    ];

    // Nothing published: the lookup finds nothing, the name is `failed`.
    assert_eq!(call(&start)["ReturnValue"], true);
    assert_eq!(state(), "failed");
    failed(
        plemu(
            &api,
            &[
                "public-dns",
                "put-txt-record",
                "--name",
                "bad name.test",
                "--value",
                value,
            ],
        ),
        "InvalidParameterValue",
    );
    let put = call(&[
        "public-dns",
        "put-txt-record",
        "--name",
        &at,
        "--value",
        value,
    ]);
    assert_eq!(put["Record"]["Values"][0], value);
    // The record is on the wire, for any DNS client.
    assert_eq!(dig_txt(p.public_dns, &at), format!("\"{value}\""));
    call(&start);
    assert_eq!(state(), "verified");
    let list = call(&["public-dns", "list-txt-records"]);
    assert_eq!(list["Records"][0]["Name"], at.as_str());
    let deleted = call(&["public-dns", "delete-txt-record", "--name", &at]);
    assert_eq!(deleted["Return"], true);
    assert_eq!(dig_txt(p.public_dns, &at), "");
}

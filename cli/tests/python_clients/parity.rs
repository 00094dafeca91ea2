//! The parity of the two fronts: the README's topology built once through gRPC and once
//! through Query, each Describe asked through both.

mod normalize;

use super::{PLEMU, Plemu, PlemuOptions, PythonClients, trace_init};
use normalize::{canonical_times, normalized};

/// One front of the API, driven by its own CLI: `plemu` (gRPC) or `aws` (Query). Both take
/// the same verbs and arguments and print AWS-shaped JSON.
#[derive(Clone, Copy, Debug)]
enum Front {
    Grpc,
    Query,
}

struct Fronts<'a> {
    plemu: &'a Plemu,
    clients: &'a PythonClients,
}

impl Fronts<'_> {
    /// Runs `args` as `account` through `front`; the printed JSON (`null` when nothing).
    fn call(&self, front: Front, account: &str, args: &[&str]) -> serde_json::Value {
        let url = self.plemu.api_url();
        let out = match front {
            Front::Grpc => std::process::Command::new(PLEMU)
                .args(["--endpoint-url", &url, "--account", account])
                .args(args)
                .output(),
            Front::Query => self
                .clients
                .command("aws", &[], account)
                .args(["--endpoint-url", &url])
                .args(args)
                .output(),
        }
        .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{front:?} {args:?} as {account} failed: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        if stdout.trim().is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&stdout).unwrap()
        }
    }
}

/// The README's topology, built through `front` by `provider` and `consumer`; returns the
/// Describe calls that show it, each with the account that makes it.
fn build(
    f: &Fronts<'_>,
    front: Front,
    provider: &str,
    consumer: &str,
) -> Vec<(String, Vec<String>)> {
    let call = |account: &str, args: &[&str]| f.call(front, account, args);
    let text = |v: &serde_json::Value, pointer: &str| {
        v.pointer(pointer)
            .and_then(|s| s.as_str())
            .unwrap_or_else(|| panic!("no {pointer} in {v}"))
            .to_string()
    };
    let vpc = text(
        &call(
            provider,
            &["ec2", "create-vpc", "--cidr-block", "10.0.0.0/16"],
        ),
        "/Vpc/VpcId",
    );
    let subnets: Vec<String> = [("10.0.1.0/24", "us-east-1a"), ("10.0.2.0/24", "us-east-1b")]
        .iter()
        .map(|(cidr, az)| {
            let s = call(
                provider,
                &[
                    "ec2",
                    "create-subnet",
                    "--vpc-id",
                    &vpc,
                    "--cidr-block",
                    cidr,
                    "--availability-zone",
                    az,
                ],
            );
            text(&s, "/Subnet/SubnetId")
        })
        .collect();
    let nlb = call(
        provider,
        &[
            "elbv2",
            "create-load-balancer",
            "--name",
            "redis-nlb",
            "--type",
            "network",
            "--scheme",
            "internal",
            "--subnets",
            &subnets[0],
            &subnets[1],
        ],
    );
    let nlb = text(&nlb, "/LoadBalancers/0/LoadBalancerArn");
    let tg = call(
        provider,
        &[
            "elbv2",
            "create-target-group",
            "--name",
            "redis",
            "--protocol",
            "TCP",
            "--port",
            "6379",
            "--vpc-id",
            &vpc,
            "--target-type",
            "ip",
            "--health-check-interval-seconds",
            "5",
        ],
    );
    let tg = text(&tg, "/TargetGroups/0/TargetGroupArn");
    call(
        provider,
        &[
            "elbv2",
            "register-targets",
            "--target-group-arn",
            &tg,
            "--targets",
            "Id=127.0.0.1,Port=1",
        ],
    );
    call(
        provider,
        &[
            "elbv2",
            "create-listener",
            "--load-balancer-arn",
            &nlb,
            "--protocol",
            "TCP",
            "--port",
            "6379",
            "--default-actions",
            &format!("Type=forward,TargetGroupArn={tg}"),
        ],
    );
    let svc = call(
        provider,
        &[
            "ec2",
            "create-vpc-endpoint-service-configuration",
            "--network-load-balancer-arns",
            &nlb,
            "--acceptance-required",
        ],
    );
    let svc = text(&svc, "/ServiceConfiguration/ServiceId");
    let principal = format!("arn:aws:iam::{consumer}:root");
    call(
        provider,
        &[
            "ec2",
            "modify-vpc-endpoint-service-permissions",
            "--service-id",
            &svc,
            "--add-allowed-principals",
            &principal,
        ],
    );
    let cvpc = text(
        &call(
            consumer,
            &["ec2", "create-vpc", "--cidr-block", "10.1.0.0/16"],
        ),
        "/Vpc/VpcId",
    );
    let csubnet = call(
        consumer,
        &[
            "ec2",
            "create-subnet",
            "--vpc-id",
            &cvpc,
            "--cidr-block",
            "10.1.1.0/24",
            "--availability-zone",
            "us-east-1a",
        ],
    );
    let csubnet = text(&csubnet, "/Subnet/SubnetId");
    let sg = call(
        consumer,
        &[
            "ec2",
            "create-security-group",
            "--group-name",
            "redis-clients",
            "--description",
            "Redis clients",
            "--vpc-id",
            &cvpc,
        ],
    );
    let sg = text(&sg, "/GroupId");
    call(
        consumer,
        &[
            "ec2",
            "authorize-security-group-ingress",
            "--group-id",
            &sg,
            "--protocol",
            "tcp",
            "--port",
            "6379",
            "--cidr",
            "10.1.0.0/16",
        ],
    );
    let service_name = format!("com.amazonaws.vpce.us-east-1.{svc}");
    let vpce = call(
        consumer,
        &[
            "ec2",
            "create-vpc-endpoint",
            "--vpc-endpoint-type",
            "Interface",
            "--vpc-id",
            &cvpc,
            "--service-name",
            &service_name,
            "--subnet-ids",
            &csubnet,
            "--security-group-ids",
            &sg,
        ],
    );
    let vpce = text(&vpce, "/VpcEndpoint/VpcEndpointId");
    // Tags and a connection notification, made through this front.
    call(
        provider,
        &[
            "ec2",
            "create-tags",
            "--resources",
            &vpc,
            &svc,
            "--tags",
            "Key=env,Value=dev",
            "Key=team,Value=",
        ],
    );
    call(
        provider,
        &[
            "elbv2",
            "add-tags",
            "--resource-arns",
            &nlb,
            &tg,
            "--tags",
            "Key=env,Value=dev",
        ],
    );
    let topic = format!("arn:aws:sns:us-east-1:{provider}:vpce-events");
    call(
        provider,
        &[
            "ec2",
            "create-vpc-endpoint-connection-notification",
            "--service-id",
            &svc,
            "--connection-notification-arn",
            &topic,
            "--connection-events",
            "Connect",
            "Accept",
        ],
    );
    let describe = |account: &str, args: &[&str]| {
        (
            account.to_string(),
            args.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
        )
    };
    vec![
        describe(provider, &["ec2", "describe-vpcs", "--vpc-ids", &vpc]),
        describe(
            provider,
            &[
                "ec2",
                "describe-subnets",
                "--filters",
                &format!("Name=vpc-id,Values={vpc}"),
            ],
        ),
        describe(
            provider,
            &[
                "elbv2",
                "describe-load-balancers",
                "--load-balancer-arns",
                &nlb,
            ],
        ),
        describe(
            provider,
            &[
                "elbv2",
                "describe-target-groups",
                "--target-group-arns",
                &tg,
            ],
        ),
        describe(
            provider,
            &["elbv2", "describe-listeners", "--load-balancer-arn", &nlb],
        ),
        describe(
            provider,
            &[
                "ec2",
                "describe-vpc-endpoint-service-configurations",
                "--service-ids",
                &svc,
            ],
        ),
        describe(
            provider,
            &[
                "ec2",
                "describe-vpc-endpoint-service-permissions",
                "--service-id",
                &svc,
            ],
        ),
        describe(provider, &["ec2", "describe-vpc-endpoint-connections"]),
        describe(provider, &["ec2", "describe-tags"]),
        describe(
            provider,
            &[
                "ec2",
                "describe-tags",
                "--filters",
                "Name=resource-type,Values=vpc",
                "Name=key,Values=team",
            ],
        ),
        describe(
            provider,
            &["elbv2", "describe-tags", "--resource-arns", &nlb, &tg],
        ),
        describe(
            provider,
            &["ec2", "describe-vpc-endpoint-connection-notifications"],
        ),
        describe(
            consumer,
            &["ec2", "describe-security-groups", "--group-ids", &sg],
        ),
        describe(
            consumer,
            &[
                "ec2",
                "describe-vpc-endpoint-services",
                "--service-names",
                &service_name,
            ],
        ),
        describe(
            consumer,
            &["ec2", "describe-vpc-endpoints", "--vpc-endpoint-ids", &vpce],
        ),
        describe(
            consumer,
            &[
                "ec2",
                "describe-vpc-attribute",
                "--vpc-id",
                &cvpc,
                "--attribute",
                "enableDnsSupport",
            ],
        ),
    ]
}

/// The same topology built once through gRPC and once through Query: each Describe answers
/// the same through both fronts, and both builds describe the same.
#[test]
fn grpc_and_query_describe_the_same() {
    trace_init();
    let Some(clients) = PythonClients::require() else {
        return;
    };
    let plemu = Plemu::start(PlemuOptions::default()).unwrap();
    let f = Fronts {
        plemu: &plemu,
        clients: &clients,
    };
    let builds = [
        (Front::Grpc, ["111111111111", "222222222222"]),
        (Front::Query, ["333333333333", "444444444444"]),
    ];
    let mut described: Vec<Vec<String>> = Vec::new();
    for (front, [provider, consumer]) in builds {
        let mut answers = Vec::new();
        for (account, args) in build(&f, front, provider, consumer) {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let mut grpc = f.call(Front::Grpc, &account, &args);
            let mut query = f.call(Front::Query, &account, &args);
            canonical_times(&mut grpc);
            canonical_times(&mut query);
            assert_eq!(
                grpc, query,
                "{args:?} answers differently through gRPC and Query"
            );
            answers.push(normalized(&grpc, [provider, consumer]));
        }
        described.push(answers);
    }
    for (grpc_built, query_built) in described[0].iter().zip(&described[1]) {
        assert_eq!(
            grpc_built, query_built,
            "the builds through gRPC and Query differ"
        );
    }
}

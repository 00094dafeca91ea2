//! Output, errors, the verbs' names against the proto contract, and calls to a fake ELBv2 service on loopback.

use clap::{Parser, Subcommand};
use plemu_proto::meta::Caller;
use plemu_proto::pb::{self, elbv2_server};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::{CallError, Connection, Ec2Command, Elbv2Command, pretty, run_ec2, run_elbv2};

// === helpers shared by the verbs' tests ===

#[derive(Parser, Debug)]
struct TestCli {
    #[command(subcommand)]
    service: Service,
}

#[derive(Subcommand, Debug)]
enum Service {
    #[command(subcommand)]
    Ec2(Ec2Command),
    #[command(subcommand)]
    Elbv2(Elbv2Command),
}

/// Parses `plemu ec2 <args>`.
pub(crate) fn ec2(args: &[&str]) -> Result<Ec2Command, clap::Error> {
    let cli = TestCli::try_parse_from(["plemu", "ec2"].iter().chain(args))?;
    match cli.service {
        Service::Ec2(c) => Ok(c),
        Service::Elbv2(_) => unreachable!("parsed as ec2"),
    }
}

/// Parses `plemu elbv2 <args>`.
pub(crate) fn elbv2(args: &[&str]) -> Result<Elbv2Command, clap::Error> {
    let cli = TestCli::try_parse_from(["plemu", "elbv2"].iter().chain(args))?;
    match cli.service {
        Service::Elbv2(c) => Ok(c),
        Service::Ec2(_) => unreachable!("parsed as elbv2"),
    }
}

/// The usage error's full text, or a panic naming what came instead.
pub(crate) fn usage_text<T: std::fmt::Debug>(r: Result<T, CallError>) -> String {
    match r {
        Err(e @ CallError::Usage { .. }) => {
            assert_eq!(e.exit_code(), 252);
            e.to_string()
        }
        other => panic!("expected a usage error, got {other:?}"),
    }
}

// === the contract: one verb per RPC, one flag per request field ===

const PROTOS: [&str; 6] = [
    include_str!("../../../proto/proto/plemu/v1/common.proto"),
    include_str!("../../../proto/proto/plemu/v1/ec2.proto"),
    include_str!("../../../proto/proto/plemu/v1/vpce.proto"),
    include_str!("../../../proto/proto/plemu/v1/elbv2.proto"),
    include_str!("../../../proto/proto/plemu/v1/tags.proto"),
    include_str!("../../../proto/proto/plemu/v1/notifications.proto"),
];

fn kebab(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out.replace('_', "-")
}

/// `(rpc name, request message)` of every RPC of `service` in `proto`.
fn rpcs(proto: &str, service: &str) -> Vec<(String, String)> {
    let body = proto
        .split(&format!("service {service} {{"))
        .nth(1)
        .and_then(|rest| rest.split('}').next())
        .expect("service block");
    body.lines()
        .filter_map(|l| l.trim().strip_prefix("rpc "))
        .map(|l| {
            let (name, rest) = l.split_once('(').expect("rpc(");
            let (request, _) = rest.split_once(')').expect("rpc)");
            (name.to_string(), request.to_string())
        })
        .collect()
}

/// The field names of `message` in any of the API protos.
fn fields(message: &str) -> Vec<String> {
    let head = format!("message {message} {{");
    let body = PROTOS
        .iter()
        .find_map(|p| p.split(&head).nth(1))
        .and_then(|rest| rest.split('}').next())
        .unwrap_or_else(|| panic!("message {message}"));
    let code: String = body
        .lines()
        .map(|l| l.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    code.split(';')
        .filter_map(|f| f.split_once('='))
        .filter_map(|(decl, _)| decl.split_whitespace().last().map(str::to_string))
        .collect()
}

fn check_verbs(proto: &str, service: &str, cli: clap::Command) {
    let rpcs = rpcs(proto, service);
    assert_eq!(
        cli.get_subcommands().count(),
        rpcs.len(),
        "{service}: one verb per RPC"
    );
    for (rpc, request) in rpcs {
        let verb = kebab(&rpc);
        let sub = cli
            .find_subcommand(&verb)
            .unwrap_or_else(|| panic!("{service}: no verb {verb}"));
        let flags: Vec<&str> = sub.get_arguments().filter_map(|a| a.get_long()).collect();
        for field in fields(&request) {
            let flag = kebab(&field);
            assert!(
                flags.contains(&flag.as_str()),
                "{verb}: no --{flag} among {flags:?}"
            );
        }
    }
}

#[test]
fn clap_accepts_the_definitions() {
    use clap::CommandFactory as _;
    TestCli::command().debug_assert();
}

#[test]
fn every_rpc_is_a_verb_with_every_field_as_a_flag() {
    use clap::Subcommand as _;
    check_verbs(
        PROTOS[1],
        "Ec2",
        Ec2Command::augment_subcommands(clap::Command::new("ec2")),
    );
    check_verbs(
        PROTOS[3],
        "Elbv2",
        Elbv2Command::augment_subcommands(clap::Command::new("elbv2")),
    );
    assert_eq!(
        kebab("CreateVpcEndpointServiceConfiguration"),
        "create-vpc-endpoint-service-configuration"
    );
    assert_eq!(
        fields("RegisterTargetsRequest"),
        ["target_group_arn", "targets"]
    );
}

// === output and errors ===

#[test]
fn json_is_indented_by_four_spaces_in_the_api_order() {
    let v = super::output(&pb::CreateVpcResponse {
        vpc: Some(pb::Vpc {
            vpc_id: "vpc-1".into(),
            cidr_block: "10.0.0.0/16".into(),
            ..Default::default()
        }),
    })
    .unwrap();
    let expected = "{\n    \"Vpc\": {\n        \"VpcId\": \"vpc-1\",\n        \"CidrBlock\": \"10.0.0.0/16\",\n        \"IsDefault\": false\n    }\n}";
    assert_eq!(pretty(&v), expected);
    assert_eq!(super::output(&pb::RegisterTargetsResponse {}), None);
}

#[test]
fn errors_print_as_the_aws_cli_and_exit_with_its_codes() {
    let api = CallError::Api {
        operation: "CreateSubnet",
        code: "InvalidVpcID.NotFound".into(),
        message: "The vpc ID 'vpc-1' does not exist".into(),
    };
    assert_eq!(
        api.to_string(),
        "\nAn error occurred (InvalidVpcID.NotFound) when calling the CreateSubnet operation: The vpc ID 'vpc-1' does not exist"
    );
    assert_eq!(api.exit_code(), 254);
    let usage = CallError::Usage {
        argument: "--targets".into(),
        message: "bad".into(),
    };
    assert_eq!(usage.to_string(), "plemu: error: argument --targets: bad");
    assert_eq!(usage.exit_code(), 252);
}

// === calls, against a fake ELBv2 service on loopback ===

mod fake_elbv2;
use fake_elbv2::FakeElbv2;

/// Serves [`FakeElbv2`] on 127.0.0.1:0 until the token is cancelled; returns its URL.
async fn serve_fake(shutdown: CancellationToken) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let incoming = tonic::transport::server::TcpIncoming::from(listener);
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(elbv2_server::Elbv2Server::new(FakeElbv2))
            .serve_with_incoming_shutdown(incoming, shutdown.cancelled_owned()),
    );
    url
}

fn connection(url: String) -> Connection {
    Connection {
        endpoint_url: url,
        caller: Caller {
            account: "111122223333".into(),
            region: "eu-west-1".into(),
        },
    }
}

#[tokio::test]
async fn calls_carry_the_caller_and_print_the_response() {
    let shutdown = CancellationToken::new();
    let conn = connection(serve_fake(shutdown.clone()).await);

    let cmd = elbv2(&[
        "create-load-balancer",
        "--name",
        "redis-nlb",
        "--scheme",
        "internal",
    ])
    .unwrap();
    let v = run_elbv2(&conn, cmd).await.unwrap().unwrap();
    assert_eq!(
        v["LoadBalancers"][0]["LoadBalancerArn"],
        "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/net/redis-nlb/0123456789abcdef"
    );
    assert_eq!(v["LoadBalancers"][0]["Scheme"], "internal");

    let cmd = elbv2(&[
        "register-targets",
        "--target-group-arn",
        "arn:tg",
        "--targets",
        "Id=127.0.0.1,Port=6379",
    ])
    .unwrap();
    assert_eq!(
        run_elbv2(&conn, cmd).await.unwrap(),
        None,
        "an empty response prints nothing"
    );

    let cmd = elbv2(&[
        "register-targets",
        "--target-group-arn",
        "arn:missing",
        "--targets",
        "Id=10.0.1.10",
    ])
    .unwrap();
    let e = run_elbv2(&conn, cmd).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "\nAn error occurred (TargetGroupNotFound) when calling the RegisterTargets operation: One or more target groups not found"
    );
    assert_eq!(e.exit_code(), 254);

    let cmd = elbv2(&["create-load-balancer", "--name", ""]).unwrap();
    let e = run_elbv2(&conn, cmd).await.unwrap_err();
    assert!(
        matches!(&e, CallError::Api { code, .. } if code == "Internal"),
        "{e:?}"
    );
    shutdown.cancel();
}

#[tokio::test]
async fn usage_errors_come_before_connecting() {
    // Nothing listens at this URL's port 9 on loopback in tests, and no connection is attempted.
    let conn = connection("http://127.0.0.1:9".into());
    let cmd = elbv2(&[
        "register-targets",
        "--target-group-arn",
        "arn:tg",
        "--targets",
        "Id",
    ])
    .unwrap();
    let text = usage_text(run_elbv2(&conn, cmd).await);
    assert_eq!(
        text,
        "plemu: error: argument --targets: expected '=' after \"Id\" but found end of input (at column 3) in \"Id\""
    );
}

#[tokio::test]
async fn an_endpoint_that_does_not_answer_is_a_connect_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let cmd = ec2(&["describe-vpcs"]).unwrap();
    let e = run_ec2(&connection(url.clone()), cmd).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("\nCould not connect to the endpoint URL: \"{url}\"")
    );
    assert_eq!(e.exit_code(), 255);
}

#[tokio::test]
async fn endpoint_urls_need_the_http_scheme() {
    for url in ["127.0.0.1:4599", "https://127.0.0.1:4599"] {
        let cmd = ec2(&["describe-vpcs"]).unwrap();
        let text = usage_text(run_ec2(&connection(url.into()), cmd).await);
        assert!(
            text.starts_with("plemu: error: argument --endpoint-url: bad value"),
            "{text}"
        );
    }
    let mut conn = connection("http://127.0.0.1:9".into());
    conn.caller.region = "eu-west-1\n".into();
    let shutdown = CancellationToken::new();
    conn.endpoint_url = serve_fake(shutdown.clone()).await;
    let cmd = elbv2(&["create-load-balancer", "--name", "n"]).unwrap();
    let text = usage_text(run_elbv2(&conn, cmd).await);
    assert!(
        text.starts_with("plemu: error: argument --region: bad value"),
        "{text}"
    );
    shutdown.cancel();
}

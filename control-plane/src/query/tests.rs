//! The Query front through a real socket (HTTP/1.1, as the aws CLI speaks it), beside gRPC on
//! the same port.

use plemu_proto::meta::aws_code;
use plemu_proto::pb;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::api::testing::Server;

/// Signs nothing: only the credential scope matters to plemu.
fn sigv4(access_key: &str, service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential={access_key}/20261129/us-east-1/{service}/aws4_request, \
         SignedHeaders=content-type;host;x-amz-date, Signature=0000"
    )
}

/// POSTs a form to `/` over HTTP/1.1 and returns the status and body.
async fn post(s: &Server, authorization: Option<&str>, body: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    let auth = authorization
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded; \
         charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n{auth}\r\n{body}",
        s.addr,
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response.split_once("\r\n\r\n").unwrap().1.to_string();
    (status, body)
}

/// The text of the first `<tag>` element.
fn element<'a>(xml: &'a str, tag: &str) -> &'a str {
    let open = format!("<{tag}>");
    let start = xml
        .find(&open)
        .unwrap_or_else(|| panic!("no <{tag}> in {xml}"))
        + open.len();
    let end = xml[start..].find('<').unwrap() + start;
    &xml[start..end]
}

#[tokio::test]
async fn query_and_grpc_share_handlers_port_and_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let owner = sigv4("111122223333", "ec2");

    let (status, xml) = post(
        &s,
        Some(&owner),
        "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0%2F16\
         &TagSpecification.1.ResourceType=vpc&TagSpecification.1.Tag.1.Key=Name\
         &TagSpecification.1.Tag.1.Value=a%26b",
    )
    .await;
    assert_eq!(status, 200, "{xml}");
    assert!(
        xml.contains(
            "<CreateVpcResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>"
        ),
        "{xml}"
    );
    assert!(
        xml.contains("<tagSet><item><key>Name</key><value>a&amp;b</value></item></tagSet>"),
        "{xml}"
    );
    let vpc = element(&xml, "vpcId").to_string();
    assert_eq!(element(&xml, "ownerId"), "111122223333");

    // gRPC, on the same port, sees the VPC as its owner, and not as another account.
    let r = s
        .ec2("111122223333")
        .describe_vpcs(pb::DescribeVpcsRequest {
            vpc_ids: vec![vpc.clone()],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.vpcs[0].cidr_block, "10.0.0.0/16");
    let e = s
        .ec2("222233334444")
        .describe_vpcs(pb::DescribeVpcsRequest {
            vpc_ids: vec![vpc.clone()],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(aws_code(&e), Some("InvalidVpcID.NotFound"));

    // Unsigned, and signed with a key that is not an account: the default account, which does
    // not see it either, and gets the same code in EC2's error envelope.
    let describe = format!("Action=DescribeVpcs&Version=2016-11-15&VpcId.1={vpc}");
    for auth in [None, Some(sigv4("AKIAIOSFODNN7EXAMPLE", "ec2"))] {
        let (status, xml) = post(&s, auth.as_deref(), &describe).await;
        assert_eq!(status, 400, "{xml}");
        assert!(
            xml.contains("<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code>"),
            "{xml}"
        );
        assert!(xml.contains("</Errors><RequestID>"), "{xml}");
    }
    let (status, xml) = post(&s, Some(&owner), &describe).await;
    assert_eq!(status, 200, "{xml}");
    assert!(xml.contains("<vpcSet><item><vpcId>"), "{xml}");

    s.stop().await;
}

#[tokio::test]
async fn elbv2_answers_in_its_own_protocol() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let elb = sigv4("111122223333", "elasticloadbalancing");

    let (status, xml) = post(
        &s,
        Some(&elb),
        "Action=DescribeLoadBalancers&Version=2015-12-01",
    )
    .await;
    assert_eq!(status, 200, "{xml}");
    assert!(xml.contains("<DescribeLoadBalancersResult><LoadBalancers></LoadBalancers></DescribeLoadBalancersResult><ResponseMetadata><RequestId>"), "{xml}");

    let (status, xml) = post(
        &s,
        Some(&elb),
        "Action=DescribeLoadBalancers&Version=2015-12-01&LoadBalancerArns.member.1=arn%3Anope",
    )
    .await;
    assert_eq!(status, 400, "{xml}");
    assert!(xml.contains("<ErrorResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\"><Error><Type>Sender</Type><Code>LoadBalancerNotFound</Code>"), "{xml}");

    let (status, xml) = post(&s, Some(&elb), "Action=CreateVpc&Version=2015-12-01").await;
    assert_eq!(status, 400, "{xml}");
    assert_eq!(element(&xml, "Code"), "InvalidAction");

    let (status, xml) = post(
        &s,
        Some(&elb),
        "Action=DescribeLoadBalancers&Version=2015-12-01&Bogus=1",
    )
    .await;
    assert_eq!(status, 400, "{xml}");
    assert_eq!(element(&xml, "Code"), "ValidationError");
    s.stop().await;
}

#[tokio::test]
async fn ec2_protocol_errors() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    for (body, code) in [
        ("Version=2016-11-15", "MissingAction"),
        (
            "Action=DescribeLoadBalancers&Version=2016-11-15",
            "InvalidAction",
        ),
        (
            "Action=DescribeVpcs&Version=2016-11-15&VpcIds.1=vpc-1",
            "UnknownParameter",
        ),
        ("Action=CreateVpc&Version=2016-11-15", "MissingParameter"),
    ] {
        let (status, xml) = post(&s, None, body).await;
        assert_eq!(status, 400, "{body}: {xml}");
        assert_eq!(element(&xml, "Code"), code, "{body}: {xml}");
    }
    s.stop().await;
}

#[tokio::test]
async fn parameters_may_come_in_the_query_string() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let mut stream = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    let request = format!(
        "GET /?Action=DescribeVpcs&Version=2016-11-15 HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        s.addr
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.contains("<DescribeVpcsResponse xmlns="),
        "{response}"
    );
    assert!(
        response
            .to_ascii_lowercase()
            .contains("content-type: text/xml"),
        "{response}"
    );
    s.stop().await;
}

#[tokio::test]
async fn dry_run_reads_the_parameters_and_does_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let (status, xml) = post(
        &s,
        None,
        "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0%2F16&DryRun=true",
    )
    .await;
    assert_eq!(status, 412, "{xml}");
    assert_eq!(element(&xml, "Code"), "DryRunOperation");
    let (status, xml) = post(
        &s,
        None,
        "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0%2F16&Bogus=1&DryRun=true",
    )
    .await;
    assert_eq!(status, 400, "{xml}");
    assert_eq!(
        element(&xml, "Code"),
        "UnknownParameter",
        "parameters are read first"
    );
    let (_, xml) = post(&s, None, "Action=DescribeVpcs&Version=2016-11-15").await;
    assert!(!xml.contains("<item>"), "a dry run created a VPC: {xml}");
    let (status, xml) = post(
        &s,
        None,
        "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0%2F16&DryRun=false",
    )
    .await;
    assert_eq!(status, 200, "{xml}");
    let (status, xml) = post(
        &s,
        None,
        "Action=DescribeLoadBalancers&Version=2015-12-01&DryRun=true",
    )
    .await;
    assert_eq!(
        (status, element(&xml, "Code")),
        (400, "ValidationError"),
        "{xml}"
    );
    s.stop().await;
}

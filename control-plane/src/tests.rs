//! The API port for gRPC users: the health service, reflection, and AWS codes as
//! `google.rpc.ErrorInfo`.

use plemu_proto::meta::{ERROR_DOMAIN, aws_code};
use plemu_proto::pb;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
use tonic_types::StatusExt;

use crate::api::testing::Server;

async fn channel(s: &Server) -> tonic::transport::Channel {
    tonic::transport::Endpoint::from_shared(format!("http://{}", s.addr))
        .unwrap()
        .connect()
        .await
        .unwrap()
}

#[tokio::test]
async fn health_and_reflection_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let mut health = HealthClient::new(channel(&s).await);
    for service in ["", "plemu.v1.Ec2", "plemu.v1.Elbv2"] {
        let r = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(r.status(), ServingStatus::Serving, "{service:?}");
    }
    let unknown = health
        .check(HealthCheckRequest {
            service: "plemu.v1.Agent".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), tonic::Code::NotFound);

    let mut reflection = ServerReflectionClient::new(channel(&s).await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut answers = reflection
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let answer = answers.message().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = answer.message_response else {
        panic!("not a service list: {answer:?}");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for api in [
        "plemu.v1.Ec2",
        "plemu.v1.Elbv2",
        "plemu.v1.PublicDns",
        "grpc.health.v1.Health",
    ] {
        assert!(names.iter().any(|n| n == api), "{api} not in {names:?}");
    }
    assert!(!names.iter().any(|n| n == "plemu.v1.Agent"), "{names:?}");
    s.stop().await;
}

#[tokio::test]
async fn errors_carry_the_aws_code_as_error_info_and_accounts_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let e = s
        .ec2("111111111111")
        .describe_vpcs(pb::DescribeVpcsRequest {
            vpc_ids: vec!["vpc-0123456789abcdef0".into()],
            ..Default::default()
        })
        .await
        .unwrap_err();
    let info = e.get_details_error_info().expect("ErrorInfo");
    assert_eq!(info.reason, "InvalidVpcID.NotFound");
    assert_eq!(info.domain, ERROR_DOMAIN);
    assert_eq!(aws_code(&e), Some("InvalidVpcID.NotFound"));

    for account in ["abc", "12345", "1111111111111"] {
        let e = s
            .ec2(account)
            .describe_vpcs(pb::DescribeVpcsRequest::default())
            .await
            .unwrap_err();
        assert_eq!(e.code(), tonic::Code::InvalidArgument, "{account}");
        assert_eq!(aws_code(&e), Some("InvalidParameterValue"), "{account}");
        assert!(e.message().contains("x-plemu-account"), "{}", e.message());
        assert!(e.message().contains(account), "{}", e.message());
    }
    s.stop().await;
}

#[tokio::test]
async fn health_watchers_see_not_serving_and_do_not_hold_up_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let mut health = HealthClient::new(channel(&s).await);
    let mut watch = health
        .watch(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    let first = watch.message().await.unwrap().unwrap();
    assert_eq!(first.status(), ServingStatus::Serving);
    let stop = tokio::spawn(s.stop());
    let within = |what| {
        move |r: Result<_, tokio::time::error::Elapsed>| r.unwrap_or_else(|_| panic!("{what}"))
    };
    let ten = std::time::Duration::from_secs(10);
    let next = tokio::time::timeout(ten, watch.message()).await;
    let next = within("no NOT_SERVING for a watcher")(next)
        .unwrap()
        .unwrap();
    assert_eq!(next.status(), ServingStatus::NotServing);
    let end = tokio::time::timeout(ten, watch.message()).await;
    assert!(within("the watch did not end")(end).unwrap().is_none());
    tokio::time::timeout(ten, stop)
        .await
        .expect("the server stops while a health watcher is connected")
        .unwrap();
}

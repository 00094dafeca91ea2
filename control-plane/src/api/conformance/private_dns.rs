//! Private DNS name verification (reference §4.4): the TXT record AWS names, looked up for real
//! in the public DNS the control plane serves, `pendingVerification` → `verified` | `failed`.

use plemu_proto::pb;

use super::fixture::Fx;
use crate::api::testing::{CONSUMER, PROVIDER, Server, describe_endpoint, private_dns_of};

/// Starts the verification of the fixture's service and answers the state that follows.
async fn start(s: &Server, service_id: &str) -> String {
    let req = pb::StartVpcEndpointServicePrivateDnsVerificationRequest {
        service_id: service_id.into(),
    };
    let ok = s
        .ec2(PROVIDER)
        .start_vpc_endpoint_service_private_dns_verification(req)
        .await
        .unwrap()
        .into_inner()
        .return_value;
    assert!(ok);
    private_dns_of(s, service_id).await.state
}

async fn publish(s: &Server, name: &str, value: &str) {
    s.public_dns()
        .put_txt_record(pb::PutTxtRecordRequest {
            name: name.into(),
            value: value.into(),
        })
        .await
        .unwrap();
}

/// What the consumer's DescribeVpcEndpointServices says of the name: (name shown, state).
async fn consumer_view(s: &Server, service_name: &str) -> (String, String) {
    let d = s
        .ec2(CONSUMER)
        .describe_vpc_endpoint_services(pb::DescribeVpcEndpointServicesRequest {
            service_names: vec![service_name.into()],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .service_details
        .remove(0);
    (d.private_dns_name, d.private_dns_name_verification_state)
}

#[tokio::test]
async fn verification_looks_the_txt_record_up_and_fails_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let f = Fx::build(&s).await;
    let id = &f.p.service_id;
    let record = private_dns_of(&s, id).await;
    assert_eq!(record.state, "pendingVerification");

    // §4.4: nothing published → failed; the consumer is not offered the name.
    assert_eq!(start(&s, id).await, "failed");
    assert_eq!(
        consumer_view(&s, &f.p.service_name).await,
        (String::new(), "failed".into())
    );
    // §4.4: "the value must match exactly (case-sensitive)".
    let at = format!("{}.redis.example.com", record.name);
    publish(&s, &at, &record.value.to_lowercase()).await;
    assert_eq!(start(&s, id).await, "failed");
    // The record at `<name>.<domain>` with the value → verified.
    publish(&s, &at, &record.value).await;
    assert_eq!(start(&s, id).await, "verified");
    assert_eq!(
        consumer_view(&s, &f.p.service_name).await,
        ("redis.example.com".into(), "verified".into())
    );

    // The record taken away, a new verification fails, and the endpoint loses the name.
    let mut c = s.ec2(CONSUMER);
    c.modify_vpc_endpoint(pb::ModifyVpcEndpointRequest {
        vpc_endpoint_id: f.endpoint.clone(),
        private_dns_enabled: Some(true),
        ..Default::default()
    })
    .await
    .unwrap();
    let named = |e: &pb::VpcEndpoint| {
        e.dns_entries
            .iter()
            .any(|d| d.dns_name == "redis.example.com")
    };
    assert!(named(&describe_endpoint(&mut c, &f.endpoint).await));
    let removed = s
        .public_dns()
        .delete_txt_record(pb::DeleteTxtRecordRequest {
            name: at.to_uppercase(),
            value: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .return_value;
    assert!(removed);
    assert_eq!(start(&s, id).await, "failed");
    assert!(!named(&describe_endpoint(&mut c, &f.endpoint).await));
    s.stop().await;
}

#[tokio::test]
async fn the_record_may_sit_at_the_bare_domain_or_a_parent_and_outlives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let f = Fx::build(&s).await;
    let record = private_dns_of(&s, &f.p.service_id).await;
    // §4.4: "you can omit `_xxxx`": the value at the domain itself.
    publish(&s, "example.com", &record.value).await;
    assert_eq!(start(&s, &f.p.service_id).await, "verified");
    s.stop().await;

    // The public DNS is in the store: the record is there after a restart.
    let s = Server::start(dir.path()).await;
    let records = s
        .public_dns()
        .list_txt_records(pb::ListTxtRecordsRequest {})
        .await
        .unwrap()
        .into_inner()
        .records;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].name, "example.com");
    assert_eq!(records[0].values, [record.value.as_str()]);
    assert_eq!(start(&s, &f.p.service_id).await, "verified");
    s.stop().await;
}

#[tokio::test]
async fn the_configured_resolver_is_the_one_asked() {
    // The user's own DNS: here, another control plane's public DNS, holding the record.
    let theirs_dir = tempfile::tempdir().unwrap();
    let theirs = Server::start(theirs_dir.path()).await;
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start_with(dir.path(), |c| {
        c.verification_resolver = Some(theirs.public_dns);
    })
    .await;
    let f = Fx::build(&s).await;
    let record = private_dns_of(&s, &f.p.service_id).await;
    let at = format!("{}.redis.example.com", record.name);
    // Published in plemu's own public DNS only: not where the resolver looks.
    publish(&s, &at, &record.value).await;
    assert_eq!(start(&s, &f.p.service_id).await, "failed");
    publish(&theirs, &at, &record.value).await;
    assert_eq!(start(&s, &f.p.service_id).await, "verified");
    s.stop().await;
    theirs.stop().await;
}

#[tokio::test]
async fn a_resolver_that_does_not_answer_fails_the_verification() {
    let silent = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start_with(dir.path(), |c| c.verification_resolver = Some(addr)).await;
    let f = Fx::build(&s).await;
    // Published in plemu's own public DNS, but the configured resolver is the one asked.
    let record = private_dns_of(&s, &f.p.service_id).await;
    publish(&s, "example.com", &record.value).await;
    assert_eq!(start(&s, &f.p.service_id).await, "failed");
    s.stop().await;
}

//! Test support for private DNS verification: the service's configuration as its owner sees
//! it, the public DNS's sockets, and a verification done as a provider does it.

use plemu_proto::pb;

use super::{PROVIDER, Server};

/// A UDP socket and a TCP listener on one free port of 127.0.0.1.
pub(super) async fn public_dns_sockets() -> (tokio::net::UdpSocket, tokio::net::TcpListener) {
    for _ in 0..20 {
        let udp = tokio::net::UdpSocket::bind("127.0.0.1:0")
            .await
            .expect("bind");
        if let Ok(tcp) = tokio::net::TcpListener::bind(udp.local_addr().expect("addr")).await {
            return (udp, tcp);
        }
    }
    panic!("no port free for both UDP and TCP");
}

/// The provider's service `service_id` as its owner describes it.
pub(crate) async fn service_config(s: &Server, service_id: &str) -> pb::ServiceConfiguration {
    s.ec2(PROVIDER)
        .describe_vpc_endpoint_service_configurations(
            pb::DescribeVpcEndpointServiceConfigurationsRequest {
                service_ids: vec![service_id.into()],
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .into_inner()
        .service_configurations
        .remove(0)
}

/// The private DNS name configuration of the provider's service `service_id`.
pub(crate) async fn private_dns_of(
    s: &Server,
    service_id: &str,
) -> pb::PrivateDnsNameConfiguration {
    service_config(s, service_id)
        .await
        .private_dns_name_configuration
        .expect("the service has a private DNS name")
}

/// Verifies the private DNS name of the provider's service as a provider does: publishes the
/// TXT record AWS asks for in the public DNS, then starts the verification, which looks it up.
pub(crate) async fn verify(s: &Server, service_id: &str) {
    let svc = service_config(s, service_id).await;
    let record = svc
        .private_dns_name_configuration
        .expect("the service has a private DNS name");
    s.public_dns()
        .put_txt_record(pb::PutTxtRecordRequest {
            name: format!("{}.{}", record.name, svc.private_dns_name),
            value: record.value,
        })
        .await
        .unwrap();
    let req = pb::StartVpcEndpointServicePrivateDnsVerificationRequest {
        service_id: service_id.into(),
    };
    assert!(
        s.ec2(PROVIDER)
            .start_vpc_endpoint_service_private_dns_verification(req)
            .await
            .unwrap()
            .into_inner()
            .return_value
    );
    assert_eq!(private_dns_of(s, service_id).await.state, "verified");
}

//! Desired-state fixtures: endpoints, ENIs and security groups as the control plane sends them.

use plemu_proto::pb::{
    DnsNameKind, DnsNameSpec, EndpointSpec, EniSpec, IngressRule, SecurityGroupSpec,
};

/// The service id every fixture endpoint connects to.
pub const SERVICE_ID: &str = "vpce-svc-0123456789abcdef0";
/// The credential of every fixture endpoint.
pub const CREDENTIAL: &str = "fixture-credential";
/// The security group of every fixture endpoint.
pub const ENDPOINT_GROUP: &str = "sg-0e0e0e0e0e0e0e0e0";
/// The private DNS name of the fixture service.
pub const PRIVATE_NAME: &str = "redis.example.com";

/// An ENI in `az` of the subnet `cidr`, modelled at `private_ip`, bound at `bind_address`.
pub fn eni(id: &str, az: &str, cidr: &str, private_ip: &str, bind_address: &str) -> EniSpec {
    EniSpec {
        network_interface_id: id.into(),
        subnet_id: format!("subnet-{}", &id[4..]),
        subnet_cidr: cidr.into(),
        availability_zone: az.into(),
        private_ip_address: private_ip.into(),
        bind_address: bind_address.into(),
    }
}

/// The regional DNS name of endpoint `vpce`.
pub fn regional_name(vpce: &str) -> String {
    format!("{vpce}-abcd1234.{SERVICE_ID}.us-east-1.vpce.amazonaws.com")
}

/// The zonal DNS name of endpoint `vpce` in `az`.
pub fn zonal_name(vpce: &str, az: &str) -> String {
    format!("{vpce}-abcd1234-{az}.{SERVICE_ID}.us-east-1.vpce.amazonaws.com")
}

/// An endpoint of the fixture service in state `state`, with its regional
/// name, a zonal name per ENI zone and the private name, guarded by
/// [`ENDPOINT_GROUP`].
pub fn endpoint(
    vpce: &str,
    state: &str,
    provider: &str,
    ports: &[u16],
    enis: Vec<EniSpec>,
) -> EndpointSpec {
    let mut dns_names = vec![DnsNameSpec {
        name: regional_name(vpce),
        kind: DnsNameKind::Regional.into(),
        availability_zone: String::new(),
    }];
    for eni in &enis {
        dns_names.push(DnsNameSpec {
            name: zonal_name(vpce, &eni.availability_zone),
            kind: DnsNameKind::Zonal.into(),
            availability_zone: eni.availability_zone.clone(),
        });
    }
    dns_names.push(DnsNameSpec {
        name: PRIVATE_NAME.into(),
        kind: DnsNameKind::Private.into(),
        availability_zone: String::new(),
    });
    EndpointSpec {
        vpc_endpoint_id: vpce.into(),
        vpc_id: "vpc-0a0a0a0a0a0a0a0a0".into(),
        service_id: SERVICE_ID.into(),
        service_name: format!("com.amazonaws.vpce.us-east-1.{SERVICE_ID}"),
        state: state.into(),
        credential: CREDENTIAL.into(),
        provider_tunnel_address: provider.into(),
        ports: ports.iter().map(|p| u32::from(*p)).collect(),
        network_interfaces: enis,
        security_group_ids: vec![ENDPOINT_GROUP.into()],
        dns_names,
    }
}

/// The endpoint group admitting TCP `port` from `cidr`.
pub fn endpoint_group(cidr: &str, port: u16) -> SecurityGroupSpec {
    SecurityGroupSpec {
        group_id: ENDPOINT_GROUP.into(),
        vpc_id: "vpc-0a0a0a0a0a0a0a0a0".into(),
        ingress: vec![IngressRule {
            ip_protocol: "tcp".into(),
            from_port: i32::from(port),
            to_port: i32::from(port),
            cidrs: vec![cidr.into()],
            source_group_ids: Vec::new(),
        }],
        member_addresses: Vec::new(),
    }
}

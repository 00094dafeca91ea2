use super::*;
use plemu_proto::pb::{DnsNameSpec, EniSpec, LoadBalancerNode};

const ARN: &str =
    "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/redis/0123456789abcdef";

fn topology() -> TopologyState {
    let eni = |id: &str, az: &str, ip: &str| EniSpec {
        network_interface_id: id.into(),
        availability_zone: az.into(),
        private_ip_address: ip.into(),
        ..Default::default()
    };
    let name = |name: &str, kind: DnsNameKind, az: &str| DnsNameSpec {
        name: name.into(),
        kind: kind.into(),
        availability_zone: az.into(),
    };
    TopologyState {
        vpcs: Vec::new(),
        endpoints: vec![EndpointSpec {
            vpc_endpoint_id: "vpce-1".into(),
            vpc_id: "vpc-c".into(),
            network_interfaces: vec![
                eni("eni-a", "us-east-1a", "10.0.1.4"),
                eni("eni-b", "us-east-1b", "10.0.2.4"),
            ],
            dns_names: vec![
                name("regional.example", DnsNameKind::Regional, ""),
                name("zonal-a.example", DnsNameKind::Zonal, "us-east-1a"),
                name("zonal-b.example", DnsNameKind::Zonal, "us-east-1b"),
                name("redis.example.internal", DnsNameKind::Private, ""),
            ],
            ..Default::default()
        }],
        load_balancers: vec![LoadBalancerSpec {
            load_balancer_arn: ARN.into(),
            vpc_id: "vpc-p".into(),
            nodes: vec![LoadBalancerNode {
                availability_zone: "us-east-1a".into(),
                subnet_id: "subnet-1".into(),
                private_ipv4_address: "10.0.1.9".into(),
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

#[test]
fn one_container_per_eni_and_per_load_balancer_with_mapped_addresses() {
    // Both VPCs are 10.0.0.0/16: the consumer's network had to move, the provider's did not.
    let maps = HashMap::from([
        (
            "vpc-c".to_string(),
            "10.96.0.0/16=10.0.0.0/16".parse().unwrap(),
        ),
        (
            "vpc-p".to_string(),
            "10.0.0.0/16=10.0.0.0/16".parse().unwrap(),
        ),
    ]);
    let settings = AgentSettings {
        control_plane: "http://cp:4598".into(),
    };
    let specs = wanted(&topology(), &maps, &settings);
    let summary: Vec<_> = specs
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                s.vpc_network.as_str(),
                s.ip.to_string(),
                s.aliases.join(" "),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "plemu-eni-a",
                "plemu-vpc-c",
                "10.96.1.4".to_string(),
                "regional.example zonal-a.example redis.example.internal".to_string()
            ),
            (
                "plemu-eni-b",
                "plemu-vpc-c",
                "10.96.2.4".to_string(),
                "regional.example zonal-b.example redis.example.internal".to_string()
            ),
            (
                "plemu-nlb-redis-0123456789abcdef",
                "plemu-vpc-p",
                "10.0.1.9".to_string(),
                String::new()
            ),
        ]
    );
    let eni = specs[0].args.join(" ");
    assert_eq!(
        eni,
        "consumer --control-plane http://cp:4598 --agent-id plemu-eni-a --vpc-id vpc-c \
         --eni-id eni-a --address-map 10.96.0.0/16=10.0.0.0/16 --dns 127.0.0.1:53"
    );
    assert_eq!(
        specs[0].scope,
        Scope::Consumer {
            vpc_id: "vpc-c".into()
        }
    );
    assert_eq!(
        specs[2].scope,
        Scope::Provider {
            load_balancer_arn: ARN.into()
        }
    );
    let nlb = specs[2].args.join(" ");
    assert!(nlb.contains(&format!("--load-balancer-arn {ARN}")), "{nlb}");
    assert!(
        nlb.contains("--advertise plemu-nlb-redis-0123456789abcdef:4600"),
        "{nlb}"
    );
}

#[test]
fn nothing_for_a_vpc_without_a_network_and_digests_follow_the_spec() {
    let settings = AgentSettings {
        control_plane: "http://cp:4598".into(),
    };
    assert!(wanted(&topology(), &HashMap::new(), &settings).is_empty());
    let maps = HashMap::from([(
        "vpc-c".to_string(),
        "10.0.0.0/16=10.0.0.0/16".parse().unwrap(),
    )]);
    let mut t = topology();
    let token = plemu_proto::agent_token::AgentSecret::random().mint(&Scope::All);
    let digest =
        |t: &TopologyState, token| wanted(t, &maps, &settings)[0].digest("plemu:dev", "bb", token);
    let before = digest(&t, &token);
    // Private DNS turned off: the alias goes, so the container is replaced.
    t.endpoints[0].dns_names.pop();
    let after = digest(&t, &token);
    assert_ne!(before, after);
    assert_eq!(after, digest(&t, &token));
    // A new secret (a wiped data directory) replaces it too.
    let other = plemu_proto::agent_token::AgentSecret::random().mint(&Scope::All);
    assert_ne!(after, digest(&t, &other));
}

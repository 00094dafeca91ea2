use std::net::{Ipv4Addr, SocketAddr};

use plemu_proto::pb::ConsumerState;

use super::*;
use crate::testing::fixtures::{self, CREDENTIAL, ENDPOINT_GROUP, SERVICE_ID};

const VPCE: &str = "vpce-0aaaaaaaaaaaaaaaa";
const ENI: &str = "eni-0000000000000000a";

fn snapshot(state: &str, provider: &str, group_cidr: &str) -> Snapshot {
    Snapshot::from_state(&ConsumerState {
        endpoints: vec![fixtures::endpoint(
            VPCE,
            state,
            provider,
            &[6379],
            vec![fixtures::eni(
                ENI,
                "us-east-1a",
                "10.1.1.0/24",
                "10.1.1.37",
                "127.1.0.1",
            )],
        )],
        security_groups: vec![fixtures::endpoint_group(group_cidr, 6379)],
    })
}

fn listen(eni: &str, port: u16) -> Listen {
    Listen {
        vpce: VPCE.into(),
        eni_id: eni.into(),
        port,
    }
}

/// One case: name, snapshot, listener, client address mode, expected outcome.
type Case = (
    &'static str,
    Snapshot,
    Listen,
    ClientAddress,
    Result<(), Refusal>,
);

#[test]
fn admission_cases() {
    let peer: SocketAddr = "127.0.0.1:50123".parse().unwrap();
    let subnet_host = ClientAddress::SubnetHost;
    let client = Ipv4Addr::new(10, 1, 1, 254);
    let ok = snapshot("available", "127.0.0.1:9", "10.1.0.0/16");
    let cases: Vec<Case> = vec![
        (
            "admitted",
            snapshot("available", "127.0.0.1:9", "10.1.0.0/16"),
            listen(ENI, 6379),
            subnet_host,
            Ok(()),
        ),
        (
            "gone",
            Snapshot::default(),
            listen(ENI, 6379),
            subnet_host,
            Err(Refusal::Gone {
                vpce: VPCE.into(),
                client: peer,
            }),
        ),
        (
            "pending acceptance",
            snapshot("pendingAcceptance", "127.0.0.1:9", "10.1.0.0/16"),
            listen(ENI, 6379),
            subnet_host,
            Err(Refusal::NotAvailable {
                vpce: VPCE.into(),
                state: "pendingAcceptance".into(),
                client: peer,
            }),
        ),
        (
            "unknown ENI",
            snapshot("available", "127.0.0.1:9", "10.1.0.0/16"),
            listen("eni-0ffffffffffffffff", 6379),
            subnet_host,
            Err(Refusal::NoInterface {
                vpce: VPCE.into(),
                eni: "eni-0ffffffffffffffff".into(),
                client: peer,
            }),
        ),
        (
            "group admits another network",
            snapshot("available", "127.0.0.1:9", "10.2.0.0/16"),
            listen(ENI, 6379),
            subnet_host,
            Err(Refusal::SecurityGroups {
                groups: ENDPOINT_GROUP.into(),
                vpce: VPCE.into(),
                port: 6379,
                client,
            }),
        ),
        (
            "group admits another port",
            snapshot("available", "127.0.0.1:9", "10.1.0.0/16"),
            listen(ENI, 6380),
            subnet_host,
            Err(Refusal::SecurityGroups {
                groups: ENDPOINT_GROUP.into(),
                vpce: VPCE.into(),
                port: 6380,
                client,
            }),
        ),
        (
            "fixed client outside",
            snapshot("available", "127.0.0.1:9", "10.1.0.0/16"),
            listen(ENI, 6379),
            ClientAddress::Fixed(Ipv4Addr::new(172, 16, 0, 1)),
            Err(Refusal::SecurityGroups {
                groups: ENDPOINT_GROUP.into(),
                vpce: VPCE.into(),
                port: 6379,
                client: Ipv4Addr::new(172, 16, 0, 1),
            }),
        ),
        (
            "peer inside 127/8",
            snapshot("available", "127.0.0.1:9", "127.0.0.0/8"),
            listen(ENI, 6379),
            ClientAddress::Peer,
            Ok(()),
        ),
        (
            "no provider",
            snapshot("available", "", "10.1.0.0/16"),
            listen(ENI, 6379),
            subnet_host,
            Err(Refusal::NoProvider {
                service: SERVICE_ID.into(),
            }),
        ),
    ];
    for (name, snap, listen, mode, want) in cases {
        let got = admit(&snap, &listen, peer, mode).map(|_| ());
        assert_eq!(got, want, "{name}");
    }
    let admitted = admit(&ok, &listen(ENI, 6379), peer, subnet_host).unwrap();
    assert_eq!(admitted.provider, "127.0.0.1:9");
    assert_eq!(
        admitted.open,
        OpenFlow {
            vpc_endpoint_id: VPCE.into(),
            credential: CREDENTIAL.into(),
            port: 6379,
            client_address: "10.1.1.254:50123".into(),
            eni_address: "10.1.1.37:6379".into(),
            network_interface_id: ENI.into(),
            availability_zone: "us-east-1a".into(),
        }
    );
}

#[test]
fn refusals_read_as_logged() {
    let peer: SocketAddr = "127.0.0.1:5".parse().unwrap();
    let r = Refusal::NotAvailable {
        vpce: VPCE.into(),
        state: "pendingAcceptance".into(),
        client: peer,
    };
    assert_eq!(
        r.to_string(),
        format!("VPC endpoint {VPCE} is pendingAcceptance; connection from 127.0.0.1:5 refused")
    );
    let r = Refusal::SecurityGroups {
        groups: "sg-1, sg-2".into(),
        vpce: VPCE.into(),
        port: 6379,
        client: Ipv4Addr::new(10, 1, 1, 254),
    };
    assert_eq!(
        r.to_string(),
        format!("security groups [sg-1, sg-2] of {VPCE} admit no TCP 6379 from 10.1.1.254")
    );
    let r = Refusal::NoProvider {
        service: SERVICE_ID.into(),
    };
    assert_eq!(
        r.to_string(),
        format!("no provider agent serves service {SERVICE_ID}")
    );
}

#[test]
fn listeners_wanted_per_eni_and_port() {
    use crate::BindMode;
    use crate::endpoint::listener::wanted;
    let mut state = ConsumerState {
        endpoints: vec![fixtures::endpoint(
            VPCE,
            "available",
            "",
            &[6379, 6380, 0],
            vec![
                fixtures::eni(ENI, "us-east-1a", "10.1.1.0/24", "10.1.1.37", "127.1.0.1"),
                fixtures::eni(
                    "eni-0000000000000000b",
                    "us-east-1b",
                    "10.1.2.0/24",
                    "10.1.2.41",
                    "",
                ),
            ],
        )],
        security_groups: Vec::new(),
    };
    let addrs = |state: &ConsumerState, bind| -> Vec<String> {
        wanted(&Snapshot::from_state(state), bind, &[], ClientAddress::Peer)
            .into_iter()
            .map(|s| format!("{} {}", s.key.eni_id, s.key.addr))
            .collect()
    };
    // Port 0 is invalid and an ENI without a bind address is skipped.
    assert_eq!(
        addrs(&state, BindMode::Loopback),
        [
            format!("{ENI} 127.1.0.1:6379"),
            format!("{ENI} 127.1.0.1:6380")
        ]
    );
    assert_eq!(addrs(&state, BindMode::Modelled).len(), 4);
    // In Docker each ENI's container serves that ENI alone, at the real image of its address.
    let map = "10.201.0.0/16=10.1.0.0/16".parse().unwrap();
    let one: Vec<String> = wanted(
        &Snapshot::from_state(&state),
        BindMode::Mapped(map),
        &["eni-0000000000000000b".to_string()],
        ClientAddress::Peer,
    )
    .into_iter()
    .map(|s| format!("{} {}", s.key.eni_id, s.key.addr))
    .collect();
    assert_eq!(
        one,
        [
            "eni-0000000000000000b 10.201.2.41:6379",
            "eni-0000000000000000b 10.201.2.41:6380"
        ]
    );
    state.endpoints.clear();
    assert!(addrs(&state, BindMode::Loopback).is_empty());
}

#[test]
fn listeners_drop_attempts_only_where_no_client_could_be_admitted() {
    use crate::BindMode;
    use crate::endpoint::listener::wanted;
    let state = |endpoint_state: &str, cidr: &str| ConsumerState {
        endpoints: vec![fixtures::endpoint(
            "vpce-0aaaaaaaaaaaaaaaa",
            endpoint_state,
            "127.0.0.1:1",
            &[6379],
            vec![fixtures::eni(
                "eni-0000000000000000a",
                "us-east-1a",
                "10.1.1.0/24",
                "10.1.1.37",
                "127.1.0.1",
            )],
        )],
        security_groups: vec![fixtures::endpoint_group(cidr, 6379)],
    };
    let drops = |state: &ConsumerState, client| -> Vec<bool> {
        wanted(
            &Snapshot::from_state(state),
            BindMode::Loopback,
            &[],
            client,
        )
        .into_iter()
        .map(|s| s.drop_syns)
        .collect()
    };
    let fixed = ClientAddress::Fixed(Ipv4Addr::new(10, 1, 1, 9));
    // A local client stands as 10.1.1.254 (or the fixed address): one verdict for everyone.
    assert_eq!(
        drops(
            &state("available", "10.1.0.0/16"),
            ClientAddress::SubnetHost
        ),
        [false]
    );
    assert_eq!(
        drops(
            &state("available", "10.2.0.0/16"),
            ClientAddress::SubnetHost
        ),
        [true]
    );
    assert_eq!(drops(&state("available", "10.1.1.9/32"), fixed), [false]);
    assert_eq!(drops(&state("available", "10.1.1.254/32"), fixed), [true]);
    // Where the verdict depends on the real peer, each connection is judged when it comes.
    assert_eq!(
        drops(&state("available", "10.2.0.0/16"), ClientAddress::Peer),
        [false]
    );
    // Other refusals are not the groups': those clients are reset, not left waiting.
    assert_eq!(
        drops(
            &state("pendingAcceptance", "10.2.0.0/16"),
            ClientAddress::SubnetHost
        ),
        [false]
    );
}

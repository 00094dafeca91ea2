use std::net::Ipv4Addr;

use hickory_proto::rr::{LowerName, Name, RData, RecordType};
use plemu_proto::pb::ConsumerState;

use super::*;
use crate::testing::fixtures::{self, PRIVATE_NAME};

fn state() -> ConsumerState {
    ConsumerState {
        endpoints: vec![fixtures::endpoint(
            "vpce-0aaaaaaaaaaaaaaaa",
            "available",
            "127.0.0.1:1",
            &[6379],
            vec![
                fixtures::eni(
                    "eni-0000000000000000a",
                    "us-east-1a",
                    "10.1.1.0/24",
                    "10.1.1.37",
                    "127.1.0.1",
                ),
                fixtures::eni(
                    "eni-0000000000000000b",
                    "us-east-1b",
                    "10.1.2.0/24",
                    "10.1.2.41",
                    "127.1.0.2",
                ),
            ],
        )],
        security_groups: Vec::new(),
    }
}

fn lower(name: &str) -> LowerName {
    LowerName::from(Name::from_ascii(name).unwrap())
}

fn a_records(answer: &Answer) -> Vec<Ipv4Addr> {
    let Answer::Records(records) = answer else {
        panic!("expected records, got {answer:?}")
    };
    records
        .iter()
        .filter_map(|r| match &r.data {
            RData::A(a) => Some(a.0),
            _ => None,
        })
        .collect()
}

#[test]
fn answers_per_kind_and_mode() {
    let zones = Zones::default();
    zones.replace(build(&state(), BindMode::Loopback));
    let vpce = "vpce-0aaaaaaaaaaaaaaaa";
    let regional = fixtures::regional_name(vpce);
    let l1 = Ipv4Addr::new(127, 1, 0, 1);
    let l2 = Ipv4Addr::new(127, 1, 0, 2);
    assert_eq!(
        a_records(&zones.answer(&lower(&format!("{regional}.")), RecordType::A)),
        [l1, l2]
    );
    // Case-insensitive, with or without the trailing dot.
    assert_eq!(
        a_records(&zones.answer(&lower(&regional.to_uppercase()), RecordType::A)),
        [l1, l2]
    );
    let zonal_b = fixtures::zonal_name(vpce, "us-east-1b");
    assert_eq!(
        a_records(&zones.answer(&lower(&zonal_b), RecordType::A)),
        [l2]
    );

    let private = zones.answer(&lower("Redis.Example.COM."), RecordType::A);
    let Answer::Records(records) = &private else {
        panic!("{private:?}")
    };
    assert_eq!(records.len(), 3);
    let RData::CNAME(target) = &records[0].data else {
        panic!("{records:?}")
    };
    assert_eq!(target.0.to_ascii(), format!("{regional}."));
    assert_eq!(records[1].name.to_ascii(), format!("{regional}."));
    assert!(records.iter().all(|r| r.ttl == TTL));
    assert_eq!(a_records(&private), [l1, l2]);
    let cname_only = zones.answer(&lower(PRIVATE_NAME), RecordType::CNAME);
    assert!(matches!(&cname_only, Answer::Records(r) if r.len() == 1));

    assert_eq!(
        zones.answer(&lower(&regional), RecordType::AAAA),
        Answer::Records(vec![])
    );
    assert_eq!(
        zones.answer(&lower(PRIVATE_NAME), RecordType::TXT),
        Answer::Records(vec![])
    );
    assert_eq!(
        zones.answer(
            &lower(&format!(
                "vpce-0bbbbbbbbbbbbbbbb.{}.us-east-1.vpce.amazonaws.com",
                fixtures::SERVICE_ID
            )),
            RecordType::A
        ),
        Answer::NxDomain
    );
    assert_eq!(
        zones.answer(&lower("example.org."), RecordType::A),
        Answer::Refused
    );

    zones.replace(build(&state(), BindMode::Modelled));
    assert_eq!(
        a_records(&zones.answer(&lower(&regional), RecordType::A)),
        [Ipv4Addr::new(10, 1, 1, 37), Ipv4Addr::new(10, 1, 2, 41)]
    );
    zones.replace(build(&ConsumerState::default(), BindMode::Modelled));
    assert_eq!(
        zones.answer(&lower(&regional), RecordType::A),
        Answer::NxDomain
    );
}

#[test]
fn lower_endpoint_id_keeps_a_shared_private_name() {
    let mut s = state();
    let mut other = fixtures::endpoint(
        "vpce-0bbbbbbbbbbbbbbbb",
        "available",
        "127.0.0.1:1",
        &[6379],
        vec![fixtures::eni(
            "eni-0000000000000000c",
            "us-east-1a",
            "10.1.1.0/24",
            "10.1.1.99",
            "127.1.0.9",
        )],
    );
    other.vpc_id = "vpc-0b0b0b0b0b0b0b0b0".into();
    s.endpoints.insert(0, other);
    let zones = Zones::default();
    zones.replace(build(&s, BindMode::Loopback));
    assert_eq!(
        a_records(&zones.answer(&lower(PRIVATE_NAME), RecordType::A)),
        [Ipv4Addr::new(127, 1, 0, 1), Ipv4Addr::new(127, 1, 0, 2)]
    );
}

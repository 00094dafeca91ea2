use std::collections::HashMap;
use std::net::Ipv4Addr;

use hickory_proto::rr::rdata::CNAME;
use hickory_proto::rr::{LowerName, Name, RData};
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

/// The addresses `name` holds (its own, or its alias target's), or `None` for an unknown name.
fn addresses_of(names: &HashMap<LowerName, NameData>, name: &str) -> Option<Vec<Ipv4Addr>> {
    let mut owner = Name::from_ascii(name).unwrap();
    owner.set_fqdn(true);
    names.get(&LowerName::from(&owner)).map(|data| match data {
        NameData::Addresses(a) => a.clone(),
        NameData::Alias { addresses, .. } => addresses.clone(),
    })
}

#[test]
fn names_per_kind_and_mode() {
    let names = build(&state(), BindMode::Loopback);
    let vpce = "vpce-0aaaaaaaaaaaaaaaa";
    let regional = fixtures::regional_name(vpce);
    let l1 = Ipv4Addr::new(127, 1, 0, 1);
    let l2 = Ipv4Addr::new(127, 1, 0, 2);
    assert_eq!(addresses_of(&names, &regional), Some(vec![l1, l2]));
    // Names are kept lower-case, whatever case they came in.
    assert_eq!(
        addresses_of(&names, &regional.to_uppercase()),
        Some(vec![l1, l2])
    );
    let zonal_b = fixtures::zonal_name(vpce, "us-east-1b");
    assert_eq!(addresses_of(&names, &zonal_b), Some(vec![l2]));

    let private = names.get(&lower(&format!("{PRIVATE_NAME}."))).unwrap();
    let NameData::Alias { target, addresses } = private else {
        panic!("{private:?}")
    };
    assert_eq!(target.to_ascii(), format!("{regional}."));
    assert_eq!(addresses, &[l1, l2]);
    let NameData::Alias { target, .. } = private else {
        unreachable!()
    };
    let cname = records(&Name::from_ascii(PRIVATE_NAME).unwrap(), private);
    assert_eq!(cname.len(), 1);
    assert!(cname.iter().all(|r| r.ttl == TTL));
    assert_eq!(cname[0].data, RData::CNAME(CNAME(target.clone())));
    assert_eq!(names.len(), 4, "regional, two zonal, private: {names:?}");

    let modelled = build(&state(), BindMode::Modelled);
    assert_eq!(
        addresses_of(&modelled, &regional),
        Some(vec![
            Ipv4Addr::new(10, 1, 1, 37),
            Ipv4Addr::new(10, 1, 2, 41)
        ])
    );
    assert!(build(&ConsumerState::default(), BindMode::Modelled).is_empty());
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
    assert_eq!(
        addresses_of(&build(&s, BindMode::Loopback), PRIVATE_NAME),
        Some(vec![
            Ipv4Addr::new(127, 1, 0, 1),
            Ipv4Addr::new(127, 1, 0, 2)
        ])
    );
}

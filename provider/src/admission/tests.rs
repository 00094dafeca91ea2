use super::*;
use crate::health::state::{Probe, TargetHealth, Thresholds};
use crate::test_util::fixture::{self, TG_ARN};
use tonic::Code;

fn healthy(table: &HealthTable, id: &str) {
    let key = TargetKey::new(TG_ARN, id, 6379);
    table.register(key.clone(), 1);
    let t = Thresholds {
        healthy: 1,
        unhealthy: 1,
    };
    table.update(&key, 1, TargetHealth::initial().on(&Probe::Success, t));
}

#[test]
fn case_table() {
    let targets = [("10.0.1.10", 6379), ("10.0.1.11", 0)];
    let available = fixture::provider_state(&targets, "available");
    let pending = fixture::provider_state(&targets, "pendingAcceptance");
    let empty = fixture::provider_state(&[], "available");
    let mut eni_in_b = available.clone();
    eni_in_b.endpoints[0].network_interfaces[0].availability_zone = "us-east-1b".into();
    // The load balancer's security group admits 10.1.2.0/24 only; the client is 10.1.1.20.
    let mut guarded = available.clone();
    guarded.load_balancers[0].security_group_ids = vec!["sg-nlb".into()];
    guarded.load_balancers[0].enforce_security_groups_on_private_link = true;
    guarded.security_groups = vec![plemu_proto::pb::SecurityGroupSpec {
        group_id: "sg-nlb".into(),
        ingress: vec![plemu_proto::pb::IngressRule {
            ip_protocol: "tcp".into(),
            from_port: 6379,
            to_port: 6379,
            cidrs: vec!["10.1.2.0/24".into()],
            ..Default::default()
        }],
        ..Default::default()
    }];
    let mut not_enforced = guarded.clone();
    not_enforced.load_balancers[0].enforce_security_groups_on_private_link = false;
    let mut provisioning = available.clone();
    provisioning.load_balancers[0].state = "provisioning".into();
    // Cross-zone on the load balancer, or on the target group whatever the load balancer says.
    let mut lb_cross_zone = eni_in_b.clone();
    lb_cross_zone.load_balancers[0].cross_zone_enabled = true;
    let mut tg_cross_zone = eni_in_b.clone();
    tg_cross_zone.target_groups[0].attributes = Some(plemu_proto::pb::TargetGroupAttributesSpec {
        cross_zone_enabled: Some(true),
        ..Default::default()
    });
    let mut tg_not_cross_zone = lb_cross_zone.clone();
    tg_not_cross_zone.target_groups[0].attributes =
        Some(plemu_proto::pb::TargetGroupAttributesSpec {
            cross_zone_enabled: Some(false),
            ..Default::default()
        });
    let open = fixture::open_flow();
    let with = |f: fn(&mut OpenFlow)| {
        let mut o = open.clone();
        f(&mut o);
        o
    };
    // (state, open frame, expected status code or None for allowed)
    let cases: Vec<(&str, &ProviderState, OpenFlow, Option<Code>)> = vec![
        ("allowed", &available, open.clone(), None),
        (
            "unknown endpoint",
            &available,
            with(|o| o.vpc_endpoint_id = "vpce-0000000000000000f".into()),
            Some(Code::PermissionDenied),
        ),
        (
            "another endpoint's interface",
            &available,
            with(|o| o.network_interface_id = "eni-0000000000000000f".into()),
            Some(Code::PermissionDenied),
        ),
        (
            "an empty zone (which once made every target eligible)",
            &available,
            with(|o| o.availability_zone = String::new()),
            Some(Code::PermissionDenied),
        ),
        (
            "another zone",
            &available,
            with(|o| o.availability_zone = "us-east-1c".into()),
            Some(Code::PermissionDenied),
        ),
        (
            "another address",
            &available,
            with(|o| o.eni_address = "10.1.1.5:6379".into()),
            Some(Code::PermissionDenied),
        ),
        (
            "wrong credential",
            &available,
            with(|o| o.credential = "guess".into()),
            Some(Code::PermissionDenied),
        ),
        (
            "pending acceptance",
            &pending,
            open.clone(),
            Some(Code::FailedPrecondition),
        ),
        (
            "no listener on port",
            &available,
            with(|o| o.port = 6380),
            Some(Code::NotFound),
        ),
        ("no targets", &empty, open.clone(), Some(Code::Unavailable)),
        (
            "no target in the ENI's zone",
            &eni_in_b,
            with(|o| o.availability_zone = "us-east-1b".into()),
            Some(Code::Unavailable),
        ),
        (
            "cross-zone load balancer",
            &lb_cross_zone,
            with(|o| o.availability_zone = "us-east-1b".into()),
            None,
        ),
        (
            "cross-zone target group",
            &tg_cross_zone,
            with(|o| o.availability_zone = "us-east-1b".into()),
            None,
        ),
        (
            "target group not cross-zone on a cross-zone load balancer",
            &tg_not_cross_zone,
            with(|o| o.availability_zone = "us-east-1b".into()),
            Some(Code::Unavailable),
        ),
        (
            "NLB security group without the client",
            &guarded,
            open.clone(),
            Some(Code::PermissionDenied),
        ),
        (
            "NLB security group with the client",
            &guarded,
            with(|o| o.client_address = "10.1.2.7:40000".into()),
            None,
        ),
        (
            "NLB security group not enforced on PrivateLink traffic",
            &not_enforced,
            open.clone(),
            None,
        ),
        (
            "provisioning load balancer",
            &provisioning,
            open.clone(),
            Some(Code::Unavailable),
        ),
    ];
    let health = HealthTable::new();
    for (name, state, open, expect) in cases {
        let got = admit(state, &health, &open, 7);
        match (got, expect) {
            (Admission::Allowed(route), None) => {
                assert!(route.failed_open, "{name}: no target is healthy yet");
                assert_eq!(
                    route.target_port, 6379,
                    "{name}: port 0 means the group's port"
                );
            }
            (Admission::Rejected(r), Some(code)) => {
                assert_eq!(r.to_status().code(), code, "{name}: {r:?}")
            }
            (got, expect) => panic!("{name}: got {got:?}, expected {expect:?}"),
        }
    }
}

#[test]
fn not_available_message_names_endpoint_and_state() {
    let state = fixture::provider_state(&[("10.0.1.10", 6379)], "pendingAcceptance");
    let Admission::Rejected(r) = admit(&state, &HealthTable::new(), &fixture::open_flow(), 1)
    else {
        panic!("admitted")
    };
    assert_eq!(
        r.to_status().message(),
        format!("VPC endpoint {} is pendingAcceptance", fixture::VPCE)
    );
}

#[test]
fn healthy_targets_are_preferred() {
    // With port 0 the healthy target is checked, and so looked up, on the group's port.
    for port in [6379, 0] {
        let targets = [("10.0.1.10", 6379), ("10.0.1.11", port)];
        let state = fixture::provider_state(&targets, "available");
        let health = HealthTable::new();
        healthy(&health, "10.0.1.11");
        for seq in 0..200 {
            let Admission::Allowed(route) = admit(&state, &health, &fixture::open_flow(), seq)
            else {
                panic!("refused")
            };
            assert_eq!(
                route.target(),
                "10.0.1.11:6379",
                "registered on port {port}"
            );
            assert!(!route.failed_open);
        }
    }
}

use std::time::Duration;

use super::EndpointEvent::*;
use super::EndpointState::*;
use super::*;

#[test]
fn endpoint_transitions() {
    // (from, event, to): one row per rule of reference §4.1.
    let cases = [
        (PendingAcceptance, Accept, Some(Pending)),
        (PendingAcceptance, Provisioned, None),
        (PendingAcceptance, Reject, Some(Rejected)),
        (PendingAcceptance, Expire, Some(Expired)),
        (PendingAcceptance, Delete, Some(Deleting)),
        (Pending, Accept, None),
        (Pending, Provisioned, Some(Available)),
        (Pending, Fail, Some(Failed)),
        (Pending, Reject, Some(Rejected)),
        (Pending, Expire, None),
        (Available, Accept, None),
        (Available, Provisioned, None),
        (Available, Reject, Some(Rejected)),
        (Available, Delete, Some(Deleting)),
        (Available, DeletionDone, None),
        (Rejected, Accept, None),
        (Rejected, Reject, None),
        (Rejected, Delete, Some(Deleting)),
        (Failed, Delete, Some(Deleting)),
        (Expired, Accept, None),
        (Expired, Delete, Some(Deleting)),
        (Deleting, Delete, Some(Deleting)),
        (Deleting, DeletionDone, Some(Deleted)),
        (Deleting, Accept, None),
        (Deleted, Delete, None),
        (Deleted, Reject, None),
        (Deleted, DeletionDone, None),
    ];
    for (from, event, to) in cases {
        let got = from.on(event);
        assert_eq!(got.as_ref().ok().copied(), to, "{from:?} on {event:?}");
        if let Err(e) = got {
            assert_eq!(e.code(), "InvalidState");
            assert!(e.message().contains(from.as_str()));
        }
    }
    assert_eq!(EndpointState::initial(true), PendingAcceptance);
    assert_eq!(EndpointState::initial(false), Pending);
}

#[test]
fn service_transitions() {
    use ServiceEvent as E;
    use ServiceState as S;
    // (from, event, to): reference §4.3.
    let cases = [
        (S::Pending, E::Provisioned, Some(S::Available)),
        (S::Pending, E::Fail, Some(S::Failed)),
        (S::Pending, E::Delete, Some(S::Deleting)),
        (S::Available, E::Provisioned, None),
        (S::Available, E::Delete, Some(S::Deleting)),
        (S::Available, E::DeletionDone, None),
        (S::Failed, E::Delete, Some(S::Deleting)),
        (S::Deleting, E::Delete, Some(S::Deleting)),
        (S::Deleting, E::DeletionDone, Some(S::Deleted)),
        (S::Deleted, E::Delete, None),
        (S::Deleted, E::Provisioned, None),
    ];
    for (from, event, to) in cases {
        let got = from.on(event);
        assert_eq!(got.as_ref().ok().copied(), to, "{from:?} on {event:?}");
        if let Err(e) = got {
            assert_eq!(e.code(), "InvalidState");
            assert!(e.message().contains(from.as_str()));
        }
    }
    assert_eq!(S::initial(true), S::Available);
    assert_eq!(S::initial(false), S::Pending);
    let wire: Vec<_> = [S::Pending, S::Available, S::Deleting, S::Deleted, S::Failed]
        .iter()
        .map(|s| s.as_str())
        .collect();
    assert_eq!(
        wire,
        ["Pending", "Available", "Deleting", "Deleted", "Failed"]
    );
}

fn endpoint(id: &str, state: EndpointState, since: i64) -> crate::model::Endpoint {
    crate::model::Endpoint {
        id: id.into(),
        owner: crate::model::Owner {
            account: "111111111111".into(),
            region: "us-east-1".into(),
        },
        vpc_id: "vpc-0".into(),
        service_id: "vpce-svc-0".into(),
        service_name: "svc".into(),
        state,
        state_since: since,
        enis: Vec::new(),
        security_group_ids: Vec::new(),
        private_dns_enabled: false,
        policy_document: None,
        dns_suffix: String::new(),
        private_zone_id: String::new(),
        credential: String::new(),
        created: String::new(),
        tags: Vec::new(),
        client_token: None,
    }
}

#[test]
fn timed_transitions_happen_once_their_time_has_passed() {
    let t = Timings {
        deletion: Duration::from_millis(100),
        retention: Duration::from_millis(1000),
        acceptance_expiry: Duration::from_millis(5000),
    };
    let mut res = Resources::default();
    for (id, state) in [
        ("deleting", Deleting),
        ("deleted", Deleted),
        ("waiting", PendingAcceptance),
        ("up", Available),
    ] {
        res.endpoints.insert(id.into(), endpoint(id, state, 10_000));
    }
    // (now, expected states by id; None: gone)
    let cases: [(i64, [Option<EndpointState>; 4]); 4] = [
        (
            10_050,
            [
                Some(Deleting),
                Some(Deleted),
                Some(PendingAcceptance),
                Some(Available),
            ],
        ),
        (
            10_100,
            [
                Some(Deleted),
                Some(Deleted),
                Some(PendingAcceptance),
                Some(Available),
            ],
        ),
        (
            11_000,
            [
                Some(Deleted),
                None,
                Some(PendingAcceptance),
                Some(Available),
            ],
        ),
        (
            15_000,
            [Some(Deleted), None, Some(Expired), Some(Available)],
        ),
    ];
    for (now, want) in cases {
        let was_due = due(&res, &t, now);
        let before = res.endpoints.clone();
        sweep(&mut res, &t, now);
        let got: Vec<_> = ["deleting", "deleted", "waiting", "up"]
            .iter()
            .map(|id| res.endpoints.get(*id).map(|e| e.state))
            .collect();
        assert_eq!(got, want, "at {now}");
        assert_eq!(was_due, before != res.endpoints, "due() at {now}");
    }
}

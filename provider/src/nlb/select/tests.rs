use super::*;
use std::collections::HashMap;

fn target(id: &str, az: &str) -> TargetSpec {
    TargetSpec {
        id: id.into(),
        port: 6379,
        availability_zone: az.into(),
        ..Default::default()
    }
}

fn flow(sequence: u32) -> FlowKey<'static> {
    FlowKey {
        client: "10.1.1.10:40000",
        eni: "10.1.1.4:6379",
        port: 6379,
        sequence,
    }
}

fn pick<'a>(
    targets: &'a [TargetSpec],
    az: &str,
    cross: bool,
    healthy: &[&str],
    seq: u32,
) -> Option<Choice<'a>> {
    choose(
        targets,
        az,
        cross,
        |t| healthy.contains(&t.id.as_str()),
        &flow(seq),
    )
}

#[test]
fn flows_spread_evenly_over_healthy_targets() {
    let targets = [
        target("10.0.1.10", "us-east-1a"),
        target("10.0.1.11", "us-east-1a"),
        target("10.0.1.12", "us-east-1a"),
    ];
    let healthy = ["10.0.1.10", "10.0.1.11", "10.0.1.12"];
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for seq in 0u32..3000 {
        let c = pick(
            &targets,
            "us-east-1a",
            false,
            &healthy,
            seq.wrapping_mul(2_654_435_761),
        )
        .unwrap();
        assert!(!c.failed_open);
        *counts.entry(c.target.id.as_str()).or_default() += 1;
    }
    assert_eq!(counts.len(), 3);
    for (id, n) in counts {
        assert!((850..=1150).contains(&n), "{id} got {n} of 3000 flows");
    }
}

#[test]
fn one_flow_always_goes_to_the_same_target() {
    let targets = [target("a", "all"), target("b", "all"), target("c", "all")];
    let first = pick(&targets, "az", false, &["a", "b", "c"], 42)
        .unwrap()
        .target;
    for _ in 0..10 {
        assert_eq!(
            pick(&targets, "az", false, &["a", "b", "c"], 42)
                .unwrap()
                .target,
            first
        );
    }
}

#[test]
fn unhealthy_targets_are_excluded() {
    let targets = [target("a", "z1"), target("b", "z1"), target("c", "z1")];
    for seq in 0..500 {
        let c = pick(&targets, "z1", false, &["b"], seq).unwrap();
        assert_eq!(c.target.id, "b");
        assert!(!c.failed_open);
    }
}

#[test]
fn all_unhealthy_fails_open_to_every_eligible_target() {
    let targets = [target("a", "z1"), target("b", "z1"), target("c", "z2")];
    let mut seen = std::collections::HashSet::new();
    for seq in 0..500 {
        let c = pick(&targets, "z1", false, &[], seq).unwrap();
        assert!(c.failed_open);
        seen.insert(c.target.id.clone());
    }
    assert_eq!(seen, ["a".to_string(), "b".to_string()].into());
}

#[test]
fn availability_zone_rule() {
    let targets = [target("a", "z1"), target("b", "z2"), target("c", ALL_ZONES)];
    // (eni az, cross zone, healthy, targets that may be chosen; empty = refused)
    let cases: &[(&str, bool, &[&str], &[&str])] = &[
        ("z1", false, &["a", "b", "c"], &["a", "c"]),
        ("z2", false, &["a", "b", "c"], &["b", "c"]),
        ("z3", false, &["a", "b", "c"], &["c"]),
        ("z3", true, &["a", "b", "c"], &["a", "b", "c"]),
        ("", false, &["a", "b", "c"], &["a", "b", "c"]),
        // the healthy target is in another zone: fail open within the ENI's zone
        ("z1", false, &["b"], &["a", "c"]),
        ("z1", true, &["b"], &["b"]),
    ];
    for (az, cross, healthy, expect) in cases {
        let mut seen: Vec<String> = (0..300)
            .filter_map(|seq| pick(&targets, az, *cross, healthy, seq))
            .map(|c| c.target.id.clone())
            .collect();
        seen.sort();
        seen.dedup();
        assert_eq!(
            seen, *expect,
            "eni az {az:?}, cross zone {cross}, healthy {healthy:?}"
        );
    }
    let only_z2 = [target("b", "z2")];
    assert_eq!(pick(&only_z2, "z1", false, &["b"], 1), None);
    assert_eq!(pick(&[], "z1", true, &[], 1), None);
}

#[test]
fn draining_targets_get_no_new_flows_even_failing_open() {
    let mut draining = target("a", "z1");
    draining.draining = true;
    let targets = [draining, target("b", "z1")];
    for seq in 0..300 {
        for healthy in [&["a", "b"][..], &[]] {
            let c = pick(&targets, "z1", false, healthy, seq).unwrap();
            assert_eq!(c.target.id, "b", "healthy {healthy:?}");
        }
    }
    assert_eq!(pick(&targets[..1], "z1", true, &["a"], 1), None);
}

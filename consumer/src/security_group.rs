//! Whether an endpoint's security groups admit a client's TCP connection.

use std::net::Ipv4Addr;

use plemu_proto::pb::SecurityGroupSpec;

/// The verdict on one connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Admission {
    /// A rule of one of the groups admits the client.
    Allowed,
    /// No rule admits the client.
    Rejected,
}

/// Whether any ingress rule of `groups` admits TCP from `client` to `port`.
/// `lookup` resolves rules that name a source group; a source group
/// missing from it admits nobody.
pub(crate) fn admit<'a>(
    groups: impl IntoIterator<Item = &'a SecurityGroupSpec>,
    lookup: impl Fn(&str) -> Option<&'a SecurityGroupSpec>,
    client: Ipv4Addr,
    port: u16,
) -> Admission {
    if plemu_proto::security_group::admits(groups, lookup, client, u32::from(port)) {
        Admission::Allowed
    } else {
        Admission::Rejected
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plemu_proto::pb::IngressRule;

    fn rule(proto: &str, from: i32, to: i32, cidrs: &[&str], groups: &[&str]) -> IngressRule {
        IngressRule {
            ip_protocol: proto.into(),
            from_port: from,
            to_port: to,
            cidrs: cidrs.iter().map(|s| s.to_string()).collect(),
            source_group_ids: groups.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn group(id: &str, ingress: Vec<IngressRule>, members: &[&str]) -> SecurityGroupSpec {
        SecurityGroupSpec {
            group_id: id.into(),
            vpc_id: "vpc-0".into(),
            ingress,
            member_addresses: members.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn admission_cases() {
        use Admission::{Allowed, Rejected};
        let client = Ipv4Addr::new(10, 1, 1, 254);
        let peers = group("sg-peers", vec![], &["10.1.1.254", "10.1.2.9"]);
        let others = group("sg-others", vec![], &["10.9.9.9"]);
        let cases: Vec<(&str, Vec<IngressRule>, u16, Admission)> = vec![
            (
                "tcp port in range, cidr match",
                vec![rule("tcp", 6379, 6379, &["10.1.0.0/16"], &[])],
                6379,
                Allowed,
            ),
            (
                "tcp port range",
                vec![rule("tcp", 1000, 7000, &["10.1.1.0/24"], &[])],
                6379,
                Allowed,
            ),
            (
                "tcp port below range",
                vec![rule("tcp", 6380, 6390, &["10.1.0.0/16"], &[])],
                6379,
                Rejected,
            ),
            (
                "tcp port above range",
                vec![rule("tcp", 80, 443, &["10.1.0.0/16"], &[])],
                6379,
                Rejected,
            ),
            (
                "protocol number 6",
                vec![rule("6", 6379, 6379, &["0.0.0.0/0"], &[])],
                6379,
                Allowed,
            ),
            (
                "upper-case TCP",
                vec![rule("TCP", 6379, 6379, &["0.0.0.0/0"], &[])],
                6379,
                Allowed,
            ),
            (
                "all protocols ignore ports",
                vec![rule("-1", -1, -1, &["10.1.1.254/32"], &[])],
                6379,
                Allowed,
            ),
            (
                "udp does not admit tcp",
                vec![rule("udp", 0, 65535, &["0.0.0.0/0"], &[])],
                6379,
                Rejected,
            ),
            (
                "icmp does not admit tcp",
                vec![rule("icmp", -1, -1, &["0.0.0.0/0"], &[])],
                6379,
                Rejected,
            ),
            (
                "cidr elsewhere",
                vec![rule("tcp", 0, 65535, &["10.2.0.0/16"], &[])],
                6379,
                Rejected,
            ),
            (
                "source group member",
                vec![rule("tcp", 6379, 6379, &[], &["sg-peers"])],
                6379,
                Allowed,
            ),
            (
                "source group without client",
                vec![rule("tcp", 6379, 6379, &[], &["sg-others"])],
                6379,
                Rejected,
            ),
            (
                "unknown source group",
                vec![rule("tcp", 6379, 6379, &[], &["sg-gone"])],
                6379,
                Rejected,
            ),
            (
                "second rule admits",
                vec![
                    rule("udp", 53, 53, &["0.0.0.0/0"], &[]),
                    rule("tcp", 6379, 6379, &["10.1.1.0/24"], &[]),
                ],
                6379,
                Allowed,
            ),
            ("no rules", vec![], 6379, Rejected),
            (
                "bad cidr ignored",
                vec![rule("tcp", 6379, 6379, &["nonsense"], &[])],
                6379,
                Rejected,
            ),
        ];
        for (name, ingress, port, want) in cases {
            let endpoint_group = group("sg-endpoint", ingress, &[]);
            let lookup = |id: &str| [&peers, &others].into_iter().find(|g| g.group_id == id);
            let got = admit([&endpoint_group], lookup, client, port);
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn any_group_may_admit() {
        let client = Ipv4Addr::new(10, 1, 1, 254);
        let closed = group("sg-a", vec![], &[]);
        let open = group(
            "sg-b",
            vec![rule("tcp", 6379, 6379, &["10.1.0.0/16"], &[])],
            &[],
        );
        let none = |_: &str| None;
        assert_eq!(
            admit([&closed, &open], none, client, 6379),
            Admission::Allowed
        );
        assert_eq!(admit([&closed], none, client, 6379), Admission::Rejected);
        assert_eq!(admit([], none, client, 6379), Admission::Rejected);
    }
}

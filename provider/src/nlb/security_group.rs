//! NLB security groups on PrivateLink traffic: when a load balancer has security groups and
//! `EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic` is `on`, a flow passes only if an
//! inbound rule admits the client's private address (not the endpoint's, as AWS documents) on
//! the listener port.

use std::net::Ipv4Addr;

use plemu_proto::pb::{LoadBalancerSpec, SecurityGroupSpec};

/// Whether `lb`'s security groups let a flow from `client` to listener `port` in: always when
/// it has none or does not enforce them on PrivateLink traffic. `groups` holds the load
/// balancer's groups and the groups their rules reference.
pub fn admits(
    lb: &LoadBalancerSpec,
    groups: &[SecurityGroupSpec],
    client: &str,
    port: u32,
) -> bool {
    if lb.security_group_ids.is_empty() || !lb.enforce_security_groups_on_private_link {
        return true;
    }
    let Some(client) = client
        .rsplit_once(':')
        .and_then(|(ip, _)| ip.parse::<Ipv4Addr>().ok())
    else {
        return false;
    };
    let lookup = |id: &str| groups.iter().find(|g| g.group_id == id);
    let own = lb.security_group_ids.iter().filter_map(|id| lookup(id));
    plemu_proto::security_group::admits(own, lookup, client, port)
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

    fn lb(groups: &[&str], enforce: bool) -> LoadBalancerSpec {
        LoadBalancerSpec {
            security_group_ids: groups.iter().map(|s| s.to_string()).collect(),
            enforce_security_groups_on_private_link: enforce,
            ..Default::default()
        }
    }

    #[test]
    fn cases() {
        let nlb_sg = |ingress| SecurityGroupSpec {
            group_id: "sg-nlb".into(),
            ingress,
            ..Default::default()
        };
        let peers = SecurityGroupSpec {
            group_id: "sg-peers".into(),
            member_addresses: vec!["10.1.1.20".into()],
            ..Default::default()
        };
        let client = "10.1.1.20:50000";
        // (load balancer, its group's rules, admitted)
        let cases: Vec<(&str, LoadBalancerSpec, Vec<IngressRule>, bool)> = vec![
            ("no groups", lb(&[], true), vec![], true),
            ("enforcement off", lb(&["sg-nlb"], false), vec![], true),
            ("no rule", lb(&["sg-nlb"], true), vec![], false),
            (
                "the client's CIDR on the port",
                lb(&["sg-nlb"], true),
                vec![rule("tcp", 6379, 6379, &["10.1.0.0/16"], &[])],
                true,
            ),
            (
                "the endpoint's address is not the client's",
                lb(&["sg-nlb"], true),
                vec![rule("tcp", 6379, 6379, &["10.1.1.4/32"], &[])],
                false,
            ),
            (
                "another port",
                lb(&["sg-nlb"], true),
                vec![rule("tcp", 80, 443, &["0.0.0.0/0"], &[])],
                false,
            ),
            (
                "all traffic",
                lb(&["sg-nlb"], true),
                vec![rule("-1", -1, -1, &["10.1.1.0/24"], &[])],
                true,
            ),
            (
                "udp only",
                lb(&["sg-nlb"], true),
                vec![rule("udp", 6379, 6379, &["0.0.0.0/0"], &[])],
                false,
            ),
            (
                "a referenced group holding the client",
                lb(&["sg-nlb"], true),
                vec![rule("tcp", 6379, 6379, &[], &["sg-peers"])],
                true,
            ),
            (
                "a group the load balancer does not have",
                lb(&["sg-other"], true),
                vec![rule("tcp", 6379, 6379, &["0.0.0.0/0"], &[])],
                false,
            ),
        ];
        for (name, lb, ingress, want) in cases {
            let groups = [nlb_sg(ingress), peers.clone()];
            assert_eq!(admits(&lb, &groups, client, 6379), want, "{name}");
        }
    }
}

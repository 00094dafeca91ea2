//! How a security group's inbound rules judge one TCP connection, shared by the endpoint's
//! groups (consumer agent) and the load balancer's groups (provider agent).

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

use crate::pb::{IngressRule, SecurityGroupSpec};

/// Whether any inbound rule of `groups` admits TCP from `client` to `port`. `lookup` resolves
/// rules that name a source group; a source group missing from it admits nobody.
pub fn admits<'a>(
    groups: impl IntoIterator<Item = &'a SecurityGroupSpec>,
    lookup: impl Fn(&str) -> Option<&'a SecurityGroupSpec>,
    client: Ipv4Addr,
    port: u32,
) -> bool {
    groups.into_iter().any(|g| {
        g.ingress
            .iter()
            .any(|rule| rule_admits(rule, &lookup, client, port))
    })
}

/// One rule: protocol and port range, then a CIDR or a referenced group's members.
fn rule_admits<'a>(
    rule: &IngressRule,
    lookup: &impl Fn(&str) -> Option<&'a SecurityGroupSpec>,
    client: Ipv4Addr,
    port: u32,
) -> bool {
    let protocol_ok = match rule.ip_protocol.to_ascii_lowercase().as_str() {
        "-1" | "all" => true,
        "tcp" | "6" => {
            let port = i64::from(port);
            i64::from(rule.from_port) <= port && port <= i64::from(rule.to_port)
        }
        _ => false,
    };
    protocol_ok
        && (rule.cidrs.iter().any(|c| {
            c.parse::<Ipv4Net>().is_ok_and(|net| net.contains(&client))
                || c.parse::<Ipv4Addr>().is_ok_and(|a| a == client)
        }) || rule.source_group_ids.iter().any(|id| {
            lookup(id).is_some_and(|g| {
                g.member_addresses
                    .iter()
                    .any(|m| m.parse::<Ipv4Addr>().is_ok_and(|a| a == client))
            })
        }))
}

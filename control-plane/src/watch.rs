//! Desired-state snapshots: what each provider or consumer agent must serve, built from the state.

use plemu_proto::pb;

use crate::model::{Endpoint, RuleSource, SecurityGroup, TargetGroup};
use crate::state::{AgentInfo, State};

/// The whole desired state for `agent`, with version 0: the sender stamps the version, so that
/// two snapshots of the same state compare equal.
pub(crate) fn snapshot(st: &State, agent: &AgentInfo) -> pb::DesiredState {
    let mut out = pb::DesiredState::default();
    match agent.role {
        pb::AgentRole::Provider => out.provider = Some(provider(st, agent)),
        pb::AgentRole::Orchestrator => out.topology = Some(topology(st)),
        _ => out.consumer = Some(consumer(st, agent)),
    }
    out
}

/// Everything the Docker backend makes networks and containers of.
fn topology(st: &State) -> pb::TopologyState {
    let res = &st.res;
    let every = AgentInfo {
        role: pb::AgentRole::Orchestrator,
        agent_id: String::new(),
        tunnel_address: String::new(),
        vpc_ids: Vec::new(),
        load_balancer_arns: Vec::new(),
    };
    pb::TopologyState {
        vpcs: res
            .vpcs
            .values()
            .map(|v| pb::VpcSpec {
                vpc_id: v.id.clone(),
                cidr_block: v.cidr.to_string(),
                owner_id: v.owner.account.clone(),
            })
            .collect(),
        endpoints: res
            .endpoints
            .values()
            .filter(|e| !e.state.is_gone())
            .map(|e| endpoint_spec(st, e))
            .collect(),
        load_balancers: provider(st, &every).load_balancers,
    }
}

fn provider(st: &State, agent: &AgentInfo) -> pb::ProviderState {
    let res = &st.res;
    let lbs: Vec<_> = res
        .load_balancers
        .values()
        .filter(|l| agent.serves_lb(&l.arn, &l.vpc_id))
        .collect();
    let load_balancers = lbs
        .iter()
        .map(|l| pb::LoadBalancerSpec {
            load_balancer_arn: l.arn.clone(),
            load_balancer_name: l.name.clone(),
            vpc_id: l.vpc_id.clone(),
            state: l.state.as_str().into(),
            nodes: l
                .nodes
                .iter()
                .map(|n| pb::LoadBalancerNode {
                    availability_zone: n.az.clone(),
                    subnet_id: n.subnet_id.clone(),
                    private_ipv4_address: n.ip.to_string(),
                    bind_address: n.bind.map(|b| b.to_string()).unwrap_or_default(),
                })
                .collect(),
            cross_zone_enabled: l.cross_zone(),
            security_group_ids: l.security_groups.clone(),
            enforce_security_groups_on_private_link: l.enforce_sg_on_private_link,
            listeners: res
                .listeners
                .values()
                .filter(|x| x.lb_arn == l.arn)
                .map(|x| pb::ListenerSpec {
                    listener_arn: x.arn.clone(),
                    port: u32::from(x.port),
                    target_group_arn: x.tg_arn.clone(),
                    idle_timeout_seconds: x.idle_timeout(),
                })
                .collect(),
        })
        .collect();
    let target_groups = res
        .target_groups
        .values()
        .filter(|t| {
            agent.serves(&t.vpc_id)
                && (agent.load_balancer_arns.is_empty()
                    || res
                        .listeners
                        .values()
                        .any(|l| l.tg_arn == t.arn && lbs.iter().any(|b| b.arn == l.lb_arn)))
        })
        .map(|t| {
            let hc = &t.health_check;
            pb::TargetGroupSpec {
                target_group_arn: t.arn.clone(),
                vpc_id: t.vpc_id.clone(),
                port: u32::from(t.port),
                health_check: Some(pb::HealthCheckSpec {
                    protocol: hc.protocol.clone(),
                    port: hc.port.parse().unwrap_or(0),
                    interval_seconds: hc.interval,
                    timeout_seconds: hc.timeout,
                    healthy_threshold: hc.healthy_threshold,
                    unhealthy_threshold: hc.unhealthy_threshold,
                    path: hc.path.clone(),
                    matcher: hc.matcher.clone(),
                }),
                targets: t
                    .targets
                    .iter()
                    .map(|x| {
                        let deadline = x
                            .deregistered_at
                            .map(|at| (at + t.deregistration_delay()) * 1000);
                        pb::TargetSpec {
                            id: x.id.clone(),
                            port: u32::from(x.port),
                            availability_zone: x.az.clone(),
                            draining: deadline.is_some(),
                            drain_deadline_unix_ms: deadline.unwrap_or(0),
                        }
                    })
                    .collect(),
                in_use: res.listeners.values().any(|l| l.tg_arn == t.arn),
                attributes: Some(tg_attributes(t)),
            }
        })
        .collect();
    let endpoints = res
        .endpoints
        .values()
        .filter_map(|e| {
            let svc = res.services.get(&e.service_id)?;
            svc.nlb_arns
                .iter()
                .any(|a| lbs.iter().any(|l| &l.arn == a))
                .then(|| pb::EndpointGrant {
                    vpc_endpoint_id: e.id.clone(),
                    service_id: svc.id.clone(),
                    state: e.state.as_str().into(),
                    credential: e.credential.clone(),
                    load_balancer_arns: svc.nlb_arns.clone(),
                    network_interfaces: enis(st, e),
                })
        })
        .collect();
    // The load balancers' groups, and the groups their rules reference.
    let own: Vec<&SecurityGroup> = res
        .security_groups
        .values()
        .filter(|g| lbs.iter().any(|l| l.security_groups.contains(&g.id)))
        .collect();
    let security_groups = res
        .security_groups
        .values()
        .filter(|g| {
            own.iter().any(|o| {
                o.id == g.id
                    || o.ingress
                        .iter()
                        .any(|r| matches!(&r.source, RuleSource::Group(id) if *id == g.id))
            })
        })
        .map(|g| security_group_spec(st, g))
        .collect();
    pb::ProviderState {
        load_balancers,
        target_groups,
        endpoints,
        security_groups,
    }
}

/// The target group attributes the provider agent acts on.
fn tg_attributes(t: &TargetGroup) -> pb::TargetGroupAttributesSpec {
    use crate::model::attributes::{self as a, TARGET_GROUP};
    let attrs = &t.attributes;
    pb::TargetGroupAttributesSpec {
        deregistration_connection_termination: attrs
            .flag(TARGET_GROUP, a::DEREGISTRATION_TERMINATION),
        unhealthy_connection_termination: attrs.flag(TARGET_GROUP, a::UNHEALTHY_TERMINATION),
        unhealthy_draining_interval_seconds: u32::try_from(
            attrs.number(TARGET_GROUP, a::UNHEALTHY_DRAINING),
        )
        .unwrap_or(0),
        proxy_protocol_v2: attrs.flag(TARGET_GROUP, a::PROXY_PROTOCOL_V2),
        cross_zone_enabled: match attrs.get(TARGET_GROUP, a::CROSS_ZONE) {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
    }
}

fn consumer(st: &State, agent: &AgentInfo) -> pb::ConsumerState {
    let res = &st.res;
    let endpoints = res
        .endpoints
        .values()
        .filter(|e| agent.serves(&e.vpc_id) && !e.state.is_gone())
        .map(|e| endpoint_spec(st, e))
        .collect();
    let security_groups = res
        .security_groups
        .values()
        .filter(|g| agent.serves(&g.vpc_id))
        .map(|g| security_group_spec(st, g))
        .collect();
    pb::ConsumerState {
        endpoints,
        security_groups,
    }
}

/// A security group with its inbound rules and the modelled addresses of its members.
fn security_group_spec(st: &State, g: &SecurityGroup) -> pb::SecurityGroupSpec {
    let res = &st.res;
    let ingress = g
        .ingress
        .iter()
        .map(|r| {
            let (cidrs, source_group_ids) = match &r.source {
                RuleSource::Cidr(c) => (vec![c.to_string()], Vec::new()),
                RuleSource::Group(id) => (Vec::new(), vec![id.clone()]),
            };
            pb::IngressRule {
                ip_protocol: r.protocol.clone(),
                from_port: r.from_port,
                to_port: r.to_port,
                cidrs,
                source_group_ids,
            }
        })
        .collect();
    let enis = res
        .endpoints
        .values()
        .filter(|e| e.security_group_ids.contains(&g.id))
        .flat_map(|e| e.enis.iter().map(|n| n.ip));
    let nodes = res
        .load_balancers
        .values()
        .filter(|l| l.security_groups.contains(&g.id))
        .flat_map(|l| l.nodes.iter().map(|n| n.ip));
    pb::SecurityGroupSpec {
        group_id: g.id.clone(),
        vpc_id: g.vpc_id.clone(),
        ingress,
        member_addresses: enis.chain(nodes).map(|ip| ip.to_string()).collect(),
    }
}

fn endpoint_spec(st: &State, e: &Endpoint) -> pb::EndpointSpec {
    let res = &st.res;
    let svc = res.services.get(&e.service_id);
    let nlbs = svc.map(|v| v.nlb_arns.as_slice()).unwrap_or_default();
    let provider_tunnel_address = nlbs
        .first()
        .and_then(|a| res.load_balancers.get(a))
        .and_then(|lb| {
            let mut providers: Vec<_> = st
                .agents
                .iter()
                .filter(|(_, a)| {
                    a.role == pb::AgentRole::Provider && a.serves_lb(&lb.arn, &lb.vpc_id)
                })
                .collect();
            providers.sort_by_key(|(n, _)| **n);
            providers.first().map(|(_, a)| a.tunnel_address.clone())
        })
        .unwrap_or_default();
    let mut ports: Vec<u32> = res
        .listeners
        .values()
        .filter(|l| nlbs.contains(&l.lb_arn))
        .map(|l| u32::from(l.port))
        .collect();
    ports.sort_unstable();
    ports.dedup();
    pb::EndpointSpec {
        vpc_endpoint_id: e.id.clone(),
        vpc_id: e.vpc_id.clone(),
        service_id: e.service_id.clone(),
        service_name: e.service_name.clone(),
        state: e.state.as_str().into(),
        credential: e.credential.clone(),
        provider_tunnel_address,
        ports,
        network_interfaces: enis(st, e),
        security_group_ids: e.security_group_ids.clone(),
        dns_names: e
            .dns_names(svc)
            .into_iter()
            .map(|(name, kind, availability_zone)| pb::DnsNameSpec {
                name,
                kind: kind.into(),
                availability_zone,
            })
            .collect(),
    }
}

/// The endpoint's network interfaces, as both agents see them.
fn enis(st: &State, e: &Endpoint) -> Vec<pb::EniSpec> {
    e.enis
        .iter()
        .map(|n| pb::EniSpec {
            network_interface_id: n.id.clone(),
            subnet_id: n.subnet_id.clone(),
            subnet_cidr: st
                .res
                .subnets
                .get(&n.subnet_id)
                .map(|s| s.cidr.to_string())
                .unwrap_or_default(),
            availability_zone: n.az.clone(),
            private_ip_address: n.ip.to_string(),
            bind_address: n.bind.to_string(),
        })
        .collect()
}

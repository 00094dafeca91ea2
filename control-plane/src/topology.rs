//! The live topology page at `/` on the API address: every account's VPCs, endpoints, services and
//! load balancers with their state, and each hop's flow and byte counts from the metrics.
//!
//! # Layout
//! - [`snapshot`]: the [`Topology`] of the state as it is now (also `/topology.json`).
//! - `view`: the serialisable shapes of the snapshot.
//! - `html`: the page and its fragment (`/topology.html`), which the page's script fetches
//!   every second.

mod html;
mod view;

use std::collections::BTreeMap;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use plemu_proto::metrics::Metrics;
use plemu_proto::metrics::labels::{EndpointLabels, NlbLabels, ServiceEndpointLabels};

use crate::api::target_health::health_of;
use crate::model::{EndpointState, RuleSource, SgRule, unix_now};
use crate::state::{Shared, State};
pub(crate) use view::Topology;
use view::{
    Account, EndpointCounts, EndpointView, EniView, ListenerView, LoadBalancerView, NlbCounts,
    RefusalView, SecurityGroupView, ServiceCounts, ServiceView, SubnetView, TargetGroupView,
    TargetView, VpcView,
};

/// The topology of the state as it is now, with live counts from `metrics`.
pub(crate) async fn snapshot(shared: &Shared) -> Topology {
    let metrics = shared.config.metrics.clone();
    let version = *shared.subscribe().borrow();
    shared.read(|st| build(st, &metrics, version)).await
}

/// `GET /`: the page.
pub(crate) async fn page(shared: &Shared) -> Response {
    let t = snapshot(shared).await;
    with_type(html::page(&t), "text/html; charset=utf-8")
}

/// `GET /topology.html`: the page's body, for its script to swap in.
pub(crate) async fn fragment(shared: &Shared) -> Response {
    let t = snapshot(shared).await;
    with_type(html::body(&t), "text/html; charset=utf-8")
}

/// `GET /topology.json`: the snapshot as JSON.
pub(crate) async fn json(shared: &Shared) -> Response {
    let t = snapshot(shared).await;
    let body = serde_json::to_string_pretty(&t).unwrap_or_default();
    with_type(body, "application/json")
}

fn with_type(body: String, content_type: &'static str) -> Response {
    let mut r = body.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn build(st: &State, m: &Metrics, version: u64) -> Topology {
    let res = &st.res;
    let mut accounts: BTreeMap<String, Account> = BTreeMap::new();
    for vpc in res.vpcs.values() {
        let subnets = res
            .subnets
            .values()
            .filter(|s| s.vpc_id == vpc.id)
            .map(|s| SubnetView {
                subnet_id: s.id.clone(),
                cidr_block: s.cidr.to_string(),
                availability_zone: s.az.clone(),
            })
            .collect();
        let security_groups = res
            .security_groups
            .values()
            .filter(|g| g.vpc_id == vpc.id)
            .map(|g| SecurityGroupView {
                group_id: g.id.clone(),
                group_name: g.name.clone(),
                ingress: g.ingress.iter().map(rule_text).collect(),
            })
            .collect();
        let endpoints = res
            .endpoints
            .values()
            .filter(|e| e.vpc_id == vpc.id)
            .map(|e| endpoint_view(st, m, e))
            .collect();
        let load_balancers = res
            .load_balancers
            .values()
            .filter(|l| l.vpc_id == vpc.id)
            .map(|l| lb_view(st, m, l))
            .collect();
        entry(&mut accounts, &vpc.owner.account).vpcs.push(VpcView {
            vpc_id: vpc.id.clone(),
            cidr_block: vpc.cidr.to_string(),
            enable_dns_support: vpc.enable_dns_support,
            enable_dns_hostnames: vpc.enable_dns_hostnames,
            subnets,
            security_groups,
            endpoints,
            load_balancers,
        });
    }
    for svc in res.services.values() {
        let connections: Vec<_> = res
            .endpoints
            .values()
            .filter(|e| e.service_id == svc.id)
            .collect();
        let mut counts = ServiceCounts::default();
        for e in &connections {
            let l = ServiceEndpointLabels::new(&svc.id, &e.id);
            let s = &m.services;
            counts.active_connections += Metrics::gauge(&s.active_connections, &l);
            counts.new_connections += Metrics::counter(&s.new_connections, &l);
            counts.bytes_processed += Metrics::counter(&s.bytes_processed, &l);
            counts.rst_packets_sent += Metrics::counter(&s.rst_packets_sent, &l);
        }
        counts.endpoints_count = connections
            .iter()
            .filter(|e| e.state == EndpointState::Available)
            .count();
        entry(&mut accounts, &svc.owner.account)
            .services
            .push(ServiceView {
                service_id: svc.id.clone(),
                service_name: svc.name.clone(),
                acceptance_required: svc.acceptance_required,
                allowed_principals: svc
                    .permissions
                    .iter()
                    .map(|p| p.principal.clone())
                    .collect(),
                private_dns_name: svc.private_dns.as_ref().map(|d| d.name.clone()),
                private_dns_state: svc
                    .private_dns
                    .as_ref()
                    .map(|d| d.state.as_str().to_string()),
                load_balancers: svc
                    .nlb_arns
                    .iter()
                    .map(|a| {
                        res.load_balancers
                            .get(a)
                            .map_or(a.clone(), |l| l.name.clone())
                    })
                    .collect(),
                connections: connections
                    .iter()
                    .map(|e| {
                        (
                            e.id.clone(),
                            endpoint_state(st, e).to_string(),
                            e.owner.account.clone(),
                        )
                    })
                    .collect(),
                counts,
            });
    }
    Topology {
        version,
        generated_unix: unix_now(),
        accounts: accounts.into_values().collect(),
    }
}

fn entry<'a>(accounts: &'a mut BTreeMap<String, Account>, id: &str) -> &'a mut Account {
    accounts.entry(id.to_string()).or_insert_with(|| Account {
        account_id: id.to_string(),
        ..Account::default()
    })
}

/// The state DescribeVpcEndpoints reports: `failed` while a consumer agent cannot listen.
fn endpoint_state<'a>(st: &State, e: &crate::model::Endpoint) -> &'a str {
    if e.state == EndpointState::Available && st.listener_failure(&e.id).is_some() {
        "failed"
    } else {
        e.state.as_str()
    }
}

fn endpoint_view(st: &State, m: &Metrics, e: &crate::model::Endpoint) -> EndpointView {
    let svc = st.res.services.get(&e.service_id);
    let l = EndpointLabels::new(&e.id, &e.vpc_id, &e.service_name);
    let p = &m.endpoints;
    EndpointView {
        vpc_endpoint_id: e.id.clone(),
        service_name: e.service_name.clone(),
        state: endpoint_state(st, e).to_string(),
        last_error: st
            .listener_failure(&e.id)
            .map(|f| format!("cannot listen on {}: {}", f.address, f.error)),
        dns_names: e.dns_names(svc).into_iter().map(|(n, _, _)| n).collect(),
        private_dns_enabled: e.private_dns_enabled,
        security_group_ids: e.security_group_ids.clone(),
        network_interfaces: e
            .enis
            .iter()
            .map(|n| EniView {
                network_interface_id: n.id.clone(),
                subnet_id: n.subnet_id.clone(),
                availability_zone: n.az.clone(),
                private_ip_address: n.ip.to_string(),
            })
            .collect(),
        counts: EndpointCounts {
            active_connections: Metrics::gauge(&p.active_connections, &l),
            new_connections: Metrics::counter(&p.new_connections, &l),
            bytes_processed: Metrics::counter(&p.bytes_processed, &l),
            packets_dropped: Metrics::counter(&p.packets_dropped, &l),
            rst_packets_received: Metrics::counter(&p.rst_packets_received, &l),
        },
        last_refusal: m.refusals.last(&e.id).map(|r| RefusalView {
            by: r.by.to_string(),
            kind: r.kind,
            message: r.message,
            at_unix: r.at_unix,
            count: r.count,
        }),
    }
}

fn lb_view(st: &State, m: &Metrics, lb: &crate::model::LoadBalancer) -> LoadBalancerView {
    let res = &st.res;
    let listeners: Vec<_> = res
        .listeners
        .values()
        .filter(|l| l.lb_arn == lb.arn)
        .collect();
    let now = unix_now();
    let mut tg_arns: Vec<&str> = listeners.iter().map(|l| l.tg_arn.as_str()).collect();
    tg_arns.sort_unstable();
    tg_arns.dedup();
    let target_groups = tg_arns
        .iter()
        .filter_map(|arn| res.target_groups.get(*arn))
        .map(|tg| {
            let mut counts = NlbCounts::default();
            for node in &lb.nodes {
                let l = NlbLabels::new(&lb.arn, &node.az, &tg.arn);
                let n = &m.nlb;
                counts.active_flow_count += Metrics::gauge(&n.active_flow_count, &l);
                counts.new_flow_count += Metrics::counter(&n.new_flow_count, &l);
                counts.processed_bytes += Metrics::counter(&n.processed_bytes, &l);
                counts.tcp_client_reset_count += Metrics::counter(&n.tcp_client_reset_count, &l);
                counts.tcp_target_reset_count += Metrics::counter(&n.tcp_target_reset_count, &l);
                counts.tcp_elb_reset_count += Metrics::counter(&n.tcp_elb_reset_count, &l);
                let refused = NlbLabels::new(&lb.arn, &node.az, "");
                counts.tcp_elb_reset_count += Metrics::counter(&n.tcp_elb_reset_count, &refused);
            }
            let targets = tg
                .targets
                .iter()
                .filter(|t| t.present_at(now, tg.deregistration_delay()))
                .map(|t| {
                    let h = health_of(st, tg, t).target_health.unwrap_or_default();
                    TargetView {
                        id: t.id.clone(),
                        port: t.port,
                        availability_zone: t.az.clone(),
                        state: h.state,
                        reason: h.reason,
                        description: h.description,
                    }
                })
                .collect();
            TargetGroupView {
                target_group_arn: tg.arn.clone(),
                target_group_name: tg.name.clone(),
                port: tg.port,
                health_check: format!(
                    "{} port {} every {}s, {}/{} to turn healthy/unhealthy",
                    tg.health_check.protocol,
                    tg.health_check.port,
                    tg.health_check.interval,
                    tg.health_check.healthy_threshold,
                    tg.health_check.unhealthy_threshold
                ),
                targets,
                counts,
            }
        })
        .collect();
    LoadBalancerView {
        load_balancer_arn: lb.arn.clone(),
        load_balancer_name: lb.name.clone(),
        state: lb.state.as_str().to_string(),
        dns_name: lb.dns_name.clone(),
        availability_zones: lb.nodes.iter().map(|n| n.az.clone()).collect(),
        security_groups: lb.security_groups.clone(),
        listeners: listeners
            .iter()
            .map(|l| ListenerView {
                port: l.port,
                protocol: l.protocol.clone(),
                target_group_name: res
                    .target_groups
                    .get(&l.tg_arn)
                    .map_or(l.tg_arn.clone(), |t| t.name.clone()),
            })
            .collect(),
        target_groups,
    }
}

/// An ingress rule as one line: `tcp 6379 from 10.0.0.0/16`.
fn rule_text(r: &SgRule) -> String {
    let ports = match (r.protocol.as_str(), r.from_port, r.to_port) {
        ("-1", _, _) => "all traffic".to_string(),
        (p, a, b) if a == b => format!("{p} {a}"),
        (p, a, b) => format!("{p} {a}-{b}"),
    };
    let source = match &r.source {
        RuleSource::Cidr(net) => net.to_string(),
        RuleSource::Group(g) => g.clone(),
    };
    format!("{ports} from {source}")
}

//! `/metrics` on the API address: what the control plane knows, refreshed at each scrape
//! (`HealthyHostCount` and `UnHealthyHostCount` from the provider agents' reports,
//! `EndpointsCount`), and in `plemu up` the agents' data-plane counters, in one registry.
//!
//! Every resource that exists has its samples from the start, at zero: prometheus-client prints
//! a family only once it has a sample, and a user who curls `/metrics` after building a topology
//! expects to find their endpoint in it before the first byte.

use std::collections::BTreeSet;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use plemu_proto::metrics::labels::{
    EndpointLabels, NlbLabels, ServiceEndpointLabels, ServiceLabels,
};
use plemu_proto::metrics::{CONTENT_TYPE, Metrics};

use crate::api::target_health::health_of;
use crate::model::{EndpointState, unix_now};
use crate::state::{Shared, State};

/// `GET /metrics`: every family in the text format.
pub(crate) async fn scrape(shared: &Shared) -> Response {
    let metrics = shared.config.metrics.clone();
    shared.read(|st| refresh(st, &metrics)).await;
    let mut r = metrics.encode().into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    r
}

/// Sets the gauges the control plane owns from the state as it is now.
pub(crate) fn refresh(st: &State, m: &Metrics) {
    let res = &st.res;
    let now = unix_now();
    let mut healthy = Vec::new();
    let mut unhealthy = Vec::new();
    let pairs: BTreeSet<(&str, &str)> = res
        .listeners
        .values()
        .map(|l| (l.lb_arn.as_str(), l.tg_arn.as_str()))
        .collect();
    for (lb_arn, tg_arn) in pairs {
        let (Some(lb), Some(tg)) = (
            res.load_balancers.get(lb_arn),
            res.target_groups.get(tg_arn),
        ) else {
            continue;
        };
        for node in &lb.nodes {
            let labels = NlbLabels::new(lb_arn, &node.az, tg_arn);
            seed_nlb(m, &labels);
            let in_zone = |az: &str| az == node.az || az == "all";
            let present = tg
                .targets
                .iter()
                .filter(|t| t.present_at(now, tg.deregistration_delay()) && in_zone(&t.az));
            let (mut up, mut down) = (0, 0);
            for t in present {
                match health_of(st, tg, t)
                    .target_health
                    .map(|h| h.state)
                    .as_deref()
                {
                    Some("healthy") => up += 1,
                    Some("unhealthy") => down += 1,
                    _ => {}
                }
            }
            healthy.push((labels.clone(), up));
            unhealthy.push((labels, down));
        }
    }
    let nlb = &m.nlb;
    nlb.healthy_host_count.clear();
    nlb.unhealthy_host_count.clear();
    for (l, n) in healthy {
        nlb.healthy_host_count.get_or_create(&l).set(n);
    }
    for (l, n) in unhealthy {
        nlb.unhealthy_host_count.get_or_create(&l).set(n);
    }
    let counts = &m.services.endpoints_count;
    counts.clear();
    for svc in res.services.values() {
        let n = res
            .endpoints
            .values()
            .filter(|e| e.service_id == svc.id && e.state == EndpointState::Available)
            .count();
        counts
            .get_or_create(&ServiceLabels {
                service_id: svc.id.clone(),
            })
            .set(i64::try_from(n).unwrap_or(i64::MAX));
    }
    for e in res.endpoints.values() {
        seed_endpoint(m, &EndpointLabels::new(&e.id, &e.vpc_id, &e.service_name));
        seed_service(m, &ServiceEndpointLabels::new(&e.service_id, &e.id));
    }
}

/// Zero samples of a load balancer's flow families for one zone and target group.
fn seed_nlb(m: &Metrics, l: &NlbLabels) {
    let n = &m.nlb;
    let _ = n.active_flow_count.get_or_create(l);
    let _ = n.new_flow_count.get_or_create(l);
    let _ = n.processed_bytes.get_or_create(l);
    let _ = n.tcp_client_reset_count.get_or_create(l);
    let _ = n.tcp_target_reset_count.get_or_create(l);
    let _ = n.tcp_elb_reset_count.get_or_create(l);
}

/// Zero samples of an endpoint's families.
fn seed_endpoint(m: &Metrics, l: &EndpointLabels) {
    let e = &m.endpoints;
    let _ = e.active_connections.get_or_create(l);
    let _ = e.new_connections.get_or_create(l);
    let _ = e.bytes_processed.get_or_create(l);
    let _ = e.packets_dropped.get_or_create(l);
    let _ = e.rst_packets_received.get_or_create(l);
}

/// Zero samples of a service's families for one of its endpoints.
fn seed_service(m: &Metrics, l: &ServiceEndpointLabels) {
    let s = &m.services;
    let _ = s.active_connections.get_or_create(l);
    let _ = s.new_connections.get_or_create(l);
    let _ = s.bytes_processed.get_or_create(l);
    let _ = s.rst_packets_sent.get_or_create(l);
}

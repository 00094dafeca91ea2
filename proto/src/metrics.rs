//! The CloudWatch metrics plemu keeps, in Prometheus form: one registry shared by the roles of a
//! process, with families named after `AWS/NetworkELB`, `AWS/PrivateLinkEndpoints` and
//! `AWS/PrivateLinkServices` and their dimensions as labels (`docs/metrics.md`).
//!
//! # Layout
//! - [`Metrics`]: the registry and its families; cheap to clone.
//! - [`labels`]: the label sets (one per CloudWatch dimension set) and ARN short forms.
//! - [`flow`]: what a flow holds from open to close: counter handles, an active-count guard,
//!   and [`flow::Counted`], a frame sink/source that adds each data chunk's length.
//! - [`refusals`]: the last refusal of each endpoint, for the topology page.

pub mod flow;
pub mod labels;
pub mod refusals;

use std::fmt;
use std::sync::Arc;

pub use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
pub use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use labels::{EndpointLabels, NlbLabels, ServiceEndpointLabels, ServiceLabels};
use refusals::LastRefusals;

/// The content type of the text exposition format.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// `AWS/NetworkELB`, per load balancer, availability zone and target group.
#[derive(Debug, Default)]
pub struct NetworkElb {
    /// `ActiveFlowCount`: flows open from the client to a target.
    pub active_flow_count: Family<NlbLabels, Gauge>,
    /// `NewFlowCount`: flows opened to a target.
    pub new_flow_count: Family<NlbLabels, Counter>,
    /// `ProcessedBytes`: bytes carried both ways between clients and targets.
    pub processed_bytes: Family<NlbLabels, Counter>,
    /// `HealthyHostCount`: targets healthy (set by whoever knows target health).
    pub healthy_host_count: Family<NlbLabels, Gauge>,
    /// `UnHealthyHostCount`: targets not healthy.
    pub unhealthy_host_count: Family<NlbLabels, Gauge>,
    /// `TCP_Client_Reset_Count`: resets from the client to the target.
    pub tcp_client_reset_count: Family<NlbLabels, Counter>,
    /// `TCP_Target_Reset_Count`: resets from the target to the client.
    pub tcp_target_reset_count: Family<NlbLabels, Counter>,
    /// `TCP_ELB_Reset_Count`: resets the load balancer itself sent.
    pub tcp_elb_reset_count: Family<NlbLabels, Counter>,
}

/// `AWS/PrivateLinkEndpoints`, per endpoint.
#[derive(Debug, Default)]
pub struct PrivateLinkEndpoints {
    /// `ActiveConnections`: connections open through the endpoint.
    pub active_connections: Family<EndpointLabels, Gauge>,
    /// `NewConnections`: connections accepted and tunnelled.
    pub new_connections: Family<EndpointLabels, Counter>,
    /// `BytesProcessed`: bytes both ways.
    pub bytes_processed: Family<EndpointLabels, Counter>,
    /// `PacketsDropped`: connections the endpoint refused itself (security groups, state).
    pub packets_dropped: Family<EndpointLabels, Counter>,
    /// `RstPacketsReceived`: resets the endpoint received from the service side.
    pub rst_packets_received: Family<EndpointLabels, Counter>,
}

/// `AWS/PrivateLinkServices`, per service (and endpoint).
#[derive(Debug, Default)]
pub struct PrivateLinkServices {
    /// `ActiveConnections`: connections open from endpoints.
    pub active_connections: Family<ServiceEndpointLabels, Gauge>,
    /// `NewConnections`: connections opened from endpoints.
    pub new_connections: Family<ServiceEndpointLabels, Counter>,
    /// `BytesProcessed`: bytes both ways.
    pub bytes_processed: Family<ServiceEndpointLabels, Counter>,
    /// `EndpointsCount`: endpoints connected (set by the control plane).
    pub endpoints_count: Family<ServiceLabels, Gauge>,
    /// `RstPacketsSent`: resets the service sent to endpoints.
    pub rst_packets_sent: Family<ServiceEndpointLabels, Counter>,
}

/// The registry and every family in it.
pub struct Inner {
    registry: Registry,
    /// `AWS/NetworkELB`.
    pub nlb: NetworkElb,
    /// `AWS/PrivateLinkEndpoints`.
    pub endpoints: PrivateLinkEndpoints,
    /// `AWS/PrivateLinkServices`.
    pub services: PrivateLinkServices,
    /// The last refusal of each endpoint, from either agent.
    pub refusals: LastRefusals,
}

/// A process's metrics: cheap to clone, shared by every role it runs.
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

impl std::ops::Deref for Metrics {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

/// Two handles are equal when they share one registry.
impl PartialEq for Metrics {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Metrics {}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

// === impl Metrics ===

impl Metrics {
    /// A registry with every family registered and no samples yet.
    pub fn new() -> Self {
        let nlb = NetworkElb::default();
        let endpoints = PrivateLinkEndpoints::default();
        let services = PrivateLinkServices::default();
        let mut registry = Registry::default();
        {
            let r = registry.sub_registry_with_prefix("aws_networkelb");
            let n = &nlb;
            r.register(
                "active_flow_count",
                "ActiveFlowCount: concurrent flows from clients to targets",
                n.active_flow_count.clone(),
            );
            r.register(
                "new_flow_count",
                "NewFlowCount: flows opened from clients to targets",
                n.new_flow_count.clone(),
            );
            r.register(
                "processed_bytes",
                "ProcessedBytes: bytes processed by the load balancer, both ways",
                n.processed_bytes.clone(),
            );
            r.register(
                "healthy_host_count",
                "HealthyHostCount: targets considered healthy",
                n.healthy_host_count.clone(),
            );
            r.register(
                "un_healthy_host_count",
                "UnHealthyHostCount: targets considered unhealthy",
                n.unhealthy_host_count.clone(),
            );
            r.register(
                "tcp_client_reset_count",
                "TCP_Client_Reset_Count: reset (RST) packets sent from a client to a target",
                n.tcp_client_reset_count.clone(),
            );
            r.register(
                "tcp_target_reset_count",
                "TCP_Target_Reset_Count: reset (RST) packets sent from a target to a client",
                n.tcp_target_reset_count.clone(),
            );
            r.register(
                "tcp_elb_reset_count",
                "TCP_ELB_Reset_Count: reset (RST) packets generated by the load balancer",
                n.tcp_elb_reset_count.clone(),
            );
        }
        {
            let r = registry.sub_registry_with_prefix("aws_privatelinkendpoints");
            let e = &endpoints;
            r.register(
                "active_connections",
                "ActiveConnections: concurrent connections through the endpoint",
                e.active_connections.clone(),
            );
            r.register(
                "new_connections",
                "NewConnections: connections established through the endpoint",
                e.new_connections.clone(),
            );
            r.register(
                "bytes_processed",
                "BytesProcessed: bytes exchanged between endpoint and service, both ways",
                e.bytes_processed.clone(),
            );
            r.register("packets_dropped", "PacketsDropped: connections the endpoint dropped (security groups, endpoint state)", e.packets_dropped.clone());
            r.register(
                "rst_packets_received",
                "RstPacketsReceived: reset packets the endpoint received from the service",
                e.rst_packets_received.clone(),
            );
        }
        {
            let r = registry.sub_registry_with_prefix("aws_privatelinkservices");
            let s = &services;
            r.register(
                "active_connections",
                "ActiveConnections: concurrent connections from endpoints to the service",
                s.active_connections.clone(),
            );
            r.register(
                "new_connections",
                "NewConnections: connections established from endpoints to the service",
                s.new_connections.clone(),
            );
            r.register(
                "bytes_processed",
                "BytesProcessed: bytes exchanged between service and endpoints, both ways",
                s.bytes_processed.clone(),
            );
            r.register(
                "endpoints_count",
                "EndpointsCount: endpoints connected to the service",
                s.endpoints_count.clone(),
            );
            r.register(
                "rst_packets_sent",
                "RstPacketsSent: reset packets the service sent to endpoints",
                s.rst_packets_sent.clone(),
            );
        }
        Self(Arc::new(Inner {
            registry,
            nlb,
            endpoints,
            services,
            refusals: LastRefusals::default(),
        }))
    }

    /// Every family in the text exposition format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String does not fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    /// The value of a gauge sample, 0 when it has none.
    pub fn gauge<L>(family: &Family<L, Gauge>, labels: &L) -> i64
    where
        L: labels::LabelSet,
    {
        family.get(labels).map_or(0, |g| g.get())
    }

    /// The value of a counter sample, 0 when it has none.
    pub fn counter<L>(family: &Family<L, Counter>, labels: &L) -> u64
    where
        L: labels::LabelSet,
    {
        family.get(labels).map_or(0, |c| c.get())
    }
}

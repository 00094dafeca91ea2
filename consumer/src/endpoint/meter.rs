//! An endpoint's `AWS/PrivateLinkEndpoints` metrics for one flow: labels looked up once when
//! the flow opens, counter handles held until it closes.

use plemu_proto::metrics::flow::{Active, ByteCounters};
use plemu_proto::metrics::labels::EndpointLabels;
use plemu_proto::metrics::{Counter, Metrics};

use crate::table::Snapshot;

/// The labels of endpoint `vpce` as the snapshot describes it (only its id when it is gone).
pub(crate) fn labels(snapshot: &Snapshot, vpce: &str) -> EndpointLabels {
    match snapshot.endpoints.get(vpce) {
        Some(e) => EndpointLabels::new(vpce, &e.vpc_id, &e.service_name),
        None => EndpointLabels::new(vpce, "", ""),
    }
}

/// What an open flow holds: `ActiveConnections` raised until it is dropped, the
/// `BytesProcessed` handle and the `RstPacketsReceived` handle.
#[derive(Debug)]
pub(crate) struct FlowMeter {
    _active: Active,
    /// Every data chunk's length goes here.
    pub bytes: ByteCounters,
    rst_received: Counter,
}

impl FlowMeter {
    /// Counts a new connection of the endpoint and holds its handles.
    pub fn open(metrics: &Metrics, labels: &EndpointLabels) -> Self {
        let e = &metrics.endpoints;
        e.new_connections.get_or_create(labels).inc();
        Self {
            _active: Active::enter([e.active_connections.get_or_create(labels).clone()]),
            bytes: ByteCounters::new([e.bytes_processed.get_or_create(labels).clone()]),
            rst_received: e.rst_packets_received.get_or_create(labels).clone(),
        }
    }

    /// The service side reset the flow (or refused it).
    pub fn reset_received(&self) {
        self.rst_received.inc();
    }
}

/// Counts a connection the endpoint itself dropped (`PacketsDropped`).
pub(crate) fn dropped(metrics: &Metrics, labels: &EndpointLabels) {
    metrics
        .endpoints
        .packets_dropped
        .get_or_create(labels)
        .inc();
}

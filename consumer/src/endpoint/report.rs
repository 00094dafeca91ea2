//! Tells the control plane which endpoint listeners cannot bind, so that the endpoint is never
//! shown `available` while no client can reach it.

use std::time::Duration;

use plemu_proto::agent_token;
use plemu_proto::pb::agent_client::AgentClient;
use plemu_proto::pb::{ListenerFailure, ReportListenerFailuresRequest};
use tonic::transport::Channel;
use tracing::{debug, warn};

use super::listener::Failure;
use crate::config::Settings;

/// How long one report may take.
const REPORT_TIMEOUT: Duration = Duration::from_secs(5);

/// Reports `failures` (all of them, replacing the last report); returns whether the control
/// plane took them. A failed report is logged and tried again by the caller.
pub(crate) async fn send(
    client: &mut AgentClient<Channel>,
    settings: &Settings,
    failures: &[Failure],
) -> bool {
    let request = ReportListenerFailuresRequest {
        agent_id: settings.agent_id.clone(),
        failures: failures
            .iter()
            .map(|f| ListenerFailure {
                vpc_endpoint_id: f.vpce.clone(),
                network_interface_id: f.key.eni_id.clone(),
                address: f.key.addr.to_string(),
                error: f.error.clone(),
            })
            .collect(),
    };
    let request = agent_token::request(settings.agent_token.as_ref(), request);
    match tokio::time::timeout(REPORT_TIMEOUT, client.report_listener_failures(request)).await {
        Ok(Ok(_)) => {
            debug!(failures = failures.len(), "reported listener failures");
            true
        }
        Ok(Err(status)) => {
            warn!(code = ?status.code(), message = status.message(), "listener failure report refused; will retry");
            false
        }
        Err(_) => {
            warn!("listener failure report timed out; will retry");
            false
        }
    }
}

//! Sends the health of every checked target to the control plane when any of it changes.

use std::sync::Arc;
use std::time::Duration;

use plemu_proto::agent_token::{self, AgentToken};
use plemu_proto::pb::ReportTargetHealthRequest;
use plemu_proto::pb::agent_client::AgentClient;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

use super::table::HealthTable;

/// How long a report waits before it is retried when the control plane did not take it.
pub const RETRY_AFTER: Duration = Duration::from_secs(3);

/// How long one report may take.
const REPORT_TIMEOUT: Duration = Duration::from_secs(5);

/// Reports the whole table after each change until `shutdown` is cancelled. Changes that
/// arrive while a report is in flight coalesce into the next one; a failed report is retried
/// on the next change or after [`RETRY_AFTER`].
pub async fn run(
    mut client: AgentClient<Channel>,
    agent_id: String,
    token: Option<AgentToken>,
    table: Arc<HealthTable>,
    shutdown: CancellationToken,
) {
    let mut pending = false;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = table.changed() => pending = true,
            _ = tokio::time::sleep(RETRY_AFTER), if pending => {}
        }
        if !pending {
            continue;
        }
        let request = ReportTargetHealthRequest {
            agent_id: agent_id.clone(),
            targets: table.reports(),
        };
        let count = request.targets.len();
        let sent = tokio::select! {
            _ = shutdown.cancelled() => return,
            r = tokio::time::timeout(
                REPORT_TIMEOUT,
                client.report_target_health(agent_token::request(token.as_ref(), request)),
            ) => r,
        };
        match sent {
            Ok(Ok(_)) => {
                tracing::debug!(targets = count, "reported target health");
                pending = false;
            }
            Ok(Err(status)) => {
                tracing::warn!(code = ?status.code(), message = status.message(), "target health report failed; will retry");
            }
            Err(_) => tracing::warn!("target health report timed out; will retry"),
        }
    }
}

//! The `Agent` service: desired-state watch streams and target health reports.

use plemu_proto::pb;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use plemu_proto::agent_token::Scope;

use super::Api;
use crate::error::ApiError;
use crate::state::{AgentInfo, Shared};
use crate::watch::snapshot;

#[tonic::async_trait]
impl pb::agent_server::Agent for Api {
    type WatchStream = ReceiverStream<Result<pb::DesiredState, Status>>;

    async fn watch(
        &self,
        request: Request<pb::WatchRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        let scope = self.agent_scope(&request)?;
        let req = request.into_inner();
        allowed(&scope, &req)?;
        let role = req.role();
        if role == pb::AgentRole::Unspecified {
            return Err(ApiError::invalid(
                "InvalidParameterValue",
                "An agent must say whether it is a provider, a consumer or an orchestrator",
            )
            .into());
        }
        let info = AgentInfo {
            role,
            agent_id: req.agent_id,
            tunnel_address: req.tunnel_address,
            vpc_ids: req.vpc_ids,
            load_balancer_arns: req.load_balancer_arns,
        };
        let n = self.shared.register_agent(info.clone()).await?;
        tracing::debug!(agent = %info.agent_id, role = ?info.role, "agent connected");
        let (tx, rx) = mpsc::channel(2);
        let shared = self.shared.clone();
        self.shared.spawn(serve_watch(shared, n, info, tx));
        Ok(Response::new(ReceiverStream::new(rx)))
    }

    async fn report_target_health(
        &self,
        request: Request<pb::ReportTargetHealthRequest>,
    ) -> Result<Response<pb::ReportTargetHealthResponse>, Status> {
        if let Scope::Consumer { .. } = self.agent_scope(&request)? {
            return Err(denied("a consumer agent's token cannot report target health").into());
        }
        let req = request.into_inner();
        self.shared.report_health(req.agent_id, req.targets).await;
        Ok(Response::new(pb::ReportTargetHealthResponse {}))
    }

    async fn report_listener_failures(
        &self,
        request: Request<pb::ReportListenerFailuresRequest>,
    ) -> Result<Response<pb::ReportListenerFailuresResponse>, Status> {
        let scope = self.agent_scope(&request)?;
        let req = request.into_inner();
        match &scope {
            Scope::All => {}
            Scope::Provider { .. } => {
                return Err(
                    denied("a provider agent's token cannot report endpoint listeners").into(),
                );
            }
            Scope::Consumer { vpc_id } => {
                let foreign = self
                    .shared
                    .read(|st| {
                        req.failures.iter().find(|f| {
                            st.res
                                .endpoints
                                .get(&f.vpc_endpoint_id)
                                .is_none_or(|e| &e.vpc_id != vpc_id)
                        })
                    })
                    .await;
                if let Some(f) = foreign {
                    return Err(denied(&format!(
                        "this agent token serves {vpc_id} only, not endpoint {}",
                        f.vpc_endpoint_id
                    ))
                    .into());
                }
            }
        }
        for f in &req.failures {
            tracing::warn!(agent = %req.agent_id, vpce = %f.vpc_endpoint_id, eni = %f.network_interface_id,
                address = %f.address, error = %f.error, "endpoint listener cannot listen: the endpoint shows as failed");
        }
        self.shared
            .report_listener_failures(req.agent_id, req.failures)
            .await;
        Ok(Response::new(pb::ReportListenerFailuresResponse {}))
    }
}

impl Api {
    /// The scope of the caller's agent token.
    fn agent_scope<T>(&self, request: &Request<T>) -> Result<Scope, ApiError> {
        self.shared
            .agent_secret
            .check(request.metadata())
            .map_err(|e| ApiError::auth_failure(e.to_string()))
    }
}

/// Whether a token of `scope` may open the watch `req` asks for: a provider token serves its
/// load balancer alone, a consumer token its VPC alone.
fn allowed(scope: &Scope, req: &pb::WatchRequest) -> Result<(), ApiError> {
    let ok = match scope {
        Scope::All => true,
        Scope::Provider { load_balancer_arn } => {
            req.role() == pb::AgentRole::Provider
                && req.load_balancer_arns == [load_balancer_arn.clone()]
        }
        Scope::Consumer { vpc_id } => {
            req.role() == pb::AgentRole::Consumer && req.vpc_ids == [vpc_id.clone()]
        }
    };
    if ok {
        Ok(())
    } else {
        Err(denied(&format!(
            "this agent token allows {scope:?} only, not a {:?} watch of VPCs {:?} and load balancers {:?}",
            req.role(),
            req.vpc_ids,
            req.load_balancer_arns
        )))
    }
}

fn denied(message: &str) -> ApiError {
    ApiError::denied("UnauthorizedOperation", message)
}

/// Sends `agent` (registered as connection `n`) a snapshot now and after every change that concerns it, until it goes away or
/// the server stops.
async fn serve_watch(
    shared: Shared,
    n: u64,
    agent: AgentInfo,
    tx: mpsc::Sender<Result<pb::DesiredState, Status>>,
) {
    let mut version = shared.subscribe();
    let token = shared.shutdown_token().clone();
    let mut sent = None;
    loop {
        let v = *version.borrow_and_update();
        let snap = shared.read(|st| snapshot(st, &agent)).await;
        // A change elsewhere (another VPC, another provider) leaves this agent's state as it was:
        // the agent would only re-apply the same state, so send nothing.
        if sent.as_ref() != Some(&snap) {
            let stamped = pb::DesiredState {
                version: v,
                ..snap.clone()
            };
            tokio::select! {
                r = tx.send(Ok(stamped)) => if r.is_err() { break },
                () = token.cancelled() => break,
            }
            sent = Some(snap);
        }
        tokio::select! {
            r = version.changed() => if r.is_err() { break },
            () = tx.closed() => break,
            () = token.cancelled() => break,
        }
    }
    shared.unregister_agent(n).await;
    tracing::debug!(agent = %agent.agent_id, "agent disconnected");
}

#[cfg(test)]
mod tests;

//! Whether a new flow may pass, and to which target: the grant, the listener and the flow hash.

use std::time::Duration;

use plemu_proto::pb::{OpenFlow, ProviderState};
use subtle::ConstantTimeEq;
use tonic::Status;

use crate::health::TargetKey;
use crate::health::table::HealthTable;
use crate::nlb::idle::DEFAULT_IDLE_TIMEOUT;
use crate::nlb::security_group;
use crate::nlb::select::{FlowKey, choose};
use crate::nlb::target::traffic_port;

/// Where an admitted flow goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The load balancer whose listener took the flow.
    pub load_balancer_arn: String,
    /// The listener's target group.
    pub target_group_arn: String,
    /// The chosen target's id as registered.
    pub target_id: String,
    /// The chosen target's traffic port.
    pub target_port: u16,
    /// No eligible target was healthy: the NLB failed open.
    pub failed_open: bool,
    /// The listener's `tcp.idle_timeout.seconds`.
    pub idle_timeout: Duration,
    /// The target group's `proxy_protocol_v2.enabled`: the target gets a PROXY v2 header first.
    pub proxy_protocol_v2: bool,
    /// The bind address of the load balancer node in the zone the flow entered: where its
    /// connection to the target comes from, as a target on AWS sees the NLB node's IP.
    pub node_source: Option<std::net::Ipv4Addr>,
}

impl Route {
    /// The target as `id:port`, as the `opened` frame names it.
    pub fn target(&self) -> String {
        format!("{}:{}", self.target_id, self.target_port)
    }

    /// The chosen target's key, as health checks and the flow table know it.
    pub fn key(&self) -> TargetKey {
        TargetKey::new(
            &self.target_group_arn,
            &self.target_id,
            u32::from(self.target_port),
        )
    }
}

/// Why a flow was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// No endpoint with this id is connected to a service of this agent.
    UnknownEndpoint(String),
    /// The credential does not match the endpoint's.
    BadCredential(String),
    /// The flow claims a network interface, zone or address the endpoint does not have.
    ForeignInterface {
        /// The endpoint.
        vpc_endpoint_id: String,
        /// What the flow claimed: `eni@zone/address`.
        claimed: String,
    },
    /// The endpoint connection is not `available`.
    NotAvailable {
        /// The endpoint.
        vpc_endpoint_id: String,
        /// Its connection state.
        state: String,
    },
    /// None of the service's load balancers listens on the port.
    NoListener {
        /// The endpoint.
        vpc_endpoint_id: String,
        /// The port asked for.
        port: u32,
    },
    /// The load balancer is not `active` (still `provisioning`): it carries no traffic.
    NotActive {
        /// The load balancer.
        load_balancer_arn: String,
        /// Its state.
        state: String,
    },
    /// The load balancer's security groups admit no traffic from the client on the port.
    SecurityGroups {
        /// The load balancer.
        load_balancer_arn: String,
        /// The client's address.
        client: String,
        /// The listener port.
        port: u32,
    },
    /// The listener's target group has no target eligible for the flow.
    NoTargets {
        /// The target group.
        target_group_arn: String,
    },
}

impl Rejection {
    /// The status the tunnel stream ends with.
    pub fn to_status(&self) -> Status {
        match self {
            Self::UnknownEndpoint(vpce) => Status::permission_denied(format!(
                "VPC endpoint {vpce} has no access to this service"
            )),
            Self::BadCredential(vpce) => {
                Status::permission_denied(format!("invalid credential for VPC endpoint {vpce}"))
            }
            Self::ForeignInterface {
                vpc_endpoint_id,
                claimed,
            } => Status::permission_denied(format!(
                "VPC endpoint {vpc_endpoint_id} has no network interface {claimed}"
            )),
            Self::NotAvailable {
                vpc_endpoint_id,
                state,
            } => Status::failed_precondition(format!("VPC endpoint {vpc_endpoint_id} is {state}")),
            Self::NoListener {
                vpc_endpoint_id,
                port,
            } => Status::not_found(format!(
                "no listener on port {port} for VPC endpoint {vpc_endpoint_id}"
            )),
            Self::NotActive {
                load_balancer_arn,
                state,
            } => Status::unavailable(format!("load balancer {load_balancer_arn} is {state}")),
            Self::SecurityGroups {
                load_balancer_arn,
                client,
                port,
            } => Status::permission_denied(format!(
                "the security groups of load balancer {load_balancer_arn} admit no traffic from {client} on port {port}"
            )),
            Self::NoTargets { target_group_arn } => Status::unavailable(format!(
                "no targets registered in {target_group_arn} for this flow"
            )),
        }
    }
}

/// The verdict on a new flow. Refusal is an expected outcome, not an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// The flow may pass, to this target.
    Allowed(Route),
    /// The flow is refused.
    Rejected(Rejection),
}

/// Decides on the flow that `open` announces, against the snapshot `state` and current `health`.
///
/// # Arguments
/// * `sequence`: the flow's random number for the flow hash.
pub fn admit(
    state: &ProviderState,
    health: &HealthTable,
    open: &OpenFlow,
    sequence: u32,
) -> Admission {
    let vpce = &open.vpc_endpoint_id;
    let Some(grant) = state.endpoints.iter().find(|g| &g.vpc_endpoint_id == vpce) else {
        return Admission::Rejected(Rejection::UnknownEndpoint(vpce.clone()));
    };
    let same: bool = grant
        .credential
        .as_bytes()
        .ct_eq(open.credential.as_bytes())
        .into();
    if grant.credential.is_empty() || !same {
        return Admission::Rejected(Rejection::BadCredential(vpce.clone()));
    }
    // The interface, its zone and its address: nothing the open frame says is taken on trust.
    let eni_ip = open.eni_address.rsplit_once(':').map(|(ip, _)| ip);
    let Some(eni) = grant.network_interfaces.iter().find(|n| {
        n.network_interface_id == open.network_interface_id
            && n.availability_zone == open.availability_zone
            && Some(n.private_ip_address.as_str()) == eni_ip
    }) else {
        return Admission::Rejected(Rejection::ForeignInterface {
            vpc_endpoint_id: vpce.clone(),
            claimed: format!(
                "{}@{}/{}",
                open.network_interface_id, open.availability_zone, open.eni_address
            ),
        });
    };
    if grant.state != "available" {
        return Admission::Rejected(Rejection::NotAvailable {
            vpc_endpoint_id: vpce.clone(),
            state: grant.state.clone(),
        });
    }
    let listener = grant.load_balancer_arns.iter().find_map(|arn| {
        let lb = state
            .load_balancers
            .iter()
            .find(|lb| &lb.load_balancer_arn == arn)?;
        let l = lb.listeners.iter().find(|l| l.port == open.port)?;
        Some((lb, l))
    });
    let Some((lb, listener)) = listener else {
        return Admission::Rejected(Rejection::NoListener {
            vpc_endpoint_id: vpce.clone(),
            port: open.port,
        });
    };
    if lb.state != "active" {
        return Admission::Rejected(Rejection::NotActive {
            load_balancer_arn: lb.load_balancer_arn.clone(),
            state: lb.state.clone(),
        });
    }
    if !security_group::admits(
        lb,
        &state.security_groups,
        &open.client_address,
        listener.port,
    ) {
        return Admission::Rejected(Rejection::SecurityGroups {
            load_balancer_arn: lb.load_balancer_arn.clone(),
            client: open.client_address.clone(),
            port: listener.port,
        });
    }
    let no_targets = || {
        Admission::Rejected(Rejection::NoTargets {
            target_group_arn: listener.target_group_arn.clone(),
        })
    };
    let Some(tg) = state
        .target_groups
        .iter()
        .find(|tg| tg.target_group_arn == listener.target_group_arn)
    else {
        return no_targets();
    };
    let flow = FlowKey {
        client: &open.client_address,
        eni: &open.eni_address,
        port: open.port,
        sequence,
    };
    let is_healthy = |t: &plemu_proto::pb::TargetSpec| health.is_healthy(&TargetKey::of(tg, t));
    // The target group's cross-zone setting wins over the load balancer's.
    let attributes = tg.attributes.unwrap_or_default();
    let cross_zone = attributes
        .cross_zone_enabled
        .unwrap_or(lb.cross_zone_enabled);
    let Some(choice) = choose(
        &tg.targets,
        &eni.availability_zone,
        cross_zone,
        is_healthy,
        &flow,
    ) else {
        return no_targets();
    };
    let Ok(target_port) = u16::try_from(traffic_port(tg, choice.target)) else {
        return no_targets();
    };
    Admission::Allowed(Route {
        load_balancer_arn: lb.load_balancer_arn.clone(),
        target_group_arn: tg.target_group_arn.clone(),
        target_id: choice.target.id.clone(),
        target_port,
        failed_open: choice.failed_open,
        idle_timeout: match listener.idle_timeout_seconds {
            0 => DEFAULT_IDLE_TIMEOUT,
            s => Duration::from_secs(s.into()),
        },
        proxy_protocol_v2: attributes.proxy_protocol_v2,
        node_source: node_source(lb, &eni.availability_zone),
    })
}

/// The bind address of `lb`'s node in `zone` (the first node's when it has none there).
fn node_source(lb: &plemu_proto::pb::LoadBalancerSpec, zone: &str) -> Option<std::net::Ipv4Addr> {
    lb.nodes
        .iter()
        .find(|n| n.availability_zone == zone)
        .or_else(|| lb.nodes.first())
        .and_then(|n| n.bind_address.parse().ok())
}

#[cfg(test)]
mod tests;

//! Endpoint services (provider side) and interface endpoints (consumer side) with their state machine.

use std::net::Ipv4Addr;

use plemu_proto::pb::DnsNameKind;
use serde::{Deserialize, Serialize};

use super::{Owner, Tag};
use crate::error::ApiError;

/// An endpoint service configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Service {
    /// `vpce-svc-` + 17 hex.
    pub id: String,
    /// `com.amazonaws.vpce.REGION.ID`.
    pub name: String,
    pub owner: Owner,
    pub nlb_arns: Vec<String>,
    pub acceptance_required: bool,
    pub private_dns: Option<PrivateDns>,
    /// Zones of the load balancers' subnets, sorted.
    pub azs: Vec<String>,
    pub permissions: Vec<Permission>,
    pub tags: Vec<Tag>,
    /// The create call's client token and a fingerprint of its parameters, for idempotency.
    pub client_token: Option<(String, String)>,
}

/// A service's private DNS name and its verification record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PrivateDns {
    /// Lower-case DNS name.
    pub name: String,
    pub state: PrivateDnsState,
    /// TXT record subdomain, `_` + 20 `[a-z0-9]`.
    pub txt_name: String,
    /// TXT record value, `vpce:` + 20 `[A-Za-z0-9]`.
    pub txt_value: String,
}

/// Verification state of a private DNS name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum PrivateDnsState {
    /// Waiting for the provider to prove ownership.
    PendingVerification,
    /// Consumers may use the name.
    Verified,
}

impl PrivateDnsState {
    /// The state's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PendingVerification => "pendingVerification",
            Self::Verified => "verified",
        }
    }
}

/// An allowed principal of a service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Permission {
    /// `vpce-svc-perm-` + 17 hex.
    pub id: String,
    pub principal: String,
    /// `All` | `Account` | `User` | `Role`.
    pub principal_type: String,
}

/// An interface endpoint and its connection to a service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Endpoint {
    /// `vpce-` + 17 hex.
    pub id: String,
    pub owner: Owner,
    pub vpc_id: String,
    pub service_id: String,
    pub service_name: String,
    pub state: EndpointState,
    /// One per subnet, in request order.
    pub enis: Vec<Eni>,
    pub security_group_ids: Vec<String>,
    pub private_dns_enabled: bool,
    /// The 8 `[a-z0-9]` of the endpoint's DNS names.
    pub dns_suffix: String,
    /// Hosted zone id of the private DNS name entry.
    pub private_zone_id: String,
    /// Shared secret the consumer agent presents to the provider agent.
    pub credential: String,
    pub created: String,
    pub tags: Vec<Tag>,
    /// The create call's client token and a fingerprint of its parameters, for idempotency.
    pub client_token: Option<(String, String)>,
}

impl Endpoint {
    /// The endpoint's DNS names with their kind and zone: regional, one zonal per ENI, then the
    /// service's private name when enabled and verified.
    pub fn dns_names(&self, svc: Option<&Service>) -> Vec<(String, DnsNameKind, String)> {
        let base = format!(
            "{}.{}.vpce.amazonaws.com",
            self.service_id, self.owner.region
        );
        let prefix = format!("{}-{}", self.id, self.dns_suffix);
        let mut out = vec![(
            format!("{prefix}.{base}"),
            DnsNameKind::Regional,
            String::new(),
        )];
        for n in &self.enis {
            out.push((
                format!("{prefix}-{}.{base}", n.az),
                DnsNameKind::Zonal,
                n.az.clone(),
            ));
        }
        let verified = svc
            .and_then(|v| v.private_dns.as_ref())
            .filter(|d| d.state == PrivateDnsState::Verified && self.private_dns_enabled);
        if let Some(d) = verified {
            out.push((d.name.clone(), DnsNameKind::Private, String::new()));
        }
        out
    }
}

/// An endpoint network interface: modelled address in its subnet, and a loopback bind address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Eni {
    /// `eni-` + 17 hex.
    pub id: String,
    pub subnet_id: String,
    pub az: String,
    /// What DescribeVpcEndpoints and security groups see.
    pub ip: Ipv4Addr,
    /// Where the consumer agent listens in all-in-one mode.
    pub bind: Ipv4Addr,
}

/// The endpoint (connection) state, as AWS's `VpcEndpoint.State`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum EndpointState {
    /// Waiting for the service owner to accept.
    PendingAcceptance,
    /// Accepted (or auto-accepted), being provisioned.
    Pending,
    /// Carries traffic.
    Available,
    /// Rejected by the service owner.
    Rejected,
}

/// What happens to an endpoint connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EndpointEvent {
    /// The service owner accepts the connection request.
    Accept,
    /// The provisioning delay has passed.
    Provisioned,
    /// The service owner rejects the connection.
    Reject,
}

impl EndpointState {
    /// The state a new endpoint starts in.
    pub fn initial(acceptance_required: bool) -> Self {
        if acceptance_required {
            Self::PendingAcceptance
        } else {
            Self::Pending
        }
    }

    /// The state after `event`.
    ///
    /// # Errors
    /// `InvalidState` when the event does not apply in this state.
    pub fn on(self, event: EndpointEvent) -> Result<Self, ApiError> {
        use EndpointEvent as E;
        match (self, event) {
            (Self::PendingAcceptance, E::Accept) => Ok(Self::Pending),
            (Self::Pending, E::Provisioned) => Ok(Self::Available),
            (Self::PendingAcceptance | Self::Pending | Self::Available, E::Reject) => {
                Ok(Self::Rejected)
            }
            (state, _) => Err(ApiError::conflict(
                "InvalidState",
                format!("Endpoint is in state '{}'", state.as_str()),
            )),
        }
    }

    /// The state's wire name (lowerCamel).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PendingAcceptance => "pendingAcceptance",
            Self::Pending => "pending",
            Self::Available => "available",
            Self::Rejected => "rejected",
        }
    }

    /// Whether the endpoint holds the service (deleting the service is refused).
    pub fn is_active(self) -> bool {
        matches!(
            self,
            Self::PendingAcceptance | Self::Pending | Self::Available
        )
    }
}

#[cfg(test)]
mod tests {
    use super::EndpointEvent::*;
    use super::EndpointState::*;

    #[test]
    fn endpoint_transitions() {
        let cases = [
            (PendingAcceptance, Accept, Some(Pending)),
            (PendingAcceptance, Provisioned, None),
            (PendingAcceptance, Reject, Some(Rejected)),
            (Pending, Accept, None),
            (Pending, Provisioned, Some(Available)),
            (Pending, Reject, Some(Rejected)),
            (Available, Accept, None),
            (Available, Provisioned, None),
            (Available, Reject, Some(Rejected)),
            (Rejected, Accept, None),
            (Rejected, Reject, None),
        ];
        for (from, event, to) in cases {
            let got = from.on(event);
            assert_eq!(got.as_ref().ok().copied(), to, "{from:?} on {event:?}");
            if let Err(e) = got {
                assert_eq!(e.code(), "InvalidState");
                assert!(e.message().contains(from.as_str()));
            }
        }
        assert_eq!(super::EndpointState::initial(true), PendingAcceptance);
        assert_eq!(super::EndpointState::initial(false), Pending);
    }
}

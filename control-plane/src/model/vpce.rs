//! Endpoint services (provider side) and interface endpoints (consumer side); their states are in
//! `lifecycle`.

use std::net::Ipv4Addr;

use plemu_proto::pb::DnsNameKind;
use serde::{Deserialize, Serialize};

use super::lifecycle::{EndpointEvent, EndpointState, ServiceEvent, ServiceState};
use super::{Owner, Tag, unix_millis};
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
    /// `Available` for records stored before services had states.
    #[serde(default = "ServiceState::available")]
    pub state: ServiceState,
    /// When `state` was entered, in milliseconds since the Unix epoch (0: long ago).
    #[serde(default)]
    pub state_since: i64,
    pub tags: Vec<Tag>,
    /// The create call's client token and a fingerprint of its parameters, for idempotency.
    pub client_token: Option<(String, String)>,
}

impl Service {
    /// Moves to the state after `event`, noting when.
    ///
    /// # Errors
    /// `InvalidState` when `event` does not apply (see [`ServiceState::on`]).
    pub fn apply(&mut self, event: ServiceEvent) -> Result<(), ApiError> {
        self.state = self.state.on(event)?;
        self.state_since = unix_millis();
        Ok(())
    }
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
    /// The last verification found no TXT record with the value (or could not ask the
    /// resolver); another `StartVpcEndpointServicePrivateDnsVerification` tries again.
    Failed,
}

impl PrivateDns {
    /// A name waiting for verification, with a new TXT record name and value: on create, and
    /// whenever ModifyVpcEndpointServiceConfiguration sets a name.
    pub fn pending(name: String) -> Self {
        Self {
            name,
            state: PrivateDnsState::PendingVerification,
            txt_name: format!("_{}", plemu_proto::ids::random_lower_alnum(20)),
            txt_value: format!("vpce:{}", plemu_proto::ids::random_alnum(20)),
        }
    }
}

impl PrivateDnsState {
    /// The state's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PendingVerification => "pendingVerification",
            Self::Verified => "verified",
            Self::Failed => "failed",
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
    /// When `state` was entered, in milliseconds since the Unix epoch (0: long ago).
    #[serde(default)]
    pub state_since: i64,
    /// One per subnet, in request order.
    pub enis: Vec<Eni>,
    pub security_group_ids: Vec<String>,
    pub private_dns_enabled: bool,
    /// The endpoint policy as given (JSON); `None`: AWS's default full-access policy.
    #[serde(default)]
    pub policy_document: Option<String>,
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
    /// Moves to the state after `event`, noting when. Entering `deleting` deletes the network
    /// interfaces (AWS: "we delete its endpoint network interfaces"), freeing their subnets.
    ///
    /// # Errors
    /// `InvalidState` when `event` does not apply (see [`EndpointState::on`]).
    pub fn apply(&mut self, event: EndpointEvent) -> Result<(), ApiError> {
        let next = self.state.on(event)?;
        if next != self.state {
            self.state = next;
            self.state_since = unix_millis();
        }
        if self.state.is_gone() {
            self.enis.clear();
        }
        Ok(())
    }

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

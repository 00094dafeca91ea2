//! Connection notifications: which endpoint events of a service or an endpoint go to which SNS
//! topic.

use serde::{Deserialize, Serialize};

use super::Owner;

/// A connection notification, on a service (the provider's) or an endpoint (the consumer's).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ConnectionNotification {
    /// `vpce-nfn-` + 17 hex.
    pub id: String,
    pub owner: Owner,
    pub target: NotificationTarget,
    /// The SNS topic ARN.
    pub topic_arn: String,
    pub events: Vec<ConnectionEventType>,
    /// The create call's client token and a fingerprint of its parameters, for idempotency.
    pub client_token: Option<(String, String)>,
}

/// What a notification watches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum NotificationTarget {
    /// Every endpoint of the service `vpce-svc-…`.
    Service(String),
    /// The endpoint `vpce-…`.
    Endpoint(String),
}

/// AWS's connection event types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum ConnectionEventType {
    /// A consumer asked to connect (an endpoint was created).
    Connect,
    /// The connection was accepted (by the provider, or by the service itself).
    Accept,
    /// The provider rejected the connection.
    Reject,
    /// The endpoint was deleted.
    Delete,
}

impl ConnectionEventType {
    /// Every type, in AWS's documented order.
    pub const ALL: [Self; 4] = [Self::Accept, Self::Connect, Self::Delete, Self::Reject];

    /// The type's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connect => "Connect",
            Self::Accept => "Accept",
            Self::Reject => "Reject",
            Self::Delete => "Delete",
        }
    }

    /// The type named `s`, exactly as AWS spells it.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

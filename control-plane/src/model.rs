//! The resources the control plane owns, as stored: one struct per AWS resource and its state enum.

pub(crate) mod attributes;
pub(crate) mod ec2;
pub(crate) mod elbv2;
pub(crate) mod lifecycle;
pub(crate) mod notification;
pub(crate) mod public_dns;
pub(crate) mod vpce;

use std::collections::BTreeMap;

use plemu_proto::meta::Caller;
use plemu_proto::pb;
use serde::{Deserialize, Serialize};

pub(crate) use ec2::{RuleSource, SecurityGroup, SgRule, Subnet, Vpc};
pub(crate) use elbv2::{HealthCheck, LbNode, LbState, Listener, LoadBalancer, Target, TargetGroup};
pub(crate) use lifecycle::{EndpointEvent, EndpointState, ServiceEvent, ServiceState};
pub(crate) use notification::{ConnectionEventType, ConnectionNotification, NotificationTarget};
pub(crate) use public_dns::TxtRecord;
pub(crate) use vpce::{Endpoint, Eni, Permission, PrivateDns, PrivateDnsState, Service};

/// A resource tag.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Tag {
    pub key: String,
    pub value: String,
}

impl Tag {
    pub fn from_pb(tags: &[pb::Tag]) -> Vec<Tag> {
        tags.iter()
            .map(|t| Tag {
                key: t.key.clone(),
                value: t.value.clone(),
            })
            .collect()
    }

    pub fn to_pb(tags: &[Tag]) -> Vec<pb::Tag> {
        tags.iter()
            .map(|t| pb::Tag {
                key: t.key.clone(),
                value: t.value.clone(),
            })
            .collect()
    }
}

/// Who owns a resource: account and region.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Owner {
    pub account: String,
    pub region: String,
}

impl Owner {
    pub fn of(caller: &Caller) -> Self {
        Self {
            account: caller.account.clone(),
            region: caller.region.clone(),
        }
    }

    /// Whether `caller` sees this resource (AWS answers "not found" to everyone else).
    pub fn visible_to(&self, caller: &Caller) -> bool {
        self.account == caller.account && self.region == caller.region
    }
}

/// The current time as AWS prints it: ISO 8601 UTC with milliseconds.
pub(crate) fn now_iso() -> String {
    iso(time::OffsetDateTime::now_utc())
}

/// `t` as `2017-11-30T10:00:24.350Z`.
pub(crate) fn iso(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// Milliseconds since the Unix epoch, wall clock: when a state was entered, kept in the store so
/// that timed transitions survive a restart.
pub(crate) fn unix_millis() -> i64 {
    i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000)
        .unwrap_or(i64::MAX)
}

/// Seconds since the Unix epoch, wall clock.
pub(crate) fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A change to write to the store: `kind/id` and the JSON record, or `None` to delete it.
pub(crate) type Op = (String, Option<Vec<u8>>);

macro_rules! resources {
    ($($field:ident: $ty:ty => $kind:literal),* $(,)?) => {
        /// Everything the control plane persists, keyed by id (EC2) or ARN (ELBv2).
        #[derive(Clone, Debug, Default)]
        pub(crate) struct Resources {
            $(pub $field: BTreeMap<String, $ty>,)*
        }

        impl Resources {
            /// Rebuilds the resources from stored `kind/id` records.
            pub fn load(
                records: Vec<(String, Vec<u8>)>,
            ) -> Result<Self, crate::error::StoreError> {
                let mut res = Self::default();
                for (key, bytes) in records {
                    let Some((kind, id)) = key.split_once('/') else { continue };
                    let bad = |source| crate::error::StoreError::Record { key: key.clone(), source };
                    match kind {
                        $($kind => {
                            res.$field.insert(id.to_string(), serde_json::from_slice(&bytes).map_err(bad)?);
                        })*
                        _ => tracing::warn!(%key, "ignoring a stored record of unknown kind"),
                    }
                }
                Ok(res)
            }

            /// The store writes that turn `old` into `self`.
            pub fn diff(&self, old: &Self) -> Result<Vec<Op>, crate::error::StoreError> {
                let mut ops = Vec::new();
                $(diff_map($kind, &old.$field, &self.$field, &mut ops)?;)*
                Ok(ops)
            }
        }
    };
}

resources! {
    vpcs: Vpc => "vpc",
    subnets: Subnet => "subnet",
    security_groups: SecurityGroup => "sg",
    load_balancers: LoadBalancer => "lb",
    target_groups: TargetGroup => "tg",
    listeners: Listener => "listener",
    services: Service => "service",
    endpoints: Endpoint => "endpoint",
    notifications: ConnectionNotification => "notification",
    txt_records: TxtRecord => "txt",
}

fn diff_map<T: Serialize + PartialEq>(
    kind: &str,
    old: &BTreeMap<String, T>,
    new: &BTreeMap<String, T>,
    ops: &mut Vec<Op>,
) -> Result<(), crate::error::StoreError> {
    for (id, v) in new {
        if old.get(id) != Some(v) {
            let key = format!("{kind}/{id}");
            let bytes =
                serde_json::to_vec(v).map_err(|source| crate::error::StoreError::Record {
                    key: key.clone(),
                    source,
                })?;
            ops.push((key, Some(bytes)));
        }
    }
    for id in old.keys().filter(|id| !new.contains_key(*id)) {
        ops.push((format!("{kind}/{id}"), None));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_millis() {
        let t = time::OffsetDateTime::from_unix_timestamp_nanos(1_512_036_024_350_000_000).unwrap();
        assert_eq!(iso(t), "2017-11-30T10:00:24.350Z");
    }
}

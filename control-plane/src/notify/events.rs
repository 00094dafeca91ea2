//! The connection events a committed change makes, from the endpoints before and after it:
//! `Connect` when an endpoint appears, `Accept` when it leaves `pendingAcceptance` for `pending`
//! or `available` (or is created accepted, by a service that accepts by itself), `Reject` when it
//! turns `rejected`, `Delete` when it turns `deleting`/`deleted` or goes.

use plemu_proto::pb;

use super::Published;
use crate::model::{
    ConnectionEventType, ConnectionNotification, Endpoint, NotificationTarget, Resources, now_iso,
};

/// States of an endpoint on its way out.
fn leaving(state: &str) -> bool {
    matches!(state, "deleting" | "deleted")
}

/// States of an endpoint that the service has accepted.
fn accepted(state: &str) -> bool {
    matches!(state, "pending" | "available")
}

/// The events that turning `old` into `new` makes, one per notification that asks for it.
pub(crate) fn between(old: &Resources, new: &Resources) -> Vec<Published> {
    let mut happened: Vec<(ConnectionEventType, &Endpoint, &str)> = Vec::new();
    for (id, e) in &new.endpoints {
        let now = e.state.as_str();
        match old.endpoints.get(id) {
            None => {
                happened.push((ConnectionEventType::Connect, e, now));
                if accepted(now) {
                    happened.push((ConnectionEventType::Accept, e, now));
                }
            }
            Some(o) => {
                let was = o.state.as_str();
                if was == now {
                    continue;
                }
                if was == "pendingAcceptance" && accepted(now) {
                    happened.push((ConnectionEventType::Accept, e, now));
                } else if now == "rejected" {
                    happened.push((ConnectionEventType::Reject, e, now));
                } else if leaving(now) && !leaving(was) {
                    happened.push((ConnectionEventType::Delete, e, now));
                }
            }
        }
    }
    for (id, o) in &old.endpoints {
        if !new.endpoints.contains_key(id) && !leaving(o.state.as_str()) {
            happened.push((ConnectionEventType::Delete, o, "deleted"));
        }
    }
    if happened.is_empty() {
        return Vec::new();
    }
    // The notifications of either side of the change: one made in it counts, and one that went
    // with its endpoint still hears of the endpoint's deletion.
    let notifications: Vec<&ConnectionNotification> = new
        .notifications
        .values()
        .chain(
            old.notifications
                .values()
                .filter(|n| !new.notifications.contains_key(&n.id)),
        )
        .collect();
    let time = now_iso();
    let mut out = Vec::new();
    for (kind, e, state) in happened {
        for n in &notifications {
            let watches = match &n.target {
                NotificationTarget::Service(id) => *id == e.service_id,
                NotificationTarget::Endpoint(id) => *id == e.id,
            };
            if watches && n.events.contains(&kind) {
                out.push(Published {
                    owner: n.owner.clone(),
                    event: event(n, kind, e, state, &time),
                });
            }
        }
    }
    out
}

/// The event, with the JSON message SNS would carry.
fn event(
    n: &ConnectionNotification,
    kind: ConnectionEventType,
    e: &Endpoint,
    state: &str,
    time: &str,
) -> pb::ConnectionEvent {
    let message = serde_json::json!({
        "connectionNotificationId": n.id,
        "eventType": kind.as_str(),
        "serviceId": e.service_id,
        "vpcEndpointId": e.id,
        "vpcEndpointOwner": e.owner.account,
        "vpcEndpointState": state,
        "time": time,
    });
    pb::ConnectionEvent {
        connection_notification_id: n.id.clone(),
        topic_arn: n.topic_arn.clone(),
        event_type: kind.as_str().into(),
        service_id: e.service_id.clone(),
        vpc_endpoint_id: e.id.clone(),
        vpc_endpoint_owner: e.owner.account.clone(),
        vpc_endpoint_state: state.into(),
        time: time.into(),
        message: message.to_string(),
        message_id: crate::query::request_id(),
    }
}

/// Drops the notifications whose service or endpoint is deleted (even while it is still
/// described as `deleting`/`deleted`), as AWS deletes them with it.
pub(crate) fn cascade(res: &mut Resources) {
    let Resources {
        notifications,
        services,
        endpoints,
        ..
    } = res;
    notifications.retain(|_, n| match &n.target {
        NotificationTarget::Service(id) => services.get(id).is_some_and(|s| !s.state.is_gone()),
        NotificationTarget::Endpoint(id) => endpoints.get(id).is_some_and(|e| !e.state.is_gone()),
    });
}

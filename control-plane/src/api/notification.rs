//! Connection notifications: `CreateVpcEndpointConnectionNotification`,
//! `ModifyVpcEndpointConnectionNotification`, `DeleteVpcEndpointConnectionNotifications` and
//! `DescribeVpcEndpointConnectionNotifications`, and plemu's `WatchConnectionEvents` stream of
//! what they publish (`crate::notify` finds and delivers the events).

use std::pin::Pin;

use plemu_proto::ids::{ConnectionNotificationId, VpcEndpointId};
use plemu_proto::meta::Caller;
use plemu_proto::pb;
use tokio_stream::Stream;

use super::vpce::{by_token, owned_service};
use super::{Api, fingerprint};
use crate::error::ApiError;
use crate::filter::{self, Filterable};
use crate::model::{
    ConnectionEventType, ConnectionNotification, NotificationTarget, Owner, Resources,
};
use crate::state::Shared;
use crate::validate;

/// `InvalidConnectionNotification`: AWS's code for an id that names no notification of the caller.
fn not_found(id: &str) -> ApiError {
    ApiError::not_found(
        "InvalidConnectionNotification",
        format!("The connection notification '{id}' does not exist"),
    )
}

fn owned<'a>(
    res: &'a mut Resources,
    caller: &Caller,
    id: &str,
) -> Result<&'a mut ConnectionNotification, ApiError> {
    if id.parse::<ConnectionNotificationId>().is_err() {
        return Err(not_found(id));
    }
    res.notifications
        .get_mut(id)
        .filter(|n| n.owner.visible_to(caller))
        .ok_or_else(|| not_found(id))
}

/// An SNS topic ARN as AWS checks it: `arn:aws:sns:<region>:<12 digits>:<name>`, the name 1 to
/// 256 of `[A-Za-z0-9_-]` (a FIFO topic's ending in `.fifo`).
fn topic_arn(arn: &str) -> Result<String, ApiError> {
    validate::required(arn, "ConnectionNotificationArn")?;
    let bad = || {
        ApiError::invalid(
            "InvalidParameter",
            format!(
                "Invalid ConnectionNotificationArn '{arn}': expected an SNS topic ARN, \
                 arn:aws:sns:<region>:<account-id>:<topic-name>"
            ),
        )
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [
        "arn",
        "aws" | "aws-cn" | "aws-us-gov",
        "sns",
        region,
        account,
        name,
    ] = parts.as_slice()
    else {
        return Err(bad());
    };
    let region_ok = region.split('-').count() >= 3
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    let base = name.strip_suffix(".fifo").unwrap_or(name);
    let name_ok = (1..=256).contains(&name.len())
        && !base.is_empty()
        && base
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if region_ok && account_ok && name_ok {
        Ok(arn.to_string())
    } else {
        Err(bad())
    }
}

/// The event types, each once; `InvalidParameterValue` naming one AWS does not have.
fn events(given: &[String]) -> Result<Vec<ConnectionEventType>, ApiError> {
    if given.is_empty() {
        return Err(ApiError::invalid(
            "MissingParameter",
            "The request must contain the parameter ConnectionEvents",
        ));
    }
    let mut out = Vec::new();
    for e in given {
        let t = ConnectionEventType::parse(e).ok_or_else(|| {
            ApiError::invalid(
                "InvalidParameterValue",
                format!(
                    "Value ({e}) for parameter ConnectionEvents is invalid. \
                     Valid values are Accept, Connect, Delete, and Reject."
                ),
            )
        })?;
        if !out.contains(&t) {
            out.push(t);
        }
    }
    Ok(out)
}

pub(super) fn to_pb(n: &ConnectionNotification) -> pb::ConnectionNotification {
    let (service_id, vpc_endpoint_id) = match &n.target {
        NotificationTarget::Service(id) => (id.clone(), String::new()),
        NotificationTarget::Endpoint(id) => (String::new(), id.clone()),
    };
    pb::ConnectionNotification {
        connection_notification_id: n.id.clone(),
        service_id,
        vpc_endpoint_id,
        connection_notification_type: "Topic".into(),
        connection_notification_arn: n.topic_arn.clone(),
        connection_events: n.events.iter().map(|e| e.as_str().to_string()).collect(),
        connection_notification_state: "Enabled".into(),
        service_region: n.owner.region.clone(),
    }
}

pub(super) async fn create_notification(
    s: &Shared,
    caller: &Caller,
    req: pb::CreateVpcEndpointConnectionNotificationRequest,
) -> Result<pb::CreateVpcEndpointConnectionNotificationResponse, ApiError> {
    let topic = topic_arn(&req.connection_notification_arn)?;
    let events = events(&req.connection_events)?;
    let print = fingerprint(&req);
    let n = s
        .mutate(|res| {
            if let Some(existing) = by_token(
                res.notifications.values(),
                caller,
                &req.client_token,
                &print,
                |n| (&n.owner, &n.client_token),
            )? {
                return Ok(existing.clone());
            }
            let target = match (req.service_id.as_str(), req.vpc_endpoint_id.as_str()) {
                ("", "") => {
                    return Err(ApiError::invalid(
                        "MissingParameter",
                        "The request must contain the parameter ServiceId or VpcEndpointId",
                    ));
                }
                (svc, "") => {
                    NotificationTarget::Service(owned_service(res, caller, svc)?.id.clone())
                }
                ("", vpce) => {
                    validate::ec2_id::<VpcEndpointId>(vpce, "InvalidVpcEndpointId.Malformed")?;
                    res.endpoints
                        .get(vpce)
                        .filter(|e| e.owner.visible_to(caller))
                        .ok_or_else(|| {
                            ApiError::not_found(
                                "InvalidVpcEndpointId.NotFound",
                                format!("The Vpc Endpoint Id '{vpce}' does not exist"),
                            )
                        })?;
                    NotificationTarget::Endpoint(vpce.to_string())
                }
                _ => {
                    return Err(ApiError::invalid(
                        "InvalidParameterCombination",
                        "Specify either ServiceId or VpcEndpointId, not both",
                    ));
                }
            };
            let n = ConnectionNotification {
                id: ConnectionNotificationId::generate().to_string(),
                owner: Owner::of(caller),
                target,
                topic_arn: topic,
                events,
                client_token: (!req.client_token.is_empty())
                    .then(|| (req.client_token.clone(), print.clone())),
            };
            res.notifications.insert(n.id.clone(), n.clone());
            Ok(n)
        })
        .await?;
    Ok(pb::CreateVpcEndpointConnectionNotificationResponse {
        connection_notification: Some(to_pb(&n)),
        client_token: req.client_token,
    })
}

pub(super) async fn modify_notification(
    s: &Shared,
    caller: &Caller,
    req: pb::ModifyVpcEndpointConnectionNotificationRequest,
) -> Result<pb::ModifyVpcEndpointConnectionNotificationResponse, ApiError> {
    validate::required(&req.connection_notification_id, "ConnectionNotificationId")?;
    let topic = match req.connection_notification_arn.as_str() {
        "" => None,
        arn => Some(topic_arn(arn)?),
    };
    let new_events = if req.connection_events.is_empty() {
        None
    } else {
        Some(events(&req.connection_events)?)
    };
    s.mutate(|res| {
        let n = owned(res, caller, &req.connection_notification_id)?;
        if let Some(t) = topic {
            n.topic_arn = t;
        }
        if let Some(e) = new_events {
            n.events = e;
        }
        Ok(pb::ModifyVpcEndpointConnectionNotificationResponse { return_value: true })
    })
    .await
}

pub(super) async fn delete_notifications(
    s: &Shared,
    caller: &Caller,
    req: pb::DeleteVpcEndpointConnectionNotificationsRequest,
) -> Result<pb::DeleteVpcEndpointConnectionNotificationsResponse, ApiError> {
    if req.connection_notification_ids.is_empty() {
        return Err(ApiError::invalid(
            "MissingParameter",
            "The request must contain the parameter ConnectionNotificationIds",
        ));
    }
    s.mutate(|res| {
        let mut unsuccessful = Vec::new();
        for id in &req.connection_notification_ids {
            match owned(res, caller, id) {
                Ok(_) => {
                    res.notifications.remove(id);
                }
                Err(e) => unsuccessful.push(e.unsuccessful(id)),
            }
        }
        Ok(pb::DeleteVpcEndpointConnectionNotificationsResponse { unsuccessful })
    })
    .await
}

pub(super) async fn describe_notifications(
    s: &Shared,
    caller: &Caller,
    req: pb::DescribeVpcEndpointConnectionNotificationsRequest,
) -> Result<pb::DescribeVpcEndpointConnectionNotificationsResponse, ApiError> {
    s.read(|st| {
        let id = req.connection_notification_id.as_str();
        let mine = st
            .res
            .notifications
            .values()
            .filter(|n| n.owner.visible_to(caller))
            .filter(|n| id.is_empty() || n.id == id);
        let shown: Vec<pb::ConnectionNotification> = mine.map(to_pb).collect();
        if !id.is_empty() && shown.is_empty() {
            return Err(not_found(id));
        }
        let shown = filter::apply(shown, &req.filters)?;
        let (connection_notification_set, next_token) = crate::page::page(
            shown,
            req.max_results,
            &req.next_token,
            crate::page::Sizes::Ec2Range,
        )?;
        Ok(pb::DescribeVpcEndpointConnectionNotificationsResponse {
            connection_notification_set,
            next_token,
        })
    })
    .await
}

impl Filterable for pb::ConnectionNotification {
    const FILTERS: &'static [&'static str] = &[
        "connection-notification-arn",
        "connection-notification-id",
        "connection-notification-state",
        "connection-notification-type",
        "service-id",
        "vpc-endpoint-id",
    ];
    const TAGGED: bool = false;
    fn values(&self, name: &str) -> Vec<String> {
        vec![match name {
            "connection-notification-arn" => self.connection_notification_arn.clone(),
            "connection-notification-id" => self.connection_notification_id.clone(),
            "connection-notification-state" => self.connection_notification_state.clone(),
            "connection-notification-type" => self.connection_notification_type.clone(),
            "service-id" => self.service_id.clone(),
            _ => self.vpc_endpoint_id.clone(),
        }]
    }
}

/// The stream `WatchConnectionEvents` answers with.
pub(crate) type EventStream =
    Pin<Box<dyn Stream<Item = Result<pb::ConnectionEvent, tonic::Status>> + Send>>;

#[tonic::async_trait]
impl pb::connection_events_server::ConnectionEvents for Api {
    type WatchConnectionEventsStream = EventStream;

    async fn watch_connection_events(
        &self,
        request: tonic::Request<pb::WatchConnectionEventsRequest>,
    ) -> Result<tonic::Response<EventStream>, tonic::Status> {
        let caller = validate::caller(Caller::from_metadata(request.metadata()))?;
        let ids = request.into_inner().connection_notification_ids;
        let (feed, stream) =
            self.shared
                .notifier
                .watch(&caller, ids, self.shared.shutdown_token().clone());
        self.shared.spawn(feed);
        Ok(tonic::Response::new(stream))
    }
}

#[cfg(test)]
mod tests;

//! The connection notification verbs of `plemu ec2`: `create-`, `modify-`,
//! `delete-` and `describe-vpc-endpoint-connection-notification(s)`, with the AWS CLI's flags.

use clap::{ArgAction, Args, Subcommand};
use plemu_proto::pb;
use plemu_proto::pb::ec2_client::Ec2Client;

use super::{CallError, Connection, shapes};

/// The connection notification verbs.
#[derive(Subcommand, Debug)]
pub enum Ec2Notifications {
    /// Sends a service's or an endpoint's connection events to an SNS topic (plemu: to its
    /// watch stream and notification URL).
    CreateVpcEndpointConnectionNotification(CreateNotificationArgs),
    /// Changes a notification's topic or events.
    ModifyVpcEndpointConnectionNotification(ModifyNotificationArgs),
    /// Deletes connection notifications.
    DeleteVpcEndpointConnectionNotifications(DeleteNotificationsArgs),
    /// Describes your connection notifications.
    DescribeVpcEndpointConnectionNotifications(DescribeNotificationsArgs),
}

/// Parameters of `create-vpc-endpoint-connection-notification`.
#[derive(Args, Debug)]
pub struct CreateNotificationArgs {
    /// The endpoint service (the provider's notification).
    #[arg(long)]
    service_id: Option<String>,
    /// The endpoint (the consumer's notification).
    #[arg(long)]
    vpc_endpoint_id: Option<String>,
    /// The SNS topic ARN: arn:aws:sns:REGION:ACCOUNT:NAME.
    #[arg(long)]
    connection_notification_arn: String,
    /// Connect, Accept, Reject and/or Delete.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    connection_events: Vec<String>,
    /// Idempotency token.
    #[arg(long)]
    client_token: Option<String>,
}

/// Parameters of `modify-vpc-endpoint-connection-notification`.
#[derive(Args, Debug)]
pub struct ModifyNotificationArgs {
    /// The notification.
    #[arg(long)]
    connection_notification_id: String,
    /// A new SNS topic ARN.
    #[arg(long)]
    connection_notification_arn: Option<String>,
    /// New events (replacing the old).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    connection_events: Vec<String>,
}

/// Parameters of `delete-vpc-endpoint-connection-notifications`.
#[derive(Args, Debug)]
pub struct DeleteNotificationsArgs {
    /// The notifications.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    connection_notification_ids: Vec<String>,
}

/// Parameters of `describe-vpc-endpoint-connection-notifications`.
#[derive(Args, Debug)]
pub struct DescribeNotificationsArgs {
    /// One notification; all when omitted.
    #[arg(long)]
    connection_notification_id: Option<String>,
    /// Filters: Name=service-id,Values=vpce-svc-… (or JSON).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    filters: Vec<String>,
    /// Paging; every item at once when omitted.
    #[command(flatten)]
    page: super::page::Ec2Page,
}

/// Calls the notification verb `cmd` names.
pub(super) async fn ec2(
    conn: &Connection,
    cmd: Ec2Notifications,
) -> Result<Option<serde_json::Value>, CallError> {
    use Ec2Notifications as C;
    match cmd {
        C::CreateVpcEndpointConnectionNotification(a) => call!(
            conn,
            Ec2Client,
            create_vpc_endpoint_connection_notification,
            "CreateVpcEndpointConnectionNotification",
            Ok::<_, CallError>(pb::CreateVpcEndpointConnectionNotificationRequest {
                service_id: a.service_id.unwrap_or_default(),
                vpc_endpoint_id: a.vpc_endpoint_id.unwrap_or_default(),
                connection_notification_arn: a.connection_notification_arn,
                connection_events: shapes::strings("--connection-events", a.connection_events)?,
                client_token: a.client_token.unwrap_or_default(),
            })
        ),
        C::ModifyVpcEndpointConnectionNotification(a) => call!(
            conn,
            Ec2Client,
            modify_vpc_endpoint_connection_notification,
            "ModifyVpcEndpointConnectionNotification",
            Ok::<_, CallError>(pb::ModifyVpcEndpointConnectionNotificationRequest {
                connection_notification_id: a.connection_notification_id,
                connection_notification_arn: a.connection_notification_arn.unwrap_or_default(),
                connection_events: shapes::strings("--connection-events", a.connection_events)?,
            })
        ),
        C::DeleteVpcEndpointConnectionNotifications(a) => call!(
            conn,
            Ec2Client,
            delete_vpc_endpoint_connection_notifications,
            "DeleteVpcEndpointConnectionNotifications",
            Ok::<_, CallError>(pb::DeleteVpcEndpointConnectionNotificationsRequest {
                connection_notification_ids: shapes::strings(
                    "--connection-notification-ids",
                    a.connection_notification_ids
                )?,
            })
        ),
        C::DescribeVpcEndpointConnectionNotifications(a) => call!(
            conn,
            Ec2Client,
            describe_vpc_endpoint_connection_notifications,
            "DescribeVpcEndpointConnectionNotifications",
            {
                let (max_results, next_token) = a.page.fields();
                Ok::<_, CallError>(pb::DescribeVpcEndpointConnectionNotificationsRequest {
                    connection_notification_id: a.connection_notification_id.unwrap_or_default(),
                    filters: shapes::structs("--filters", &a.filters, shapes::filter)?,
                    max_results,
                    next_token,
                })
            }
        ),
    }
}

use plemu_proto::pb;

use crate::api::testing::*;

fn topic(account: &str) -> String {
    format!("arn:aws:sns:us-east-1:{account}:vpce-events")
}

fn create(
    service_id: &str,
    vpc_endpoint_id: &str,
    arn: &str,
    events: &[&str],
) -> pb::CreateVpcEndpointConnectionNotificationRequest {
    pb::CreateVpcEndpointConnectionNotificationRequest {
        service_id: service_id.into(),
        vpc_endpoint_id: vpc_endpoint_id.into(),
        connection_notification_arn: arn.into(),
        connection_events: events.iter().map(|e| e.to_string()).collect(),
        ..Default::default()
    }
}

async fn describe(ec2: &mut Ec2, filters: Vec<pb::Filter>) -> Vec<pb::ConnectionNotification> {
    ec2.describe_vpc_endpoint_connection_notifications(
        pb::DescribeVpcEndpointConnectionNotificationsRequest {
            filters,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .into_inner()
    .connection_notification_set
}

/// Reference §2.3: create, modify, describe (with its filters) and delete connection
/// notifications, AWS's shape and codes, the topic ARN checked as AWS does, ids `vpce-nfn-` +
/// 17 hex, idempotent client tokens, the store keeping them and a service taking its
/// notifications with it.
#[tokio::test]
async fn connection_notifications_have_aws_rules_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path()).await;
    let p = provider(&s, true).await;
    let (cvpc, csubnet) = consumer_vpc(&s, "us-east-1a").await;
    let (mut ec2, mut cec2) = (s.ec2(PROVIDER), s.ec2(CONSUMER));
    let e = cec2
        .create_vpc_endpoint(endpoint_request(&p.service_name, &cvpc, &csubnet))
        .await
        .unwrap()
        .into_inner()
        .vpc_endpoint
        .unwrap();
    let mut req = create(
        &p.service_id,
        "",
        &topic(PROVIDER),
        &["Connect", "Accept", "Accept"],
    );
    req.client_token = "tok-1".into();
    let n = ec2
        .create_vpc_endpoint_connection_notification(req.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(n.client_token, "tok-1");
    let n = n.connection_notification.unwrap();
    let hex = n
        .connection_notification_id
        .strip_prefix("vpce-nfn-")
        .unwrap();
    assert!(
        hex.len() == 17 && hex.bytes().all(|b| b.is_ascii_hexdigit()),
        "{n:?}"
    );
    assert_eq!(
        (
            n.service_id.as_str(),
            n.connection_notification_type.as_str(),
            n.connection_notification_state.as_str(),
            n.connection_events.clone(),
            n.service_region.as_str(),
        ),
        (
            p.service_id.as_str(),
            "Topic",
            "Enabled",
            vec!["Connect".to_string(), "Accept".into()],
            "us-east-1"
        )
    );
    // The same token and parameters: the same notification.
    let again = ec2
        .create_vpc_endpoint_connection_notification(req.clone())
        .await
        .unwrap()
        .into_inner()
        .connection_notification
        .unwrap();
    assert_eq!(
        again.connection_notification_id,
        n.connection_notification_id
    );
    let mine = cec2
        .create_vpc_endpoint_connection_notification(create(
            "",
            &e.vpc_endpoint_id,
            &topic(CONSUMER),
            &["Accept", "Reject"],
        ))
        .await
        .unwrap()
        .into_inner()
        .connection_notification
        .unwrap();
    assert_eq!(mine.vpc_endpoint_id, e.vpc_endpoint_id);

    // Refusals (§2.3), each with its code.
    let mut mismatch = req.clone();
    mismatch.connection_events = vec!["Reject".into()];
    let cases: Vec<(pb::CreateVpcEndpointConnectionNotificationRequest, &str)> = vec![
        (
            create("", "", &topic(PROVIDER), &["Accept"]),
            "MissingParameter",
        ),
        (
            create(
                &p.service_id,
                &e.vpc_endpoint_id,
                &topic(PROVIDER),
                &["Accept"],
            ),
            "InvalidParameterCombination",
        ),
        (
            create(&p.service_id, "", "", &["Accept"]),
            "MissingParameter",
        ),
        (
            create(&p.service_id, "", &topic(PROVIDER), &[]),
            "MissingParameter",
        ),
        (
            create(&p.service_id, "", &topic(PROVIDER), &["accept"]),
            "InvalidParameterValue",
        ),
        (
            create(
                &p.service_id,
                "",
                "arn:aws:sqs:us-east-1:111111111111:q",
                &["Accept"],
            ),
            "InvalidParameter",
        ),
        (
            create(
                &p.service_id,
                "",
                "arn:aws:sns:us-east-1:1111:q",
                &["Accept"],
            ),
            "InvalidParameter",
        ),
        (
            create(
                &p.service_id,
                "",
                "arn:aws:sns:us-east-1:111111111111:bad name",
                &["Accept"],
            ),
            "InvalidParameter",
        ),
        (
            create(
                &p.service_id,
                "",
                "arn:aws:sns:us-east-1:111111111111:",
                &["Accept"],
            ),
            "InvalidParameter",
        ),
        (
            create(
                "vpce-svc-0123456789abcdef0",
                "",
                &topic(PROVIDER),
                &["Accept"],
            ),
            "InvalidVpcEndpointServiceId.NotFound",
        ),
        // Another account's endpoint is not found.
        (
            create("", &e.vpc_endpoint_id, &topic(PROVIDER), &["Accept"]),
            "InvalidVpcEndpointId.NotFound",
        ),
        (mismatch, "IdempotentParameterMismatch"),
    ];
    for (req, want) in cases {
        let err = ec2
            .create_vpc_endpoint_connection_notification(req.clone())
            .await
            .unwrap_err();
        assert_eq!(code(&err), want, "{req:?}: {}", err.message());
    }
    // A FIFO topic is a topic.
    let fifo = ec2
        .create_vpc_endpoint_connection_notification(create(
            &p.service_id,
            "",
            "arn:aws:sns:eu-west-3:123456789012:events.fifo",
            &["Delete"],
        ))
        .await
        .unwrap()
        .into_inner()
        .connection_notification
        .unwrap();

    // Describe: the owner's only, by id and by filter.
    assert_eq!(describe(&mut ec2, vec![]).await.len(), 2);
    assert_eq!(describe(&mut cec2, vec![]).await, vec![mine.clone()]);
    let rows = [
        (filter("service-id", &p.service_id), 2),
        (filter("connection-notification-arn", "*fifo"), 1),
        (filter("connection-notification-state", "Enabled"), 2),
        (filter("connection-notification-type", "Topic"), 2),
        (
            filter("connection-notification-id", &n.connection_notification_id),
            1,
        ),
        (filter("vpc-endpoint-id", &e.vpc_endpoint_id), 0),
    ];
    for (f, want) in rows {
        assert_eq!(
            describe(&mut ec2, vec![f.clone()]).await.len(),
            want,
            "{f:?}"
        );
    }
    let err = ec2
        .describe_vpc_endpoint_connection_notifications(
            pb::DescribeVpcEndpointConnectionNotificationsRequest {
                filters: vec![filter("tag-key", "x")],
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(code(&err), "InvalidParameterValue");
    let err = cec2
        .describe_vpc_endpoint_connection_notifications(
            pb::DescribeVpcEndpointConnectionNotificationsRequest {
                connection_notification_id: n.connection_notification_id.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(code(&err), "InvalidConnectionNotification");

    // Modify: the topic and the events.
    let modify =
        |id: &str, arn: &str, events: &[&str]| pb::ModifyVpcEndpointConnectionNotificationRequest {
            connection_notification_id: id.into(),
            connection_notification_arn: arn.into(),
            connection_events: events.iter().map(|e| e.to_string()).collect(),
        };
    let other_topic = "arn:aws:sns:us-east-1:111111111111:other";
    let r = ec2
        .modify_vpc_endpoint_connection_notification(modify(
            &n.connection_notification_id,
            other_topic,
            &["Delete"],
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(r.return_value);
    let now = describe(
        &mut ec2,
        vec![filter(
            "connection-notification-id",
            &n.connection_notification_id,
        )],
    )
    .await;
    assert_eq!(
        (
            now[0].connection_notification_arn.as_str(),
            now[0].connection_events.clone()
        ),
        (other_topic, vec!["Delete".to_string()])
    );
    for (req, want) in [
        (
            modify("vpce-nfn-0123456789abcdef0", "", &["Accept"]),
            "InvalidConnectionNotification",
        ),
        (
            modify(&mine.connection_notification_id, "", &["Accept"]),
            "InvalidConnectionNotification",
        ),
        (
            modify(&n.connection_notification_id, "arn:aws:sns:x", &[]),
            "InvalidParameter",
        ),
        (
            modify(&n.connection_notification_id, "", &["Nope"]),
            "InvalidParameterValue",
        ),
        (modify("", "", &["Accept"]), "MissingParameter"),
    ] {
        let err = ec2
            .modify_vpc_endpoint_connection_notification(req.clone())
            .await
            .unwrap_err();
        assert_eq!(code(&err), want, "{req:?}");
    }

    // Delete: per-item failures in Unsuccessful.
    let r = ec2
        .delete_vpc_endpoint_connection_notifications(
            pb::DeleteVpcEndpointConnectionNotificationsRequest {
                connection_notification_ids: vec![
                    fifo.connection_notification_id.clone(),
                    mine.connection_notification_id.clone(),
                ],
            },
        )
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.unsuccessful.len(), 1);
    assert_eq!(
        r.unsuccessful[0].resource_id,
        mine.connection_notification_id
    );
    assert_eq!(
        r.unsuccessful[0].error.as_ref().unwrap().code,
        "InvalidConnectionNotification"
    );

    // Stored: a restart keeps them.
    drop((ec2, cec2));
    s.stop().await;
    let s = Server::start(dir.path()).await;
    let (mut ec2, mut cec2) = (s.ec2(PROVIDER), s.ec2(CONSUMER));
    assert_eq!(describe(&mut ec2, vec![]).await, now);
    assert_eq!(describe(&mut cec2, vec![]).await, vec![mine]);
    // An endpoint's notification goes with the endpoint.
    cec2.delete_vpc_endpoints(pb::DeleteVpcEndpointsRequest {
        vpc_endpoint_ids: vec![e.vpc_endpoint_id.clone()],
    })
    .await
    .unwrap();
    assert_eq!(describe(&mut cec2, vec![]).await, vec![]);
}

use std::collections::HashMap;

use plemu_proto::pb;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::api::testing::*;

/// One POST an HTTP listener got: its headers (lower-case names) and body.
struct Posted {
    headers: HashMap<String, String>,
    body: String,
}

/// A real HTTP/1.1 listener on 127.0.0.1:0 that answers its first request 500 (so that the
/// sink must retry) and every other 200, and hands each request over.
async fn sink() -> (String, mpsc::UnboundedReceiver<Posted>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sns", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let (tx, answered) = (tx.clone(), answered.clone());
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut read = BufReader::new(read);
                loop {
                    let mut line = String::new();
                    if read.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    assert!(line.starts_with("POST /sns HTTP/1.1"), "{line}");
                    let mut headers = HashMap::new();
                    loop {
                        let mut h = String::new();
                        read.read_line(&mut h).await.unwrap();
                        let h = h.trim_end();
                        if h.is_empty() {
                            break;
                        }
                        let (k, v) = h.split_once(':').unwrap();
                        headers.insert(k.to_ascii_lowercase(), v.trim().to_string());
                    }
                    let len: usize = headers["content-length"].parse().unwrap();
                    let mut body = vec![0; len];
                    read.read_exact(&mut body).await.unwrap();
                    let n = answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let status = if n == 0 {
                        "500 Internal Server Error"
                    } else {
                        "200 OK"
                    };
                    write
                        .write_all(
                            format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\n\r\n").as_bytes(),
                        )
                        .await
                        .unwrap();
                    if n > 0 {
                        let body = String::from_utf8(body).unwrap();
                        let _ = tx.send(Posted { headers, body });
                    }
                }
            });
        }
    });
    (url, rx)
}

async fn next_event(w: &mut tonic::Streaming<pb::ConnectionEvent>) -> pb::ConnectionEvent {
    w.message().await.expect("stream").expect("an event")
}

/// Reference §2.3: real connect, accept, reject and delete of endpoints fire `Connect`,
/// `Accept`, `Reject` and `Delete` to the notifications that ask for them: on the
/// `WatchConnectionEvents` stream of each notification's owner (a real gRPC client), and as
/// SNS's JSON envelope POSTed to a real HTTP listener, retried after a 500.
#[tokio::test]
async fn endpoint_events_reach_the_watch_stream_and_the_http_sink() {
    let (url, mut posted) = sink().await;
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start_notifying(dir.path(), vec![url.parse().unwrap()]).await;
    let p = provider(&s, true).await;
    let (cvpc, csubnet) = consumer_vpc(&s, "us-east-1a").await;
    let (mut ec2, mut cec2) = (s.ec2(PROVIDER), s.ec2(CONSUMER));
    let topic = "arn:aws:sns:us-east-1:111111111111:provider-events";
    let n = ec2
        .create_vpc_endpoint_connection_notification(
            pb::CreateVpcEndpointConnectionNotificationRequest {
                service_id: p.service_id.clone(),
                connection_notification_arn: topic.into(),
                connection_events: ["Connect", "Accept", "Reject", "Delete"]
                    .map(String::from)
                    .to_vec(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .into_inner()
        .connection_notification
        .unwrap();
    let mut watch = s
        .events(PROVIDER)
        .watch_connection_events(pb::WatchConnectionEventsRequest::default())
        .await
        .unwrap()
        .into_inner();

    // Connect, then Accept.
    let first = cec2
        .create_vpc_endpoint(endpoint_request(&p.service_name, &cvpc, &csubnet))
        .await
        .unwrap()
        .into_inner()
        .vpc_endpoint
        .unwrap()
        .vpc_endpoint_id;
    // The consumer's own notification on its endpoint, and its own watch (of that one only).
    let mine = cec2
        .create_vpc_endpoint_connection_notification(
            pb::CreateVpcEndpointConnectionNotificationRequest {
                vpc_endpoint_id: first.clone(),
                connection_notification_arn: "arn:aws:sns:us-east-1:222222222222:mine".into(),
                connection_events: vec!["Accept".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .into_inner()
        .connection_notification
        .unwrap();
    let mut consumer_watch = s
        .events(CONSUMER)
        .watch_connection_events(pb::WatchConnectionEventsRequest {
            connection_notification_ids: vec![mine.connection_notification_id.clone()],
        })
        .await
        .unwrap()
        .into_inner();
    ec2.accept_vpc_endpoint_connections(pb::AcceptVpcEndpointConnectionsRequest {
        service_id: p.service_id.clone(),
        vpc_endpoint_ids: vec![first.clone()],
    })
    .await
    .unwrap();
    // Connect, then Reject.
    let second = cec2
        .create_vpc_endpoint(endpoint_request(&p.service_name, &cvpc, &csubnet))
        .await
        .unwrap()
        .into_inner()
        .vpc_endpoint
        .unwrap()
        .vpc_endpoint_id;
    ec2.reject_vpc_endpoint_connections(pb::RejectVpcEndpointConnectionsRequest {
        service_id: p.service_id.clone(),
        vpc_endpoint_ids: vec![second.clone()],
    })
    .await
    .unwrap();
    // Delete.
    cec2.delete_vpc_endpoints(pb::DeleteVpcEndpointsRequest {
        vpc_endpoint_ids: vec![first.clone()],
    })
    .await
    .unwrap();

    let mut seen = Vec::new();
    for _ in 0..5 {
        let e = next_event(&mut watch).await;
        assert_eq!(e.connection_notification_id, n.connection_notification_id);
        assert_eq!(
            (
                e.topic_arn.as_str(),
                e.service_id.as_str(),
                e.vpc_endpoint_owner.as_str()
            ),
            (topic, p.service_id.as_str(), CONSUMER)
        );
        let message: serde_json::Value = serde_json::from_str(&e.message).unwrap();
        assert_eq!(message["eventType"], e.event_type.as_str());
        assert_eq!(message["vpcEndpointId"], e.vpc_endpoint_id.as_str());
        seen.push(e);
    }
    let kinds: Vec<(&str, &str)> = seen
        .iter()
        .map(|e| (e.event_type.as_str(), e.vpc_endpoint_id.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("Connect", first.as_str()),
            ("Accept", first.as_str()),
            ("Connect", second.as_str()),
            ("Reject", second.as_str()),
            ("Delete", first.as_str()),
        ]
    );
    assert_eq!(seen[0].vpc_endpoint_state, "pendingAcceptance");
    assert_eq!(seen[3].vpc_endpoint_state, "rejected");
    // The consumer hears of its own notification's event only.
    let accepted = next_event(&mut consumer_watch).await;
    assert_eq!(
        (
            accepted.event_type.as_str(),
            accepted.connection_notification_id.as_str()
        ),
        ("Accept", mine.connection_notification_id.as_str())
    );

    // The same events, POSTed as SNS's envelope, in order, the first after a retry.
    let mut bodies = Vec::new();
    while bodies.len() < 6 {
        let got = posted.recv().await.unwrap();
        assert_eq!(got.headers["x-amz-sns-message-type"], "Notification");
        let v: serde_json::Value = serde_json::from_str(&got.body).unwrap();
        assert_eq!(
            got.headers["x-amz-sns-message-id"],
            v["MessageId"].as_str().unwrap()
        );
        bodies.push(v);
    }
    let provider_posts: Vec<&serde_json::Value> =
        bodies.iter().filter(|b| b["TopicArn"] == topic).collect();
    assert_eq!(provider_posts.len(), 5);
    for (post, event) in provider_posts.iter().zip(&seen) {
        assert_eq!(post["Type"], "Notification");
        assert_eq!(post["MessageId"], event.message_id.as_str());
        assert_eq!(post["Message"], event.message.as_str());
        assert_eq!(post["Timestamp"], event.time.as_str());
    }
    assert!(
        bodies
            .iter()
            .any(|b| b["TopicArn"] == "arn:aws:sns:us-east-1:222222222222:mine")
    );
    drop((watch, consumer_watch));
    s.stop().await;
}

/// Without a listener at the URL, the API still answers: deliveries are retried and given up
/// in the sender task, never in the call.
#[tokio::test]
async fn an_unreachable_sink_never_holds_the_api() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{port}/").parse().unwrap();
    let s = Server::start_notifying(dir.path(), vec![url]).await;
    let p = provider(&s, false).await;
    let (cvpc, csubnet) = consumer_vpc(&s, "us-east-1a").await;
    s.ec2(PROVIDER)
        .create_vpc_endpoint_connection_notification(
            pb::CreateVpcEndpointConnectionNotificationRequest {
                service_id: p.service_id.clone(),
                connection_notification_arn: "arn:aws:sns:us-east-1:111111111111:t".into(),
                connection_events: vec!["Connect".into(), "Accept".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut watch = s
        .events(PROVIDER)
        .watch_connection_events(pb::WatchConnectionEventsRequest::default())
        .await
        .unwrap()
        .into_inner();
    let mut cec2 = s.ec2(CONSUMER);
    for _ in 0..3 {
        cec2.create_vpc_endpoint(endpoint_request(&p.service_name, &cvpc, &csubnet))
            .await
            .unwrap();
    }
    // Auto-accepted: Connect and Accept for each, on the watch, while the sink is down.
    let kinds: Vec<String> = [0; 6].iter().map(|_| String::new()).collect();
    let mut got = kinds;
    for k in &mut got {
        *k = next_event(&mut watch).await.event_type;
    }
    assert_eq!(
        got,
        [
            "Connect", "Accept", "Connect", "Accept", "Connect", "Accept"
        ]
    );
    drop(watch);
    s.stop().await;
}

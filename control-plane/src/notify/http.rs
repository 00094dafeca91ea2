//! The HTTP sink: each event POSTed as the JSON envelope SNS delivers to an HTTP subscriber
//! (`Type: Notification`, `MessageId`, `TopicArn`, `Message`, `Timestamp`), to the URL of its
//! topic or the default URL.
//!
//! Events wait in a bounded queue for one sender task, which retries a failed POST with
//! exponential backoff. When the queue is full an event is dropped; drops and given-up
//! deliveries are counted and logged at most once a minute. The API never waits for a sink.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{Request, Uri, header};
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use plemu_proto::pb;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::NotificationUrl;

/// Events that may wait for the sender.
const QUEUE: usize = 1024;
/// Tries per event.
const ATTEMPTS: u32 = 5;
/// The first retry's wait; each next one doubles it.
const BACKOFF: Duration = Duration::from_millis(200);
/// How long one POST may take.
const POST_TIMEOUT: Duration = Duration::from_secs(5);
/// How often a loss is logged at most.
const LOG_EVERY: Duration = Duration::from_secs(60);

/// One POST to make.
struct Delivery {
    url: Uri,
    topic_arn: String,
    message_id: String,
    body: Bytes,
}

/// The API's side of the sink: offers events to the queue.
pub(super) struct Sink {
    urls: Vec<NotificationUrl>,
    queue: mpsc::Sender<Delivery>,
    losses: std::sync::Arc<Losses>,
}

/// Events lost, by cause, and when that was last said.
#[derive(Default)]
struct Losses {
    dropped: AtomicU64,
    failed: AtomicU64,
    last_logged: Mutex<Option<Instant>>,
}

impl Losses {
    /// Logs the counts if nothing was logged in the last minute.
    fn log(&self) {
        let Ok(mut last) = self.last_logged.lock() else {
            return;
        };
        if last.is_some_and(|t| t.elapsed() < LOG_EVERY) {
            return;
        }
        *last = Some(Instant::now());
        tracing::warn!(
            dropped_queue_full = self.dropped.load(Ordering::Relaxed),
            failed_after_retries = self.failed.load(Ordering::Relaxed),
            "connection notifications lost on their way to the HTTP sink (totals since start)"
        );
    }
}

impl Sink {
    /// The sink and its sender task, which runs until `shutdown`.
    pub(super) fn new(
        urls: Vec<NotificationUrl>,
        shutdown: CancellationToken,
    ) -> (Self, impl Future<Output = ()> + Send + 'static) {
        let (queue, rx) = mpsc::channel(QUEUE);
        let losses = std::sync::Arc::new(Losses::default());
        let run = send_all(rx, std::sync::Arc::clone(&losses), shutdown);
        (
            Self {
                urls,
                queue,
                losses,
            },
            run,
        )
    }

    /// The URL for `topic_arn`: its own, else the default, else none.
    fn url(&self, topic_arn: &str) -> Option<&Uri> {
        self.urls
            .iter()
            .find(|u| u.topic_arn.as_deref() == Some(topic_arn))
            .or_else(|| self.urls.iter().find(|u| u.topic_arn.is_none()))
            .map(|u| &u.url)
    }

    /// Queues `event` for its URL, or drops it (counted) when the queue is full.
    pub(super) fn offer(&self, event: &pb::ConnectionEvent) {
        let Some(url) = self.url(&event.topic_arn) else {
            return;
        };
        let envelope = serde_json::json!({
            "Type": "Notification",
            "MessageId": event.message_id,
            "TopicArn": event.topic_arn,
            "Message": event.message,
            "Timestamp": event.time,
            "SignatureVersion": "1",
        });
        let delivery = Delivery {
            url: url.clone(),
            topic_arn: event.topic_arn.clone(),
            message_id: event.message_id.clone(),
            body: Bytes::from(envelope.to_string()),
        };
        if self.queue.try_send(delivery).is_err() {
            self.losses.dropped.fetch_add(1, Ordering::Relaxed);
            self.losses.log();
        }
    }
}

/// The sender task: one delivery at a time, in order.
async fn send_all(
    mut rx: mpsc::Receiver<Delivery>,
    losses: std::sync::Arc<Losses>,
    shutdown: CancellationToken,
) {
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    loop {
        let d = tokio::select! {
            () = shutdown.cancelled() => return,
            d = rx.recv() => match d {
                Some(d) => d,
                None => return,
            },
        };
        if !deliver(&client, &d, &shutdown).await {
            losses.failed.fetch_add(1, Ordering::Relaxed);
            losses.log();
        }
    }
}

/// POSTs `d` until a 2xx answer, at most [`ATTEMPTS`] times; whether it got there.
async fn deliver(
    client: &Client<HttpConnector, Full<Bytes>>,
    d: &Delivery,
    shutdown: &CancellationToken,
) -> bool {
    let mut wait = BACKOFF;
    for attempt in 1..=ATTEMPTS {
        let request = Request::post(d.url.clone())
            .header(header::CONTENT_TYPE, "text/plain; charset=UTF-8")
            .header("x-amz-sns-message-type", "Notification")
            .header("x-amz-sns-message-id", &d.message_id)
            .header("x-amz-sns-topic-arn", &d.topic_arn)
            .body(Full::new(d.body.clone()));
        let request = match request {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(url = %d.url, error = %e, "cannot build the notification request");
                return false;
            }
        };
        match tokio::time::timeout(POST_TIMEOUT, client.request(request)).await {
            Ok(Ok(answer)) if answer.status().is_success() => return true,
            Ok(Ok(answer)) => {
                tracing::debug!(url = %d.url, attempt, status = %answer.status(), "notification sink refused");
            }
            Ok(Err(e)) => {
                tracing::debug!(url = %d.url, attempt, error = %e, "notification sink unreachable")
            }
            Err(_) => tracing::debug!(url = %d.url, attempt, "notification sink timed out"),
        }
        if attempt < ATTEMPTS {
            tokio::select! {
                () = shutdown.cancelled() => return false,
                () = tokio::time::sleep(wait) => {}
            }
            wait *= 2;
        }
    }
    false
}

//! Connection notifications' events, delivered where SNS would have taken them: to the
//! `WatchConnectionEvents` streams and, when configured, as SNS's HTTP POST to a URL.
//!
//! # Layout
//! - `events`: the events a committed change makes (an endpoint created, accepted, rejected,
//!   deleted), each for every notification that asked for it.
//! - `http`: the HTTP sink: a bounded queue, one sender task, retries with backoff, drops
//!   counted and logged at most once a minute. The API never waits for it.
//!
//! Events are found from the state before and after each commit (`Shared::mutate`), so every
//! action that moves an endpoint fires them, whichever handler it is.

mod events;
mod http;

use std::str::FromStr;
use std::sync::Arc;

use plemu_proto::meta::Caller;
use plemu_proto::pb;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;

pub(crate) use events::{between, cascade};

use crate::model::Owner;

/// Events a slow watcher may fall behind by before it misses some.
const WATCH_BUFFER: usize = 1024;

/// Where SNS deliveries go: one URL for every topic, or for one topic (`TOPIC_ARN=URL`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotificationUrl {
    /// `None`: every topic without a URL of its own.
    pub topic_arn: Option<String>,
    /// An `http://` URL.
    pub url: axum::http::Uri,
}

impl FromStr for NotificationUrl {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (topic_arn, url) = match s.split_once('=') {
            Some((topic, url)) if topic.starts_with("arn:") => (Some(topic.to_string()), url),
            _ => (None, s),
        };
        let url: axum::http::Uri = url
            .parse()
            .map_err(|e| format!("{url:?} is not a URL: {e}"))?;
        if url.scheme_str() != Some("http") || url.host().is_none() {
            return Err(format!(
                "{url} is not an http:// URL (plemu delivers over plain HTTP)"
            ));
        }
        Ok(Self { topic_arn, url })
    }
}

/// One event for one notification, and whose notification it is.
#[derive(Clone, Debug)]
pub(crate) struct Published {
    pub owner: Owner,
    pub event: pb::ConnectionEvent,
}

/// Hands events to the watchers and the HTTP sink.
pub(crate) struct Notifier {
    watchers: broadcast::Sender<Arc<Published>>,
    http: Option<http::Sink>,
}

impl Notifier {
    /// A notifier delivering to `urls` (none: to watchers only); its HTTP sender runs until
    /// `shutdown`, spawned with `spawn`.
    pub fn new(
        urls: &[NotificationUrl],
        shutdown: CancellationToken,
        spawn: impl FnOnce(std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>),
    ) -> Self {
        let (watchers, _) = broadcast::channel(WATCH_BUFFER);
        let http = (!urls.is_empty()).then(|| {
            let (sink, run) = http::Sink::new(urls.to_vec(), shutdown);
            spawn(Box::pin(run));
            sink
        });
        Self { watchers, http }
    }

    /// Delivers `events`; never waits.
    pub fn publish(&self, events: Vec<Published>) {
        for p in events {
            tracing::debug!(
                notification = %p.event.connection_notification_id,
                event = %p.event.event_type,
                endpoint = %p.event.vpc_endpoint_id,
                "connection event"
            );
            if let Some(http) = &self.http {
                http.offer(&p.event);
            }
            // No watcher is not an error: SNS with no subscriber drops the message too.
            let _ = self.watchers.send(Arc::new(p));
        }
    }

    /// The events of `caller`'s notifications (of `ids` only, unless empty) from now on, and
    /// the task that feeds them to the stream until `shutdown` or the watcher goes away.
    pub fn watch(
        &self,
        caller: &Caller,
        ids: Vec<String>,
        shutdown: CancellationToken,
    ) -> (
        impl Future<Output = ()> + Send + 'static,
        crate::api::EventStream,
    ) {
        let owner = Owner::of(caller);
        let mut rx = self.watchers.subscribe();
        let (tx, out) = mpsc::channel(16);
        let feed = async move {
            loop {
                let p = tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tx.closed() => return,
                    p = rx.recv() => p,
                };
                match p {
                    Ok(p)
                        if p.owner == owner
                            && (ids.is_empty()
                                || ids.contains(&p.event.connection_notification_id)) =>
                    {
                        if tx.send(Ok(p.event.clone())).await.is_err() {
                            return;
                        }
                    }
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(missed = n, "a connection event watcher fell behind");
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        };
        (feed, Box::pin(ReceiverStream::new(out)))
    }
}

#[cfg(test)]
mod tests;

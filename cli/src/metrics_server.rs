//! `--metrics <addr>` of the agent roles: `/metrics` in the Prometheus text format on a port of
//! its own, served as the API port serves it (tonic's HTTP/1.1 server over an axum router).

use std::net::SocketAddr;

use anyhow::Context;
use axum::http::header;
use plemu_proto::metrics::{CONTENT_TYPE, Metrics};
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tokio_util::sync::CancellationToken;

/// Binds the metrics address, if one was asked for.
///
/// # Errors
/// When the address cannot be bound.
pub async fn bind(addr: Option<SocketAddr>) -> anyhow::Result<Option<TcpListener>> {
    match addr {
        None => Ok(None),
        Some(a) => TcpListener::bind(a)
            .await
            .map(Some)
            .with_context(|| format!("cannot listen for metrics on {a}")),
    }
}

/// Serves `GET /metrics` on `listener` until `shutdown` is cancelled.
///
/// # Errors
/// When the server fails.
pub async fn serve(
    listener: TcpListener,
    metrics: Metrics,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let router = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let m = metrics.clone();
            async move { ([(header::CONTENT_TYPE, CONTENT_TYPE)], m.encode()) }
        }),
    );
    tonic::transport::Server::builder()
        .accept_http1(true)
        .add_routes(tonic::service::Routes::from(router))
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), shutdown.cancelled_owned())
        .await
        .context("the metrics server failed")
}

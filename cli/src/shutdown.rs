//! Signals and graceful shutdown: the one place the binary handles them.

use std::time::Duration;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// How long running tasks get to finish after a stop signal.
pub const GRACE: Duration = Duration::from_secs(10);

/// Resolves at the first Ctrl-C (SIGINT) or SIGTERM.
pub async fn signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!("cannot listen for SIGTERM: {e}");
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// Runs `tasks` until a signal arrives or one of them ends, then cancels
/// `token` and waits up to [`GRACE`] for the rest.
///
/// # Errors
/// The first error a task returned, or one saying a task stopped by itself.
pub async fn supervise(
    token: CancellationToken,
    mut tasks: JoinSet<(&'static str, anyhow::Result<()>)>,
) -> anyhow::Result<()> {
    let mut first_error: Option<anyhow::Error> = None;
    tokio::select! {
        () = signal() => tracing::info!("stop signal received; shutting down"),
        done = tasks.join_next() => {
            first_error = Some(match done {
                Some(Ok((name, Ok(())))) => anyhow::anyhow!("{name} stopped unexpectedly"),
                Some(Ok((name, Err(e)))) => e.context(format!("{name} failed")),
                Some(Err(e)) => anyhow::anyhow!("a task panicked: {e}"),
                None => anyhow::anyhow!("nothing to run"),
            });
        }
    }
    token.cancel();
    let drained = tokio::time::timeout(GRACE, async {
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok((name, Err(e))) => tracing::warn!("{name} failed while stopping: {e:#}"),
                Ok((name, Ok(()))) => tracing::debug!("{name} stopped"),
                Err(e) => tracing::warn!("a task panicked while stopping: {e}"),
            }
        }
    })
    .await;
    if drained.is_err() {
        tracing::warn!("tasks still running after {GRACE:?}; exiting anyway");
        tasks.abort_all();
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Installs the log subscriber: `RUST_LOG` or `info`, to stderr.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("info,h2=warn,hyper=warn,tower=warn,hickory_server=warn")
    });
    // Colours only for a person at a terminal, not in log files.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .try_init();
}

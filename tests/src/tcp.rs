//! Small TCP peers for tests and benchmarks, and a bounded `eventually`.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Retries `f` every 100 ms until it succeeds or `limit` passes; then returns its last error.
///
/// # Errors
/// The last error of `f` when it never succeeded in time.
pub async fn eventually<T, F, Fut>(limit: Duration, mut f: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match f().await {
            Ok(v) => return Ok(v),
            Err(e) if tokio::time::Instant::now() >= deadline => {
                return Err(e.context(format!("still failing after {limit:?}")));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// A TCP server that reads each connection to EOF, then writes back the byte count as 8 big-endian bytes.
/// Runs until `shutdown` is cancelled.
///
/// # Errors
/// When it cannot bind.
pub async fn sink(shutdown: CancellationToken) -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = tokio::select! {
                () = shutdown.cancelled() => return,
                r = listener.accept() => match r { Ok(s) => s, Err(_) => continue },
            };
            let token = shutdown.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 256 * 1024];
                let mut total = 0u64;
                loop {
                    let n = tokio::select! {
                        () = token.cancelled() => return,
                        r = socket.read(&mut buf) => match r { Ok(n) => n, Err(_) => return },
                    };
                    if n == 0 {
                        break;
                    }
                    total += n as u64;
                }
                let _ = socket.write_all(&total.to_be_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    Ok(addr)
}

/// Sends `total` bytes to a [`sink`] at `addr`, half-closes, and returns the count the sink reports.
///
/// # Errors
/// On any I/O error.
pub async fn send_to_sink(addr: SocketAddr, total: u64) -> anyhow::Result<u64> {
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    s.set_nodelay(true)?;
    let chunk = vec![0x5au8; 256 * 1024];
    let mut left = total;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        s.write_all(&chunk[..n]).await?;
        left -= n as u64;
    }
    s.shutdown().await?;
    let mut count = [0u8; 8];
    s.read_exact(&mut count).await?;
    Ok(u64::from_be_bytes(count))
}

//! Helpers shared by the suites: a Redis client over a given address.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;

/// Runs one Redis command on a fresh connection to `addr`, bounded by 5 s.
pub async fn redis_cmd(addr: SocketAddr, args: &[&str]) -> anyhow::Result<Option<String>> {
    tokio::time::timeout(Duration::from_secs(5), async {
        let client = redis::Client::open(format!("redis://{addr}/"))?;
        let mut con = client
            .get_multiplexed_async_connection()
            .await
            .context("connect")?;
        let mut cmd = redis::cmd(args[0]);
        for a in &args[1..] {
            cmd.arg(*a);
        }
        let v: Option<String> = cmd.query_async(&mut con).await?;
        Ok(v)
    })
    .await
    .context("redis command timed out")?
}

/// The address a Redis client reaches through the endpoint, found through plemu's DNS.
pub async fn endpoint_addr(dns: SocketAddr, name: &str) -> anyhow::Result<SocketAddr> {
    let resolver = plemu_testkit::dns::resolver(dns)?;
    let ips = plemu_testkit::dns::lookup(&resolver, name).await?;
    let ip = ips
        .first()
        .with_context(|| format!("{name} has no address"))?;
    Ok(SocketAddr::new(
        *ip,
        plemu_testkit::topology::LISTENER_PORT as u16,
    ))
}

/// The endpoint address behind the service's private DNS name, once plemu's DNS answers it (at most 10 s).
pub async fn private_dns_addr(plemu: &plemu_testkit::Plemu) -> anyhow::Result<SocketAddr> {
    plemu_testkit::eventually(Duration::from_secs(10), || {
        endpoint_addr(plemu.dns, plemu_testkit::topology::PRIVATE_DNS_NAME)
    })
    .await
}

/// How a refused client sees plemu: the connection is taken (the listener is up), then reset.
/// Connects to `addr` (waiting up to 10 s for its listener), sends a Redis PING and returns
/// what came back, or how the connection failed. One connection is taken: a reset that comes
/// before `connect` returns (plemu resets a refused connection as soon as it accepts it) is the
/// answer, not a reason to try again.
pub async fn ping_raw(addr: SocketAddr) -> anyhow::Result<Result<Vec<u8>, std::io::ErrorKind>> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let connected = plemu_testkit::eventually(Duration::from_secs(10), || async {
        match tokio::net::TcpStream::connect(addr).await {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                Err(anyhow::Error::new(e).context(format!("no listener on {addr} yet")))
            }
            other => Ok(other),
        }
    })
    .await?;
    let mut s = match connected {
        Ok(s) => s,
        Err(e) => return Ok(Err(e.kind())),
    };
    let mut reply = Vec::new();
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        s.write_all(b"*1\r\n$4\r\nPING\r\n").await?;
        let mut buf = [0u8; 64];
        loop {
            let n = s.read(&mut buf).await?;
            if n == 0 || reply.ends_with(b"\r\n") {
                return Ok::<_, std::io::Error>(());
            }
            reply.extend_from_slice(&buf[..n]);
            if reply.ends_with(b"\r\n") {
                return Ok(());
            }
        }
    })
    .await
    .context("no answer and no reset within 5 s")?;
    Ok(ended.map(|()| reply).map_err(|e| e.kind()))
}

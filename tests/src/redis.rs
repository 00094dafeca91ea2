//! A real `redis-server` (Debian's package) on a free loopback port, stopped on drop.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};

/// A running `redis-server` on 127.0.0.1, with persistence off unless asked for.
#[derive(Debug)]
pub struct RedisServer {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl RedisServer {
    /// Starts `redis-server` on a free port and waits (at most 20 s) until it accepts connections.
    ///
    /// # Errors
    /// When `redis-server` is not installed or does not come up.
    pub fn start() -> anyhow::Result<Self> {
        Self::start_with(&[
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "no",
        ])
    }

    /// Starts `redis-server` with `args` (no `--port`, `--dir` or `--daemonize`: this sets them)
    /// on a free port of 127.0.0.1, and waits as [`RedisServer::start`] does.
    ///
    /// # Errors
    /// When `redis-server` is not installed or does not come up.
    pub fn start_with(args: &[&str]) -> anyhow::Result<Self> {
        let port = free_port()?;
        let dir = tempfile::tempdir()?;
        let child = Command::new("redis-server")
            .args(args)
            .args(["--port", &port.to_string(), "--loglevel", "warning"])
            // Room for the 10,000-flow test (redis lowers it to what the open-file limit allows).
            .args(["--maxclients", "15000"])
            .arg("--dir")
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start redis-server (install Debian's redis-server package)")?;
        let mut server = Self {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            _dir: dir,
        };
        for _ in 0..200 {
            if TcpStream::connect(server.addr).is_ok() {
                return Ok(server);
            }
            if let Some(status) = server.child.try_wait()? {
                bail!("redis-server exited with {status}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!(
            "redis-server did not accept connections on {} within 20 s",
            server.addr
        )
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port that was free on 127.0.0.1 a moment ago.
///
/// # Errors
/// When no port can be bound.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

//! The real `plemu up` binary as a child process: started on free ports,
//! waited for through its ready line, stopped or SIGKILLed, never leaked.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};

/// How `plemu up` is started.
#[derive(Debug, Clone)]
pub struct PlemuOptions {
    /// The data directory; `None` for a fresh temporary one.
    pub data_dir: Option<PathBuf>,
    /// Loopback range for ENI addresses; `None` for plemu's default, a block of the data
    /// directory's own (so that instances side by side never share an address).
    pub eni_bind_net: Option<String>,
    /// `--provisioning-delay`, e.g. `0` or `1s`.
    pub provisioning_delay: String,
    /// More arguments of `plemu up` (e.g. `--dns-upstream 127.0.0.1:5353`), kept for restarts.
    pub extra_args: Vec<String>,
}

impl Default for PlemuOptions {
    fn default() -> Self {
        Self {
            data_dir: None,
            eni_bind_net: None,
            provisioning_delay: "0".into(),
            extra_args: Vec::new(),
        }
    }
}

/// A running `plemu up`. Dropping it kills the process.
#[derive(Debug)]
pub struct Plemu {
    child: Option<Child>,
    /// The gRPC API address.
    pub api: SocketAddr,
    /// The DNS server address (UDP and TCP).
    pub dns: SocketAddr,
    /// The public DNS address (UDP and TCP): the TXT records of `plemu public-dns`.
    pub public_dns: SocketAddr,
    data_dir: PathBuf,
    eni_bind_net: Option<String>,
    extra_args: Vec<String>,
    log: PathBuf,
    _temp: Option<tempfile::TempDir>,
}

/// The `plemu` binary: `$PLEMU_BIN`, else `plemu` next to the running test's
/// target directory (`cargo test --workspace` builds it).
///
/// # Errors
/// When no binary is found.
pub fn plemu_bin() -> anyhow::Result<PathBuf> {
    if let Some(p) = std::env::var_os("PLEMU_BIN") {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe()?;
    for dir in exe.ancestors().skip(1).take(3) {
        let candidate = dir.join("plemu");
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    bail!(
        "no plemu binary next to {}: run `cargo build -p plemu` or set PLEMU_BIN",
        exe.display()
    )
}

impl Plemu {
    /// Starts `plemu up` and waits (at most 60 s) for its ready line.
    ///
    /// # Errors
    /// When the binary is missing, fails to start, or exits before it is ready.
    pub fn start(opts: PlemuOptions) -> anyhow::Result<Self> {
        let (temp, data_dir) = match &opts.data_dir {
            Some(d) => (None, d.clone()),
            None => {
                let t = tempfile::tempdir()?;
                let d = t.path().join("data");
                (Some(t), d)
            }
        };
        Self::spawn(
            data_dir,
            opts.eni_bind_net.clone(),
            &opts.provisioning_delay,
            opts.extra_args,
            temp,
        )
    }

    fn spawn(
        data_dir: PathBuf,
        eni_bind_net: Option<String>,
        delay: &str,
        extra_args: Vec<String>,
        temp: Option<tempfile::TempDir>,
    ) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&data_dir)?;
        let log = data_dir.with_extension(format!("{}.log", std::process::id()));
        let mut args: Vec<std::ffi::OsString> =
            ["up", "--api", "127.0.0.1:0", "--dns", "127.0.0.1:0"]
                .iter()
                .map(Into::into)
                .collect();
        args.extend([
            "--provisioning-delay".into(),
            delay.into(),
            "--data-dir".into(),
            data_dir.clone().into(),
        ]);
        if let Some(net) = &eni_bind_net {
            args.extend(["--eni-bind-net".into(), net.into()]);
        }
        args.extend(extra_args.iter().map(Into::into));
        let (child, line) = spawn_until_ready(&args, &log, "plemu ready:")?;
        let mut plemu = Self {
            child: Some(child),
            api: ([0, 0, 0, 0], 0).into(),
            dns: ([0, 0, 0, 0], 0).into(),
            public_dns: ([0, 0, 0, 0], 0).into(),
            data_dir,
            eni_bind_net,
            extra_args,
            log,
            _temp: temp,
        };
        // "plemu ready: api 127.0.0.1:PORT dns 127.0.0.1:PORT public-dns 127.0.0.1:PORT"
        let find = |key| address_after(&line, key);
        plemu.api = find("api")?;
        plemu.dns = find("dns")?;
        plemu.public_dns = find("public-dns")?;
        Ok(plemu)
    }

    /// The API URL, for `--endpoint-url` and the clients.
    pub fn api_url(&self) -> String {
        format!("http://{}", self.api)
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The resident memory of the process in KiB (Linux), if it runs.
    pub fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()?)).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// What the process logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Kills the process with SIGKILL: no chance to flush or clean up.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the process with SIGTERM and waits (at most 20 s) for it to exit.
    ///
    /// # Errors
    /// When it does not exit in time or exits with a failure.
    pub fn terminate(&mut self) -> anyhow::Result<()> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()?;
        for _ in 0..200 {
            if let Some(status) = child.try_wait()? {
                anyhow::ensure!(
                    status.success(),
                    "plemu exited with {status}; log:\n{}",
                    self.log_text()
                );
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
        bail!("plemu did not stop within 20 s of SIGTERM")
    }

    /// Kills this process (SIGKILL) and starts a new one on the same data directory and ENI range.
    ///
    /// # Errors
    /// As [`Plemu::start`].
    pub fn kill_and_restart(mut self) -> anyhow::Result<Self> {
        self.kill();
        let temp = self._temp.take();
        let (data_dir, net) = (self.data_dir.clone(), self.eni_bind_net.clone());
        let extra = std::mem::take(&mut self.extra_args);
        Self::spawn(data_dir, net, "0", extra, temp)
    }
}

impl Drop for Plemu {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "--- plemu log ({}) ---\n{}",
                self.log.display(),
                self.log_text()
            );
        }
        self.kill();
    }
}

/// Starts `plemu ARGS` with its log in `log`, and waits (at most 60 s) for
/// the stdout line starting with `ready`; returns the child and that line.
fn spawn_until_ready(
    args: &[std::ffi::OsString],
    log: &Path,
    ready: &'static str,
) -> anyhow::Result<(Child, String)> {
    let log_file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)?;
    let mut child = Command::new(plemu_bin()?)
        .args(args)
        .env(
            "RUST_LOG",
            std::env::var("PLEMU_LOG")
                .unwrap_or_else(|_| "info,h2=warn,hyper=warn,hickory_server=warn".into()),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log_file)
        .spawn()
        .context("cannot start plemu")?;
    let stdout = child.stdout.take().context("no stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        // Keep draining stdout after the ready line so the child never blocks on a full pipe.
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if !sent && line.starts_with(ready) {
                let _ = tx.send(line);
                sent = true;
            }
        }
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(line) => Ok((child, line)),
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            let text = std::fs::read_to_string(log).unwrap_or_default();
            bail!("plemu {args:?} did not become ready; its log:\n{text}")
        }
    }
}

/// The address after the word `key` in a ready line (`… api 127.0.0.1:4599 …`).
fn address_after(line: &str, key: &str) -> anyhow::Result<SocketAddr> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let i = words
        .iter()
        .position(|w| *w == key)
        .with_context(|| format!("no {key} in '{line}'"))?;
    Ok(words
        .get(i + 1)
        .with_context(|| format!("no {key} address in '{line}'"))?
        .parse()?)
}

/// One role of plemu (`control-plane`, `provider` or `consumer`) as its own
/// process, as containers run them. Dropping it kills the process.
#[derive(Debug)]
pub struct RoleProcess {
    child: Child,
    line: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl RoleProcess {
    /// Starts `plemu ROLE ARGS…` and waits for its `plemu ROLE ready:` line.
    ///
    /// # Errors
    /// When it does not start or become ready.
    pub fn start(role: &'static str, args: &[&str]) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let log = dir.path().join(format!("{role}.log"));
        let mut all: Vec<std::ffi::OsString> = vec![role.into()];
        all.extend(args.iter().map(Into::into));
        let ready = match role {
            "control-plane" => "plemu control-plane ready:",
            "provider" => "plemu provider ready:",
            "consumer" => "plemu consumer ready:",
            other => bail!("no role {other}"),
        };
        let (child, line) = spawn_until_ready(&all, &log, ready)?;
        Ok(Self {
            child,
            line,
            log,
            _dir: dir,
        })
    }

    /// The address its ready line gives after `key` (`api`, `tunnel`, `dns`).
    ///
    /// # Errors
    /// When the line has no such address.
    pub fn address(&self, key: &str) -> anyhow::Result<SocketAddr> {
        address_after(&self.line, key)
    }

    /// What the process logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for RoleProcess {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("--- {} ---\n{}", self.log.display(), self.log_text());
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

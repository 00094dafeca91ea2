//! Headless Chromium (Debian's `chromium`), for tests of the topology page: the DOM after the
//! page's script ran, and screenshots.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;

/// How long one Chromium run may take before it is killed.
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// The browser binary: `PLEMU_CHROMIUM`, else `chromium`.
fn binary() -> String {
    std::env::var("PLEMU_CHROMIUM").unwrap_or_else(|_| "chromium".into())
}

/// Runs Chromium headless on `url` with `extra` flags and returns its stdout. The page gets
/// `budget_ms` of virtual time, so its timers run that long (network waits do not count).
fn run(url: &str, budget_ms: u32, extra: &[String]) -> anyhow::Result<String> {
    let profile = tempfile::tempdir()?;
    let mut child = Command::new(binary())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
            &format!("--user-data-dir={}", profile.path().display()),
            &format!("--virtual-time-budget={budget_ms}"),
        ])
        .args(extra)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start chromium (apt-get install chromium, or set PLEMU_CHROMIUM)")?;
    let started = Instant::now();
    loop {
        if child.try_wait()?.is_some() {
            break;
        }
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            anyhow::bail!("chromium did not finish on {url} within {RUN_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output()?;
    anyhow::ensure!(
        out.status.success(),
        "chromium failed on {url}: {}",
        out.status
    );
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The page's DOM, serialised, after `budget_ms` of virtual time (its script's fetches done).
///
/// # Errors
/// When Chromium cannot be started, fails or takes longer than a minute.
pub async fn dump_dom(url: &str, budget_ms: u32) -> anyhow::Result<String> {
    let url = url.to_string();
    tokio::task::spawn_blocking(move || run(&url, budget_ms, &["--dump-dom".to_string()])).await?
}

/// A PNG screenshot of the page at `width` x `height` pixels, written to `path`.
///
/// # Errors
/// When Chromium cannot be started, fails or writes no file.
pub async fn screenshot(url: &str, path: &Path, width: u32, height: u32) -> anyhow::Result<()> {
    let url = url.to_string();
    let path = std::path::absolute(path)?;
    let flags = vec![
        format!("--screenshot={}", path.display()),
        format!("--window-size={width},{height}"),
    ];
    tokio::task::spawn_blocking(move || run(&url, 3000, &flags)).await??;
    Ok(())
}

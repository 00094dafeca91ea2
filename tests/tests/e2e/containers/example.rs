//! `examples/confluent-elasticache/run.sh`, run as a user runs it.

use std::process::Command;

#[tokio::test]
async fn confluent_elasticache_example_runs() -> anyhow::Result<()> {
    if !plemu_testkit::containers::docker_ready().await? {
        return Ok(());
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let plemu = plemu_testkit::process::plemu_bin()?;
    let out = tokio::task::spawn_blocking(move || {
        Command::new("bash")
            .arg(root.join("examples/confluent-elasticache/run.sh"))
            .env("PLEMU_BIN", plemu)
            .env("RECORDS", "50")
            .output()
    })
    .await??;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "run.sh failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("sink: wrote 50 of 50 records"), "{stdout}");
    assert!(stdout.contains("ElastiCache holds 50 records"), "{stdout}");
    Ok(())
}

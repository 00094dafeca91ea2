//! A slow reader slows the writer: bytes wait in bounded buffers along the
//! path, never in a queue that grows, and plemu's memory stays flat.

use std::time::Duration;

use anyhow::Context;

use plemu_testkit::topology::TopologySpec;
use plemu_testkit::{Scenario, eventually, trace_init};
use tokio::io::AsyncWriteExt;

use crate::support::private_dns_addr;
use tokio::net::TcpListener;

/// What the writer offers: far more than every buffer on the path together.
const OFFERED: usize = 512 * 1024 * 1024;
/// What may be in flight when the target reads nothing: socket buffers at
/// both ends of three TCP legs, 8 frames per direction and the HTTP/2 windows
/// come to well under this.
const IN_FLIGHT_LIMIT: usize = 96 * 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_reads_nothing_stalls_the_client_with_bounded_memory() -> anyhow::Result<()> {
    trace_init();
    // The target accepts and never reads (health checks only connect).
    let target = TcpListener::bind("127.0.0.1:0").await?;
    let target_addr = target.local_addr()?;
    let held = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = target.accept().await {
            held.push(s);
        }
    });
    let Scenario { plemu, api, topo } = Scenario::start(TopologySpec {
        target: target_addr,
        acceptance_required: false,
        client_cidr: "10.1.0.0/16".into(),
    })
    .await?;
    topo.wait_available(&api, Duration::from_secs(10)).await?;
    let addr = private_dns_addr(&plemu).await?;
    let rss_before = plemu.rss_kib().context("cannot read plemu's RSS")?;

    let mut client = eventually(Duration::from_secs(10), || async {
        Ok(tokio::net::TcpStream::connect(addr).await?)
    })
    .await?;
    let chunk = vec![7u8; 1024 * 1024];
    let mut written = 0usize;
    while written < OFFERED {
        // A write that makes no progress for 2 s means the path is full.
        match tokio::time::timeout(Duration::from_secs(2), client.write_all(&chunk)).await {
            Ok(r) => {
                r?;
                written += chunk.len();
            }
            Err(_) => break,
        }
    }
    let rss_after = plemu.rss_kib().context("cannot read plemu's RSS")?;
    eprintln!(
        "stalled after {} MiB; plemu rss {} -> {} KiB",
        written >> 20,
        rss_before,
        rss_after
    );
    assert!(
        written < IN_FLIGHT_LIMIT,
        "the writer got {} MiB in before stalling",
        written >> 20
    );
    assert!(written > 0, "nothing went through");
    // What plemu itself holds for the stalled flow is bounded too (frames and windows, not the offered 512 MiB).
    let grown = rss_after.saturating_sub(rss_before) / 1024;
    assert!(
        grown < 64,
        "plemu grew by {grown} MiB while the flow was stalled"
    );
    held.abort();
    Ok(())
}

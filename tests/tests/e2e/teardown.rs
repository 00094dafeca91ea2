//! A flow stalled on a client that reads nothing still ends when its endpoint is deleted: the
//! client gets an RST, nothing is left open (a flow once ignored the cancellation there).

use std::time::Duration;

use plemu_proto::pb;
use plemu_testkit::topology::{CONSUMER, TopologySpec};
use plemu_testkit::{Scenario, eventually, trace_init};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::support::private_dns_addr;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_the_endpoint_resets_a_flow_stalled_on_its_client() -> anyhow::Result<()> {
    trace_init();
    // The target writes without end to whoever connects.
    let target = TcpListener::bind("127.0.0.1:0").await?;
    let target_addr = target.local_addr()?;
    let firehose = tokio::spawn(async move {
        while let Ok((mut s, _)) = target.accept().await {
            tokio::spawn(async move {
                let chunk = vec![9u8; 64 * 1024];
                while s.write_all(&chunk).await.is_ok() {}
            });
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
    let mut client = eventually(Duration::from_secs(10), || async {
        let mut c = tokio::net::TcpStream::connect(addr).await?;
        let mut first = [0u8; 1];
        tokio::time::timeout(Duration::from_secs(2), c.read_exact(&mut first)).await??;
        Ok(c)
    })
    .await?;
    // The client reads nothing more: every buffer on the path fills and the pumps stall.
    tokio::time::sleep(Duration::from_millis(500)).await;

    api.ec2(CONSUMER)
        .delete_vpc_endpoints(pb::DeleteVpcEndpointsRequest {
            vpc_endpoint_ids: vec![topo.endpoint.vpc_endpoint_id.clone()],
        })
        .await?;
    // Reading now drains what was buffered, then meets the RST.
    let mut buf = vec![0u8; 1024 * 1024];
    let end = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match client.read(&mut buf).await {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(e) => return Err(e.kind()),
            }
        }
    })
    .await
    .expect("the stalled flow must end after the endpoint is deleted");
    assert_eq!(
        end,
        Err(std::io::ErrorKind::ConnectionReset),
        "{}",
        plemu.log_text()
    );
    firehose.abort();
    Ok(())
}

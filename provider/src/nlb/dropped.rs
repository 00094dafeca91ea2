//! Flows the load balancer drops: an NLB security group that admits no PrivateLink traffic
//! from the client makes AWS discard its packets, so the client hears nothing and times out.
//! The consumer agent has already taken the connection by then, so plemu holds the tunnel
//! stream instead: nothing reaches a target and nothing comes back.

use std::time::Duration;

use plemu_proto::pb::Frame;
use plemu_proto::pb::frame::Kind;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tonic::{Status, Streaming};

/// Holds a dropped flow, discarding what the client sends (its half-close too: AWS drops the
/// FIN as well), until the client's side resets or goes away, `shutdown` is cancelled, or
/// `forget_after` passes (the idle timeout, after which AWS has forgotten the flow and
/// answers the next packet with an RST). Then the stream ends, which resets the client.
pub async fn hold(
    mut inbound: Streaming<Frame>,
    tx: mpsc::Sender<Result<Frame, Status>>,
    shutdown: CancellationToken,
    forget_after: Duration,
) {
    let forgotten = tokio::time::sleep(forget_after);
    tokio::pin!(forgotten);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = &mut forgotten => {
                tracing::debug!(after = ?forget_after, "dropped flow forgotten");
                break;
            }
            frame = inbound.message() => match frame {
                Ok(Some(Frame { kind: Some(Kind::Reset(_)) })) | Ok(None) | Err(_) => break,
                Ok(Some(_)) => {}
            },
        }
    }
    drop(tx);
}

//! The opening exchange of one tunnel stream: `open` out, `opened` (or a refusal) back.

use plemu_proto::pb::tunnel_client::TunnelClient;
use plemu_proto::pb::{Frame, OpenFlow, frame::Kind};
use plemu_proto::tunnel::{FLOW_CHANNEL_FRAMES, frame};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Streaming;
use tonic::transport::Channel;

/// How long the provider may take to answer `open` (it dials the target within 10 s).
pub(crate) const OPEN_DEADLINE: std::time::Duration = std::time::Duration::from_secs(15);

/// A tunnel stream the provider accepted, ready for `splice`.
#[derive(Debug)]
pub(crate) struct OpenedStream {
    /// Outgoing frames.
    pub tx: mpsc::Sender<Frame>,
    /// Incoming frames after `opened`.
    pub inbound: Streaming<Frame>,
    /// The target the provider chose (`id:port`).
    pub target: String,
}

/// Opens a tunnel stream for one flow and waits for the provider's answer.
///
/// The `open` frame goes into the request channel before the call is made: the
/// call resolves only once the provider sent response headers, and a provider
/// may wait for the first frame before it does.
///
/// # Errors
/// The provider's status when it refused the flow (permission denied,
/// failed precondition, unavailable, …), a status describing a stream that
/// ended or answered something other than `opened` first, or `DeadlineExceeded`
/// after [`OPEN_DEADLINE`].
pub(crate) async fn open(
    client: &mut TunnelClient<Channel>,
    open: OpenFlow,
) -> Result<OpenedStream, tonic::Status> {
    tokio::time::timeout(OPEN_DEADLINE, handshake(client, open))
        .await
        .unwrap_or_else(|_| {
            Err(tonic::Status::deadline_exceeded(format!(
                "provider did not answer `open` within {OPEN_DEADLINE:?}"
            )))
        })
}

async fn handshake(
    client: &mut TunnelClient<Channel>,
    open: OpenFlow,
) -> Result<OpenedStream, tonic::Status> {
    let (tx, rx) = mpsc::channel::<Frame>(FLOW_CHANNEL_FRAMES);
    tx.send(frame(Kind::Open(open)))
        .await
        .map_err(|_| tonic::Status::internal("tunnel request channel closed"))?;
    let mut inbound = client.open(ReceiverStream::new(rx)).await?.into_inner();
    match inbound.message().await? {
        Some(Frame {
            kind: Some(Kind::Opened(opened)),
        }) => Ok(OpenedStream {
            tx,
            inbound,
            target: opened.target,
        }),
        Some(Frame {
            kind: Some(Kind::Reset(reset)),
        }) => Err(tonic::Status::unavailable(format!(
            "provider reset the flow before it opened: {}",
            reset.reason
        ))),
        Some(other) => Err(tonic::Status::internal(format!(
            "provider answered {:?} before `opened`",
            other.kind.map(|k| kind_name(&k))
        ))),
        None => Err(tonic::Status::unavailable(
            "provider ended the tunnel stream before `opened`",
        )),
    }
}

/// The frame kind's name, for messages.
fn kind_name(kind: &Kind) -> &'static str {
    match kind {
        Kind::Open(_) => "open",
        Kind::Data(_) => "data",
        Kind::HalfClose(_) => "half_close",
        Kind::Reset(_) => "reset",
        Kind::Opened(_) => "opened",
    }
}

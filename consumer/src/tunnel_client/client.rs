//! The opening of one tunnel stream: `open` out, then the provider's answer (`opened`, or a
//! refusal) read as the first inbound frame while the client's first bytes already travel.
//!
//! A flow does not wait for `opened` before it forwards the client's bytes: they follow `open`
//! on the same stream, and the provider writes them to the target as soon as it has dialled it.
//! That saves a tunnel round trip on every new connection. A refusal still resets the client,
//! with whatever it sent discarded, as when the provider answers before any byte.

use plemu_proto::pb::tunnel_client::TunnelClient;
use plemu_proto::pb::{Frame, OpenFlow, frame::Kind};
use plemu_proto::tunnel::{FLOW_CHANNEL_FRAMES, FrameSource, frame};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Streaming;
use tonic::transport::Channel;

/// How long the provider may take to answer `open` (it dials the target within 10 s).
pub(crate) const OPEN_DEADLINE: std::time::Duration = std::time::Duration::from_secs(15);

/// A tunnel stream whose `open` went out, ready for `splice`.
#[derive(Debug)]
pub(crate) struct OpeningStream {
    /// Outgoing frames, after `open`.
    pub tx: mpsc::Sender<Frame>,
    /// Incoming frames: the provider's answer first, then the target's bytes.
    pub inbound: Answered,
}

/// The inbound half of a flow's stream: checks that the first frame is `opened` (within
/// [`OPEN_DEADLINE`]) and hands on what follows.
#[derive(Debug)]
pub(crate) struct Answered {
    inbound: Streaming<Frame>,
    /// `None` until the provider answered; then the target it chose (`ip:port`).
    target: Option<String>,
    /// Why the provider refused the flow, once it did.
    refusal: Option<tonic::Status>,
}

/// Sends `open` and starts the stream; returns once the provider has taken it (its response
/// headers), without waiting for `opened`.
///
/// The `open` frame goes into the request channel before the call is made: the call resolves
/// only once the provider sent response headers, and a provider may wait for the first frame
/// before it does.
///
/// # Errors
/// The provider's status when it refused the stream outright, or `DeadlineExceeded` after
/// [`OPEN_DEADLINE`].
pub(crate) async fn start(
    client: &mut TunnelClient<Channel>,
    open: OpenFlow,
) -> Result<OpeningStream, tonic::Status> {
    let (tx, rx) = mpsc::channel::<Frame>(FLOW_CHANNEL_FRAMES);
    tx.send(frame(Kind::Open(open)))
        .await
        .map_err(|_| tonic::Status::internal("tunnel request channel closed"))?;
    let call = client.open(ReceiverStream::new(rx));
    let inbound = match tokio::time::timeout(OPEN_DEADLINE, call).await {
        Ok(r) => r?.into_inner(),
        Err(_) => return Err(deadline()),
    };
    Ok(OpeningStream {
        tx,
        inbound: Answered {
            inbound,
            target: None,
            refusal: None,
        },
    })
}

fn deadline() -> tonic::Status {
    tonic::Status::deadline_exceeded(format!(
        "provider did not answer `open` within {OPEN_DEADLINE:?}"
    ))
}

impl Answered {
    /// The target the provider chose, once it answered `opened`.
    pub fn target(&self) -> Option<&str> {
        self.target.as_deref()
    }

    /// Why the provider refused the flow, if it did before `opened`.
    pub fn refusal(&self) -> Option<&tonic::Status> {
        self.refusal.as_ref()
    }

    /// The provider's answer: `Ok` once `opened` came, else the refusal as a status.
    async fn answer(&mut self) -> Result<(), tonic::Status> {
        let first = tokio::time::timeout(OPEN_DEADLINE, self.inbound.message())
            .await
            .map_err(|_| deadline())??;
        match first {
            Some(Frame {
                kind: Some(Kind::Opened(opened)),
            }) => {
                self.target = Some(opened.target);
                Ok(())
            }
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
}

impl FrameSource for &mut Answered {
    async fn next_frame(&mut self) -> Result<Option<Frame>, tonic::Status> {
        if self.target.is_none() {
            if let Some(refused) = &self.refusal {
                return Err(refused.clone());
            }
            if let Err(status) = self.answer().await {
                self.refusal = Some(status.clone());
                return Err(status);
            }
        }
        self.inbound.message().await
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

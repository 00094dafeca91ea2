//! The opening of one tunnel stream: `open` out, then the provider's answer (`opened`, or a
//! refusal) read as the first inbound frame while the client's first bytes already travel.
//!
//! A flow waits for nothing before it forwards the client's bytes: neither the provider's
//! response headers nor `opened`. The bytes follow `open` on the same stream (often in the same
//! HTTP/2 write), and the provider writes them to the target as soon as it has dialled it. That
//! saves a tunnel round trip on every new connection. A refusal still resets the client, with
//! whatever it sent discarded, as when the provider answers before any byte.

use std::future::Future;
use std::pin::Pin;

use plemu_proto::pb::tunnel_client::TunnelClient;
use plemu_proto::pb::{Frame, OpenFlow, frame::Kind};
use plemu_proto::tunnel::{FLOW_CHANNEL_FRAMES, FrameSource, frame};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Streaming;
use tonic::transport::Channel;

/// How long the provider may take to answer `open` (it dials the target within 10 s).
pub(crate) const OPEN_DEADLINE: std::time::Duration = std::time::Duration::from_secs(15);

/// The call in flight: resolves with the provider's response headers.
type Call =
    Pin<Box<dyn Future<Output = Result<tonic::Response<Streaming<Frame>>, tonic::Status>> + Send>>;

/// A tunnel stream whose `open` is queued, ready for `splice`.
pub(crate) struct OpeningStream {
    /// Outgoing frames, after `open`.
    pub tx: mpsc::Sender<Frame>,
    /// Incoming frames: the provider's answer first, then the target's bytes.
    pub inbound: Answered,
}

/// The inbound half of a flow's stream: waits for the call's response headers, checks that the
/// first frame is `opened` (both within [`OPEN_DEADLINE`]) and hands on what follows.
pub(crate) struct Answered {
    /// The call until the provider's response headers came; then its frames.
    inbound: Inbound,
    /// `None` until the provider answered; then the target it chose (`ip:port`).
    target: Option<String>,
    /// Why the provider refused the flow, once it did.
    refusal: Option<tonic::Status>,
}

enum Inbound {
    Calling(Call),
    Streaming(Box<Streaming<Frame>>),
}

/// Queues `open` and makes the call; nothing is awaited here. The call goes out when the flow
/// first reads its inbound half, which `splice` does at once, while the client's bytes queue
/// behind `open`.
///
/// The `open` frame goes into the request channel before the call is made: a provider may wait
/// for the first frame before it sends response headers.
///
/// # Errors
/// `Internal` when the request channel is closed (it cannot be: it was just made).
pub(crate) fn start(
    mut client: TunnelClient<Channel>,
    open: OpenFlow,
) -> Result<OpeningStream, tonic::Status> {
    let (tx, rx) = mpsc::channel::<Frame>(FLOW_CHANNEL_FRAMES);
    tx.try_send(frame(Kind::Open(Box::new(open))))
        .map_err(|_| tonic::Status::internal("tunnel request channel closed"))?;
    let call: Call = Box::pin(async move { client.open(ReceiverStream::new(rx)).await });
    Ok(OpeningStream {
        tx,
        inbound: Answered {
            inbound: Inbound::Calling(call),
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

impl std::fmt::Debug for Answered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answered")
            .field("target", &self.target)
            .field("refusal", &self.refusal)
            .finish_non_exhaustive()
    }
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

    /// Reads what the provider still sends until it ends the stream, for at most `limit`.
    ///
    /// After this side sent a reset, the stream must stay open until the provider has read it:
    /// dropping the response stream makes HTTP/2 cancel the stream (`RST_STREAM`), and frames
    /// still queued behind it, the reset among them, are lost. The provider would then see a
    /// lost stream instead of the client's reset.
    pub async fn drain(&mut self, limit: std::time::Duration) {
        let Inbound::Streaming(inbound) = &mut self.inbound else {
            return;
        };
        let _ = tokio::time::timeout(limit, async {
            while let Ok(Some(_)) = inbound.message().await {}
        })
        .await;
    }

    /// The provider's answer: `Ok` once `opened` came, else the refusal as a status.
    async fn answer(&mut self) -> Result<(), tonic::Status> {
        tokio::time::timeout(OPEN_DEADLINE, self.opened())
            .await
            .map_err(|_| deadline())?
    }

    /// The inbound frames, once the provider's response headers came.
    async fn streaming(&mut self) -> Result<&mut Streaming<Frame>, tonic::Status> {
        if let Inbound::Calling(call) = &mut self.inbound {
            self.inbound = Inbound::Streaming(Box::new(call.await?.into_inner()));
        }
        match &mut self.inbound {
            Inbound::Streaming(inbound) => Ok(inbound),
            Inbound::Calling(_) => unreachable!("the call was just answered"),
        }
    }

    /// The response headers, then `opened` as the first frame.
    async fn opened(&mut self) -> Result<(), tonic::Status> {
        let first = self.streaming().await?.message().await?;
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
        self.streaming().await?.message().await
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

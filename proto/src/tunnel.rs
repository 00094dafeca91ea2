//! The pump between one TCP socket and one tunnel stream, shared by both agents.
//!
//! Vocabulary: a *flow* is one client TCP connection; its *tunnel stream* is
//! the gRPC bidirectional stream that carries it between the agents. After the
//! opening exchange both sides run [`splice`]: socket bytes become `data`
//! frames (at most [`MAX_DATA_FRAME`] bytes each), a FIN becomes `half_close`,
//! and a read error becomes `reset`; in the other direction `half_close`
//! shuts the socket's write side and `reset` (or a stream that breaks) aborts
//! the socket with an RST. Nothing is queued without bound: a frame is read
//! from the socket only once the previous one was taken by the bounded
//! channel, and a frame is taken from the stream only once the socket took
//! the previous one, so HTTP/2 flow control slows the sender.

use std::future::Future;
use std::io;
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;

use crate::pb::{Frame, HalfClose, Reset, frame::Kind};

/// Largest payload of one `data` frame, in bytes.
pub const MAX_DATA_FRAME: usize = 64 * 1024;

/// Largest HTTP/2 frame either agent accepts (`SETTINGS_MAX_FRAME_SIZE`), in bytes: a whole
/// `data` frame with its gRPC and protobuf headers travels as one HTTP/2 DATA frame, read by the
/// peer in one piece, instead of four at the 16 KiB default.
pub const HTTP2_MAX_FRAME: u32 = 2 * MAX_DATA_FRAME as u32;

/// Frames a flow may have in flight in its local channel before the socket
/// reader waits.
pub const FLOW_CHANNEL_FRAMES: usize = 8;

/// Where a flow's outgoing frames go: the sending half of a tunnel stream.
pub trait FrameSink: Send {
    /// Sends one frame; `false` when the stream is gone.
    fn send_frame(&mut self, frame: Frame) -> impl Future<Output = bool> + Send;
}

/// Where a flow's incoming frames come from: the receiving half of a tunnel stream.
pub trait FrameSource: Send {
    /// The next frame, `Ok(None)` at a clean end of the stream.
    fn next_frame(&mut self) -> impl Future<Output = Result<Option<Frame>, tonic::Status>> + Send;
}

impl FrameSink for mpsc::Sender<Frame> {
    async fn send_frame(&mut self, frame: Frame) -> bool {
        self.send(frame).await.is_ok()
    }
}

impl FrameSink for mpsc::Sender<Result<Frame, tonic::Status>> {
    async fn send_frame(&mut self, frame: Frame) -> bool {
        self.send(Ok(frame)).await.is_ok()
    }
}

impl FrameSource for tonic::Streaming<Frame> {
    async fn next_frame(&mut self) -> Result<Option<Frame>, tonic::Status> {
        self.message().await
    }
}

/// A frame of the given kind.
pub fn frame(kind: Kind) -> Frame {
    Frame { kind: Some(kind) }
}

/// How a flow ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowEnd {
    /// Both directions closed with a FIN.
    Closed,
    /// The peer reset the flow (its socket saw an RST or an error), with its reason.
    ResetByPeer(String),
    /// The local socket failed; the peer was sent a reset.
    LocalError(String),
    /// The tunnel stream broke or ended without a half-close.
    StreamLost(String),
    /// Stopped from outside (endpoint deleted, agent shutting down), with the reason the peer
    /// was sent in a reset.
    Cancelled(String),
}

/// What [`splice`] moved and how the flow ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowStats {
    /// Bytes read from the socket and sent into the tunnel.
    pub bytes_out: u64,
    /// Bytes received from the tunnel and written to the socket.
    pub bytes_in: u64,
    /// How the flow ended.
    pub end: FlowEnd,
}

/// How long a reset may wait for room in the tunnel stream when the flow ends from this side;
/// a peer that reads nothing does not hold the flow open.
const RESET_SEND_LIMIT: Duration = Duration::from_secs(1);

/// Pumps bytes both ways between `socket` and a tunnel stream until both
/// directions are closed or either side resets. On a reset or a lost stream
/// the socket is closed with an RST.
pub async fn splice<S: FrameSink, R: FrameSource>(socket: TcpStream, tx: S, rx: R) -> FlowStats {
    splice_until(socket, tx, rx, std::future::pending()).await
}

/// As [`splice`], until `cancel` resolves (with a reason): then, in whatever state the flow is
/// (half-closed, or stalled on a peer that reads nothing), the peer is sent a reset with that
/// reason and the socket is closed with an RST. A socket write error sends the peer a reset too.
pub async fn splice_until<S, R, C>(socket: TcpStream, mut tx: S, mut rx: R, cancel: C) -> FlowStats
where
    S: FrameSink,
    R: FrameSource,
    C: Future<Output = String>,
{
    let _ = socket.set_nodelay(true);
    let (mut rd, mut wr) = socket.into_split();
    let mut bytes_out = 0u64;
    let mut bytes_in = 0u64;
    // Whether the peer still has to be told: a write error or a cancellation (a read error
    // sends its own reset).
    let mut tell_peer = None;
    let end = {
        let up = socket_to_stream(&mut rd, &mut tx, &mut bytes_out);
        let down = stream_to_socket(&mut rx, &mut wr, &mut bytes_in);
        tokio::pin!(up, down, cancel);
        let (mut up_done, mut down_done) = (false, false);
        loop {
            tokio::select! {
                r = &mut up, if !up_done => match r {
                    Ok(()) => up_done = true,
                    Err(end) => break end,
                },
                r = &mut down, if !down_done => match r {
                    Ok(()) => down_done = true,
                    Err(FlowEnd::LocalError(e)) => {
                        tell_peer = Some(e.clone());
                        break FlowEnd::LocalError(e);
                    }
                    Err(end) => break end,
                },
                reason = &mut cancel => {
                    tell_peer = Some(reason.clone());
                    break FlowEnd::Cancelled(reason);
                }
            }
            if up_done && down_done {
                break FlowEnd::Closed;
            }
        }
    };
    if let Some(reason) = tell_peer {
        let reset = tx.send_frame(frame(Kind::Reset(Reset { reason })));
        let _ = tokio::time::timeout(RESET_SEND_LIMIT, reset).await;
    }
    if end == FlowEnd::Closed {
        drop((rd, wr));
    } else {
        abort(&wr);
        // Dropping the write half would shut it down (a FIN) before the RST;
        // forgetting it leaves the close to the read half, with linger 0.
        wr.forget();
        drop(rd);
    }
    FlowStats {
        bytes_out,
        bytes_in,
        end,
    }
}

/// Socket → stream. `Ok` once EOF was read and `half_close` sent.
///
/// The read buffer exists only while data is in flight: it is taken when the socket becomes
/// readable and let go as soon as the socket has nothing more, so an idle flow holds no buffer
/// (9,000 idle flows with a 64 KiB buffer each once kept plemu's memory near 1 GiB).
async fn socket_to_stream<S: FrameSink>(
    rd: &mut OwnedReadHalf,
    tx: &mut S,
    count: &mut u64,
) -> Result<(), FlowEnd> {
    let mut buf = BytesMut::new();
    let mut want = FIRST_READ;
    loop {
        if let Err(e) = rd.readable().await {
            return Err(read_failed(tx, &e).await);
        }
        if buf.capacity() < want / 4 {
            buf.reserve(want);
        }
        let spare = buf.capacity() - buf.len();
        match rd.try_read_buf(&mut buf) {
            Ok(0) => {
                return if tx.send_frame(frame(Kind::HalfClose(HalfClose {}))).await {
                    Ok(())
                } else {
                    Err(FlowEnd::StreamLost(
                        "tunnel stream closed before half-close".into(),
                    ))
                };
            }
            Ok(n) => {
                *count += n as u64;
                want = next_read_size(want, n, spare);
                let chunk = buf.split().freeze();
                if !tx.send_frame(frame(Kind::Data(chunk))).await {
                    return Err(FlowEnd::StreamLost("tunnel stream closed".into()));
                }
            }
            // Nothing more for now: let the buffer go until the socket is readable again.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => buf = BytesMut::new(),
            Err(e) => return Err(read_failed(tx, &e).await),
        }
    }
}

/// The first buffer a flow reads into: small enough for the allocator's per-thread cache, so
/// that a request/response flow (a Redis command and its reply) does not take a 64 KiB block
/// from the shared arena for every few bytes.
const FIRST_READ: usize = 4 * 1024;

/// The next buffer size of a flow that read `n` bytes into `spare` with `want` reserved: twice
/// as large (up to a data frame) when the read filled it, half (down to [`FIRST_READ`]) when it
/// used less than an eighth, so bulk flows read 64 KiB at a time within a few reads.
fn next_read_size(want: usize, n: usize, spare: usize) -> usize {
    if n >= spare {
        (want * 2).min(MAX_DATA_FRAME)
    } else if n < want / 8 {
        (want / 2).max(FIRST_READ)
    } else {
        want
    }
}

/// Tells the peer about a failed read with a reset; the flow's end.
async fn read_failed<S: FrameSink>(tx: &mut S, e: &io::Error) -> FlowEnd {
    let reason = e.to_string();
    tx.send_frame(frame(Kind::Reset(Reset {
        reason: reason.clone(),
    })))
    .await;
    FlowEnd::LocalError(reason)
}

/// Stream → socket. `Ok` once `half_close` arrived and the socket's write side was shut.
async fn stream_to_socket<R: FrameSource>(
    rx: &mut R,
    wr: &mut OwnedWriteHalf,
    count: &mut u64,
) -> Result<(), FlowEnd> {
    loop {
        let frame = match rx.next_frame().await {
            Ok(Some(f)) => f,
            Ok(None) => {
                return Err(FlowEnd::StreamLost(
                    "tunnel stream ended without half-close".into(),
                ));
            }
            Err(status) => {
                return Err(FlowEnd::StreamLost(format!(
                    "tunnel stream failed: {}",
                    status.message()
                )));
            }
        };
        match frame.kind {
            Some(Kind::Data(data)) => {
                *count += data.len() as u64;
                if let Err(e) = wr.write_all(&data).await {
                    return Err(FlowEnd::LocalError(e.to_string()));
                }
            }
            Some(Kind::HalfClose(_)) => {
                return match wr.shutdown().await {
                    Ok(()) => Ok(()),
                    Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
                    Err(e) => Err(FlowEnd::LocalError(e.to_string())),
                };
            }
            Some(Kind::Reset(r)) => return Err(FlowEnd::ResetByPeer(r.reason)),
            // `open` and `opened` belong to the handshake; late ones are ignored.
            Some(Kind::Open(_) | Kind::Opened(_)) | None => {}
        }
    }
}

/// Arranges for the socket to close with an RST instead of a FIN.
pub fn abort(wr: &OwnedWriteHalf) {
    let _ = socket2::SockRef::from(wr.as_ref()).set_linger(Some(Duration::ZERO));
}

/// Closes a socket that was never spliced with an RST.
pub fn reset_socket(socket: TcpStream) {
    let _ = socket2::SockRef::from(&socket).set_linger(Some(Duration::ZERO));
    drop(socket);
}

#[cfg(test)]
mod tests;

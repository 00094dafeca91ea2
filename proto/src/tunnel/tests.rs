//! `splice` over real sockets, with channels standing for the tunnel stream: resets each way, a
//! write error, a stream lost mid-flow, and cancellation of a flow stalled on a reader.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use super::*;

/// The receiving half of a fake tunnel stream.
struct Inbound(mpsc::Receiver<Result<Frame, tonic::Status>>);

impl FrameSource for Inbound {
    async fn next_frame(&mut self) -> Result<Option<Frame>, tonic::Status> {
        match self.0.recv().await {
            Some(Ok(f)) => Ok(Some(f)),
            Some(Err(s)) => Err(s),
            None => Ok(None),
        }
    }
}

/// A connected pair: the socket `splice` gets, and its peer (the client or the target).
async fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let peer = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (ours, _) = listener.accept().await.unwrap();
    (ours, peer)
}

/// A flow spliced on `ours` with channels for the tunnel stream: the running splice, the sender
/// of its inbound frames, and the receiver of what it sends.
fn spliced(
    ours: TcpStream,
    capacity: usize,
) -> (
    tokio::task::JoinHandle<FlowStats>,
    mpsc::Sender<Result<Frame, tonic::Status>>,
    mpsc::Receiver<Frame>,
) {
    let (tx, out) = mpsc::channel::<Frame>(capacity);
    let (in_tx, in_rx) = mpsc::channel(capacity);
    (tokio::spawn(splice(ours, tx, Inbound(in_rx))), in_tx, out)
}

/// Everything the splice sent into the tunnel, until it dropped its sender.
async fn sent(mut out: mpsc::Receiver<Frame>) -> Vec<Kind> {
    let mut all = Vec::new();
    while let Some(f) = out.recv().await {
        all.extend(f.kind);
    }
    all
}

/// Reads the peer socket to its end: `Ok(bytes)` at a FIN, `Err(kind)` at an error.
async fn drain(peer: &mut TcpStream) -> Result<usize, std::io::ErrorKind> {
    let mut buf = vec![0; 64 * 1024];
    let mut total = 0;
    loop {
        match tokio::time::timeout(Duration::from_secs(5), peer.read(&mut buf)).await {
            Err(_) => panic!("the peer socket neither closed nor failed"),
            Ok(Ok(0)) => return Ok(total),
            Ok(Ok(n)) => total += n,
            Ok(Err(e)) => return Err(e.kind()),
        }
    }
}

fn is_reset(k: &Kind) -> bool {
    matches!(k, Kind::Reset(_))
}

#[tokio::test]
async fn a_reset_from_the_stream_resets_the_socket() {
    let (ours, mut peer) = pair().await;
    let (flow, in_tx, out) = spliced(ours, 8);
    in_tx
        .send(Ok(frame(Kind::Data("hi".into()))))
        .await
        .unwrap();
    in_tx
        .send(Ok(frame(Kind::Reset(Reset {
            reason: "far side".into(),
        }))))
        .await
        .unwrap();
    let stats = flow.await.unwrap();
    assert_eq!(stats.end, FlowEnd::ResetByPeer("far side".into()));
    assert_eq!(
        drain(&mut peer).await,
        Err(std::io::ErrorKind::ConnectionReset)
    );
    drop(out);
}

#[tokio::test]
async fn a_reset_socket_sends_a_reset_frame() {
    let (ours, peer) = pair().await;
    let (flow, _in_tx, out) = spliced(ours, 8);
    reset_socket(peer);
    let stats = flow.await.unwrap();
    assert!(
        matches!(stats.end, FlowEnd::LocalError(_)),
        "{:?}",
        stats.end
    );
    let frames = sent(out).await;
    assert!(frames.iter().any(is_reset), "{frames:?}");
}

#[tokio::test]
async fn a_write_error_sends_a_reset_frame() {
    let (ours, peer) = pair().await;
    let (flow, in_tx, out) = spliced(ours, 64);
    // The peer closes (a FIN, so reading sees a clean end); data keeps coming from the stream:
    // the peer's kernel answers with an RST and a later write fails.
    drop(peer);
    for _ in 0..32 {
        if in_tx
            .send(Ok(frame(Kind::Data(vec![7; 1024].into()))))
            .await
            .is_err()
        {
            break;
        }
    }
    let stats = flow.await.unwrap();
    assert!(
        matches!(stats.end, FlowEnd::LocalError(_)),
        "{:?}",
        stats.end
    );
    let frames = sent(out).await;
    assert_eq!(
        frames.iter().filter(|k| is_reset(k)).count(),
        1,
        "{frames:?}"
    );
}

#[tokio::test]
async fn a_stream_lost_mid_flow_resets_the_socket() {
    let (ours, mut peer) = pair().await;
    let (flow, in_tx, _out) = spliced(ours, 8);
    in_tx
        .send(Ok(frame(Kind::Data("partial".into()))))
        .await
        .unwrap();
    in_tx
        .send(Err(tonic::Status::unavailable("connection lost")))
        .await
        .unwrap();
    let stats = flow.await.unwrap();
    assert!(
        matches!(stats.end, FlowEnd::StreamLost(_)),
        "{:?}",
        stats.end
    );
    assert_eq!(
        drain(&mut peer).await,
        Err(std::io::ErrorKind::ConnectionReset)
    );
}

#[tokio::test]
async fn half_close_each_way_ends_with_fins() {
    let (ours, mut peer) = pair().await;
    let (flow, in_tx, out) = spliced(ours, 8);
    peer.write_all(b"ping").await.unwrap();
    peer.shutdown().await.unwrap();
    in_tx
        .send(Ok(frame(Kind::Data("pong".into()))))
        .await
        .unwrap();
    in_tx
        .send(Ok(frame(Kind::HalfClose(HalfClose {}))))
        .await
        .unwrap();
    assert_eq!(drain(&mut peer).await, Ok(4));
    let stats = flow.await.unwrap();
    assert_eq!(
        (stats.end, stats.bytes_out, stats.bytes_in),
        (FlowEnd::Closed, 4, 4)
    );
    let frames = sent(out).await;
    assert!(
        matches!(frames.last(), Some(Kind::HalfClose(_))),
        "{frames:?}"
    );
}

/// The case that once leaked: the client reads nothing, so the pump is stuck writing to it and
/// never looks at the stream again. Cancellation still ends the flow: an RST to the client and
/// a reset to the far side.
#[tokio::test]
async fn cancellation_ends_a_flow_stalled_on_a_reader_that_reads_nothing() {
    let (ours, mut peer) = pair().await;
    let (tx, out) = mpsc::channel(64);
    let (in_tx, in_rx) = mpsc::channel(4);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let flow = tokio::spawn(splice_until(ours, tx, Inbound(in_rx), async move {
        let _ = stopped.await;
        "endpoint deleted".to_string()
    }));
    // Fill the socket's buffers until the pump blocks, and the stream's channel behind it.
    let feeder = tokio::spawn(async move {
        while in_tx
            .send(Ok(frame(Kind::Data(vec![1; 64 * 1024].into()))))
            .await
            .is_ok()
        {}
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!flow.is_finished(), "the flow should be stalled, not ended");
    stop.send(()).unwrap();
    let stats = tokio::time::timeout(Duration::from_secs(5), flow)
        .await
        .expect("cancellation must end a stalled flow")
        .unwrap();
    assert_eq!(stats.end, FlowEnd::Cancelled("endpoint deleted".into()));
    assert_eq!(
        drain(&mut peer).await,
        Err(std::io::ErrorKind::ConnectionReset)
    );
    let frames = sent(out).await;
    assert!(
        matches!(frames.last(), Some(Kind::Reset(r)) if r.reason == "endpoint deleted"),
        "{frames:?}"
    );
    feeder.abort();
}

#[test]
fn reads_start_small_and_grow_to_a_data_frame_for_bulk() {
    // A small reply leaves the size where it is; the smallest is FIRST_READ.
    assert_eq!(next_read_size(FIRST_READ, 14, FIRST_READ), FIRST_READ);
    // Filling the buffer doubles it, up to a data frame.
    let mut want = FIRST_READ;
    for _ in 0..10 {
        want = next_read_size(want, want, want);
    }
    assert_eq!(want, MAX_DATA_FRAME);
    // A flow that turns quiet shrinks back.
    for _ in 0..10 {
        want = next_read_size(want, 100, want);
    }
    assert_eq!(want, FIRST_READ);
}

#[tokio::test]
async fn bulk_data_arrives_whole_in_frames_of_at_most_a_data_frame() {
    let (ours, mut peer) = pair().await;
    let (mut rd, _wr) = ours.into_split();
    let (mut tx, rx) = mpsc::channel(8);
    let frames = tokio::spawn(sent(rx));
    let pump = tokio::spawn(async move {
        let mut count = 0;
        let end = socket_to_stream(&mut rd, &mut tx, &mut count).await;
        (end.is_ok(), count)
    });
    let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    peer.write_all(&data).await.unwrap();
    peer.shutdown().await.unwrap();
    assert_eq!(pump.await.unwrap(), (true, data.len() as u64));
    let mut got = Vec::new();
    let mut largest = 0;
    for kind in frames.await.unwrap() {
        if let Kind::Data(d) = kind {
            largest = largest.max(d.len());
            got.extend_from_slice(&d);
        }
    }
    assert!(largest <= MAX_DATA_FRAME, "{largest}");
    assert!(largest > FIRST_READ, "never grew past {largest}");
    assert_eq!(got, data);
}

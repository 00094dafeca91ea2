//! A fake provider agent: a `Tunnel` server that answers `opened` and echoes, or refuses every flow.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use plemu_proto::pb::tunnel_server::{Tunnel, TunnelServer};
use plemu_proto::pb::{FlowOpened, Frame, HalfClose, OpenFlow, frame::Kind};
use plemu_proto::tunnel::{FLOW_CHANNEL_FRAMES, frame};
use tokio::net::TcpListener;
use tokio::sync::{Notify, mpsc};
use tokio_stream::wrappers::{ReceiverStream, TcpListenerStream};
use tokio_util::sync::{CancellationToken, DropGuard};
use tonic::{Request, Response, Status, Streaming};

/// The target every echoed flow reports.
pub const ECHO_TARGET: &str = "192.0.2.10:7";

/// How the fake provider answers a tunnel stream.
#[derive(Clone, Debug)]
pub enum ProviderMode {
    /// `opened`, then every `data` frame back; a `half_close` is answered
    /// with a `half_close` once the data before it was echoed.
    Echo,
    /// Reads the `open` frame, then ends the stream with this status.
    Refuse(tonic::Code, String),
}

/// What the fake provider saw.
#[derive(Debug, Default)]
struct Seen {
    /// Tunnel streams opened.
    streams: usize,
    /// The `open` frames.
    opens: Vec<OpenFlow>,
    /// How each echoed flow ended: `half_close`, `reset: REASON`, `ended`, or `error: MESSAGE`.
    ends: Vec<String>,
}

/// A fake provider agent on loopback. Stops when dropped.
#[derive(Debug)]
pub struct FakeProvider {
    /// Where its tunnel server listens.
    addr: SocketAddr,
    /// What it saw.
    seen: Arc<Mutex<Seen>>,
    /// Signalled whenever `seen` changes.
    changed: Arc<Notify>,
    /// Stops the server when dropped.
    _stop: DropGuard,
}

/// The `Tunnel` service behind [`FakeProvider`].
#[derive(Debug)]
struct Service {
    /// How to answer.
    mode: ProviderMode,
    /// What it saw.
    seen: Arc<Mutex<Seen>>,
    /// Signalled whenever `seen` changes.
    changed: Arc<Notify>,
}

// === impl FakeProvider ===

impl FakeProvider {
    /// Serves on a fresh `127.0.0.1:0` listener.
    ///
    /// # Errors
    /// When the listener cannot be bound.
    pub async fn start(mode: ProviderMode) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let seen = Arc::new(Mutex::new(Seen::default()));
        let changed = Arc::new(Notify::new());
        let service = Service {
            mode,
            seen: Arc::clone(&seen),
            changed: Arc::clone(&changed),
        };
        let token = CancellationToken::new();
        let stop = token.clone();
        tokio::spawn(async move {
            let served = tonic::transport::Server::builder()
                .add_service(TunnelServer::new(service))
                .serve_with_incoming_shutdown(
                    TcpListenerStream::new(listener),
                    stop.cancelled_owned(),
                )
                .await;
            if let Err(e) = served {
                tracing::warn!(error = %e, "fake provider failed");
            }
        });
        Ok(Self {
            addr,
            seen,
            changed,
            _stop: token.drop_guard(),
        })
    }

    /// The tunnel address to put in `EndpointSpec::provider_tunnel_address`.
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    /// How many tunnel streams were opened.
    pub fn streams(&self) -> usize {
        self.lock().streams
    }

    /// The `open` frames received.
    pub fn opens(&self) -> Vec<OpenFlow> {
        self.lock().opens.clone()
    }

    /// How the echoed flows ended so far.
    pub fn ends(&self) -> Vec<String> {
        self.lock().ends.clone()
    }

    /// Waits until `n` echoed flows have ended and returns how.
    pub async fn wait_for_ends(&self, n: usize) -> Vec<String> {
        loop {
            let notified = self.changed.notified();
            let ends = self.ends();
            if ends.len() >= n {
                return ends;
            }
            notified.await;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }
}

// === impl Service ===

impl Service {
    fn record(seen: &Mutex<Seen>, changed: &Notify, f: impl FnOnce(&mut Seen)) {
        f(&mut seen.lock().unwrap_or_else(|p| p.into_inner()));
        changed.notify_waiters();
    }
}

#[tonic::async_trait]
impl Tunnel for Service {
    type OpenStream = ReceiverStream<Result<Frame, Status>>;

    async fn open(
        &self,
        request: Request<Streaming<Frame>>,
    ) -> Result<Response<Self::OpenStream>, Status> {
        Self::record(&self.seen, &self.changed, |s| s.streams += 1);
        let mut inbound = request.into_inner();
        if let ProviderMode::Refuse(code, message) = &self.mode {
            if let Some(Frame {
                kind: Some(Kind::Open(open)),
            }) = inbound.message().await?
            {
                Self::record(&self.seen, &self.changed, |s| s.opens.push(*open));
            }
            return Err(Status::new(*code, message.clone()));
        }
        let (tx, rx) = mpsc::channel(FLOW_CHANNEL_FRAMES);
        let seen = Arc::clone(&self.seen);
        let changed = Arc::clone(&self.changed);
        tokio::spawn(async move {
            let end = echo(&mut inbound, &tx, &seen, &changed).await;
            Self::record(&seen, &changed, |s| s.ends.push(end));
        });
        Ok(Response::new(ReceiverStream::new(rx)))
    }
}

/// Answers `opened` to the `open` frame, then echoes; returns how the flow ended.
async fn echo(
    inbound: &mut Streaming<Frame>,
    tx: &mpsc::Sender<Result<Frame, Status>>,
    seen: &Mutex<Seen>,
    changed: &Notify,
) -> String {
    match inbound.message().await {
        Ok(Some(Frame {
            kind: Some(Kind::Open(open)),
        })) => Service::record(seen, changed, |s| s.opens.push(*open)),
        other => return format!("error: expected `open`, got {other:?}"),
    }
    let opened = frame(Kind::Opened(FlowOpened {
        target: ECHO_TARGET.into(),
    }));
    if tx.send(Ok(opened)).await.is_err() {
        return "ended".into();
    }
    loop {
        match inbound.message().await {
            Ok(Some(Frame {
                kind: Some(Kind::Data(data)),
            })) => {
                if tx.send(Ok(frame(Kind::Data(data)))).await.is_err() {
                    return "ended".into();
                }
            }
            Ok(Some(Frame {
                kind: Some(Kind::HalfClose(_)),
            })) => {
                let _ = tx.send(Ok(frame(Kind::HalfClose(HalfClose {})))).await;
                return "half_close".into();
            }
            Ok(Some(Frame {
                kind: Some(Kind::Reset(r)),
            })) => return format!("reset: {}", r.reason),
            Ok(Some(_)) => {}
            Ok(None) => return "ended".into(),
            Err(status) => return format!("error: {}", status.message()),
        }
    }
}

//! What a flow holds from open to close: its counter handles, looked up once when it opens, an
//! active-count guard, and [`Counted`], which adds each data chunk's length with one atomic add
//! per handle (no lock, nothing per byte).

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;

use crate::pb::Frame;
use crate::pb::frame::Kind;
use crate::tunnel::{FrameSink, FrameSource};

/// Byte counters a flow adds each chunk to (one per hop that counts it).
#[derive(Clone, Debug, Default)]
pub struct ByteCounters(Vec<Counter>);

impl ByteCounters {
    /// Counters that each get every chunk's length.
    pub fn new(counters: impl IntoIterator<Item = Counter>) -> Self {
        Self(counters.into_iter().collect())
    }

    /// Adds `n` bytes to every counter.
    #[inline]
    pub fn add(&self, n: usize) {
        for c in &self.0 {
            c.inc_by(n as u64);
        }
    }
}

/// Keeps active-flow gauges raised while a flow is open: raised on creation, lowered on drop.
#[derive(Debug)]
pub struct Active(Vec<Gauge>);

impl Active {
    /// Raises each gauge by one until the guard is dropped.
    pub fn enter(gauges: impl IntoIterator<Item = Gauge>) -> Self {
        let gauges: Vec<Gauge> = gauges.into_iter().collect();
        for g in &gauges {
            g.inc();
        }
        Self(gauges)
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        for g in &self.0 {
            g.dec();
        }
    }
}

/// A frame sink or source that counts the bytes of the `data` frames passing through it.
#[derive(Debug)]
pub struct Counted<T> {
    inner: T,
    bytes: ByteCounters,
}

impl<T> Counted<T> {
    /// `inner`, counting its data bytes into `bytes`.
    pub fn new(inner: T, bytes: ByteCounters) -> Self {
        Self { inner, bytes }
    }
}

impl<S: FrameSink> FrameSink for Counted<S> {
    async fn send_frame(&mut self, frame: Frame) -> bool {
        if let Some(Kind::Data(data)) = &frame.kind {
            self.bytes.add(data.len());
        }
        self.inner.send_frame(frame).await
    }
}

impl<R: FrameSource> FrameSource for Counted<R> {
    async fn next_frame(&mut self) -> Result<Option<Frame>, tonic::Status> {
        let next = self.inner.next_frame().await;
        if let Ok(Some(Frame {
            kind: Some(Kind::Data(data)),
        })) = &next
        {
            self.bytes.add(data.len());
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc;

    #[tokio::test]
    async fn data_frames_are_counted_and_others_are_not() {
        let c = Counter::default();
        let (tx, mut rx) = mpsc::channel::<Frame>(4);
        let mut sink = Counted::new(tx, ByteCounters::new([c.clone()]));
        let data = crate::tunnel::frame(Kind::Data(bytes::Bytes::from_static(b"hello")));
        let close = crate::tunnel::frame(Kind::HalfClose(crate::pb::HalfClose {}));
        assert!(sink.send_frame(data).await);
        assert!(sink.send_frame(close).await);
        assert_eq!(c.get(), 5);
        assert!(rx.recv().await.is_some());
        let g = Gauge::<i64, std::sync::atomic::AtomicI64>::default();
        let active = Active::enter([g.clone()]);
        assert_eq!(g.get(), 1);
        drop(active);
        assert_eq!(g.get(), 0);
    }
}

//! The NLB's idle timeout: a TCP flow that carries nothing either way for
//! `tcp.idle_timeout.seconds` (350 s by default) is reset on both sides.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use plemu_proto::pb::Frame;
use plemu_proto::tunnel::{FrameSink, FrameSource};
use tokio::time::Instant;

/// AWS's idle timeout of TCP flows when the listener sets none.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(350);

/// When a flow last carried a frame, either way.
#[derive(Debug)]
pub struct Activity {
    start: Instant,
    /// Milliseconds from `start` to the last frame.
    last_ms: AtomicU64,
    /// Frames waiting for room in the tunnel stream: a flow stalled on a slow reader is not
    /// idle.
    sending: AtomicUsize,
}

impl Activity {
    /// A flow active now.
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
            sending: AtomicUsize::new(0),
        })
    }

    /// Records a frame now.
    pub fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    /// How long the flow has carried nothing (zero while a frame waits to be sent).
    pub fn idle_for(&self) -> Duration {
        if self.sending.load(Ordering::Relaxed) > 0 {
            self.touch();
        }
        let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
        self.start.elapsed().saturating_sub(last)
    }

    /// Resolves, with the reason the peer is told, once the flow has been idle for `timeout`.
    pub async fn timed_out(&self, timeout: Duration) -> String {
        loop {
            let idle = self.idle_for();
            if idle >= timeout {
                return format!("idle timeout: no traffic for {}s", timeout.as_secs());
            }
            tokio::time::sleep(timeout - idle).await;
        }
    }
}

/// A tunnel stream half that records every frame it carries in an [`Activity`].
#[derive(Debug)]
pub struct Tracked<T> {
    inner: T,
    activity: Arc<Activity>,
}

impl<T> Tracked<T> {
    /// `inner`, recording into `activity`.
    pub fn new(inner: T, activity: Arc<Activity>) -> Self {
        Self { inner, activity }
    }
}

/// A frame waiting to be sent, from its start to its end (or its cancellation).
struct Sending<'a>(&'a Activity);

impl<'a> Sending<'a> {
    fn new(activity: &'a Activity) -> Self {
        activity.touch();
        activity.sending.fetch_add(1, Ordering::Relaxed);
        Self(activity)
    }
}

impl Drop for Sending<'_> {
    fn drop(&mut self) {
        self.0.sending.fetch_sub(1, Ordering::Relaxed);
        self.0.touch();
    }
}

impl<S: FrameSink> FrameSink for Tracked<S> {
    async fn send_frame(&mut self, frame: Frame) -> bool {
        let _sending = Sending::new(&self.activity);
        self.inner.send_frame(frame).await
    }
}

impl<R: FrameSource> FrameSource for Tracked<R> {
    async fn next_frame(&mut self) -> Result<Option<Frame>, tonic::Status> {
        let next = self.inner.next_frame().await;
        self.activity.touch();
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_flow_times_out_only_after_a_whole_idle_period() {
        let activity = Activity::new();
        let timeout = Duration::from_secs(350);
        let started = Instant::now();
        let a = activity.clone();
        let toucher = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(300)).await;
            a.touch();
        });
        let reason = activity.timed_out(timeout).await;
        toucher.await.unwrap();
        assert_eq!(reason, "idle timeout: no traffic for 350s");
        // Traffic at 300 s put the end at 650 s.
        let elapsed = started.elapsed();
        assert!(
            (Duration::from_secs(650)..Duration::from_secs(651)).contains(&elapsed),
            "{elapsed:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_flow_stalled_on_a_slow_reader_is_not_idle() {
        let activity = Activity::new();
        let sending = Sending::new(&activity);
        tokio::time::sleep(Duration::from_secs(400)).await;
        assert_eq!(activity.idle_for(), Duration::ZERO);
        drop(sending);
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert_eq!(activity.idle_for(), Duration::from_secs(10));
    }
}

//! The NLB's idle timeout: a TCP flow that carries nothing either way for
//! `tcp.idle_timeout.seconds` (350 s by default) is reset on both sides.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
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
}

impl Activity {
    /// A flow active now.
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
        })
    }

    /// Records a frame now.
    pub fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    /// How long the flow has carried nothing.
    pub fn idle_for(&self) -> Duration {
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

impl<S: FrameSink> FrameSink for Tracked<S> {
    async fn send_frame(&mut self, frame: Frame) -> bool {
        self.activity.touch();
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
}

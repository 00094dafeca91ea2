//! The memory allocator. A burst of flows frees its buffers when it ends, but glibc's malloc
//! keeps most of the freed memory resident (9,000 flows left about 540 MB behind). jemalloc
//! gives freed pages back to the system after a short decay, on a background thread, so RSS
//! returns near its baseline once a load ends.

#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Starts jemalloc's background purging, so that memory freed while plemu is idle goes back
/// too (without it, pages are purged only while something allocates).
pub(crate) fn init() {
    if let Err(e) = tikv_jemalloc_ctl::background_thread::write(true) {
        tracing::debug!(error = %e, "jemalloc background thread not started");
    }
}

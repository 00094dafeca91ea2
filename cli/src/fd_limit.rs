//! The open-file limit. Each flow holds a socket in every agent it crosses (two in `plemu up`),
//! so the usual soft limit of 1,024 would stop plemu near 500 concurrent flows: it is raised to
//! the hard limit at start, and a limit still below what the flow caps allow is logged.

/// File descriptors kept aside for everything but flows (listeners, the store, connections).
const RESERVED: u64 = 256;

/// Raises the soft open-file limit to the hard one; warns when `sockets` (the most flow
/// sockets this process may hold under its caps) cannot fit.
pub(crate) fn raise(sockets: u64) {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) if limit < sockets.saturating_add(RESERVED) => tracing::warn!(
            limit,
            sockets,
            "the open-file limit is below what the flow caps allow: flows past about {} will fail; \
             raise it (ulimit -n) or lower --max-flows",
            limit.saturating_sub(RESERVED)
        ),
        Ok(limit) => tracing::debug!(limit, "open-file limit"),
        Err(e) => tracing::warn!(error = %e, "cannot raise the open-file limit"),
    }
}

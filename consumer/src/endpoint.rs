//! The interface endpoint's data plane: listeners on ENI addresses and the flows they accept.

pub(crate) mod limits;
pub(crate) mod listener;
pub(crate) mod meter;
pub(crate) mod proxy;
pub(crate) mod refusal_log;
pub(crate) mod report;
pub(crate) mod syn_drop;

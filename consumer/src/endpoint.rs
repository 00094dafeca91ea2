//! The interface endpoint's data plane: listeners on ENI addresses and the flows they accept.

pub(crate) mod listener;
pub(crate) mod proxy;

//! The VPC's private DNS: endpoint names built from each snapshot, and the server that answers them.

pub(crate) mod server;
pub(crate) mod zones;

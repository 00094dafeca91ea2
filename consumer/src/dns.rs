//! The VPC's DNS: endpoint names built from each snapshot, the server that answers them, and
//! the forwarder that resolves every other name upstream.

pub(crate) mod forwarder;
pub(crate) mod server;
pub(crate) mod zones;

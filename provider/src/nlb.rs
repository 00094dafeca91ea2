//! The Network Load Balancer's data plane: which target a flow goes to, and how it is reached.

pub mod drain;
pub mod dropped;
pub mod flows;
pub mod idle;
pub mod meter;
pub mod security_group;
pub mod select;
pub mod target;

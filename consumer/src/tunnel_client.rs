//! The consumer's side of the tunnel: HTTP/2 connections to provider agents and tunnel streams over them.

pub(crate) mod client;
pub(crate) mod pool;

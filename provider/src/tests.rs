//! End-to-end tests of the agent: `run()` against the fake control plane, flows through the real
//! tunnel to real loopback targets.

mod flows;
mod harness;
mod health;
mod lifecycle;
mod nlb;
mod nlb_access;

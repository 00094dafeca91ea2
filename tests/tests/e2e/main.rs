//! End-to-end suites: the real `plemu` binary, real sockets, the real gRPC
//! tunnel and a real `redis-server`. One test binary links faster on 2 cores.

mod backpressure;
mod changes;
mod containers;
mod failure_modes;
mod faults;
mod metrics;
mod nlb;
mod observability;
mod redis_path;
mod restart;
mod roles;
mod side_by_side;
mod support;
mod target_view;
mod teardown;

//! Real Python clients against a real `plemu up`: the boto3 suite (`boto3_suite.py`) on the
//! Query front, grpcio on the gRPC API (`grpc_python.py`), and the parity of what Describe
//! returns through gRPC (`plemu`) and Query (`aws`).

#[path = "python_clients/parity.rs"]
mod parity;

use std::path::{Path, PathBuf};

use plemu_testkit::{Plemu, PlemuOptions, PythonClients, RedisServer, trace_init};

const PLEMU: &str = env!("CARGO_BIN_EXE_plemu");

fn bin_dir() -> PathBuf {
    Path::new(PLEMU).parent().unwrap().to_path_buf()
}

#[test]
fn boto3_builds_the_topology_and_moves_redis_traffic() {
    trace_init();
    let Some(clients) = PythonClients::require() else {
        return;
    };
    let redis = RedisServer::start().unwrap();
    let plemu = Plemu::start(PlemuOptions::default()).unwrap();
    let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/boto3_suite.py");
    let out = clients
        .command("python", &[bin_dir()], "000000000000")
        .arg(suite)
        .env("PLEMU_URL", plemu.api_url())
        .env("REDIS_PORT", redis.port().to_string())
        .env("PLEMU_DNS", plemu.dns.to_string())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("boto3 suite passed"),
        "boto3 suite failed ({}):\nstdout:\n{stdout}\nstderr:\n{stderr}\nplemu log:\n{}",
        out.status,
        plemu.log_text()
    );
}

#[test]
fn grpcio_from_the_shipped_protos_finds_the_api_complete() {
    trace_init();
    let Some(clients) = PythonClients::require() else {
        return;
    };
    let plemu = Plemu::start(PlemuOptions::default()).unwrap();
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = clients
        .command("python", &[], "000000000000")
        .arg(here.join("tests/grpc_python.py"))
        .env("PLEMU_ADDR", plemu.api.to_string())
        .env("PROTO_ROOT", here.join("../proto/proto"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("grpc python suite passed"),
        "grpc python suite failed ({}):\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
}

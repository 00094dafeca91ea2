//! Compiles `proto/plemu/v1/*.proto` with protox (pure Rust), so a fresh
//! machine needs no system `protoc`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = [
        "proto/plemu/v1/common.proto",
        "proto/plemu/v1/ec2.proto",
        "proto/plemu/v1/vpce.proto",
        "proto/plemu/v1/elbv2.proto",
        "proto/plemu/v1/agent.proto",
        "proto/plemu/v1/tunnel.proto",
    ];
    for f in &files {
        println!("cargo:rerun-if-changed={f}");
    }
    let fds = protox::compile(files, ["proto"])?;
    tonic_prost_build::configure()
        // Tunnel payloads are `bytes::Bytes`: read buffers are frozen into
        // frames without a copy.
        .bytes(".plemu.v1.Frame.data")
        .compile_fds(fds)?;
    Ok(())
}

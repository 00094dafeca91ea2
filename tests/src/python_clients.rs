//! Python clients of plemu's two API fronts, from a Python virtual environment: AWS's own (the
//! `aws` CLI v1 and boto3) for the Query front, and gRPC's (`grpcio` with its tools, status,
//! health and reflection packages) for the gRPC API.
//!
//! `scripts/test.sh` installs them from PyPI into `/var/tmp/plemu-py` (or `$PLEMU_PY_VENV`).
//! A test that needs them fails with the command that installs them, unless
//! `PLEMU_SKIP_AWS_CLIENTS=1` says to skip it.

use std::path::PathBuf;
use std::process::Command;

/// Where the virtual environment is when `PLEMU_PY_VENV` does not say.
pub const DEFAULT_VENV: &str = "/var/tmp/plemu-py";

/// The environment variable that makes tests needing the clients skip instead of fail.
pub const SKIP: &str = "PLEMU_SKIP_AWS_CLIENTS";

/// The PyPI packages the tests need, as `pip install` takes them.
pub const PACKAGES: &str =
    "awscli boto3 grpcio grpcio-tools grpcio-status grpcio-health-checking grpcio-reflection";

/// The modules that show they are installed.
const MODULES: &str =
    "import awscli, boto3, grpc, grpc_tools, grpc_status, grpc_health, grpc_reflection";

/// A virtual environment holding the clients.
#[derive(Clone, Debug)]
pub struct PythonClients {
    /// The environment's `bin` directory.
    pub bin: PathBuf,
}

impl PythonClients {
    /// The clients, or `None` (with a note on stderr) when any is missing and
    /// `PLEMU_SKIP_AWS_CLIENTS=1`.
    ///
    /// # Panics
    /// When they are missing and skipping was not asked for: the message says how to install
    /// them.
    pub fn require() -> Option<Self> {
        let venv = std::env::var("PLEMU_PY_VENV").unwrap_or_else(|_| DEFAULT_VENV.to_string());
        let bin = PathBuf::from(&venv).join("bin");
        let ok = bin.join("aws").is_file()
            && Command::new(bin.join("python"))
                .args(["-c", MODULES])
                .output()
                .is_ok_and(|o| o.status.success());
        if ok {
            return Some(Self { bin });
        }
        if std::env::var(SKIP).is_ok_and(|v| v == "1") {
            eprintln!("skipped: no Python clients in {venv} ({SKIP}=1)");
            return None;
        }
        panic!(
            "the Python clients (aws CLI, boto3, grpcio) are not installed in {venv}. Run \
             scripts/test.sh, which installs them, or: python3 -m venv {venv} && \
             {venv}/bin/pip install {PACKAGES} (set PLEMU_PY_VENV for another place, or {SKIP}=1 \
             to skip these tests)"
        );
    }

    /// A command run with the environment's `bin` first on `PATH`, `bin_dirs` after it, and
    /// credentials for `account` (its access key id) in `us-east-1`, no config files read.
    pub fn command(&self, program: &str, bin_dirs: &[PathBuf], account: &str) -> Command {
        let mut path = vec![self.bin.clone()];
        path.extend(bin_dirs.iter().cloned());
        path.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        let mut cmd = Command::new(program);
        cmd.env(
            "PATH",
            std::env::join_paths(path).expect("PATH entries without ':'"),
        )
        .env("AWS_ACCESS_KEY_ID", account)
        .env("AWS_SECRET_ACCESS_KEY", "plemu")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_DEFAULT_OUTPUT", "json")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_ENDPOINT_URL");
        cmd
    }
}

//! The `plemu` binary: `plemu up` (everything in one process), the role
//! subcommands for containers, `plemu resolve`, and a client whose verbs,
//! parameters and JSON mirror the AWS CLI (`plemu ec2 …`, `plemu elbv2 …`).
//!
//! # Layout
//! - `up.rs`: `plemu up`, the all-in-one process.
//! - `roles.rs`: `plemu control-plane|provider|consumer`, one role per process.
//! - `store_args.rs`: the control plane's options, shared by `up` and `control-plane`.
//! - `agent_token.rs`: `plemu agent-token`, a token for an agent run apart.
//! - `docker.rs`: `plemu up --docker` (VPCs as Docker networks) and `plemu clean`.
//! - `resolve.rs`: `plemu resolve`, a name looked up through plemu's DNS server.
//! - `client.rs`, `client/`: the AWS-CLI-shaped verbs.
//! - `shutdown.rs`: signals and the grace period, the only place that handles them.

mod agent_token;
mod allocator;
mod client;
mod docker;
mod fd_limit;
mod metrics_server;
mod resolve;
mod roles;
mod shutdown;
mod store_args;
mod up;

use clap::{Parser, Subcommand};
use plemu_proto::meta::{Caller, DEFAULT_ACCOUNT, DEFAULT_REGION};

/// Default address of the control plane's gRPC API.
pub const DEFAULT_API: &str = "127.0.0.1:4599";
/// Default URL of the API, for the client and the agents.
pub const DEFAULT_ENDPOINT_URL: &str = "http://127.0.0.1:4599";
/// Default address of the control plane's agents' service.
pub const DEFAULT_AGENTS: &str = "127.0.0.1:4598";
/// Default URL of the agents' service, for the role subcommands.
pub const DEFAULT_AGENTS_URL: &str = "http://127.0.0.1:4598";
/// Default address of the consumer's DNS server.
pub const DEFAULT_DNS: &str = "127.0.0.1:1053";

/// AWS PrivateLink on your laptop and in CI: endpoint services, Network Load
/// Balancers and interface endpoints that really carry TCP.
#[derive(Parser, Debug)]
#[command(name = "plemu", version, propagate_version = true)]
#[command(
    after_help = "Start everything with `plemu up`, then build a topology with the `ec2` and `elbv2` verbs as you would with the AWS CLI. See README.md for a walkthrough."
)]
struct Cli {
    /// URL of plemu's API, as the AWS CLI's --endpoint-url.
    #[arg(long, global = true, help_heading = "Global options", env = "PLEMU_ENDPOINT_URL", default_value = DEFAULT_ENDPOINT_URL)]
    endpoint_url: String,
    /// The 12-digit account the call is made as.
    #[arg(long, global = true, help_heading = "Global options", env = "PLEMU_ACCOUNT", default_value = DEFAULT_ACCOUNT)]
    account: String,
    /// The region the call is for.
    #[arg(long, global = true, help_heading = "Global options", env = "AWS_REGION", default_value = DEFAULT_REGION)]
    region: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the control plane, a provider agent and a consumer agent in one process, on loopback.
    Up(up::UpArgs),
    /// Run only the control plane (for containers).
    ControlPlane(roles::ControlPlaneArgs),
    /// Run only a provider agent: the Network Load Balancers of some VPCs (for containers).
    Provider(roles::ProviderArgs),
    /// Run only a consumer agent: the interface endpoints and DNS of some VPCs (for containers).
    Consumer(roles::ConsumerArgs),
    /// Print a token for an agent run apart (`plemu provider|consumer --agent-token`).
    AgentToken(agent_token::AgentTokenArgs),
    /// Remove the Docker containers and networks `plemu up --docker` created.
    Clean(docker::CleanArgs),
    /// Resolve a name through plemu's DNS server and print its addresses, one a line.
    Resolve(resolve::ResolveArgs),
    /// EC2 actions: VPCs, subnets, security groups, endpoint services and interface endpoints.
    #[command(subcommand)]
    Ec2(client::Ec2Command),
    /// ELBv2 actions: Network Load Balancers, target groups, targets and listeners.
    #[command(subcommand)]
    Elbv2(client::Elbv2Command),
    /// The public DNS plemu serves: TXT records that prove you own a private DNS name.
    #[command(subcommand)]
    PublicDns(client::PublicDnsCommand),
}

fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // Help and version exit 0; usage errors exit 252, as the AWS CLI's do.
            return if e.use_stderr() {
                std::process::ExitCode::from(252)
            } else {
                std::process::ExitCode::SUCCESS
            };
        }
    };
    allocator::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("plemu: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> std::process::ExitCode {
    let conn = client::Connection {
        endpoint_url: cli.endpoint_url,
        caller: Caller {
            account: cli.account,
            region: cli.region,
        },
    };
    let served = match cli.command {
        Command::Up(args) => up::run(args).await,
        Command::ControlPlane(args) => roles::control_plane(args).await,
        Command::Provider(args) => roles::provider(args).await,
        Command::Consumer(args) => roles::consumer(args).await,
        Command::Resolve(args) => resolve::run(args).await,
        Command::Clean(args) => docker::clean(args).await,
        Command::AgentToken(args) => agent_token::run(args),
        Command::Ec2(cmd) => return print_call(client::run_ec2(&conn, cmd).await),
        Command::Elbv2(cmd) => return print_call(client::run_elbv2(&conn, cmd).await),
        Command::PublicDns(cmd) => return print_call(client::run_public_dns(&conn, cmd).await),
    };
    match served {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("plemu: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn print_call(
    result: Result<Option<serde_json::Value>, client::CallError>,
) -> std::process::ExitCode {
    match result {
        Ok(Some(v)) => {
            client::print_json(&v);
            std::process::ExitCode::SUCCESS
        }
        Ok(None) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            std::process::ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(1))
        }
    }
}

//! `plemu agent-token`: a token for an agent run apart from the control plane, made with the
//! secret in the control plane's data directory.

use anyhow::Context;
use plemu_proto::agent_token::{AgentSecret, Scope};

/// Arguments of `plemu agent-token`.
#[derive(clap::Args, Debug)]
pub struct AgentTokenArgs {
    /// The control plane's data directory (its secret is made there on first use).
    #[arg(long, env = "PLEMU_DATA_DIR", default_value = ".plemu")]
    pub data_dir: std::path::PathBuf,
    /// A provider agent's token, for this load balancer only.
    #[arg(long, conflicts_with = "vpc_id")]
    pub load_balancer_arn: Option<String>,
    /// A consumer agent's token, for this VPC only.
    #[arg(long)]
    pub vpc_id: Option<String>,
    /// A token for anything (an agent serving every VPC).
    #[arg(long, conflicts_with_all = ["load_balancer_arn", "vpc_id"])]
    pub all: bool,
}

/// Prints the token.
///
/// # Errors
/// When the secret cannot be read or made, or no scope was chosen.
pub fn run(args: AgentTokenArgs) -> anyhow::Result<()> {
    let scope = match (args.load_balancer_arn, args.vpc_id, args.all) {
        (Some(load_balancer_arn), _, _) => Scope::Provider { load_balancer_arn },
        (None, Some(vpc_id), _) => Scope::Consumer { vpc_id },
        (None, None, true) => Scope::All,
        (None, None, false) => {
            anyhow::bail!("say what the token is for: --load-balancer-arn, --vpc-id or --all")
        }
    };
    std::fs::create_dir_all(&args.data_dir)?;
    let secret = AgentSecret::load_or_create(&args.data_dir).with_context(|| {
        format!(
            "cannot read the agent secret in {}",
            args.data_dir.display()
        )
    })?;
    println!("{}", secret.mint(&scope).expose());
    Ok(())
}

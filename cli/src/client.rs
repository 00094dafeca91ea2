//! The AWS-CLI-shaped client: `plemu ec2 …` and `plemu elbv2 …` verbs, their calls, JSON output and exit codes.
//!
//! # Layout
//! - `ec2.rs`: the `ec2` verbs and their dispatch; VPCs and subnets.
//! - `security_group.rs`: security groups, with `--protocol/--port/--cidr/--source-group`.
//! - `vpce.rs`: endpoint services and interface endpoints.
//! - `elbv2.rs`: the `elbv2` verbs: load balancers, target groups, targets, listeners.
//! - `public_dns.rs`: the `public-dns` verbs: TXT records for private DNS verification.
//! - `shapes.rs`: parameter values decoded into the API's structures.
//! - `shorthand.rs`: the AWS CLI's `Key=Value` shorthand and JSON, parsed.

use std::time::Duration;

use plemu_proto::meta::{Caller, aws_code};
use serde::Serialize;
use tonic::transport::{Channel, Endpoint};

/// Sends one call: builds the request (usage errors come before any connection), connects, calls, decodes.
macro_rules! call {
    ($conn:expr, $client:ident, $method:ident, $operation:literal, $request:expr) => {{
        let message = $request?;
        let mut client = $client::new($conn.channel().await?);
        $conn.finish($operation, client.$method($conn.request(message)?).await)
    }};
}

mod ec2;
mod elbv2;
mod modify;
mod notification;
mod page;
mod public_dns;
mod security_group;
mod shapes;
mod shorthand;
mod tag_verbs;
mod teardown;
mod vpce;

pub use ec2::Ec2Command;
pub use elbv2::Elbv2Command;
pub use public_dns::PublicDnsCommand;

/// How long to wait for the API's TCP connection, as the AWS CLI's `--cli-connect-timeout` default.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(60);

/// Where and as whom to call.
#[derive(Clone, Debug)]
pub struct Connection {
    /// The API's URL, `http://host:port` (the AWS CLI's `--endpoint-url`).
    pub endpoint_url: String,
    /// The account and region every request is made as.
    pub caller: Caller,
}

/// Why a client command failed; [`CallError::exit_code`] gives the AWS CLI's exit status.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The service refused the call; printed as the AWS CLI prints a service error.
    #[error("\nAn error occurred ({code}) when calling the {operation} operation: {message}")]
    Api {
        /// The action's name, e.g. `CreateVpcEndpoint`.
        operation: &'static str,
        /// The AWS error code, e.g. `InvalidVpcID.NotFound`.
        code: String,
        /// The service's message.
        message: String,
    },
    /// The command line is wrong: bad shorthand or JSON, conflicting flags, a bad URL.
    #[error("plemu: error: argument {argument}: {message}")]
    Usage {
        /// The flag at fault, e.g. `--targets`.
        argument: String,
        /// What is wrong, quoting the bad text.
        message: String,
    },
    /// Nothing answered at the endpoint URL.
    #[error("\nCould not connect to the endpoint URL: \"{url}\"")]
    Connect {
        /// The URL that was dialled.
        url: String,
        /// The transport's reason.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl CallError {
    /// The process exit status the AWS CLI uses for this kind of failure: 254 for a
    /// service error, 252 for a usage error, 255 when the endpoint cannot be reached.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Api { .. } => 254,
            Self::Usage { .. } => 252,
            Self::Connect { .. } => 255,
        }
    }
}

/// Calls one EC2 action.
///
/// # Errors
/// [`CallError::Usage`] for bad parameters (nothing is sent), [`CallError::Connect`]
/// when the API does not answer, [`CallError::Api`] when it refuses the call.
///
/// Returns `Ok(None)` when the response has no members to print.
pub async fn run_ec2(
    conn: &Connection,
    cmd: Ec2Command,
) -> Result<Option<serde_json::Value>, CallError> {
    ec2::run(conn, cmd).await
}

/// Calls one ELBv2 action.
///
/// # Errors
/// As [`run_ec2`].
///
/// Returns `Ok(None)` when the response has no members to print.
pub async fn run_elbv2(
    conn: &Connection,
    cmd: Elbv2Command,
) -> Result<Option<serde_json::Value>, CallError> {
    elbv2::run(conn, cmd).await
}

/// Calls one `PublicDns` action (plemu's own: the public DNS's TXT records).
///
/// # Errors
/// As [`run_ec2`].
pub async fn run_public_dns(
    conn: &Connection,
    cmd: PublicDnsCommand,
) -> Result<Option<serde_json::Value>, CallError> {
    public_dns::run(conn, cmd).await
}

/// Prints JSON to stdout as the AWS CLI does: 4-space indentation, members in the API's order.
pub fn print_json(v: &serde_json::Value) {
    println!("{}", pretty(v));
}

/// `v` with 4-space indentation.
fn pretty(v: &serde_json::Value) -> String {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    // Writing a `Value` into a Vec cannot fail.
    if v.serialize(&mut ser).is_err() {
        return v.to_string();
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A response as printable JSON: `None` when it has no members.
fn output<T: Serialize>(response: &T) -> Option<serde_json::Value> {
    match serde_json::to_value(response) {
        Ok(serde_json::Value::Object(map)) if map.is_empty() => None,
        Ok(v) => Some(v),
        // The generated messages serialise to objects with string keys; nothing else can occur.
        Err(_) => None,
    }
}

// === impl Connection ===

impl Connection {
    /// Connects to the endpoint URL.
    async fn channel(&self) -> Result<Channel, CallError> {
        let url = &self.endpoint_url;
        let usage = |message: String| CallError::Usage {
            argument: "--endpoint-url".to_string(),
            message,
        };
        if url.starts_with("https://") {
            return Err(usage(format!(
                "bad value \"{url}\": plemu's API speaks plain http, use http://<host>:<port>"
            )));
        }
        if !url.starts_with("http://") {
            return Err(usage(format!(
                "bad value \"{url}\": scheme is missing, must be of the form http://<host>:<port>"
            )));
        }
        let endpoint = Endpoint::from_shared(url.clone())
            .map_err(|e| usage(format!("bad value \"{url}\": {e}")))?
            .connect_timeout(CONNECT_TIMEOUT);
        endpoint.connect().await.map_err(|e| CallError::Connect {
            url: url.clone(),
            source: Box::new(e),
        })
    }

    /// Wraps a message with the caller's metadata.
    fn request<T>(&self, message: T) -> Result<tonic::Request<T>, CallError> {
        let mut request = tonic::Request::new(message);
        self.caller.write_to(request.metadata_mut()).map_err(|_| {
            let account_ok = self
                .caller
                .account
                .parse::<tonic::metadata::AsciiMetadataValue>()
                .is_ok();
            let (argument, value) = if account_ok {
                ("--region", &self.caller.region)
            } else {
                ("--account", &self.caller.account)
            };
            CallError::Usage {
                argument: argument.to_string(),
                message: format!("bad value \"{value}\": must be printable ASCII"),
            }
        })?;
        Ok(request)
    }

    /// Turns a call's outcome into output or a [`CallError`].
    fn finish<T: Serialize>(
        &self,
        operation: &'static str,
        result: Result<tonic::Response<T>, tonic::Status>,
    ) -> Result<Option<serde_json::Value>, CallError> {
        let status = match result {
            Ok(response) => return Ok(output(response.get_ref())),
            Err(status) => status,
        };
        match aws_code(&status) {
            Some(code) => Err(CallError::Api {
                operation,
                code: code.to_string(),
                message: status.message().to_string(),
            }),
            None if status.code() == tonic::Code::Unavailable => Err(CallError::Connect {
                url: self.endpoint_url.clone(),
                source: Box::new(status),
            }),
            None => Err(CallError::Api {
                operation,
                code: format!("{:?}", status.code()),
                message: status.message().to_string(),
            }),
        }
    }
}

#[cfg(test)]
mod tests;

//! gRPC clients of plemu's API that call as a given account.

use plemu_proto::meta::Caller;
use plemu_proto::pb::ec2_client::Ec2Client;
use plemu_proto::pb::elbv2_client::Elbv2Client;
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

/// Adds the caller's account and region to every request.
#[derive(Clone, Debug)]
pub struct AsCaller(pub Caller);

impl Interceptor for AsCaller {
    fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        self.0
            .write_to(req.metadata_mut())
            .map_err(|e| tonic::Status::invalid_argument(e.to_string()))?;
        Ok(req)
    }
}

/// An EC2 client acting as one account.
pub type Ec2 = Ec2Client<InterceptedService<Channel, AsCaller>>;
/// An ELBv2 client acting as one account.
pub type Elbv2 = Elbv2Client<InterceptedService<Channel, AsCaller>>;

/// A connection to plemu's API.
#[derive(Clone, Debug)]
pub struct Api {
    channel: Channel,
}

impl Api {
    /// Connects to `url` (e.g. `http://127.0.0.1:4599`).
    ///
    /// # Errors
    /// When the API does not answer.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        let channel = tonic::transport::Endpoint::from_shared(url.to_string())?
            .connect()
            .await?;
        Ok(Self { channel })
    }

    /// EC2 calls as `account` in `us-east-1`.
    pub fn ec2(&self, account: &str) -> Ec2 {
        Ec2Client::with_interceptor(self.channel.clone(), as_account(account))
    }

    /// ELBv2 calls as `account` in `us-east-1`.
    pub fn elbv2(&self, account: &str) -> Elbv2 {
        Elbv2Client::with_interceptor(self.channel.clone(), as_account(account))
    }

    /// A `PublicDns` client: the TXT records private DNS verification looks up.
    pub fn public_dns(&self) -> plemu_proto::pb::public_dns_client::PublicDnsClient<Channel> {
        plemu_proto::pb::public_dns_client::PublicDnsClient::new(self.channel.clone())
    }
}

fn as_account(account: &str) -> AsCaller {
    AsCaller(Caller {
        account: account.to_string(),
        ..Caller::default()
    })
}

/// The AWS error code of a failed call.
pub fn code(status: &tonic::Status) -> &str {
    plemu_proto::meta::aws_code(status).unwrap_or("")
}

//! The VPCs of a topology: the provider's, created before its targets, and the EC2 calls that
//! make VPCs and subnets.

use anyhow::Context;
use plemu_proto::pb;

use super::PROVIDER;
use crate::api::Api;

/// The provider's VPC, created before its targets (in Docker, targets join its network).
#[derive(Debug, Clone)]
pub struct ProviderVpc {
    /// The VPC.
    pub vpc_id: String,
    /// Its subnets: `x.y.1.0/24` in us-east-1a and `x.y.2.0/24` in us-east-1b.
    pub subnet_ids: Vec<String>,
}

impl ProviderVpc {
    /// Creates the provider's VPC with CIDR block `cidr` (a /16) and its two subnets.
    ///
    /// # Errors
    /// Any failed API call, or a CIDR block that is not a /16.
    pub async fn create(api: &Api, cidr: &str) -> anyhow::Result<Self> {
        let mut ec2 = api.ec2(PROVIDER);
        let vpc_id = create_vpc(&mut ec2, cidr).await?;
        let a = create_subnet(&mut ec2, &vpc_id, &subnet_of(cidr, 1)?, "us-east-1a").await?;
        let b = create_subnet(&mut ec2, &vpc_id, &subnet_of(cidr, 2)?, "us-east-1b").await?;
        Ok(Self {
            vpc_id,
            subnet_ids: vec![a, b],
        })
    }
}

/// The `n`th /24 of the /16 `cidr`: `subnet_of("10.1.0.0/16", 2)` is `10.1.2.0/24`.
pub(super) fn subnet_of(cidr: &str, n: u8) -> anyhow::Result<String> {
    let (addr, len) = cidr.split_once('/').context("a CIDR block")?;
    anyhow::ensure!(len == "16", "{cidr} is not a /16");
    let [a, b, ..] = addr.parse::<std::net::Ipv4Addr>()?.octets();
    Ok(format!("{a}.{b}.{n}.0/24"))
}

pub(super) async fn create_vpc(ec2: &mut crate::api::Ec2, cidr: &str) -> anyhow::Result<String> {
    let vpc = ec2
        .create_vpc(pb::CreateVpcRequest {
            cidr_block: cidr.into(),
            ..Default::default()
        })
        .await
        .context("CreateVpc")?
        .into_inner()
        .vpc
        .context("no vpc")?;
    Ok(vpc.vpc_id)
}

pub(super) async fn create_subnet(
    ec2: &mut crate::api::Ec2,
    vpc: &str,
    cidr: &str,
    az: &str,
) -> anyhow::Result<String> {
    let subnet = ec2
        .create_subnet(pb::CreateSubnetRequest {
            vpc_id: vpc.into(),
            cidr_block: cidr.into(),
            availability_zone: az.into(),
            ..Default::default()
        })
        .await
        .with_context(|| format!("CreateSubnet {cidr}"))?
        .into_inner()
        .subnet
        .context("no subnet")?;
    Ok(subnet.subnet_id)
}

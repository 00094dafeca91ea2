//! Publishing a target container as an endpoint service, in two steps: the provider's VPC first
//! (its network is where the target container starts), then everything else, down to the
//! interface endpoint whose network the application container joins.

use crate::topology::{ProviderVpc, Publish, RedisTopology};

use super::PlemuContainer;

/// A published service, and where its consumers go.
#[derive(Debug, Clone)]
pub struct Published {
    /// Every id that was created.
    pub topology: RedisTopology,
    /// The provider VPC's Docker network (the targets').
    pub provider_network: String,
    /// The consumer VPC's Docker network: an application container on it reaches the service
    /// by its private DNS name, and nothing of the provider's any other way.
    pub consumer_network: String,
}

/// The provider's VPC and the Docker network standing for it.
#[derive(Debug, Clone)]
pub struct ProviderVpcNetwork {
    /// The VPC and its subnets.
    pub vpc: ProviderVpc,
    /// `plemu-<vpc-id>`: start target containers on it.
    pub network: String,
}

// === impl PlemuContainer ===

impl PlemuContainer {
    /// Creates the provider's VPC (`cidr`, a /16, with a subnet in us-east-1a and one in
    /// us-east-1b) and waits for its network.
    ///
    /// # Errors
    /// A failed API call, or no network within 30 s.
    pub async fn provider_vpc(&self, cidr: &str) -> anyhow::Result<ProviderVpcNetwork> {
        let vpc = ProviderVpc::create(self.api(), cidr).await?;
        let network = self.vpc_network(&vpc.vpc_id).await?;
        Ok(ProviderVpcNetwork { vpc, network })
    }

    /// Publishes `publish.targets` (container names, or addresses in the provider VPC's CIDR
    /// block) behind an NLB as an endpoint service with the private DNS name
    /// `redis.example.internal`, and creates the consumer's endpoint; waits for the consumer
    /// VPC's network.
    ///
    /// # Errors
    /// A failed API call, or no network within 30 s.
    pub async fn publish(
        &self,
        provider: ProviderVpcNetwork,
        publish: &Publish,
    ) -> anyhow::Result<Published> {
        let topology = RedisTopology::publish(self.api(), provider.vpc, publish).await?;
        let consumer_network = self.vpc_network(&topology.consumer_vpc).await?;
        Ok(Published {
            topology,
            provider_network: provider.network,
            consumer_network,
        })
    }
}

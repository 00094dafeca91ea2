//! The Redis case's PrivateLink topology, built through plemu's API as two
//! accounts would build it on AWS: the provider puts an NLB in front of Redis
//! and publishes an endpoint service; the consumer creates an interface
//! endpoint with private DNS in its own VPC.

use std::time::Duration;

use anyhow::Context;
use plemu_proto::pb;

use crate::api::Api;
use crate::process::{Plemu, PlemuOptions};

mod vpc;

pub use vpc::ProviderVpc;
use vpc::{create_subnet, create_vpc, subnet_of};

/// The provider's account in the tests.
pub const PROVIDER: &str = "111111111111";
/// The consumer's account in the tests.
pub const CONSUMER: &str = "222222222222";
/// The service's private DNS name.
pub const PRIVATE_DNS_NAME: &str = "redis.example.internal";
/// The NLB listener port, and so the endpoint's port.
pub const LISTENER_PORT: i32 = 6379;

/// What to build.
#[derive(Debug, Clone)]
pub struct TopologySpec {
    /// Where the real Redis (the target) listens: registered as an ip target (a loopback address is a plemu extension).
    pub target: std::net::SocketAddr,
    /// Whether the provider must accept each endpoint.
    pub acceptance_required: bool,
    /// The endpoint's security group admits TCP 6379 from this CIDR.
    pub client_cidr: String,
}

/// A fresh `plemu up` with the topology built in it.
#[derive(Debug)]
pub struct Scenario {
    /// The running plemu.
    pub plemu: Plemu,
    /// A connection to its API.
    pub api: Api,
    /// What was built.
    pub topo: RedisTopology,
}

impl Scenario {
    /// Starts plemu and builds `spec` through its API.
    ///
    /// # Errors
    /// When plemu does not start or a call fails.
    pub async fn start(spec: TopologySpec) -> anyhow::Result<Self> {
        let plemu = Plemu::start(PlemuOptions::default())?;
        let api = Api::connect(&plemu.api_url()).await?;
        let topo = RedisTopology::build(&api, &spec).await?;
        Ok(Self { plemu, api, topo })
    }
}

/// What [`RedisTopology::publish`] builds on a provider VPC.
#[derive(Debug, Clone)]
pub struct Publish {
    /// The targets: (IP or host name, port). A host name is a plemu extension (a container's name).
    pub targets: Vec<(String, u16)>,
    /// Whether the provider must accept each endpoint.
    pub acceptance_required: bool,
    /// The endpoint's security group admits TCP 6379 from this CIDR.
    pub client_cidr: String,
    /// The consumer VPC's CIDR block, a /16.
    pub consumer_cidr: String,
}

/// The ids of what [`RedisTopology::build`] created.
#[derive(Debug, Clone)]
pub struct RedisTopology {
    /// Provider VPC.
    pub provider_vpc: String,
    /// The network load balancer's ARN.
    pub load_balancer_arn: String,
    /// The target group's ARN.
    pub target_group_arn: String,
    /// Endpoint service id.
    pub service_id: String,
    /// Endpoint service name.
    pub service_name: String,
    /// Consumer VPC.
    pub consumer_vpc: String,
    /// Consumer subnet (us-east-1a).
    pub consumer_subnet: String,
    /// The endpoint's security group.
    pub endpoint_sg: String,
    /// The interface endpoint.
    pub endpoint: pb::VpcEndpoint,
}

impl RedisTopology {
    /// Builds the provider side, allows the consumer account, creates the endpoint and, if acceptance is
    /// required, leaves it `pendingAcceptance`.
    ///
    /// # Errors
    /// Any failed API call.
    pub async fn build(api: &Api, spec: &TopologySpec) -> anyhow::Result<Self> {
        let provider = ProviderVpc::create(api, "10.0.0.0/16").await?;
        let publish = Publish {
            targets: vec![(spec.target.ip().to_string(), spec.target.port())],
            acceptance_required: spec.acceptance_required,
            client_cidr: spec.client_cidr.clone(),
            consumer_cidr: "10.1.0.0/16".into(),
        };
        Self::publish(api, provider, &publish).await
    }

    /// On `provider`'s VPC: the NLB, the target group with `publish.targets`, the listener, the
    /// endpoint service (private DNS name verified, the consumer account allowed); then the
    /// consumer's VPC, subnet (us-east-1a), security group and interface endpoint, left
    /// `pendingAcceptance` if acceptance is required.
    ///
    /// # Errors
    /// Any failed API call.
    pub async fn publish(
        api: &Api,
        provider: ProviderVpc,
        publish: &Publish,
    ) -> anyhow::Result<Self> {
        let mut p_ec2 = api.ec2(PROVIDER);
        let mut p_elb = api.elbv2(PROVIDER);
        let mut c_ec2 = api.ec2(CONSUMER);
        let ProviderVpc {
            vpc_id: provider_vpc,
            subnet_ids,
        } = provider;

        // Provider: NLB in both subnets, target group, listener.
        let lb = p_elb
            .create_load_balancer(pb::CreateLoadBalancerRequest {
                name: "redis-nlb".into(),
                subnets: subnet_ids,
                scheme: "internal".into(),
                r#type: "network".into(),
                ..Default::default()
            })
            .await
            .context("CreateLoadBalancer")?
            .into_inner()
            .load_balancers
            .remove(0);
        let tg = p_elb
            .create_target_group(pb::CreateTargetGroupRequest {
                name: "redis".into(),
                protocol: "TCP".into(),
                port: Some(LISTENER_PORT),
                vpc_id: provider_vpc.clone(),
                target_type: "ip".into(),
                health_check_interval_seconds: Some(5),
                healthy_threshold_count: Some(2),
                unhealthy_threshold_count: Some(2),
                health_check_timeout_seconds: Some(2),
                ..Default::default()
            })
            .await
            .context("CreateTargetGroup")?
            .into_inner()
            .target_groups
            .remove(0);
        p_elb
            .register_targets(pb::RegisterTargetsRequest {
                target_group_arn: tg.target_group_arn.clone(),
                targets: publish
                    .targets
                    .iter()
                    .map(|(id, port)| pb::TargetDescription {
                        id: id.clone(),
                        port: Some(i32::from(*port)),
                        ..Default::default()
                    })
                    .collect(),
            })
            .await
            .context("RegisterTargets")?;
        p_elb
            .create_listener(pb::CreateListenerRequest {
                load_balancer_arn: lb.load_balancer_arn.clone(),
                protocol: "TCP".into(),
                port: LISTENER_PORT,
                default_actions: vec![pb::Action {
                    r#type: "forward".into(),
                    target_group_arn: tg.target_group_arn.clone(),
                    ..Default::default()
                }],
                ..Default::default()
            })
            .await
            .context("CreateListener")?;

        // Provider: the endpoint service, with a verified private DNS name, allowing the consumer.
        let svc = p_ec2
            .create_vpc_endpoint_service_configuration(
                pb::CreateVpcEndpointServiceConfigurationRequest {
                    acceptance_required: Some(publish.acceptance_required),
                    private_dns_name: PRIVATE_DNS_NAME.into(),
                    network_load_balancer_arns: vec![lb.load_balancer_arn.clone()],
                    ..Default::default()
                },
            )
            .await
            .context("CreateVpcEndpointServiceConfiguration")?
            .into_inner()
            .service_configuration
            .context("no service configuration")?;
        // The TXT record the service asks for, published as a provider would, then verified.
        let record = svc
            .private_dns_name_configuration
            .clone()
            .context("no private DNS name configuration")?;
        api.public_dns()
            .put_txt_record(pb::PutTxtRecordRequest {
                name: format!("{}.{}", record.name, svc.private_dns_name),
                value: record.value,
            })
            .await
            .context("PutTxtRecord")?;
        p_ec2
            .start_vpc_endpoint_service_private_dns_verification(
                pb::StartVpcEndpointServicePrivateDnsVerificationRequest {
                    service_id: svc.service_id.clone(),
                },
            )
            .await
            .context("StartVpcEndpointServicePrivateDnsVerification")?;
        p_ec2
            .modify_vpc_endpoint_service_permissions(
                pb::ModifyVpcEndpointServicePermissionsRequest {
                    service_id: svc.service_id.clone(),
                    add_allowed_principals: vec![format!("arn:aws:iam::{CONSUMER}:root")],
                    ..Default::default()
                },
            )
            .await
            .context("ModifyVpcEndpointServicePermissions")?;

        // Consumer: VPC with DNS hostnames, a subnet in a zone the service has, a security group, the endpoint.
        let consumer_vpc = create_vpc(&mut c_ec2, &publish.consumer_cidr).await?;
        c_ec2
            .modify_vpc_attribute(pb::ModifyVpcAttributeRequest {
                vpc_id: consumer_vpc.clone(),
                enable_dns_hostnames: Some(true),
                ..Default::default()
            })
            .await
            .context("ModifyVpcAttribute")?;
        let consumer_subnet = create_subnet(
            &mut c_ec2,
            &consumer_vpc,
            &subnet_of(&publish.consumer_cidr, 1)?,
            "us-east-1a",
        )
        .await?;
        let endpoint_sg = c_ec2
            .create_security_group(pb::CreateSecurityGroupRequest {
                group_name: "redis-clients".into(),
                description: "Redis clients reach the endpoint".into(),
                vpc_id: consumer_vpc.clone(),
                ..Default::default()
            })
            .await
            .context("CreateSecurityGroup")?
            .into_inner()
            .group_id;
        c_ec2
            .authorize_security_group_ingress(pb::AuthorizeSecurityGroupIngressRequest {
                group_id: endpoint_sg.clone(),
                ip_permissions: vec![pb::IpPermission {
                    ip_protocol: "tcp".into(),
                    from_port: Some(LISTENER_PORT),
                    to_port: Some(LISTENER_PORT),
                    ip_ranges: vec![pb::IpRange {
                        cidr_ip: publish.client_cidr.clone(),
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
            })
            .await
            .context("AuthorizeSecurityGroupIngress")?;
        let endpoint = c_ec2
            .create_vpc_endpoint(pb::CreateVpcEndpointRequest {
                vpc_endpoint_type: "Interface".into(),
                vpc_id: consumer_vpc.clone(),
                service_name: svc.service_name.clone(),
                subnet_ids: vec![consumer_subnet.clone()],
                security_group_ids: vec![endpoint_sg.clone()],
                private_dns_enabled: Some(true),
                ..Default::default()
            })
            .await
            .context("CreateVpcEndpoint")?
            .into_inner()
            .vpc_endpoint
            .context("no endpoint")?;
        Ok(Self {
            provider_vpc,
            load_balancer_arn: lb.load_balancer_arn,
            target_group_arn: tg.target_group_arn,
            service_id: svc.service_id,
            service_name: svc.service_name,
            consumer_vpc,
            consumer_subnet,
            endpoint_sg,
            endpoint,
        })
    }

    /// The provider accepts the endpoint's connection request.
    ///
    /// # Errors
    /// When the call fails or reports the endpoint unsuccessful.
    pub async fn accept(&self, api: &Api) -> anyhow::Result<()> {
        let r = api
            .ec2(PROVIDER)
            .accept_vpc_endpoint_connections(pb::AcceptVpcEndpointConnectionsRequest {
                service_id: self.service_id.clone(),
                vpc_endpoint_ids: vec![self.endpoint.vpc_endpoint_id.clone()],
            })
            .await?
            .into_inner();
        anyhow::ensure!(
            r.unsuccessful.is_empty(),
            "accept failed: {:?}",
            r.unsuccessful
        );
        Ok(())
    }

    /// The endpoint as the consumer sees it now.
    ///
    /// # Errors
    /// When the call fails.
    pub async fn describe_endpoint(&self, api: &Api) -> anyhow::Result<pb::VpcEndpoint> {
        api.ec2(CONSUMER)
            .describe_vpc_endpoints(pb::DescribeVpcEndpointsRequest {
                vpc_endpoint_ids: vec![self.endpoint.vpc_endpoint_id.clone()],
                ..Default::default()
            })
            .await?
            .into_inner()
            .vpc_endpoints
            .pop()
            .context("endpoint not described")
    }

    /// Waits (at most `limit`) until the endpoint is `available`.
    ///
    /// # Errors
    /// When it is not available in time.
    pub async fn wait_available(
        &self,
        api: &Api,
        limit: Duration,
    ) -> anyhow::Result<pb::VpcEndpoint> {
        crate::eventually(limit, || async {
            let e = self.describe_endpoint(api).await?;
            anyhow::ensure!(e.state == "available", "endpoint is {}", e.state);
            Ok(e)
        })
        .await
    }

    /// The endpoint's regional DNS name (its first DNS entry).
    pub fn regional_dns_name(&self) -> &str {
        self.endpoint
            .dns_entries
            .first()
            .map_or("", |d| d.dns_name.as_str())
    }
}

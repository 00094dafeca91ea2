//! The label sets of plemu's metrics, one per CloudWatch dimension set, and the short forms
//! CloudWatch gives load balancer and target group ARNs.

use prometheus_client::encoding::EncodeLabelSet;

/// What a family's label set must be.
pub trait LabelSet: Clone + std::hash::Hash + Eq + EncodeLabelSet + Send + Sync + 'static {}

impl<T: Clone + std::hash::Hash + Eq + EncodeLabelSet + Send + Sync + 'static> LabelSet for T {}

/// `AWS/NetworkELB`'s dimensions `LoadBalancer`, `AvailabilityZone`, `TargetGroup`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct NlbLabels {
    /// `net/NAME/16hex`, as CloudWatch's `LoadBalancer` dimension.
    pub load_balancer: String,
    /// The zone of the load balancer node (the endpoint network interface's zone).
    pub availability_zone: String,
    /// `targetgroup/NAME/16hex`, as CloudWatch's `TargetGroup` dimension; empty when the flow
    /// was refused before a target group was chosen.
    pub target_group: String,
}

impl NlbLabels {
    /// The labels of a load balancer ARN, zone and target group ARN.
    pub fn new(load_balancer_arn: &str, availability_zone: &str, target_group_arn: &str) -> Self {
        Self {
            load_balancer: load_balancer_dimension(load_balancer_arn),
            availability_zone: availability_zone.to_string(),
            target_group: target_group_dimension(target_group_arn),
        }
    }
}

/// `AWS/PrivateLinkEndpoints`'s dimensions `Endpoint Type`, `Service Name`, `VPC Endpoint Id`,
/// `VPC Id`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EndpointLabels {
    /// Always `Interface`: plemu has interface endpoints only.
    pub endpoint_type: String,
    /// `com.amazonaws.vpce.REGION.vpce-svc-…`.
    pub service_name: String,
    /// `vpce-…`.
    pub vpc_endpoint_id: String,
    /// The endpoint's VPC.
    pub vpc_id: String,
}

impl EndpointLabels {
    /// The labels of an interface endpoint.
    pub fn new(vpc_endpoint_id: &str, vpc_id: &str, service_name: &str) -> Self {
        Self {
            endpoint_type: "Interface".into(),
            service_name: service_name.to_string(),
            vpc_endpoint_id: vpc_endpoint_id.to_string(),
            vpc_id: vpc_id.to_string(),
        }
    }
}

/// `AWS/PrivateLinkServices`'s dimensions `Service Id` and `VPC Endpoint Id`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ServiceEndpointLabels {
    /// `vpce-svc-…`.
    pub service_id: String,
    /// The endpoint the connection came from.
    pub vpc_endpoint_id: String,
}

impl ServiceEndpointLabels {
    /// The labels of a service and one of its endpoints.
    pub fn new(service_id: &str, vpc_endpoint_id: &str) -> Self {
        Self {
            service_id: service_id.to_string(),
            vpc_endpoint_id: vpc_endpoint_id.to_string(),
        }
    }
}

/// `AWS/PrivateLinkServices`'s dimension `Service Id`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ServiceLabels {
    /// `vpce-svc-…`.
    pub service_id: String,
}

/// CloudWatch's `LoadBalancer` dimension of an ARN: what follows `loadbalancer/`
/// (`net/NAME/16hex`); the ARN itself when it has no such part.
pub fn load_balancer_dimension(arn: &str) -> String {
    arn.split_once(":loadbalancer/")
        .map_or(arn, |(_, rest)| rest)
        .to_string()
}

/// CloudWatch's `TargetGroup` dimension of an ARN: from `targetgroup/` on
/// (`targetgroup/NAME/16hex`); the ARN itself when it has no such part.
pub fn target_group_dimension(arn: &str) -> String {
    arn.find("targetgroup/")
        .map_or(arn, |i| &arn[i..])
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_shorten_as_cloudwatch_dimensions() {
        let lb = "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/redis/0123456789abcdef";
        let tg = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/redis/0123456789abcdef";
        assert_eq!(load_balancer_dimension(lb), "net/redis/0123456789abcdef");
        assert_eq!(
            target_group_dimension(tg),
            "targetgroup/redis/0123456789abcdef"
        );
        assert_eq!(target_group_dimension(""), "");
    }
}

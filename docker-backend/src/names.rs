//! What plemu calls the networks and containers it owns, and the labels it finds them by.

use std::collections::HashMap;

/// Every object plemu creates carries this label, with its instance as the value.
pub const LABEL_INSTANCE: &str = "dev.plemu.instance";
/// What the object stands for: `vpc`, `backbone`, `eni` or `nlb`.
pub const LABEL_KIND: &str = "dev.plemu.kind";
/// The AWS id it stands for (VPC id, ENI id or load balancer ARN).
pub const LABEL_ID: &str = "dev.plemu.id";
/// VPC networks: the VPC's CIDR block (the network's own subnet may differ).
pub const LABEL_CIDR: &str = "dev.plemu.cidr";
/// Containers: a digest of everything the container was created with; a different digest
/// means the container is replaced.
pub const LABEL_SPEC: &str = "dev.plemu.spec";

/// The kinds of object plemu creates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A VPC's network.
    Vpc,
    /// The network only agents share.
    Backbone,
    /// An endpoint network interface's consumer agent.
    Eni,
    /// A load balancer's provider agent.
    Nlb,
}

// === impl Kind ===

impl Kind {
    /// The value of [`LABEL_KIND`].
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Vpc => "vpc",
            Self::Backbone => "backbone",
            Self::Eni => "eni",
            Self::Nlb => "nlb",
        }
    }
}

/// The Docker network of `vpc_id`: what an application container joins to be in that VPC.
pub fn vpc_network(vpc_id: &str) -> String {
    format!("plemu-{vpc_id}")
}

/// The network the agents of `instance` share.
pub fn backbone_network(instance: &str) -> String {
    format!("plemu-backbone-{instance}")
}

/// The container of endpoint network interface `eni_id`.
pub fn eni_container(eni_id: &str) -> String {
    format!("plemu-{eni_id}")
}

/// The container of the load balancer `arn`:
/// `arn:…:loadbalancer/net/NAME/ID` gives `plemu-nlb-NAME-ID`.
pub fn nlb_container(arn: &str) -> String {
    let mut parts = arn.rsplit('/');
    let id = parts.next().unwrap_or_default();
    let name = parts.next().unwrap_or_default();
    format!("plemu-nlb-{name}-{id}")
}

/// The labels of an object of `kind` standing for `id` in `instance`.
pub fn labels(instance: &str, kind: Kind, id: &str) -> HashMap<String, String> {
    HashMap::from([
        (LABEL_INSTANCE.to_string(), instance.to_string()),
        (LABEL_KIND.to_string(), kind.as_str().to_string()),
        (LABEL_ID.to_string(), id.to_string()),
    ])
}

/// The Docker filter that selects every object of `instance`.
pub fn instance_filter(instance: &str) -> HashMap<String, Vec<String>> {
    HashMap::from([(
        "label".to_string(),
        vec![format!("{LABEL_INSTANCE}={instance}")],
    )])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            vpc_network("vpc-0123456789abcdef0"),
            "plemu-vpc-0123456789abcdef0"
        );
        assert_eq!(
            nlb_container(
                "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/redis-nlb/0123456789abcdef"
            ),
            "plemu-nlb-redis-nlb-0123456789abcdef"
        );
        assert_eq!(eni_container("eni-0a"), "plemu-eni-0a");
        assert_eq!(backbone_network("ab12"), "plemu-backbone-ab12");
    }
}

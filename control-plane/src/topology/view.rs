//! The shapes of a topology snapshot, as `/topology.json` prints them and the page renders them.

use serde::Serialize;

/// Everything the control plane holds, by account, with live counts.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Topology {
    /// The control plane's state version (changes with every state change).
    pub version: u64,
    /// When the snapshot was taken, seconds since the Unix epoch.
    pub generated_unix: i64,
    pub accounts: Vec<Account>,
}

/// One account's resources.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Account {
    pub account_id: String,
    pub vpcs: Vec<VpcView>,
    pub services: Vec<ServiceView>,
}

/// A VPC and what lives in it.
#[derive(Debug, Serialize)]
pub(crate) struct VpcView {
    pub vpc_id: String,
    pub cidr_block: String,
    pub enable_dns_support: bool,
    pub enable_dns_hostnames: bool,
    pub subnets: Vec<SubnetView>,
    pub security_groups: Vec<SecurityGroupView>,
    pub endpoints: Vec<EndpointView>,
    pub load_balancers: Vec<LoadBalancerView>,
}

#[derive(Debug, Serialize)]
pub(crate) struct SubnetView {
    pub subnet_id: String,
    pub cidr_block: String,
    pub availability_zone: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct SecurityGroupView {
    pub group_id: String,
    pub group_name: String,
    /// One line per inbound rule: `tcp 6379 from 10.0.0.0/16`.
    pub ingress: Vec<String>,
}

/// An interface endpoint with its state and its hop's counts.
#[derive(Debug, Serialize)]
pub(crate) struct EndpointView {
    pub vpc_endpoint_id: String,
    pub service_name: String,
    /// As DescribeVpcEndpoints reports it.
    pub state: String,
    pub last_error: Option<String>,
    pub dns_names: Vec<String>,
    pub private_dns_enabled: bool,
    pub security_group_ids: Vec<String>,
    pub network_interfaces: Vec<EniView>,
    pub counts: EndpointCounts,
    /// The last flow refused at this endpoint, and the rule that refused it.
    pub last_refusal: Option<RefusalView>,
}

#[derive(Debug, Serialize)]
pub(crate) struct EniView {
    pub network_interface_id: String,
    pub subnet_id: String,
    pub availability_zone: String,
    pub private_ip_address: String,
}

/// `AWS/PrivateLinkEndpoints` of one endpoint.
#[derive(Debug, Default, Serialize)]
pub(crate) struct EndpointCounts {
    pub active_connections: i64,
    pub new_connections: u64,
    pub bytes_processed: u64,
    pub packets_dropped: u64,
    pub rst_packets_received: u64,
}

#[derive(Debug, Serialize)]
pub(crate) struct RefusalView {
    /// `endpoint` (its security groups, its state) or `service` (the provider side).
    pub by: String,
    pub kind: String,
    pub message: String,
    pub at_unix: u64,
    pub count: u64,
}

/// An endpoint service with its acceptance, principals and connections.
#[derive(Debug, Serialize)]
pub(crate) struct ServiceView {
    pub service_id: String,
    pub service_name: String,
    pub acceptance_required: bool,
    pub allowed_principals: Vec<String>,
    pub private_dns_name: Option<String>,
    pub private_dns_state: Option<String>,
    /// The names of its load balancers.
    pub load_balancers: Vec<String>,
    /// (endpoint, state, owner account).
    pub connections: Vec<(String, String, String)>,
    pub counts: ServiceCounts,
}

/// `AWS/PrivateLinkServices` of one service, summed over its endpoints.
#[derive(Debug, Default, Serialize)]
pub(crate) struct ServiceCounts {
    pub active_connections: i64,
    pub new_connections: u64,
    pub bytes_processed: u64,
    pub endpoints_count: usize,
    pub rst_packets_sent: u64,
}

/// A Network Load Balancer with its listeners and target groups.
#[derive(Debug, Serialize)]
pub(crate) struct LoadBalancerView {
    pub load_balancer_arn: String,
    pub load_balancer_name: String,
    pub state: String,
    pub dns_name: String,
    pub availability_zones: Vec<String>,
    pub security_groups: Vec<String>,
    pub listeners: Vec<ListenerView>,
    pub target_groups: Vec<TargetGroupView>,
}

#[derive(Debug, Serialize)]
pub(crate) struct ListenerView {
    pub port: u16,
    pub protocol: String,
    pub target_group_name: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct TargetGroupView {
    pub target_group_arn: String,
    pub target_group_name: String,
    pub port: u16,
    pub health_check: String,
    pub targets: Vec<TargetView>,
    /// `AWS/NetworkELB` of this load balancer and group, summed over zones.
    pub counts: NlbCounts,
}

/// A registered target and its health, as DescribeTargetHealth reports it.
#[derive(Debug, Serialize)]
pub(crate) struct TargetView {
    pub id: String,
    pub port: u16,
    pub availability_zone: String,
    pub state: String,
    pub reason: String,
    pub description: String,
}

#[derive(Debug, Default, Serialize)]
pub(crate) struct NlbCounts {
    pub active_flow_count: i64,
    pub new_flow_count: u64,
    pub processed_bytes: u64,
    pub tcp_client_reset_count: u64,
    pub tcp_target_reset_count: u64,
    pub tcp_elb_reset_count: u64,
}

//! The filters of the PrivateLink Describe calls, as AWS documents them, on what each answer
//! shows: service configurations, the consumer's service details, permissions, connections and
//! endpoints.

use plemu_proto::pb;

use super::{Filterable, service_region};

impl Filterable for pb::ServiceConfiguration {
    const FILTERS: &'static [&'static str] = &[
        "service-name",
        "service-id",
        "service-state",
        "service-type",
        "supported-ip-address-types",
    ];
    fn values(&self, name: &str) -> Vec<String> {
        match name {
            "service-name" => vec![self.service_name.clone()],
            "service-id" => vec![self.service_id.clone()],
            "service-state" => vec![self.service_state.clone()],
            "service-type" => self.service_type.clone(),
            _ => self.supported_ip_address_types.clone(),
        }
    }
    fn tags(&self) -> &[pb::Tag] {
        &self.tags
    }
}

impl Filterable for pb::ServiceDetail {
    const FILTERS: &'static [&'static str] = &[
        "service-name",
        "service-type",
        "service-region",
        "owner",
        "supported-ip-address-types",
    ];
    fn values(&self, name: &str) -> Vec<String> {
        match name {
            "service-name" => vec![self.service_name.clone()],
            "service-type" => self.service_type.clone(),
            "service-region" => vec![service_region(&self.service_name)],
            "owner" => vec![self.owner.clone()],
            _ => self.supported_ip_address_types.clone(),
        }
    }
    fn tags(&self) -> &[pb::Tag] {
        &self.tags
    }
}

impl Filterable for pb::AllowedPrincipal {
    const FILTERS: &'static [&'static str] = &["principal", "principal-type"];
    const TAGGED: bool = false;
    fn values(&self, name: &str) -> Vec<String> {
        vec![if name == "principal" {
            self.principal.clone()
        } else {
            self.principal_type.clone()
        }]
    }
}

impl Filterable for pb::VpcEndpointConnection {
    const FILTERS: &'static [&'static str] = &[
        "service-id",
        "vpc-endpoint-state",
        "vpc-endpoint-owner",
        "vpc-endpoint-id",
        "ip-address-type",
    ];
    const TAGGED: bool = false;
    fn values(&self, name: &str) -> Vec<String> {
        vec![match name {
            "service-id" => self.service_id.clone(),
            "vpc-endpoint-state" => self.vpc_endpoint_state.clone(),
            "vpc-endpoint-owner" => self.vpc_endpoint_owner.clone(),
            "vpc-endpoint-id" => self.vpc_endpoint_id.clone(),
            _ => self.ip_address_type.clone(),
        }]
    }
}

impl Filterable for pb::VpcEndpoint {
    const FILTERS: &'static [&'static str] = &[
        "vpc-id",
        "service-name",
        "service-region",
        "vpc-endpoint-id",
        "vpc-endpoint-state",
        "vpc-endpoint-type",
        "ip-address-type",
    ];
    fn values(&self, name: &str) -> Vec<String> {
        vec![match name {
            "vpc-id" => self.vpc_id.clone(),
            "service-name" => self.service_name.clone(),
            "service-region" => service_region(&self.service_name),
            "vpc-endpoint-id" => self.vpc_endpoint_id.clone(),
            "vpc-endpoint-state" => self.state.clone(),
            "vpc-endpoint-type" => self.vpc_endpoint_type.clone(),
            _ => self.ip_address_type.clone(),
        }]
    }
    fn tags(&self) -> &[pb::Tag] {
        &self.tags
    }
}

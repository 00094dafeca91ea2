//! What each conformance row starts from: the provider of `testing::provider` with a second
//! listener, a spare target group, a second NLB and a target group in another VPC; a consumer
//! VPC with subnets in zones a (two), b and c, a security group `app` with one rule, and an
//! available endpoint in zone a; and a second consumer VPC.

use plemu_proto::pb;

use crate::api::testing::{
    CONSUMER, PROVIDER, Provider, Server, consumer_vpc, endpoint_request, eventually,
    first_listener, provider, subnet, tg_req, vpc,
};

/// A policy document that is one.
pub(super) const POLICY: &str =
    r#"{"Statement":[{"Action":"elasticache:*","Effect":"Allow","Principal":"*","Resource":"*"}]}"#;

pub(super) struct Fx {
    pub p: Provider,
    /// The service's listener, on 6379.
    pub listener: String,
    /// A target group of the provider VPC no listener uses.
    pub spare_tg: String,
    /// A target group of another provider VPC.
    pub foreign_tg: String,
    /// A second NLB of the provider VPC.
    pub nlb2: String,
    pub cvpc: String,
    pub sub_a: String,
    pub sub_a2: String,
    pub sub_b: String,
    pub sub_c: String,
    pub foreign_subnet: String,
    /// `app`: TCP 6379 from 10.1.0.0/16; the endpoint's only group.
    pub app_sg: String,
    pub app_rule: String,
    pub default_sg: String,
    pub foreign_sg: String,
    /// Available, one network interface in `sub_a`.
    pub endpoint: String,
}

impl Fx {
    pub async fn build(s: &Server) -> Self {
        let p = provider(s, false).await;
        let (mut pe, mut elb, mut c) = (s.ec2(PROVIDER), s.elb(PROVIDER), s.ec2(CONSUMER));
        let listener = first_listener(&mut elb, &p.lb_arn).await;
        let tg = |name: &str, vpc: &str| {
            let req = tg_req(name, vpc);
            let mut elb = elb.clone();
            async move {
                elb.create_target_group(req)
                    .await
                    .unwrap()
                    .into_inner()
                    .target_groups
                    .remove(0)
                    .target_group_arn
            }
        };
        let spare_tg = tg("spare", &p.vpc).await;
        let second_tg = tg("second", &p.vpc).await;
        let other_vpc = vpc(&mut pe, "10.5.0.0/16").await;
        let foreign_tg = tg("foreign", &other_vpc).await;
        elb.create_listener(pb::CreateListenerRequest {
            load_balancer_arn: p.lb_arn.clone(),
            protocol: "TCP".into(),
            port: 6380,
            default_actions: super::forward(&second_tg),
            ..Default::default()
        })
        .await
        .unwrap();
        let subnets = pe
            .describe_subnets(pb::DescribeSubnetsRequest {
                filters: vec![crate::api::testing::filter("vpc-id", &p.vpc)],
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .subnets;
        let nlb2 = elb
            .create_load_balancer(pb::CreateLoadBalancerRequest {
                name: "second-nlb".into(),
                subnets: vec![subnets[0].subnet_id.clone()],
                r#type: "network".into(),
                scheme: "internal".into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .load_balancers
            .remove(0)
            .load_balancer_arn;
        let (cvpc, sub_a) = consumer_vpc(s, "us-east-1a").await;
        let sub_a2 = subnet(&mut c, &cvpc, "10.1.2.0/24", "us-east-1a").await;
        let sub_b = subnet(&mut c, &cvpc, "10.1.3.0/24", "us-east-1b").await;
        let sub_c = subnet(&mut c, &cvpc, "10.1.4.0/24", "us-east-1c").await;
        let other = vpc(&mut c, "10.2.0.0/16").await;
        let foreign_subnet = subnet(&mut c, &other, "10.2.1.0/24", "us-east-1b").await;
        let group = |name: &str, vpc: &str| {
            let mut c = c.clone();
            let req = pb::CreateSecurityGroupRequest {
                group_name: name.into(),
                description: name.into(),
                vpc_id: vpc.into(),
                ..Default::default()
            };
            async move {
                c.create_security_group(req)
                    .await
                    .unwrap()
                    .into_inner()
                    .group_id
            }
        };
        let app_sg = group("app", &cvpc).await;
        let foreign_sg = group("elsewhere", &other).await;
        let app_rule = c
            .authorize_security_group_ingress(pb::AuthorizeSecurityGroupIngressRequest {
                group_id: app_sg.clone(),
                ip_permissions: vec![super::tcp(6379, &["10.1.0.0/16"])],
            })
            .await
            .unwrap()
            .into_inner()
            .security_group_rules
            .remove(0)
            .security_group_rule_id;
        let default_sg = c
            .describe_security_groups(pb::DescribeSecurityGroupsRequest {
                filters: vec![
                    crate::api::testing::filter("vpc-id", &cvpc),
                    crate::api::testing::filter("group-name", "default"),
                ],
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .security_groups
            .remove(0)
            .group_id;
        let endpoint = c
            .create_vpc_endpoint(pb::CreateVpcEndpointRequest {
                security_group_ids: vec![app_sg.clone()],
                ..endpoint_request(&p.service_name, &cvpc, &sub_a)
            })
            .await
            .unwrap()
            .into_inner()
            .vpc_endpoint
            .unwrap()
            .vpc_endpoint_id;
        eventually(|| {
            let mut c = c.clone();
            let id = endpoint.clone();
            async move {
                let e = crate::api::testing::describe_endpoint(&mut c, &id).await;
                (e.state == "available").then_some(())
            }
        })
        .await;
        Self {
            p,
            listener,
            spare_tg,
            foreign_tg,
            nlb2,
            cvpc,
            sub_a,
            sub_a2,
            sub_b,
            sub_c,
            foreign_subnet,
            app_sg,
            app_rule,
            default_sg,
            foreign_sg,
            endpoint,
        }
    }
}

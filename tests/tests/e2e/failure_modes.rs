//! Misconfigurations fail as they fail on AWS, with AWS's error codes,
//! through the running binary.

use plemu_proto::pb;
use plemu_testkit::api::code;
use plemu_testkit::topology::{CONSUMER, TopologySpec};
use plemu_testkit::{Api, RedisServer, Scenario, trace_init};

async fn consumer_subnet(api: &Api, account: &str, az: &str) -> anyhow::Result<(String, String)> {
    let mut ec2 = api.ec2(account);
    let vpc = ec2
        .create_vpc(pb::CreateVpcRequest {
            cidr_block: "10.7.0.0/16".into(),
            ..Default::default()
        })
        .await?
        .into_inner()
        .vpc
        .unwrap_or_default()
        .vpc_id;
    let subnet = ec2
        .create_subnet(pb::CreateSubnetRequest {
            vpc_id: vpc.clone(),
            cidr_block: "10.7.1.0/24".into(),
            availability_zone: az.into(),
            ..Default::default()
        })
        .await?
        .into_inner()
        .subnet
        .unwrap_or_default()
        .subnet_id;
    Ok((vpc, subnet))
}

fn endpoint_request(vpc: &str, subnet: &str, service_name: &str) -> pb::CreateVpcEndpointRequest {
    pb::CreateVpcEndpointRequest {
        vpc_endpoint_type: "Interface".into(),
        vpc_id: vpc.into(),
        service_name: service_name.into(),
        subnet_ids: vec![subnet.into()],
        private_dns_enabled: Some(false),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoints_fail_as_on_aws() -> anyhow::Result<()> {
    trace_init();
    let redis = RedisServer::start()?;
    let Scenario {
        plemu: _plemu,
        api,
        topo,
    } = Scenario::start(TopologySpec {
        target: redis.addr,
        acceptance_required: true,
        client_cidr: "10.1.0.0/16".into(),
    })
    .await?;

    // A principal the service does not allow cannot see it.
    let stranger = "333333333333";
    let (vpc, subnet) = consumer_subnet(&api, stranger, "us-east-1a").await?;
    let err = api
        .ec2(stranger)
        .create_vpc_endpoint(endpoint_request(&vpc, &subnet, &topo.service_name))
        .await
        .unwrap_err();
    assert_eq!(code(&err), "InvalidServiceName", "{err:?}");

    // An endpoint subnet in a zone where the service's load balancer has no subnet.
    let (vpc, subnet) = consumer_subnet(&api, CONSUMER, "us-east-1c").await?;
    let err = api
        .ec2(CONSUMER)
        .create_vpc_endpoint(endpoint_request(&vpc, &subnet, &topo.service_name))
        .await
        .unwrap_err();
    assert_eq!(code(&err), "InvalidParameter", "{err:?}");
    assert!(
        err.message().contains(&subnet),
        "message does not name the subnet: {}",
        err.message()
    );

    // Private DNS needs the VPC's DNS hostnames attribute (off by default).
    let (vpc, subnet) = consumer_subnet(&api, CONSUMER, "us-east-1a").await?;
    let mut req = endpoint_request(&vpc, &subnet, &topo.service_name);
    req.private_dns_enabled = Some(true);
    let err = api
        .ec2(CONSUMER)
        .create_vpc_endpoint(req)
        .await
        .unwrap_err();
    assert_eq!(code(&err), "InvalidParameter", "{err:?}");
    assert!(
        err.message().contains("enableDnsHostnames"),
        "{}",
        err.message()
    );

    // The service cannot be deleted while an endpoint waits for acceptance.
    let r = api
        .ec2(plemu_testkit::topology::PROVIDER)
        .delete_vpc_endpoint_service_configurations(
            pb::DeleteVpcEndpointServiceConfigurationsRequest {
                service_ids: vec![topo.service_id.clone()],
            },
        )
        .await?
        .into_inner();
    let codes: Vec<&str> = r
        .unsuccessful
        .iter()
        .filter_map(|u| u.error.as_ref())
        .map(|e| e.code.as_str())
        .collect();
    assert_eq!(codes, ["ExistingVpcEndpointConnections"]);
    Ok(())
}

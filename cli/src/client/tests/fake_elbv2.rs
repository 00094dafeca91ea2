//! A fake ELBv2 service: enough of the API to check what the client sends and how it reads answers.

use plemu_proto::meta::{Caller, aws_status};
use plemu_proto::pb::{self, elbv2_server};

/// Answers create-load-balancer with an ARN naming the caller, and register-targets as AWS does.
pub(super) struct FakeElbv2;

fn unused<T>() -> Result<tonic::Response<T>, tonic::Status> {
    Err(tonic::Status::unimplemented("not in this fake"))
}

#[tonic::async_trait]
impl elbv2_server::Elbv2 for FakeElbv2 {
    async fn create_load_balancer(
        &self,
        request: tonic::Request<pb::CreateLoadBalancerRequest>,
    ) -> Result<tonic::Response<pb::CreateLoadBalancerResponse>, tonic::Status> {
        let caller = Caller::from_metadata(request.metadata());
        let r = request.into_inner();
        if r.name.is_empty() {
            return Err(tonic::Status::internal("no code attached"));
        }
        Ok(tonic::Response::new(pb::CreateLoadBalancerResponse {
            load_balancers: vec![pb::LoadBalancer {
                load_balancer_arn: format!(
                    "arn:aws:elasticloadbalancing:{}:{}:loadbalancer/net/{}/0123456789abcdef",
                    caller.region, caller.account, r.name
                ),
                scheme: r.scheme,
                ..Default::default()
            }],
        }))
    }
    async fn describe_load_balancers(
        &self,
        _: tonic::Request<pb::DescribeLoadBalancersRequest>,
    ) -> Result<tonic::Response<pb::DescribeLoadBalancersResponse>, tonic::Status> {
        unused()
    }
    async fn create_target_group(
        &self,
        _: tonic::Request<pb::CreateTargetGroupRequest>,
    ) -> Result<tonic::Response<pb::CreateTargetGroupResponse>, tonic::Status> {
        unused()
    }
    async fn describe_target_groups(
        &self,
        _: tonic::Request<pb::DescribeTargetGroupsRequest>,
    ) -> Result<tonic::Response<pb::DescribeTargetGroupsResponse>, tonic::Status> {
        unused()
    }
    async fn register_targets(
        &self,
        request: tonic::Request<pb::RegisterTargetsRequest>,
    ) -> Result<tonic::Response<pb::RegisterTargetsResponse>, tonic::Status> {
        if request.get_ref().target_group_arn.contains("missing") {
            return Err(aws_status(
                tonic::Code::NotFound,
                "TargetGroupNotFound",
                "One or more target groups not found",
            ));
        }
        Ok(tonic::Response::new(pb::RegisterTargetsResponse {}))
    }
    async fn deregister_targets(
        &self,
        _: tonic::Request<pb::DeregisterTargetsRequest>,
    ) -> Result<tonic::Response<pb::DeregisterTargetsResponse>, tonic::Status> {
        unused()
    }
    async fn describe_target_health(
        &self,
        _: tonic::Request<pb::DescribeTargetHealthRequest>,
    ) -> Result<tonic::Response<pb::DescribeTargetHealthResponse>, tonic::Status> {
        unused()
    }
    async fn create_listener(
        &self,
        _: tonic::Request<pb::CreateListenerRequest>,
    ) -> Result<tonic::Response<pb::CreateListenerResponse>, tonic::Status> {
        unused()
    }
    async fn describe_listeners(
        &self,
        _: tonic::Request<pb::DescribeListenersRequest>,
    ) -> Result<tonic::Response<pb::DescribeListenersResponse>, tonic::Status> {
        unused()
    }
    async fn modify_target_group(
        &self,
        _: tonic::Request<pb::ModifyTargetGroupRequest>,
    ) -> Result<tonic::Response<pb::ModifyTargetGroupResponse>, tonic::Status> {
        unused()
    }
    async fn describe_target_group_attributes(
        &self,
        _: tonic::Request<pb::DescribeTargetGroupAttributesRequest>,
    ) -> Result<tonic::Response<pb::DescribeTargetGroupAttributesResponse>, tonic::Status> {
        unused()
    }
    async fn modify_target_group_attributes(
        &self,
        _: tonic::Request<pb::ModifyTargetGroupAttributesRequest>,
    ) -> Result<tonic::Response<pb::ModifyTargetGroupAttributesResponse>, tonic::Status> {
        unused()
    }
    async fn describe_load_balancer_attributes(
        &self,
        _: tonic::Request<pb::DescribeLoadBalancerAttributesRequest>,
    ) -> Result<tonic::Response<pb::DescribeLoadBalancerAttributesResponse>, tonic::Status> {
        unused()
    }
    async fn modify_load_balancer_attributes(
        &self,
        _: tonic::Request<pb::ModifyLoadBalancerAttributesRequest>,
    ) -> Result<tonic::Response<pb::ModifyLoadBalancerAttributesResponse>, tonic::Status> {
        unused()
    }
    async fn describe_listener_attributes(
        &self,
        _: tonic::Request<pb::DescribeListenerAttributesRequest>,
    ) -> Result<tonic::Response<pb::DescribeListenerAttributesResponse>, tonic::Status> {
        unused()
    }
    async fn modify_listener_attributes(
        &self,
        _: tonic::Request<pb::ModifyListenerAttributesRequest>,
    ) -> Result<tonic::Response<pb::ModifyListenerAttributesResponse>, tonic::Status> {
        unused()
    }
    async fn set_security_groups(
        &self,
        _: tonic::Request<pb::SetSecurityGroupsRequest>,
    ) -> Result<tonic::Response<pb::SetSecurityGroupsResponse>, tonic::Status> {
        unused()
    }
    async fn delete_listener(
        &self,
        _: tonic::Request<pb::DeleteListenerRequest>,
    ) -> Result<tonic::Response<pb::DeleteListenerResponse>, tonic::Status> {
        unused()
    }
    async fn delete_load_balancer(
        &self,
        _: tonic::Request<pb::DeleteLoadBalancerRequest>,
    ) -> Result<tonic::Response<pb::DeleteLoadBalancerResponse>, tonic::Status> {
        unused()
    }
    async fn delete_target_group(
        &self,
        _: tonic::Request<pb::DeleteTargetGroupRequest>,
    ) -> Result<tonic::Response<pb::DeleteTargetGroupResponse>, tonic::Status> {
        unused()
    }
    async fn modify_listener(
        &self,
        _: tonic::Request<pb::ModifyListenerRequest>,
    ) -> Result<tonic::Response<pb::ModifyListenerResponse>, tonic::Status> {
        unused()
    }
    async fn add_tags(
        &self,
        _: tonic::Request<pb::AddTagsRequest>,
    ) -> Result<tonic::Response<pb::AddTagsResponse>, tonic::Status> {
        unused()
    }
    async fn remove_tags(
        &self,
        _: tonic::Request<pb::RemoveTagsRequest>,
    ) -> Result<tonic::Response<pb::RemoveTagsResponse>, tonic::Status> {
        unused()
    }
    async fn describe_tags(
        &self,
        _: tonic::Request<pb::DescribeElbTagsRequest>,
    ) -> Result<tonic::Response<pb::DescribeElbTagsResponse>, tonic::Status> {
        unused()
    }
}

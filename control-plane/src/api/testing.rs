//! Test support: a control plane on 127.0.0.1:0 with a temporary store, and per-account clients.

use std::path::Path;
use std::time::Duration;

use plemu_proto::agent_token::{AgentSecret, AgentToken, Scope};
use plemu_proto::meta::Caller;
use plemu_proto::pb;
use tokio_util::sync::CancellationToken;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use crate::{Config, ControlPlane, Error};

mod private_dns;
use private_dns::public_dns_sockets;
pub(crate) use private_dns::{private_dns_of, service_config, verify};

pub(crate) const PROVIDER: &str = "111111111111";
pub(crate) const CONSUMER: &str = "222222222222";
/// How long the test server keeps `deleted` records: long enough to see them.
pub(crate) const DELETED_RETENTION: Duration = Duration::from_millis(500);

/// Adds the caller's account and region to every request.
#[derive(Clone)]
pub(crate) struct As(Caller);

impl tonic::service::Interceptor for As {
    fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        self.0.write_to(req.metadata_mut()).expect("ascii metadata");
        Ok(req)
    }
}

pub(crate) type Ec2 = pb::ec2_client::Ec2Client<InterceptedService<Channel, As>>;
pub(crate) type Elb = pb::elbv2_client::Elbv2Client<InterceptedService<Channel, As>>;
pub(crate) type Events =
    pb::connection_events_client::ConnectionEventsClient<InterceptedService<Channel, As>>;
pub(crate) type Agent = pb::agent_client::AgentClient<InterceptedService<Channel, Bearer>>;
pub(crate) type PublicDns = pb::public_dns_client::PublicDnsClient<Channel>;

/// Adds an agent token to every request.
#[derive(Clone)]
pub(crate) struct Bearer(pub Option<AgentToken>);

impl tonic::service::Interceptor for Bearer {
    fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(t) = &self.0 {
            t.attach(&mut req);
        }
        Ok(req)
    }
}

/// A running control plane.
pub(crate) struct Server {
    /// The API's address (gRPC and the Query protocols).
    pub addr: std::net::SocketAddr,
    /// Where its public DNS answers (UDP and TCP).
    pub public_dns: std::net::SocketAddr,
    token: CancellationToken,
    task: tokio::task::JoinHandle<Result<(), Error>>,
    channel: Channel,
    /// The Agent service's own address.
    agents: Channel,
    /// Mints agent tokens.
    secret: AgentSecret,
}

impl Server {
    /// Serves the store in `dir` with no provisioning delay.
    pub async fn start(dir: &Path) -> Self {
        Self::start_with(dir, |_| {}).await
    }

    /// [`Server::start`], POSTing connection notifications to `urls`.
    pub async fn start_notifying(dir: &Path, urls: Vec<crate::NotificationUrl>) -> Self {
        Self::start_with(dir, |c| c.notification_urls = urls).await
    }

    /// Serves the store in `dir` with no provisioning or deletion delay, then what `tune` sets.
    pub async fn start_with(dir: &Path, tune: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config {
            data_dir: dir.to_path_buf(),
            provisioning_delay: Duration::ZERO,
            eni_bind_net: Some("127.1.0.0/16".parse().expect("a block")),
            deletion_delay: Duration::ZERO,
            deleted_retention: DELETED_RETENTION,
            ..Config::default()
        };
        tune(&mut config);
        let (udp, tcp) = public_dns_sockets().await;
        let cp = ControlPlane::open(config)
            .await
            .expect("open")
            .with_public_dns(udp, tcp);
        let public_dns = cp.public_dns_addr().expect("public DNS bound");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let agents = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let agents_addr = agents.local_addr().expect("addr");
        let secret = cp.agent_secret().clone();
        let token = CancellationToken::new();
        let task = tokio::spawn(cp.serve(listener, agents, token.clone()));
        let connect = |addr: std::net::SocketAddr| async move {
            tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
                .expect("url")
                .connect()
                .await
                .expect("connect")
        };
        Self {
            addr,
            public_dns,
            token,
            task,
            channel: connect(addr).await,
            agents: connect(agents_addr).await,
            secret,
        }
    }

    /// Stops serving and waits until the store is closed.
    pub async fn stop(self) {
        drop(self.channel);
        self.token.cancel();
        self.task.await.expect("join").expect("serve");
    }

    pub fn ec2(&self, account: &str) -> Ec2 {
        pb::ec2_client::Ec2Client::with_interceptor(self.channel.clone(), caller(account))
    }

    pub fn elb(&self, account: &str) -> Elb {
        pb::elbv2_client::Elbv2Client::with_interceptor(self.channel.clone(), caller(account))
    }

    /// A `ConnectionEvents` client (plemu's watch of connection notifications).
    pub fn events(&self, account: &str) -> Events {
        pb::connection_events_client::ConnectionEventsClient::with_interceptor(
            self.channel.clone(),
            caller(account),
        )
    }

    /// A `PublicDns` client (the TXT records private DNS verification looks up).
    pub fn public_dns(&self) -> PublicDns {
        pb::public_dns_client::PublicDnsClient::new(self.channel.clone())
    }

    /// An Agent client with a token for everything.
    pub fn agent(&self) -> Agent {
        self.agent_as(Some(Scope::All))
    }

    /// An Agent client with a token of `scope`, or none.
    pub fn agent_as(&self, scope: Option<Scope>) -> Agent {
        let token = scope.map(|s| self.secret.mint(&s));
        pb::agent_client::AgentClient::with_interceptor(self.agents.clone(), Bearer(token))
    }

    /// An Agent client on the API's address (which does not serve it).
    pub fn agent_on_api(&self) -> Agent {
        let token = Some(self.secret.mint(&Scope::All));
        pb::agent_client::AgentClient::with_interceptor(self.channel.clone(), Bearer(token))
    }
}

fn caller(account: &str) -> As {
    As(Caller {
        account: account.into(),
        region: "us-east-1".into(),
    })
}

/// The AWS code an error status carries.
pub(crate) fn code(s: &tonic::Status) -> &str {
    plemu_proto::meta::aws_code(s).unwrap_or("")
}

/// Opens a Watch stream as a `role` agent named `agent_id` serving `vpc_ids` (empty: every VPC);
/// `tunnel_address` matters for providers only.
pub(crate) async fn watch(
    s: &Server,
    role: pb::AgentRole,
    agent_id: &str,
    tunnel_address: &str,
    vpc_ids: &[&str],
) -> tonic::Streaming<pb::DesiredState> {
    let req = pb::WatchRequest {
        role: role.into(),
        agent_id: agent_id.into(),
        tunnel_address: tunnel_address.into(),
        vpc_ids: vpc_ids.iter().map(|v| v.to_string()).collect(),
        ..Default::default()
    };
    s.agent().watch(req).await.expect("Watch").into_inner()
}

/// The next snapshot on a Watch stream.
pub(crate) async fn next(w: &mut tonic::Streaming<pb::DesiredState>) -> pb::DesiredState {
    w.message().await.expect("stream").expect("open stream")
}

/// A Describe* filter `name` with the single value `v`.
pub(crate) fn filter(name: &str, v: &str) -> pb::Filter {
    pb::Filter {
        name: name.into(),
        values: vec![v.into()],
    }
}

/// Retries `f` until it returns `Some`, for at most about two seconds.
pub(crate) async fn eventually<T, F: std::future::Future<Output = Option<T>>>(
    mut f: impl FnMut() -> F,
) -> T {
    for _ in 0..200 {
        if let Some(v) = f().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition not met in time");
}

pub(crate) async fn vpc(ec2: &mut Ec2, cidr: &str) -> String {
    let r = ec2
        .create_vpc(pb::CreateVpcRequest {
            cidr_block: cidr.into(),
            ..Default::default()
        })
        .await
        .expect("CreateVpc");
    r.into_inner().vpc.expect("vpc").vpc_id
}

pub(crate) async fn subnet(ec2: &mut Ec2, vpc: &str, cidr: &str, az: &str) -> String {
    let r = ec2
        .create_subnet(pb::CreateSubnetRequest {
            vpc_id: vpc.into(),
            cidr_block: cidr.into(),
            availability_zone: az.into(),
            ..Default::default()
        })
        .await
        .expect("CreateSubnet");
    r.into_inner().subnet.expect("subnet").subnet_id
}

/// The provider side of a PrivateLink: what an endpoint connects to.
pub(crate) struct Provider {
    pub vpc: String,
    pub lb_arn: String,
    pub tg_arn: String,
    pub service_id: String,
    pub service_name: String,
}

/// Provider VPC 10.0.0.0/16 with subnets in zones a and b, an NLB, a TCP target group on 6379
/// with one target, a listener, and an endpoint service (private DNS `redis.example.com`, not yet
/// verified) that allows the consumer account.
pub(crate) async fn provider(s: &Server, acceptance_required: bool) -> Provider {
    let (mut ec2, mut elb) = (s.ec2(PROVIDER), s.elb(PROVIDER));
    let vpc = vpc(&mut ec2, "10.0.0.0/16").await;
    let a = subnet(&mut ec2, &vpc, "10.0.1.0/24", "us-east-1a").await;
    let b = subnet(&mut ec2, &vpc, "10.0.2.0/24", "us-east-1b").await;
    let lb = elb
        .create_load_balancer(pb::CreateLoadBalancerRequest {
            name: "redis-nlb".into(),
            subnets: vec![a, b],
            r#type: "network".into(),
            scheme: "internal".into(),
            ..Default::default()
        })
        .await
        .expect("CreateLoadBalancer")
        .into_inner()
        .load_balancers
        .remove(0);
    let tg = elb
        .create_target_group(pb::CreateTargetGroupRequest {
            name: "redis".into(),
            protocol: "TCP".into(),
            port: Some(6379),
            vpc_id: vpc.clone(),
            target_type: "ip".into(),
            ..Default::default()
        })
        .await
        .expect("CreateTargetGroup")
        .into_inner()
        .target_groups
        .remove(0);
    elb.register_targets(pb::RegisterTargetsRequest {
        target_group_arn: tg.target_group_arn.clone(),
        targets: vec![pb::TargetDescription {
            id: "10.0.1.10".into(),
            ..Default::default()
        }],
    })
    .await
    .expect("RegisterTargets");
    elb.create_listener(pb::CreateListenerRequest {
        load_balancer_arn: lb.load_balancer_arn.clone(),
        protocol: "TCP".into(),
        port: 6379,
        default_actions: vec![pb::Action {
            r#type: "forward".into(),
            target_group_arn: tg.target_group_arn.clone(),
            ..Default::default()
        }],
        ..Default::default()
    })
    .await
    .expect("CreateListener");
    let svc = ec2
        .create_vpc_endpoint_service_configuration(
            pb::CreateVpcEndpointServiceConfigurationRequest {
                acceptance_required: Some(acceptance_required),
                private_dns_name: "Redis.Example.com".into(),
                network_load_balancer_arns: vec![lb.load_balancer_arn.clone()],
                ..Default::default()
            },
        )
        .await
        .expect("CreateVpcEndpointServiceConfiguration")
        .into_inner()
        .service_configuration
        .expect("service");
    ec2.modify_vpc_endpoint_service_permissions(pb::ModifyVpcEndpointServicePermissionsRequest {
        service_id: svc.service_id.clone(),
        add_allowed_principals: vec![format!("arn:aws:iam::{CONSUMER}:root")],
        ..Default::default()
    })
    .await
    .expect("ModifyVpcEndpointServicePermissions");
    Provider {
        vpc,
        lb_arn: lb.load_balancer_arn,
        tg_arn: tg.target_group_arn,
        service_id: svc.service_id,
        service_name: svc.service_name,
    }
}

/// A consumer VPC 10.1.0.0/16 with both DNS attributes on and a subnet in `az`; returns (vpc, subnet).
pub(crate) async fn consumer_vpc(s: &Server, az: &str) -> (String, String) {
    let mut ec2 = s.ec2(CONSUMER);
    let vpc = vpc(&mut ec2, "10.1.0.0/16").await;
    ec2.modify_vpc_attribute(pb::ModifyVpcAttributeRequest {
        vpc_id: vpc.clone(),
        enable_dns_hostnames: Some(true),
        ..Default::default()
    })
    .await
    .expect("ModifyVpcAttribute");
    let subnet = subnet(&mut ec2, &vpc, "10.1.1.0/24", az).await;
    (vpc, subnet)
}

/// A CreateTargetGroup request: TCP on 6379, ip targets, in `vpc`.
pub(crate) fn tg_req(name: &str, vpc: &str) -> pb::CreateTargetGroupRequest {
    pb::CreateTargetGroupRequest {
        name: name.into(),
        protocol: "TCP".into(),
        port: Some(6379),
        vpc_id: vpc.into(),
        target_type: "ip".into(),
        ..Default::default()
    }
}

/// A CreateVpcEndpoint request for `service_name` in `vpc`/`subnet`.
pub(crate) fn endpoint_request(
    service_name: &str,
    vpc: &str,
    subnet: &str,
) -> pb::CreateVpcEndpointRequest {
    pb::CreateVpcEndpointRequest {
        vpc_endpoint_type: "Interface".into(),
        vpc_id: vpc.into(),
        service_name: service_name.into(),
        subnet_ids: vec![subnet.into()],
        ..Default::default()
    }
}

/// The endpoint `id` as its owner describes it.
pub(crate) async fn describe_endpoint(ec2: &mut Ec2, id: &str) -> pb::VpcEndpoint {
    let req = pb::DescribeVpcEndpointsRequest {
        vpc_endpoint_ids: vec![id.into()],
        ..Default::default()
    };
    ec2.describe_vpc_endpoints(req)
        .await
        .unwrap()
        .into_inner()
        .vpc_endpoints
        .remove(0)
}

/// The ARN of the first listener of load balancer `lb_arn`.
pub(crate) async fn first_listener(elb: &mut Elb, lb_arn: &str) -> String {
    elb.describe_listeners(pb::DescribeListenersRequest {
        load_balancer_arn: lb_arn.to_string(),
        ..Default::default()
    })
    .await
    .unwrap()
    .into_inner()
    .listeners
    .remove(0)
    .listener_arn
}

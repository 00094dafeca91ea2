//! The API address's router: the `Ec2`, `Elbv2`, `ConnectionEvents` and `PublicDns` gRPC services,
//! `grpc.health.v1.Health`, server reflection, the Query front at `/`, the topology page
//! (`GET /`, `/topology.html`, `/topology.json`) and `/metrics`, all on one port.

use plemu_proto::pb;
use tonic::server::NamedService;
use tonic::service::Routes;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

use crate::api::Api;
use crate::error::Error;
use crate::query;

/// What the health service reports on: the server as a whole (`""`) and each API service.
const HEALTH_NAMES: [&str; 3] = [
    "",
    <pb::ec2_server::Ec2Server<Api> as NamedService>::NAME,
    <pb::elbv2_server::Elbv2Server<Api> as NamedService>::NAME,
];

/// The routes of the API address, every API service reported `SERVING`, and the reporter that
/// [`not_serving`] takes when the server stops.
///
/// # Errors
/// When the reflection service cannot read the API's descriptors.
pub(crate) async fn routes(api: Api) -> Result<(Routes, HealthReporter), Error> {
    let (health, health_service) = tonic_health::server::health_reporter();
    for name in HEALTH_NAMES {
        health
            .set_service_status(name, ServingStatus::Serving)
            .await;
    }
    // Reflection lists the API's services only (the Agent service is not on this address).
    let reflection = || {
        let b = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(plemu_proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET);
        [
            "plemu.v1.Ec2",
            "plemu.v1.Elbv2",
            "plemu.v1.ConnectionEvents",
            "plemu.v1.PublicDns",
            "grpc.health.v1.Health",
        ]
        .into_iter()
        .fold(b, |b, name| b.with_service_name(name))
    };
    let grpc = Routes::new(pb::ec2_server::Ec2Server::new(api.clone()))
        .add_service(pb::elbv2_server::Elbv2Server::new(api.clone()))
        .add_service(pb::connection_events_server::ConnectionEventsServer::new(
            api.clone(),
        ))
        .add_service(pb::public_dns_server::PublicDnsServer::new(api.clone()))
        .add_service(health_service)
        .add_service(reflection().build_v1()?)
        .add_service(reflection().build_v1alpha()?);
    let routes = Routes::from(observe(
        query::route(grpc.into_axum_router(), api.clone()),
        api,
    ));
    Ok((routes, health))
}

/// Adds the plain HTTP GETs a browser or Prometheus makes: `/metrics` and the topology's.
fn observe(router: axum::Router, api: Api) -> axum::Router {
    use axum::routing::get;
    let (a, b, c) = (api.clone(), api.clone(), api);
    router
        .route(
            "/metrics",
            get(move || {
                let api = a.clone();
                async move { crate::metrics::scrape(&api.shared).await }
            }),
        )
        .route(
            "/topology.html",
            get(move || {
                let api = b.clone();
                async move { crate::topology::fragment(&api.shared).await }
            }),
        )
        .route(
            "/topology.json",
            get(move || {
                let api = c.clone();
                async move { crate::topology::json(&api.shared).await }
            }),
        )
}

/// Reports `NOT_SERVING` to health watchers as the server stops, then ends their streams,
/// which would otherwise keep the server from draining.
pub(crate) async fn not_serving(mut health: HealthReporter) {
    for name in HEALTH_NAMES {
        health
            .set_service_status(name, ServingStatus::NotServing)
            .await;
    }
    for name in HEALTH_NAMES {
        health.clear_service_status(name).await;
    }
}

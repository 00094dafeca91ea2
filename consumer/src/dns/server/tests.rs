use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use hickory_proto::op::{Message, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::{Resolver, TokioResolver};
use plemu_proto::pb::ConsumerState;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

use super::*;
use crate::BindMode;
use crate::dns::forwarder::Forwarder;
use crate::dns::zones::build;
use crate::testing::fixtures::{self, PRIVATE_NAME};

const VPCE: &str = "vpce-0aaaaaaaaaaaaaaaa";

/// A DNS server for the fixture endpoint on fresh loopback sockets, forwarding to a fake
/// upstream (see [`upstream`]).
async fn start() -> (Server<Handler>, SocketAddr) {
    start_with(Forwarder::to(upstream().await)).await
}

/// An upstream resolver on loopback UDP: `outside.example.` is `192.0.2.10`, every other name
/// is NXDOMAIN.
async fn upstream() -> SocketAddr {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = socket.local_addr().unwrap();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        loop {
            let Ok((n, from)) = socket.recv_from(&mut buf).await else {
                return;
            };
            let Ok(q) = Message::from_vec(&buf[..n]) else {
                continue;
            };
            let mut r = Message::response(q.metadata.id, q.metadata.op_code);
            r.metadata.recursion_desired = q.metadata.recursion_desired;
            r.metadata.recursion_available = true;
            r.queries = q.queries.clone();
            match q.queries.first() {
                Some(query) if query.name().to_ascii() == "outside.example." => {
                    if query.query_type() == RecordType::A {
                        r.answers.push(hickory_proto::rr::Record::from_rdata(
                            query.name().clone(),
                            300,
                            RData::A(Ipv4Addr::new(192, 0, 2, 10).into()),
                        ));
                    }
                }
                _ => r.metadata.response_code = ResponseCode::NXDomain,
            }
            let _ = socket.send_to(&r.to_vec().unwrap(), from).await;
        }
    });
    addr
}

/// As [`start`], forwarding with `forwarder`.
async fn start_with(forwarder: Forwarder) -> (Server<Handler>, SocketAddr) {
    let (server, addr, _) = start_zones(forwarder).await;
    (server, addr)
}

/// As [`start_with`], also returning the zones so that a test can replace the names.
async fn start_zones(forwarder: Forwarder) -> (Server<Handler>, SocketAddr, Zones) {
    let zones = Zones::new(forwarder);
    zones.replace(build(
        &ConsumerState {
            endpoints: vec![fixtures::endpoint(
                VPCE,
                "available",
                "",
                &[6379],
                vec![
                    fixtures::eni(
                        "eni-0000000000000000a",
                        "us-east-1a",
                        "10.1.1.0/24",
                        "10.1.1.37",
                        "127.1.0.1",
                    ),
                    fixtures::eni(
                        "eni-0000000000000000b",
                        "us-east-1b",
                        "10.1.2.0/24",
                        "10.1.2.41",
                        "127.1.0.2",
                    ),
                ],
            )],
            security_groups: Vec::new(),
        },
        BindMode::Loopback,
    ));
    let (udp, tcp) = crate::testing::dns_sockets().await.unwrap();
    let addr = udp.local_addr().unwrap();
    (serve(zones.clone(), udp, tcp), addr, zones)
}

/// A resolver that asks only `addr`, over UDP or TCP, without a cache.
fn resolver(addr: SocketAddr, tcp: bool) -> TokioResolver {
    let mut conn = if tcp {
        ConnectionConfig::tcp()
    } else {
        ConnectionConfig::udp()
    };
    conn.port = addr.port();
    let ns = NameServerConfig::new(addr.ip(), true, vec![conn]);
    let mut builder = Resolver::builder_with_config(
        ResolverConfig::from_name_servers(vec![ns]),
        TokioRuntimeProvider::default(),
    );
    builder.options_mut().cache_size = 0;
    builder.options_mut().attempts = 1;
    builder.options_mut().timeout = Duration::from_secs(5);
    builder.build().unwrap()
}

async fn ipv4s(resolver: &TokioResolver, name: &str) -> Vec<Ipv4Addr> {
    let lookup = resolver.lookup_ip(name).await.unwrap();
    let mut v: Vec<Ipv4Addr> = lookup
        .iter()
        .filter_map(|ip| match ip {
            std::net::IpAddr::V4(a) => Some(a),
            std::net::IpAddr::V6(_) => None,
        })
        .collect();
    v.sort();
    v
}

/// One raw query over UDP, so that the response code itself can be checked.
async fn raw_udp(addr: SocketAddr, name: &str, rtype: RecordType) -> Message {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut q = Message::query();
    q.metadata.id = 4242;
    // As stub resolvers ask (dig, glibc): the forwarder refuses non-recursive queries.
    q.metadata.recursion_desired = true;
    q.add_query(Query::query(Name::from_ascii(name).unwrap(), rtype));
    socket.send_to(&q.to_vec().unwrap(), addr).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = socket.recv(&mut buf).await.unwrap();
    Message::from_vec(&buf[..n]).unwrap()
}

/// One raw query over TCP (two-byte length prefix).
async fn raw_tcp(addr: SocketAddr, name: &str, rtype: RecordType) -> Message {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut q = Message::query();
    q.metadata.id = 4343;
    q.metadata.recursion_desired = true;
    q.add_query(Query::query(Name::from_ascii(name).unwrap(), rtype));
    let bytes = q.to_vec().unwrap();
    stream.write_u16(bytes.len() as u16).await.unwrap();
    stream.write_all(&bytes).await.unwrap();
    let len = stream.read_u16().await.unwrap();
    let mut buf = vec![0u8; usize::from(len)];
    stream.read_exact(&mut buf).await.unwrap();
    Message::from_vec(&buf).unwrap()
}

#[tokio::test]
async fn resolves_endpoint_names_over_udp_and_tcp() {
    let (mut server, addr) = start().await;
    let l1 = Ipv4Addr::new(127, 1, 0, 1);
    let l2 = Ipv4Addr::new(127, 1, 0, 2);
    for tcp in [false, true] {
        let r = resolver(addr, tcp);
        let regional = format!("{}.", fixtures::regional_name(VPCE));
        assert_eq!(ipv4s(&r, &regional).await, [l1, l2], "tcp={tcp}");
        let zonal = format!("{}.", fixtures::zonal_name(VPCE, "us-east-1a"));
        assert_eq!(ipv4s(&r, &zonal).await, [l1], "tcp={tcp}");
        assert_eq!(
            ipv4s(&r, &format!("{PRIVATE_NAME}.")).await,
            [l1, l2],
            "tcp={tcp}"
        );
        assert_eq!(
            ipv4s(&r, &PRIVATE_NAME.to_uppercase()).await,
            [l1, l2],
            "tcp={tcp}"
        );
    }
    server.shutdown_gracefully().await.unwrap();
}

#[tokio::test]
async fn response_codes() {
    let (mut server, addr) = start().await;
    let private = raw_udp(addr, "redis.example.com.", RecordType::A).await;
    assert_eq!(private.metadata.id, 4242);
    assert_eq!(private.metadata.response_code, ResponseCode::NoError);
    assert!(private.metadata.authoritative);
    assert!(
        matches!(private.answers[0].data, RData::CNAME(_)),
        "{private:?}"
    );
    assert_eq!(private.answers.len(), 3);

    // Any other type: the CNAME, and nothing of that type at its target.
    let aaaa = raw_udp(addr, "redis.example.com.", RecordType::AAAA).await;
    assert_eq!(aaaa.metadata.response_code, ResponseCode::NoError);
    assert_eq!(aaaa.answers.len(), 1, "{aaaa:?}");
    assert!(matches!(aaaa.answers[0].data, RData::CNAME(_)), "{aaaa:?}");
    let regional_aaaa = raw_udp(addr, &fixtures::regional_name(VPCE), RecordType::AAAA).await;
    assert_eq!(regional_aaaa.metadata.response_code, ResponseCode::NoError);
    assert!(regional_aaaa.answers.is_empty(), "{regional_aaaa:?}");
    // A negative answer carries the SOA, for negative caching.
    assert!(
        matches!(
            regional_aaaa.authorities.first().map(|r| &r.data),
            Some(RData::SOA(_))
        ),
        "{regional_aaaa:?}"
    );

    let unknown_vpce = format!(
        "vpce-0bbbbbbbbbbbbbbbb.{}.us-east-1.vpce.amazonaws.com.",
        fixtures::SERVICE_ID
    );
    for m in [
        raw_udp(addr, &unknown_vpce, RecordType::A).await,
        raw_tcp(addr, &unknown_vpce, RecordType::A).await,
    ] {
        assert_eq!(m.metadata.response_code, ResponseCode::NXDomain);
        assert!(
            matches!(m.authorities.first().map(|r| &r.data), Some(RData::SOA(_))),
            "{m:?}"
        );
    }
    // Names outside plemu's are forwarded upstream, as the VPC resolver does.
    for m in [
        raw_udp(addr, "outside.example.", RecordType::A).await,
        raw_tcp(addr, "outside.example.", RecordType::A).await,
    ] {
        assert_eq!(m.metadata.response_code, ResponseCode::NoError);
        assert!(m.metadata.recursion_available);
        assert_eq!(m.answers.len(), 1);
        assert_eq!(
            m.answers[0].data,
            RData::A(Ipv4Addr::new(192, 0, 2, 10).into())
        );
    }
    let missing = raw_udp(addr, "example.org.", RecordType::A).await;
    assert_eq!(missing.metadata.response_code, ResponseCode::NXDomain);
    assert!(missing.answers.is_empty());
    let regional_tcp = raw_tcp(addr, &fixtures::regional_name(VPCE), RecordType::A).await;
    assert_eq!(regional_tcp.metadata.id, 4343);
    assert_eq!(regional_tcp.answers.len(), 2);
    server.shutdown_gracefully().await.unwrap();
}

#[tokio::test]
async fn a_private_name_is_a_zone_of_its_own() {
    let (mut server, addr) = start().await;
    // Below the private name: NXDOMAIN from its zone, as in a private hosted zone.
    let below = raw_udp(addr, "www.redis.example.com.", RecordType::A).await;
    assert_eq!(below.metadata.response_code, ResponseCode::NXDomain);
    assert!(below.metadata.authoritative);
    // Beside it: not plemu's, so forwarded (the fake upstream says NXDOMAIN, not authoritative).
    let beside = raw_udp(addr, "other.example.com.", RecordType::A).await;
    assert_eq!(beside.metadata.response_code, ResponseCode::NXDomain);
    assert!(!beside.metadata.authoritative);
    // Case does not matter to the zone either.
    let upper = raw_tcp(addr, "REDIS.Example.Com.", RecordType::A).await;
    assert_eq!(upper.answers.len(), 3, "{upper:?}");
    server.shutdown_gracefully().await.unwrap();
}

#[tokio::test]
async fn without_an_upstream_other_names_are_refused() {
    let (mut server, addr) = start_with(Forwarder::default()).await;
    let outside = raw_udp(addr, "outside.example.", RecordType::A).await;
    assert_eq!(outside.metadata.response_code, ResponseCode::Refused);
    let regional = raw_udp(addr, &fixtures::regional_name(VPCE), RecordType::A).await;
    assert_eq!(regional.metadata.response_code, ResponseCode::NoError);
    assert_eq!(regional.answers.len(), 2);
    server.shutdown_gracefully().await.unwrap();
}

#[tokio::test]
async fn a_snapshot_replaces_every_name() {
    let (mut server, addr, zones) = start_zones(Forwarder::to(upstream().await)).await;
    let regional = fixtures::regional_name(VPCE);
    assert_eq!(
        raw_udp(addr, &regional, RecordType::A).await.answers.len(),
        2
    );
    zones.replace(build(&ConsumerState::default(), BindMode::Loopback));
    let gone = raw_udp(addr, &regional, RecordType::A).await;
    assert_eq!(gone.metadata.response_code, ResponseCode::NXDomain);
    let private = raw_udp(addr, "redis.example.com.", RecordType::A).await;
    assert_eq!(
        private.metadata.response_code,
        ResponseCode::NXDomain,
        "the private name is no longer plemu's, and upstream does not know it"
    );
    server.shutdown_gracefully().await.unwrap();
}

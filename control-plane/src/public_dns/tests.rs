//! The public zone served on real sockets, and the verification's lookups against it.

use super::verify::{self, Outcome, check};
use super::*;

fn records(entries: &[(&str, &[&str])]) -> BTreeMap<String, TxtRecord> {
    entries
        .iter()
        .map(|(name, values)| {
            let values = values.iter().map(|v| v.to_string()).collect();
            (name.to_string(), TxtRecord { values })
        })
        .collect()
}

/// The zone served on 127.0.0.1:0, and the token that stops it.
async fn served(zone: Arc<PublicZone>) -> (SocketAddr, CancellationToken) {
    let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = udp.local_addr().unwrap();
    let tcp = TcpListener::bind(addr).await.unwrap();
    let token = CancellationToken::new();
    zone.answer_at(addr);
    tokio::spawn(serve(zone, udp, tcp, token.clone()));
    (addr, token)
}

#[tokio::test]
async fn a_published_value_verifies_and_anything_else_does_not() {
    let zone = Arc::new(PublicZone::new(&records(&[
        ("_abc.redis.example.com", &["other", "vpce:Secret1"]),
        ("bare.example.org", &["vpce:Bare"]),
    ])));
    let (addr, token) = served(zone.clone()).await;
    assert_eq!(
        check(addr, "redis.example.com", "_abc", "vpce:Secret1").await,
        Outcome::Verified("_abc.redis.example.com".into())
    );
    // Case-sensitive value; the record at the bare domain counts.
    assert!(matches!(
        check(addr, "redis.example.com", "_abc", "vpce:secret1").await,
        Outcome::NotFound { .. }
    ));
    assert_eq!(
        check(addr, "bare.example.org", "_zzz", "vpce:Bare").await,
        Outcome::Verified("bare.example.org".into())
    );
    // A parent domain's record covers its subdomains.
    assert_eq!(
        check(addr, "a.b.redis.example.com", "_abc", "vpce:Secret1").await,
        Outcome::Verified("_abc.redis.example.com".into())
    );
    let Outcome::NotFound { asked } = check(addr, "x.example.net", "_abc", "v").await else {
        panic!("found a record that is not there");
    };
    assert_eq!(asked.len(), 4);

    // A name without records is NXDOMAIN, with the zone's SOA for negative caching.
    let e = verify::build(addr)
        .unwrap()
        .txt_lookup("missing.example.net.")
        .await
        .unwrap_err();
    assert!(e.is_nx_domain(), "{e}");
    assert!(e.into_soa().is_some(), "no SOA in the negative answer");

    // A change is answered at once.
    zone.replace(&records(&[]));
    assert!(matches!(
        check(addr, "redis.example.com", "_abc", "vpce:Secret1").await,
        Outcome::NotFound { .. }
    ));
    token.cancel();
}

#[tokio::test]
async fn a_resolver_that_does_not_answer_is_not_a_missing_record() {
    // A bound socket that never answers.
    let silent = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    let out = check(addr, "redis.example.com", "_abc", "v").await;
    assert!(matches!(out, Outcome::Unanswered(_)), "{out:?}");
}

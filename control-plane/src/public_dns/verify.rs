//! The TXT lookup of `StartVpcEndpointServicePrivateDnsVerification`: a real DNS query
//! (hickory-resolver, no cache) to one resolver, for the record AWS asks the provider to publish.

use std::net::SocketAddr;
use std::time::Duration;

use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RData;
use hickory_resolver::{Resolver, TokioResolver};

/// How long one query may take; a resolver that does not answer in time fails the verification.
const QUERY_TIMEOUT: Duration = Duration::from_secs(2);

/// What one verification found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The value is a TXT record of this name.
    Verified(String),
    /// No name asked holds a TXT record with the value.
    NotFound {
        /// The names asked, in order.
        asked: Vec<String>,
    },
    /// The resolver did not answer (timed out, refused, failed).
    Unanswered(String),
}

/// The names at which the record may be, in the order they are asked: `<txt_name>.<name>`, then
/// `<name>` itself (AWS allows the record at the bare domain where a DNS provider does not take
/// underscores), then each parent domain the same way down to two labels (verifying a parent
/// domain covers its subdomains). A wildcard name (`*.example.com`) starts from its parent.
pub(crate) fn candidates(private_dns_name: &str, txt_name: &str) -> Vec<String> {
    let name = private_dns_name.trim_end_matches('.').to_ascii_lowercase();
    let name = name.strip_prefix("*.").unwrap_or(&name);
    let labels: Vec<&str> = name.split('.').collect();
    let mut out = Vec::new();
    for start in 0..labels.len().saturating_sub(1).max(1) {
        let domain = labels[start..].join(".");
        out.push(format!("{txt_name}.{domain}"));
        out.push(domain);
    }
    out
}

/// Asks `resolver` for the TXT records of each of [`candidates`] until one holds `value`
/// exactly (case-sensitive, its character-strings joined).
pub(crate) async fn check(
    resolver: SocketAddr,
    private_dns_name: &str,
    txt_name: &str,
    value: &str,
) -> Outcome {
    let asker = match build(resolver) {
        Ok(r) => r,
        Err(e) => {
            return Outcome::Unanswered(format!("cannot build a resolver for {resolver}: {e}"));
        }
    };
    let asked = candidates(private_dns_name, txt_name);
    for name in &asked {
        match asker.txt_lookup(format!("{name}.")).await {
            Ok(lookup) => {
                let holds = lookup.answers().iter().any(|r| match &r.data {
                    RData::TXT(txt) => {
                        let joined: Vec<u8> = txt.txt_data.iter().flatten().copied().collect();
                        joined == value.as_bytes()
                    }
                    _ => false,
                });
                if holds {
                    return Outcome::Verified(name.clone());
                }
            }
            Err(e) if e.is_no_records_found() => {}
            Err(e) => {
                return Outcome::Unanswered(format!("{resolver} did not answer for {name}: {e}"));
            }
        }
    }
    Outcome::NotFound { asked }
}

/// A resolver asking `addr` only, over UDP then TCP, with no cache and no hosts file.
pub(crate) fn build(addr: SocketAddr) -> Result<TokioResolver, hickory_resolver::net::NetError> {
    let conns = [ConnectionConfig::udp(), ConnectionConfig::tcp()].map(|mut c| {
        c.port = addr.port();
        c
    });
    let ns = NameServerConfig::new(addr.ip(), true, conns.to_vec());
    let mut builder = Resolver::builder_with_config(
        ResolverConfig::from_name_servers(vec![ns]),
        TokioRuntimeProvider::default(),
    );
    let opts = builder.options_mut();
    opts.cache_size = 0;
    opts.timeout = QUERY_TIMEOUT;
    opts.attempts = 1;
    opts.use_hosts_file = ResolveHosts::Never;
    builder.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_is_looked_for_at_the_name_then_its_parents() {
        assert_eq!(
            candidates("Redis.Example.com", "_abc"),
            [
                "_abc.redis.example.com",
                "redis.example.com",
                "_abc.example.com",
                "example.com"
            ]
        );
        assert_eq!(
            candidates("*.svc.example.com", "_abc"),
            [
                "_abc.svc.example.com",
                "svc.example.com",
                "_abc.example.com",
                "example.com"
            ]
        );
        assert_eq!(
            candidates("localhost", "_abc"),
            ["_abc.localhost", "localhost"]
        );
    }
}

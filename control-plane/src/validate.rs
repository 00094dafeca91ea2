//! AWS's parameter rules, each turning a bad value into the `ApiError` AWS answers with.

use std::net::Ipv4Addr;
use std::str::FromStr;

use ipnet::Ipv4Net;
use plemu_proto::ids::MalformedId;

use crate::error::ApiError;

/// `MissingParameter` unless `value` is non-empty.
pub(crate) fn required<'a>(value: &'a str, name: &str) -> Result<&'a str, ApiError> {
    if value.is_empty() {
        Err(ApiError::invalid(
            "MissingParameter",
            format!("The request must contain the parameter {name}"),
        ))
    } else {
        Ok(value)
    }
}

/// ELBv2's `ValidationError` for a required member left out (`name` in AWS's lowerCamel).
pub(crate) fn required_member<'a>(value: &'a str, name: &str) -> Result<&'a str, ApiError> {
    if value.is_empty() {
        Err(ApiError::validation(format!(
            "1 validation error detected: Value null at '{name}' failed to satisfy constraint: \
             Member must not be null"
        )))
    } else {
        Ok(value)
    }
}

/// The caller of a gRPC request, whose account comes from the `x-plemu-account` metadata entry:
/// `InvalidParameterValue` unless the account is 12 digits.
pub(crate) fn caller(
    caller: plemu_proto::meta::Caller,
) -> Result<plemu_proto::meta::Caller, ApiError> {
    let a = &caller.account;
    if a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()) {
        Ok(caller)
    } else {
        Err(ApiError::invalid(
            "InvalidParameterValue",
            format!(
                "Value ({a}) for metadata entry {} is invalid: an AWS account id is 12 digits",
                plemu_proto::meta::ACCOUNT
            ),
        ))
    }
}

/// Parses an EC2 id; a bad form gives `code` (e.g. `InvalidVpcID.Malformed`).
pub(crate) fn ec2_id<T: FromStr<Err = MalformedId>>(
    s: &str,
    code: &'static str,
) -> Result<T, ApiError> {
    s.parse::<T>().map_err(|e| {
        ApiError::invalid(
            code,
            format!("Invalid id: \"{s}\" (expecting \"{}\")", e.form),
        )
    })
}

/// An IPv4 CIDR, canonicalised; `None` when it does not parse.
fn parse_cidr(s: &str) -> Option<Ipv4Net> {
    s.parse::<Ipv4Net>().ok().map(|n| n.trunc())
}

/// A VPC's CIDR block: /16 to /28.
pub(crate) fn vpc_cidr(s: &str) -> Result<Ipv4Net, ApiError> {
    block_cidr(s, "InvalidVpc.Range")
}

/// A subnet's CIDR block: /16 to /28 (the VPC check is the caller's).
pub(crate) fn subnet_cidr(s: &str) -> Result<Ipv4Net, ApiError> {
    block_cidr(s, "InvalidSubnet.Range")
}

/// A VPC or subnet CIDR block of /16 to /28; `range_code` is the error for a size outside that.
fn block_cidr(s: &str, range_code: &'static str) -> Result<Ipv4Net, ApiError> {
    let net = parse_cidr(required(s, "CidrBlock")?).ok_or_else(|| {
        ApiError::invalid(
            "InvalidParameterValue",
            format!(
                "Value ({s}) for parameter cidrBlock is invalid. This is not a valid CIDR block."
            ),
        )
    })?;
    if !(16..=28).contains(&net.prefix_len()) {
        return Err(ApiError::invalid(
            range_code,
            format!("The CIDR '{s}' is invalid."),
        ));
    }
    Ok(net)
}

/// A security group rule's CIDR, canonicalised.
pub(crate) fn rule_cidr(s: &str) -> Result<Ipv4Net, ApiError> {
    parse_cidr(s).ok_or_else(|| {
        ApiError::invalid(
            "InvalidPermission.Malformed",
            format!("CIDR block {s} is malformed"),
        )
    })
}

/// A zone name of `region` (`<region>` + a letter a-f); empty means `<region>a`.
pub(crate) fn availability_zone(region: &str, az: &str) -> Result<String, ApiError> {
    if az.is_empty() {
        return Ok(format!("{region}a"));
    }
    match az.strip_prefix(region) {
        Some(l) if l.len() == 1 && ('a'..='f').contains(&l.chars().next().unwrap_or('z')) => {
            Ok(az.to_string())
        }
        _ => Err(ApiError::invalid(
            "InvalidParameterValue",
            format!(
                "Value ({az}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: {region}a, {region}b, {region}c, {region}d, {region}e, {region}f."
            ),
        )),
    }
}

/// The zone id of a zone name: `us-east-1b` -> `use1-az2` (region code approximated from its words).
pub(crate) fn availability_zone_id(region: &str, az: &str) -> String {
    let mut code = String::new();
    for (i, part) in region.split('-').enumerate() {
        if i == 0 || part.chars().all(|c| c.is_ascii_digit()) {
            code.push_str(part);
        } else {
            code.extend(part.chars().next());
        }
    }
    let letter = az.chars().last().unwrap_or('a');
    let n = u32::from(letter).saturating_sub(u32::from('a')) + 1;
    format!("{code}-az{n}")
}

/// An ELBv2 load balancer or target group name.
pub(crate) fn elb_name(name: &str, what: &str, load_balancer: bool) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 32
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if !ok {
        return Err(ApiError::validation(format!(
            "{what} name '{name}' must have at most 32 alphanumeric characters or hyphens, and must not begin or end with a hyphen"
        )));
    }
    if load_balancer && name.starts_with("internal-") {
        return Err(ApiError::validation(format!(
            "Load balancer name '{name}' cannot begin with 'internal-'"
        )));
    }
    Ok(())
}

/// The principal type of an allowed-principal ARN: `All`, `Account`, `User` or `Role`.
pub(crate) fn principal_type(p: &str) -> Result<&'static str, ApiError> {
    if p == "*" {
        return Ok("All");
    }
    let bad = || ApiError::invalid("InvalidPrincipal", format!("Invalid principal {p}"));
    let rest = p.strip_prefix("arn:aws:iam::").ok_or_else(bad)?;
    let (account, resource) = rest.split_once(':').ok_or_else(bad)?;
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match resource.split_once('/') {
        None if resource == "root" => Ok("Account"),
        Some(("user", n)) if !n.is_empty() => Ok("User"),
        Some(("role", n)) if !n.is_empty() => Ok("Role"),
        _ => Err(bad()),
    }
}

/// The account an allowed-principal ARN belongs to, `None` for `*`.
pub(crate) fn principal_account(p: &str) -> Option<&str> {
    p.strip_prefix("arn:aws:iam::")?.split(':').next()
}

/// A private DNS name, lower-cased: labels of letters, digits and hyphens (a leading `*` label allowed).
pub(crate) fn private_dns_name(s: &str) -> Result<String, ApiError> {
    let name = s.trim_end_matches('.').to_ascii_lowercase();
    let label_ok = |(i, l): (usize, &str)| {
        (i == 0 && l == "*")
            || (!l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-'))
    };
    if name.len() > 255 || !name.contains('.') || !name.split('.').enumerate().all(label_ok) {
        return Err(ApiError::invalid(
            "InvalidParameter",
            format!("Invalid private DNS name: {s}"),
        ));
    }
    Ok(name)
}

/// An IP protocol as stored: `tcp`, `udp`, `icmp`, `-1`, or another protocol number.
pub(crate) fn ip_protocol(p: &str) -> Result<String, ApiError> {
    let p = p.to_ascii_lowercase();
    let named = match p.as_str() {
        "tcp" | "6" => "tcp",
        "udp" | "17" => "udp",
        "icmp" | "1" => "icmp",
        "-1" | "all" => "-1",
        n => match n.parse::<u8>() {
            Ok(_) => return Ok(n.to_string()),
            Err(_) => {
                return Err(ApiError::invalid(
                    "InvalidPermission.Malformed",
                    format!("Invalid value '{p}' for IP protocol. Unknown protocol."),
                ));
            }
        },
    };
    Ok(named.to_string())
}

/// A rule's port range for `protocol`: ports for TCP/UDP, type/code for ICMP, -1/-1 otherwise.
pub(crate) fn port_range(
    protocol: &str,
    from: Option<i32>,
    to: Option<i32>,
) -> Result<(i32, i32), ApiError> {
    let bad = |m: String| ApiError::invalid("InvalidPermission.Malformed", m);
    match protocol {
        "tcp" | "udp" => {
            let (Some(f), Some(t)) = (from, to) else {
                return Err(bad(format!(
                    "Invalid value for portRange. Must specify both from and to ports with {protocol}."
                )));
            };
            if !(0..=65535).contains(&f) || !(0..=65535).contains(&t) || f > t {
                return Err(bad(format!(
                    "Invalid port range {f}-{t}: ports must be 0-65535 and from <= to"
                )));
            }
            Ok((f, t))
        }
        "icmp" => {
            let (f, t) = (from.unwrap_or(-1), to.unwrap_or(-1));
            if !(-1..=255).contains(&f) || !(-1..=255).contains(&t) {
                return Err(bad(format!("Invalid ICMP type {f} or code {t}")));
            }
            Ok((f, t))
        }
        _ => Ok((-1, -1)),
    }
}

/// What a registered target id is.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TargetId {
    /// An IPv4 address (in the VPC, or loopback).
    Ip(Ipv4Addr),
    /// A host name (plemu extension), resolved when dialled.
    Host,
}

/// The private ranges an `ip` target outside its VPC may be in (with zone `all`, for peered
/// VPCs and on-premises networks): 10/8, 172.16/12, 192.168/16 and 100.64/10.
const PRIVATE_TARGET_RANGES: [&str; 4] = [
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
];

/// Classifies a target id of an `ip` target group: in `vpc` CIDR, loopback, a private address
/// outside the VPC registered with zone `all` (`az_all`), or a host name.
pub(crate) fn ip_target(id: &str, vpc: Ipv4Net, az_all: bool) -> Result<TargetId, ApiError> {
    let outside = || {
        ApiError::invalid(
            "InvalidTarget",
            format!("The IP address '{id}' is not within the VPC CIDR '{vpc}' of the target group"),
        )
    };
    if let Ok(ip) = id.parse::<std::net::IpAddr>() {
        return match ip {
            std::net::IpAddr::V4(v4) if vpc.contains(&v4) || v4.is_loopback() => {
                Ok(TargetId::Ip(v4))
            }
            std::net::IpAddr::V4(v4)
                if PRIVATE_TARGET_RANGES
                    .iter()
                    .any(|r| r.parse::<Ipv4Net>().is_ok_and(|n| n.contains(&v4))) =>
            {
                if az_all {
                    Ok(TargetId::Ip(v4))
                } else {
                    Err(ApiError::invalid(
                        "InvalidTarget",
                        format!(
                            "The IP address '{id}' is outside the VPC CIDR '{vpc}'; a target outside the VPC needs the AvailabilityZone 'all'"
                        ),
                    ))
                }
            }
            _ => Err(outside()),
        };
    }
    let host_ok = !id.is_empty()
        && id.len() <= 253
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && id.bytes().any(|b| b.is_ascii_alphabetic());
    if host_ok {
        Ok(TargetId::Host)
    } else {
        Err(outside())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs_and_zones() {
        assert_eq!(vpc_cidr("10.0.0.0/16").unwrap().to_string(), "10.0.0.0/16");
        assert_eq!(
            vpc_cidr("10.0.0.0/8").unwrap_err().code(),
            "InvalidVpc.Range"
        );
        assert_eq!(
            vpc_cidr("10.0.0/16x").unwrap_err().code(),
            "InvalidParameterValue"
        );
        assert_eq!(rule_cidr("10.1.2.3/16").unwrap().to_string(), "10.1.0.0/16");
        assert_eq!(availability_zone("us-east-1", "").unwrap(), "us-east-1a");
        assert_eq!(
            availability_zone("us-east-1", "us-east-1g")
                .unwrap_err()
                .code(),
            "InvalidParameterValue"
        );
        assert_eq!(availability_zone_id("us-east-1", "us-east-1b"), "use1-az2");
        assert_eq!(availability_zone_id("eu-west-2", "eu-west-2a"), "euw2-az1");
    }

    #[test]
    fn names_principals_and_targets() {
        assert!(elb_name("redis-nlb", "Load balancer", true).is_ok());
        for bad in ["-a", "a-", "a_b", "internal-x", &"a".repeat(33)] {
            assert_eq!(
                elb_name(bad, "Load balancer", true).unwrap_err().code(),
                "ValidationError",
                "{bad}"
            );
        }
        assert_eq!(principal_type("*").unwrap(), "All");
        assert_eq!(
            principal_type("arn:aws:iam::111122223333:root").unwrap(),
            "Account"
        );
        assert_eq!(
            principal_type("arn:aws:iam::111122223333:role/x").unwrap(),
            "Role"
        );
        assert_eq!(
            principal_type("arn:aws:iam::111122223333:user/x").unwrap(),
            "User"
        );
        assert_eq!(
            principal_type("111122223333").unwrap_err().code(),
            "InvalidPrincipal"
        );
        assert_eq!(
            principal_account("arn:aws:iam::111122223333:root"),
            Some("111122223333")
        );
        assert_eq!(
            private_dns_name("Redis.Example.com").unwrap(),
            "redis.example.com"
        );
        assert!(private_dns_name("no spaces.com").is_err());
        let vpc: Ipv4Net = "10.0.0.0/16".parse().unwrap();
        assert!(matches!(
            ip_target("10.0.1.5", vpc, false),
            Ok(TargetId::Ip(_))
        ));
        assert!(matches!(
            ip_target("127.0.0.1", vpc, false),
            Ok(TargetId::Ip(_))
        ));
        assert_eq!(ip_target("redis.local", vpc, false), Ok(TargetId::Host));
        // A private address outside the VPC: only with zone `all` (reference §5.1).
        let e = ip_target("192.168.1.1", vpc, false).unwrap_err();
        assert!(e.code() == "InvalidTarget" && e.message().contains("'all'"));
        assert!(matches!(
            ip_target("192.168.1.1", vpc, true),
            Ok(TargetId::Ip(_))
        ));
        assert!(matches!(
            ip_target("100.64.0.9", vpc, true),
            Ok(TargetId::Ip(_))
        ));
        // A public address never.
        let e = ip_target("203.0.113.9", vpc, true).unwrap_err();
        assert!(e.code() == "InvalidTarget" && e.message().contains("10.0.0.0/16"));
        assert_eq!(ip_protocol("6").unwrap(), "tcp");
        assert_eq!(
            port_range("tcp", Some(1), None).unwrap_err().code(),
            "InvalidPermission.Malformed"
        );
        assert_eq!(port_range("-1", Some(1), Some(2)).unwrap(), (-1, -1));
    }
}

//! AWS resource ids and ARNs: generated in AWS's formats, parsed once.
//!
//! EC2 ids are a prefix and 17 lowercase hex digits (`vpc-0a1b2c3d4e5f67890`);
//! ELBv2 resources are named by ARN with a 16-hex suffix.

use std::fmt;
use std::str::FromStr;

use rand::Rng;

/// An id or ARN that does not have the form AWS gives it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} '{value}': expected the form {form}")]
pub struct MalformedId {
    /// What was being parsed, e.g. `vpc id`.
    pub kind: &'static str,
    /// The text that was given.
    pub value: String,
    /// The expected form, e.g. `vpc-xxxxxxxxxxxxxxxxx`.
    pub form: &'static str,
}

/// `n` random lowercase hex digits.
pub fn random_hex(n: usize) -> String {
    let mut rng = rand::rng();
    (0..n)
        .map(|_| char::from_digit(rng.random_range(0..16), 16).expect("digit < 16"))
        .collect()
}

/// `n` random characters from `[a-z0-9]`.
pub fn random_lower_alnum(n: usize) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..n)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

/// `n` random characters from `[A-Za-z0-9]`.
pub fn random_alnum(n: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..n)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

macro_rules! ec2_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The id's prefix, dash included.
            pub const PREFIX: &'static str = $prefix;

            /// A new random id.
            pub fn generate() -> Self {
                Self(format!("{}{}", $prefix, random_hex(17)))
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = MalformedId;
            fn from_str(s: &str) -> Result<Self, MalformedId> {
                let hex = s.strip_prefix($prefix).ok_or_else(|| Self::malformed(s))?;
                // AWS accepted 8-hex ids before 2018; both forms are valid.
                let ok = (hex.len() == 17 || hex.len() == 8)
                    && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
                if ok { Ok(Self(s.to_string())) } else { Err(Self::malformed(s)) }
            }
        }

        impl $name {
            fn malformed(s: &str) -> MalformedId {
                MalformedId {
                    kind: $kind,
                    value: s.to_string(),
                    form: concat!($prefix, "xxxxxxxxxxxxxxxxx"),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = MalformedId;
            fn try_from(s: String) -> Result<Self, MalformedId> {
                s.parse()
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

ec2_id!(/// A VPC id, `vpc-…`.
    VpcId, "vpc-", "vpc id");
ec2_id!(/// A subnet id, `subnet-…`.
    SubnetId, "subnet-", "subnet id");
ec2_id!(/// A security group id, `sg-…`.
    SecurityGroupId, "sg-", "security group id");
ec2_id!(/// A security group rule id, `sgr-…`.
    SecurityGroupRuleId, "sgr-", "security group rule id");
ec2_id!(/// An interface endpoint id, `vpce-…`.
    VpcEndpointId, "vpce-", "vpc endpoint id");
ec2_id!(/// An endpoint service id, `vpce-svc-…`.
    VpcEndpointServiceId, "vpce-svc-", "vpc endpoint service id");
ec2_id!(/// A connection notification id, `vpce-nfn-…`.
    ConnectionNotificationId, "vpce-nfn-", "connection notification id");
ec2_id!(/// A network interface id, `eni-…`.
    NetworkInterfaceId, "eni-", "network interface id");
ec2_id!(/// A DHCP options set id, `dopt-…`.
    DhcpOptionsId, "dopt-", "dhcp options id");

/// The kind of ELBv2 resource an ARN names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElbResource {
    /// `loadbalancer/net/NAME/ID`
    LoadBalancer,
    /// `targetgroup/NAME/ID`
    TargetGroup,
    /// `listener/net/LB-NAME/LB-ID/ID`
    Listener,
}

/// An ELBv2 ARN: `arn:aws:elasticloadbalancing:REGION:ACCOUNT:RESOURCE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElbArn {
    /// Region of the resource.
    pub region: String,
    /// Owning account.
    pub account: String,
    /// What the ARN names.
    pub kind: ElbResource,
    /// The resource part after the account, e.g. `loadbalancer/net/redis/0123456789abcdef`.
    pub resource: String,
}

impl ElbArn {
    /// A new load balancer ARN for a network load balancer called `name`.
    pub fn new_load_balancer(region: &str, account: &str, name: &str) -> Self {
        Self::with(
            region,
            account,
            ElbResource::LoadBalancer,
            format!("loadbalancer/net/{name}/{}", random_hex(16)),
        )
    }

    /// A new target group ARN for a group called `name`.
    pub fn new_target_group(region: &str, account: &str, name: &str) -> Self {
        Self::with(
            region,
            account,
            ElbResource::TargetGroup,
            format!("targetgroup/{name}/{}", random_hex(16)),
        )
    }

    /// A new listener ARN on the network load balancer `lb`.
    pub fn new_listener(lb: &ElbArn) -> Self {
        let lb_part = lb.resource.trim_start_matches("loadbalancer/");
        Self::with(
            &lb.region,
            &lb.account,
            ElbResource::Listener,
            format!("listener/{lb_part}/{}", random_hex(16)),
        )
    }

    fn with(region: &str, account: &str, kind: ElbResource, resource: String) -> Self {
        Self {
            region: region.to_string(),
            account: account.to_string(),
            kind,
            resource,
        }
    }
}

impl FromStr for ElbArn {
    type Err = MalformedId;
    fn from_str(s: &str) -> Result<Self, MalformedId> {
        let bad = || MalformedId {
            kind: "elastic load balancing arn",
            value: s.to_string(),
            form: "arn:aws:elasticloadbalancing:region:account-id:loadbalancer/net/load-balancer-name/load-balancer-id",
        };
        let mut parts = s.splitn(6, ':');
        let (
            Some("arn"),
            Some(_partition),
            Some("elasticloadbalancing"),
            Some(region),
            Some(account),
            Some(resource),
        ) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        )
        else {
            return Err(bad());
        };
        let segs: Vec<&str> = resource.split('/').collect();
        let kind = match segs.as_slice() {
            ["loadbalancer", "net", name, id] if !name.is_empty() && is_hex(id, 16) => {
                ElbResource::LoadBalancer
            }
            ["targetgroup", name, id] if !name.is_empty() && is_hex(id, 16) => {
                ElbResource::TargetGroup
            }
            ["listener", "net", name, lb, id]
                if !name.is_empty() && is_hex(lb, 16) && is_hex(id, 16) =>
            {
                ElbResource::Listener
            }
            _ => return Err(bad()),
        };
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) || region.is_empty()
        {
            return Err(bad());
        }
        Ok(Self::with(region, account, kind, resource.to_string()))
    }
}

impl fmt::Display for ElbArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:aws:elasticloadbalancing:{}:{}:{}",
            self.region, self.account, self.resource
        )
    }
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec2_ids_have_aws_form() {
        let id = VpcEndpointServiceId::generate();
        assert!(
            id.as_str().starts_with("vpce-svc-") && id.as_str().len() == 9 + 17,
            "{id}"
        );
        assert_eq!(id.as_str().parse::<VpcEndpointServiceId>().unwrap(), id);
        for bad in [
            "vpc-123",
            "vpc-0123456789abcdefg",
            "subnet-0123456789abcdef0",
            "VPC-0123456789abcdef0",
        ] {
            assert!(bad.parse::<VpcId>().is_err(), "{bad}");
        }
        assert!("vpc-0123456789abcdef0".parse::<VpcId>().is_ok());
        assert!("vpc-a01106c2".parse::<VpcId>().is_ok());
    }

    #[test]
    fn elb_arns_round_trip() {
        let lb = ElbArn::new_load_balancer("us-east-1", "123456789012", "redis-nlb");
        let s = lb.to_string();
        assert!(s.starts_with(
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/redis-nlb/"
        ));
        assert_eq!(s.parse::<ElbArn>().unwrap(), lb);
        let l = ElbArn::new_listener(&lb);
        assert_eq!(
            l.to_string().parse::<ElbArn>().unwrap().kind,
            ElbResource::Listener
        );
        let tg = ElbArn::new_target_group("us-east-1", "123456789012", "redis");
        assert_eq!(
            tg.to_string().parse::<ElbArn>().unwrap().kind,
            ElbResource::TargetGroup
        );
        assert!("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/0123456789abcdef"
            .parse::<ElbArn>()
            .is_err());
    }
}

//! Who calls a Query request: the account and region of its SigV4 credential.
//!
//! Signatures are not verified. As LocalStack does, the access key id is the account when it is
//! 12 digits; any other key, and an unsigned request, is the default account. The region is the
//! credential scope's.

use plemu_proto::meta::{Caller, DEFAULT_ACCOUNT, DEFAULT_REGION};

/// The credential scope of a SigV4 `Authorization` header, as far as plemu reads it.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Credential<'a> {
    /// The access key id.
    pub access_key: &'a str,
    /// The scope's region, e.g. `us-east-1`.
    pub region: &'a str,
    /// The scope's signing name: `ec2` or `elasticloadbalancing`.
    pub service: &'a str,
}

impl<'a> Credential<'a> {
    /// Reads `Credential=AKID/DATE/REGION/SERVICE/aws4_request` from an `Authorization` header
    /// value; `None` for another scheme or a malformed scope.
    pub(super) fn parse(authorization: &'a str) -> Option<Self> {
        let rest = authorization.strip_prefix("AWS4-HMAC-SHA256")?;
        let scope = rest
            .split(',')
            .map(str::trim)
            .find_map(|p| p.strip_prefix("Credential="))?;
        let mut parts = scope.split('/');
        let access_key = parts.next()?;
        let _date = parts.next()?;
        let region = parts.next()?;
        let service = parts.next()?;
        Some(Self {
            access_key,
            region,
            service,
        })
    }

    /// The caller this credential stands for.
    pub(super) fn caller(credential: Option<&Self>) -> Caller {
        let account = credential
            .map(|c| c.access_key)
            .filter(|k| k.len() == 12 && k.bytes().all(|b| b.is_ascii_digit()))
            .unwrap_or(DEFAULT_ACCOUNT);
        let region = credential
            .map(|c| c.region)
            .filter(|r| !r.is_empty())
            .unwrap_or(DEFAULT_REGION);
        Caller {
            account: account.to_string(),
            region: region.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_access_key_is_the_account_when_it_is_12_digits() {
        let h = "AWS4-HMAC-SHA256 Credential=111122223333/20261129/eu-west-1/ec2/aws4_request, \
                 SignedHeaders=content-type;host;x-amz-date, Signature=abc";
        let c = Credential::parse(h).unwrap();
        assert_eq!(c.service, "ec2");
        let caller = Credential::caller(Some(&c));
        assert_eq!(
            (caller.account.as_str(), caller.region.as_str()),
            ("111122223333", "eu-west-1")
        );

        let h = "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261129/us-west-2/elasticloadbalancing/aws4_request, SignedHeaders=host, Signature=x";
        let caller = Credential::caller(Credential::parse(h).as_ref());
        assert_eq!(
            (caller.account.as_str(), caller.region.as_str()),
            ("000000000000", "us-west-2")
        );

        assert_eq!(Credential::caller(None), Caller::default());
        assert_eq!(Credential::parse("Basic abc"), None);
        assert_eq!(Credential::parse("AWS4-HMAC-SHA256 Credential=x"), None);
    }
}

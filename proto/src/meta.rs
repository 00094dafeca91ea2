//! Request metadata: who calls (account, region) and how errors carry AWS codes.

use tonic::metadata::MetadataMap;

/// Metadata key of the caller's 12-digit AWS account id.
pub const ACCOUNT: &str = "x-plemu-account";
/// Metadata key of the caller's region.
pub const REGION: &str = "x-plemu-region";
/// Metadata key under which an error status carries its AWS error code.
pub const ERROR_CODE: &str = "x-plemu-error-code";
/// The `domain` of the `google.rpc.ErrorInfo` in an error status's details, whose `reason` is
/// the AWS error code.
pub const ERROR_DOMAIN: &str = "amazonaws.com";

/// The account a request comes from when it names none.
pub const DEFAULT_ACCOUNT: &str = "000000000000";
/// The region a request is for when it names none.
pub const DEFAULT_REGION: &str = "us-east-1";

/// The caller of an API request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// 12-digit account id.
    pub account: String,
    /// Region name, e.g. `us-east-1`.
    pub region: String,
}

impl Caller {
    /// Reads the caller from request metadata, with the defaults for what is missing.
    pub fn from_metadata(md: &MetadataMap) -> Self {
        let get = |k: &str, d: &str| {
            md.get(k)
                .and_then(|v| v.to_str().ok())
                .filter(|s| !s.is_empty())
                .unwrap_or(d)
                .to_string()
        };
        Self {
            account: get(ACCOUNT, DEFAULT_ACCOUNT),
            region: get(REGION, DEFAULT_REGION),
        }
    }

    /// Writes this caller into request metadata.
    ///
    /// # Errors
    /// When the account or region is not valid ASCII metadata.
    pub fn write_to(
        &self,
        md: &mut MetadataMap,
    ) -> Result<(), tonic::metadata::errors::InvalidMetadataValue> {
        md.insert(ACCOUNT, self.account.parse()?);
        md.insert(REGION, self.region.parse()?);
        Ok(())
    }
}

impl Default for Caller {
    fn default() -> Self {
        Self {
            account: DEFAULT_ACCOUNT.to_string(),
            region: DEFAULT_REGION.to_string(),
        }
    }
}

/// Builds an error status carrying an AWS error code twice: as the `reason` of a
/// `google.rpc.ErrorInfo` in the status details (domain [`ERROR_DOMAIN`]), which any gRPC
/// client library can read, and in the [`ERROR_CODE`] trailer.
pub fn aws_status(grpc: tonic::Code, aws_code: &str, message: impl Into<String>) -> tonic::Status {
    use tonic_types::{ErrorDetails, StatusExt};
    let mut metadata = MetadataMap::new();
    if let Ok(v) = aws_code.parse() {
        metadata.insert(ERROR_CODE, v);
    }
    let details =
        ErrorDetails::with_error_info(aws_code, ERROR_DOMAIN, std::collections::HashMap::new());
    tonic::Status::with_error_details_and_metadata(grpc, message, details, metadata)
}

/// The AWS error code an error status carries, if any (from its trailer).
pub fn aws_code(status: &tonic::Status) -> Option<&str> {
    status
        .metadata()
        .get(ERROR_CODE)
        .and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_round_trips_and_defaults() {
        let mut md = MetadataMap::new();
        assert_eq!(Caller::from_metadata(&md), Caller::default());
        let c = Caller {
            account: "111122223333".into(),
            region: "eu-west-1".into(),
        };
        c.write_to(&mut md).unwrap();
        assert_eq!(Caller::from_metadata(&md), c);
    }

    #[test]
    fn status_carries_code() {
        use tonic_types::StatusExt;
        let s = aws_status(tonic::Code::NotFound, "InvalidVpcID.NotFound", "nope");
        assert_eq!(aws_code(&s), Some("InvalidVpcID.NotFound"));
        assert_eq!(s.message(), "nope");
        // What a client sees: the status through its wire form, details included.
        let s = tonic::Status::from_header_map(s.into_http::<()>().headers()).unwrap();
        let info = s
            .get_details_error_info()
            .expect("ErrorInfo in the details");
        assert_eq!(
            (info.reason.as_str(), info.domain.as_str()),
            ("InvalidVpcID.NotFound", ERROR_DOMAIN)
        );
    }
}

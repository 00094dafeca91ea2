//! Errors at the crate's two boundaries: API answers carrying AWS codes, and open/serve failures.

use plemu_proto::meta::aws_status;

/// An AWS API error: what kind of failure it is (which picks the gRPC code) and AWS's error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// A resource the caller named does not exist, or belongs to another account (`*.NotFound`).
    #[error("{message}")]
    NotFound {
        /// AWS error code, e.g. `InvalidVpcID.NotFound`.
        code: &'static str,
        /// Human-readable message, as AWS words it.
        message: String,
    },
    /// A parameter is missing, malformed or out of range.
    #[error("{message}")]
    Invalid {
        /// AWS error code, e.g. `InvalidParameterValue`.
        code: &'static str,
        /// Human-readable message.
        message: String,
    },
    /// The request conflicts with the current state of a resource.
    #[error("{message}")]
    Conflict {
        /// AWS error code, e.g. `IncorrectState`.
        code: &'static str,
        /// Human-readable message.
        message: String,
    },
    /// A resource with that name, port or rule exists already.
    #[error("{message}")]
    Duplicate {
        /// AWS error code, e.g. `DuplicateLoadBalancerName`.
        code: &'static str,
        /// Human-readable message.
        message: String,
    },
    /// The caller may not perform the action on the resource.
    #[error("{message}")]
    Denied {
        /// AWS error code, e.g. `UnauthorizedOperation`.
        code: &'static str,
        /// Human-readable message.
        message: String,
    },
    /// The caller did not prove who it is (an agent without a valid token).
    #[error("{message}")]
    Unauthenticated {
        /// AWS error code: `AuthFailure`.
        code: &'static str,
        /// Human-readable message.
        message: String,
    },
    /// plemu itself failed (the store could not commit).
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A `NotFound` error.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::NotFound {
            code,
            message: message.into(),
        }
    }

    /// An `Invalid` error.
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            code,
            message: message.into(),
        }
    }

    /// A `Conflict` error.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
        }
    }

    /// A `Duplicate` error.
    pub fn duplicate(code: &'static str, message: impl Into<String>) -> Self {
        Self::Duplicate {
            code,
            message: message.into(),
        }
    }

    /// A `Denied` error.
    pub fn denied(code: &'static str, message: impl Into<String>) -> Self {
        Self::Denied {
            code,
            message: message.into(),
        }
    }

    /// AWS's `AuthFailure`: the caller's credential is missing or not valid.
    pub fn auth_failure(message: impl Into<String>) -> Self {
        Self::Unauthenticated {
            code: "AuthFailure",
            message: message.into(),
        }
    }

    /// AWS's `ValidationError` (ELBv2's code for invalid parameters).
    pub fn validation(message: impl Into<String>) -> Self {
        Self::invalid("ValidationError", message)
    }

    /// A Query request without an `Action`, or whose action the API does not have (the
    /// protocol's `MissingAction` and `InvalidAction`).
    pub fn invalid_action(action: Option<&str>) -> Self {
        match action {
            None => Self::invalid(
                "MissingAction",
                "The request must contain the parameter Action.",
            ),
            Some(a) => Self::invalid(
                "InvalidAction",
                format!("The action {a} is not valid for this web service."),
            ),
        }
    }

    /// A Query parameter the action does not have: EC2's `UnknownParameter`, ELBv2's
    /// `ValidationError`.
    pub fn unknown_parameter(elbv2: bool, name: &str) -> Self {
        let message = format!("The parameter {name} is not recognized");
        if elbv2 {
            Self::validation(message)
        } else {
            Self::invalid("UnknownParameter", message)
        }
    }

    /// A Query parameter whose value cannot be read as its type: EC2's `InvalidParameterValue`,
    /// ELBv2's `ValidationError`.
    pub fn malformed_parameter(elbv2: bool, message: impl Into<String>) -> Self {
        if elbv2 {
            Self::validation(message)
        } else {
            Self::invalid("InvalidParameterValue", message)
        }
    }

    /// EC2's answer to `DryRun=true`: the caller may make the request (plemu has no IAM, so
    /// every caller may), and nothing was done.
    pub fn dry_run() -> Self {
        Self::conflict(
            "DryRunOperation",
            "Request would have succeeded, but DryRun flag is set.",
        )
    }

    /// The HTTP status a Query response carries for this error, as AWS sends it: 401 for
    /// `AuthFailure`, 403 for a denied action, 412 for `DryRunOperation`, 500 for plemu's own
    /// failures, else 400.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::Conflict {
                code: "DryRunOperation",
                ..
            } => 412,
            Self::Unauthenticated { .. } => 401,
            Self::Denied { .. } => 403,
            Self::Internal(_) => 500,
            _ => 400,
        }
    }

    /// The AWS error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound { code, .. }
            | Self::Invalid { code, .. }
            | Self::Conflict { code, .. }
            | Self::Duplicate { code, .. }
            | Self::Denied { code, .. }
            | Self::Unauthenticated { code, .. } => code,
            Self::Internal(_) => "InternalError",
        }
    }

    /// The message without the code.
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// This error as an EC2 `UnsuccessfulItem` of a batch action.
    pub(crate) fn unsuccessful(&self, resource_id: &str) -> plemu_proto::pb::UnsuccessfulItem {
        plemu_proto::pb::UnsuccessfulItem {
            error: Some(plemu_proto::pb::UnsuccessfulItemError {
                code: self.code().to_string(),
                message: self.message(),
            }),
            resource_id: resource_id.to_string(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        Self::Internal(e.to_string())
    }
}

impl From<ApiError> for tonic::Status {
    fn from(e: ApiError) -> Self {
        let grpc = match &e {
            ApiError::NotFound { .. } => tonic::Code::NotFound,
            ApiError::Invalid { .. } => tonic::Code::InvalidArgument,
            ApiError::Conflict { .. } => tonic::Code::FailedPrecondition,
            ApiError::Duplicate { .. } => tonic::Code::AlreadyExists,
            ApiError::Denied { .. } => tonic::Code::PermissionDenied,
            ApiError::Unauthenticated { .. } => tonic::Code::Unauthenticated,
            ApiError::Internal(_) => tonic::Code::Internal,
        };
        aws_status(grpc, e.code(), e.message())
    }
}

/// A failure of the embedded store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// redb failed to open, read or commit.
    #[error("store: {0}")]
    Redb(#[from] redb::Error),
    /// A stored record could not be decoded (or a record encoded).
    #[error("store record '{key}': {source}")]
    Record {
        /// The record's key, `kind/id`.
        key: String,
        /// Why it could not be decoded.
        source: serde_json::Error,
    },
    /// The store was closed when the control plane stopped serving.
    #[error("store is closed")]
    Closed,
    /// The blocking store task panicked or was cancelled.
    #[error("store task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Why the control plane could not open its store or serve.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The data directory could not be created.
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: std::path::PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The store could not be opened or loaded.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The gRPC server failed.
    #[error("gRPC server: {0}")]
    Serve(#[from] tonic::transport::Error),
    /// The reflection service could not read the API's descriptors.
    #[error("gRPC reflection: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    /// The public DNS server (the TXT records of `PublicDns`) failed.
    #[error("public DNS server: {0}")]
    PublicDns(#[source] hickory_server::net::NetError),
    /// The public DNS server stopped by itself.
    #[error("the public DNS server stopped")]
    PublicDnsStopped,
}

//! The AWS Query protocols on the API port, for the `aws` CLI, boto3 and the AWS SDKs: EC2's
//! (`ec2`) and ELBv2's (`query`), each action answered by the handler its RPC uses.
//!
//! # Layout
//! - [`route`]: `POST /` (and `GET /?Action=…`) beside the gRPC services; picks the protocol
//!   by `Version` (else by the credential's signing name), then the action.
//! - `caller`: the account and region of the SigV4 credential (signatures are not verified).
//! - `form`: the flattened parameters, read into the gRPC request types with serde.
//! - `names`: the wire names where they are not the member names.
//! - `node`: a response as a tree, by serde.
//! - `xml`: responses and errors in each protocol's XML.

mod caller;
mod form;
mod names;
mod node;
mod xml;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::api::Api;
use crate::error::ApiError;
use caller::Credential;
pub(crate) use form::Form;
pub(crate) use node::Node;

/// Which Query protocol a request speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// EC2's `ec2` protocol: API version `2016-11-15`, lists as `<item>`.
    Ec2,
    /// ELBv2's `query` protocol: API version `2015-12-01`, lists as `<member>`.
    Elbv2,
}

impl Protocol {
    /// The protocol of a request: by its `Version`, else by its signing name; EC2 by default.
    fn of(version: Option<&str>, credential: Option<&Credential<'_>>) -> Self {
        match (version, credential.map(|c| c.service)) {
            (Some("2015-12-01"), _) => Self::Elbv2,
            (Some(_), _) => Self::Ec2,
            (None, Some("elasticloadbalancing")) => Self::Elbv2,
            (None, _) => Self::Ec2,
        }
    }

    /// ELBv2's `query` protocol.
    pub(crate) fn is_elbv2(self) -> bool {
        self == Self::Elbv2
    }

    /// The XML namespace of responses.
    fn namespace(self) -> &'static str {
        match self {
            Self::Ec2 => "http://ec2.amazonaws.com/doc/2016-11-15/",
            Self::Elbv2 => "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
        }
    }

    /// The element of each entry of a list.
    fn list_item(self) -> &'static str {
        match self {
            Self::Ec2 => "item",
            Self::Elbv2 => "member",
        }
    }
}

/// The AWS action of a gRPC request type: `CreateVpcRequest` -> `CreateVpc`.
pub(crate) fn action_name(request_type: &'static str) -> &'static str {
    request_type.strip_suffix("Request").unwrap_or(request_type)
}

/// Adds the Query front at `/` to `router` (the gRPC services' routes). A `GET /` with no
/// parameters is a browser's: it gets the topology page.
pub(crate) fn route(router: axum::Router, api: Api) -> axum::Router {
    let for_post = api.clone();
    let post = move |uri: Uri, headers: HeaderMap, body: Bytes| {
        let api = for_post.clone();
        async move { answer(&api, &uri, &headers, &body).await }
    };
    let get = move |uri: Uri, headers: HeaderMap, body: Bytes| {
        let api = api.clone();
        async move {
            if uri.query().is_none_or(str::is_empty) && body.is_empty() {
                return crate::topology::page(&api.shared).await;
            }
            answer(&api, &uri, &headers, &body).await
        }
    };
    router.route("/", axum::routing::post(post).get(get))
}

/// Answers one Query request.
async fn answer(api: &Api, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Response {
    let request_id = request_id();
    let credential = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(Credential::parse);
    let caller = Credential::caller(credential.as_ref());
    // Parameters may come in the query string and in the body, as AWS accepts them.
    let pairs: Vec<(String, String)> = uri
        .query()
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
        .into_iter()
        .chain(form_urlencoded::parse(body).into_owned())
        .collect();
    let param = |name: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let protocol = Protocol::of(param("Version"), credential.as_ref());
    let action = param("Action").filter(|a| !a.is_empty());
    let out = async {
        let action = action.ok_or_else(|| ApiError::invalid_action(None))?;
        // EC2's common `DryRun` parameter; ELBv2 has none.
        let dry_run = match (protocol, param("DryRun")) {
            (Protocol::Ec2, Some("true")) => true,
            (Protocol::Ec2, Some("false") | None) | (Protocol::Elbv2, None) => false,
            (Protocol::Ec2, Some(v)) => {
                return Err(ApiError::malformed_parameter(
                    false,
                    format!(
                        "Value ({v}) for parameter DryRun is invalid. Expected 'true' or 'false'."
                    ),
                ));
            }
            (Protocol::Elbv2, Some(_)) => return Err(ApiError::unknown_parameter(true, "DryRun")),
        };
        let form = Form::new(
            protocol,
            pairs
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "Action" | "Version" | "DryRun"))
                .map(|(k, v)| (k.as_str(), v.as_str())),
        )?;
        let answer = match protocol {
            Protocol::Ec2 => api.query_ec2(&caller, action, &form, dry_run).await,
            Protocol::Elbv2 => api.query_elbv2(&caller, action, &form, dry_run).await,
        };
        answer.unwrap_or_else(|| Err(ApiError::invalid_action(Some(action))))
    }
    .await;
    let (status, body) = match out {
        Ok(node) => (
            StatusCode::OK,
            xml::response(protocol, action.unwrap_or_default(), &request_id, &node),
        ),
        Err(e) => (
            StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST),
            xml::error(protocol, &request_id, &e),
        ),
    };
    let mut response = (status, body).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        h.insert("x-amzn-requestid", v);
    }
    response
}

/// A request id in AWS's form (a random UUID).
pub(crate) fn request_id() -> String {
    let b: [u8; 16] = rand::random();
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests;

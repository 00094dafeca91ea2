//! Private DNS name verification: `StartVpcEndpointServicePrivateDnsVerification`, the TXT
//! lookup it makes (`crate::public_dns::verify`), and the state it leaves.

use plemu_proto::meta::Caller;
use plemu_proto::pb;

use super::vpce::{owned_service, service_not_found};
use crate::error::ApiError;
use crate::model::PrivateDnsState;
use crate::public_dns::verify::{self, Outcome};
use crate::state::Shared;

/// Looks up the TXT record of the service's private DNS name (`crate::public_dns::verify`: a
/// real DNS query to [`crate::Config::verification_resolver`], or to plemu's own public DNS)
/// and sets the name `verified` when a record holds the value, `failed` otherwise.
///
/// AWS answers at once and checks later; plemu checks before it answers (within a few seconds
/// even when the resolver is silent), so the state a script reads next is the outcome. A name
/// changed meanwhile (ModifyVpcEndpointServiceConfiguration) keeps its own `pendingVerification`.
pub(super) async fn start_verification(
    s: &Shared,
    caller: &Caller,
    req: pb::StartVpcEndpointServicePrivateDnsVerificationRequest,
) -> Result<pb::StartVpcEndpointServicePrivateDnsVerificationResponse, ApiError> {
    let (id, dns) = s
        .read(|st| {
            let svc = owned_service(&st.res, caller, &req.service_id)?;
            Ok::<_, ApiError>((svc.id.clone(), svc.private_dns.clone()))
        })
        .await?;
    let dns = dns.ok_or_else(|| {
        ApiError::invalid(
            "InvalidParameter",
            format!("The service {id} does not have a private DNS name"),
        )
    })?;
    let resolver = s
        .config
        .verification_resolver
        .or_else(|| s.public_zone.served_at());
    let outcome = match resolver {
        Some(r) => verify::check(r, &dns.name, &dns.txt_name, &dns.txt_value).await,
        None => Outcome::Unanswered("no resolver: the public DNS is not served".into()),
    };
    let state = match &outcome {
        Outcome::Verified(at) => {
            tracing::info!(service = %id, name = %dns.name, record = %at, "private DNS name verified");
            PrivateDnsState::Verified
        }
        Outcome::NotFound { asked } => {
            tracing::info!(service = %id, name = %dns.name, value = %dns.txt_value, ?asked, "private DNS verification failed: no TXT record holds the value");
            PrivateDnsState::Failed
        }
        Outcome::Unanswered(why) => {
            tracing::warn!(service = %id, name = %dns.name, reason = %why, "private DNS verification failed: the resolver did not answer");
            PrivateDnsState::Failed
        }
    };
    s.mutate(|res| {
        let svc = res
            .services
            .get_mut(&id)
            .ok_or_else(|| service_not_found(&id))?;
        if let Some(current) = svc.private_dns.as_mut()
            && current.name == dns.name
            && current.txt_value == dns.txt_value
        {
            current.state = state;
        }
        Ok(pb::StartVpcEndpointServicePrivateDnsVerificationResponse { return_value: true })
    })
    .await
}

//! DescribeTargetHealth: each target's state from registration, listeners and the provider's reports.

use plemu_proto::meta::Caller;
use plemu_proto::pb;

use super::target_group::{target_port, visible_tg};
use crate::error::ApiError;
use crate::model::{Target, TargetGroup, unix_now};
use crate::state::{Shared, State};

pub(super) async fn describe_target_health(
    s: &Shared,
    caller: &Caller,
    req: pb::DescribeTargetHealthRequest,
) -> Result<pb::DescribeTargetHealthResponse, ApiError> {
    s.read(|st| {
        let tg = visible_tg(&st.res, caller, &req.target_group_arn)?;
        let now = unix_now();
        let present: Vec<&Target> = tg
            .targets
            .iter()
            .filter(|t| t.present_at(now, tg.deregistration_delay()))
            .collect();
        let mut out = Vec::new();
        if req.targets.is_empty() {
            out.extend(present.iter().map(|t| health_of(st, tg, t)));
        } else {
            for want in &req.targets {
                let port = target_port(tg, want)?;
                match present.iter().find(|t| t.id == want.id && t.port == port) {
                    Some(t) => out.push(health_of(st, tg, t)),
                    None => out.push(description(
                        tg,
                        &Target {
                            id: want.id.clone(),
                            port,
                            az: want.availability_zone.clone(),
                            deregistered_at: None,
                        },
                        (
                            "unused",
                            "Target.NotRegistered",
                            "Target is not registered to the target group",
                        ),
                    )),
                }
            }
        }
        Ok(pb::DescribeTargetHealthResponse {
            target_health_descriptions: out,
        })
    })
    .await
}

/// A target's health: draining, unused (no listener), the provider agent's report, or initial.
pub(crate) fn health_of(st: &State, tg: &TargetGroup, t: &Target) -> pb::TargetHealthDescription {
    if t.deregistered_at.is_some() {
        return description(
            tg,
            t,
            (
                "draining",
                "Target.DeregistrationInProgress",
                "Target deregistration is in progress",
            ),
        );
    }
    if !st.res.listeners.values().any(|l| l.tg_arn == tg.arn) {
        return description(
            tg,
            t,
            (
                "unused",
                "Target.NotInUse",
                "Target group is not configured to receive traffic from the load balancer",
            ),
        );
    }
    // A live agent's report wins over one left `unavailable` by an agent that went away.
    let report = st
        .health
        .values()
        .flatten()
        .filter(|r| {
            r.target_group_arn == tg.arn && r.target_id == t.id && r.port == u32::from(t.port)
        })
        .max_by_key(|r| r.state != "unavailable");
    match report {
        Some(r) => description(tg, t, (&r.state, &r.reason, &r.description)),
        None => description(
            tg,
            t,
            (
                "initial",
                "Elb.RegistrationInProgress",
                "Target registration is in progress",
            ),
        ),
    }
}

fn description(
    tg: &TargetGroup,
    t: &Target,
    (state, reason, text): (&str, &str, &str),
) -> pb::TargetHealthDescription {
    pb::TargetHealthDescription {
        target: Some(pb::TargetDescription {
            id: t.id.clone(),
            port: Some(i32::from(t.port)),
            availability_zone: t.az.clone(),
        }),
        health_check_port: if tg.health_check.port == "traffic-port" {
            t.port.to_string()
        } else {
            tg.health_check.port.clone()
        },
        target_health: Some(pb::TargetHealth {
            state: state.into(),
            reason: reason.into(),
            description: text.into(),
        }),
    }
}

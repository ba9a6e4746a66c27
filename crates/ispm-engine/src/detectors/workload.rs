//! Workload credentials used from outside the cloud: the keys of an EC2
//! instance or Lambda function role session work from anywhere, so a call
//! from a non-AWS address means they were copied off the workload.

use ispm_model::{Confidence, FindingCategory, NhiType, Severity};
use serde_json::json;

use super::{Context, Hit};
use crate::attack;
use crate::state::IdentityState;

pub const ID: &str = "workload_credentials_outside_cloud";

/// Runs the detector. Only events of workload sessions go further.
#[inline]
pub(crate) fn check(ctx: &mut Context<'_>, state: &mut IdentityState) {
    if ctx.event.actor.nhi_type == Some(NhiType::Workload) {
        check_workload(ctx, state);
    }
}

/// Reports a workload session's call from outside AWS.
#[cold]
#[inline(never)]
fn check_workload(ctx: &mut Context<'_>, state: &mut IdentityState) {
    let event = ctx.event;
    if event.actor.nhi_type != Some(NhiType::Workload) {
        return;
    }
    // Calls an AWS service makes with the session (sourceIPAddress is the
    // service's name) come from inside AWS by definition.
    if event.actor.invoked_by.is_some() || event.origin.service.is_some() {
        return;
    }
    let Some(network) = &event.origin.network else {
        return;
    };
    // `cloud` is None when no database can tell AWS addresses apart.
    if network.cloud != Some(false) {
        return;
    }
    let Some(ip) = event.origin.ip else {
        return;
    };
    let session = event.actor.session_name.as_deref().unwrap_or("?");
    let mut hit = Hit::new(
        ID,
        "workload_session_used_outside_aws",
        FindingCategory::Anomaly,
    );
    hit.title = format!(
        "Credentials of workload session {session} of {} used from outside AWS ({ip})",
        state.name()
    );
    hit.description = format!(
        "The temporary credentials of workload session {session} (role {}) made {} from {ip}, an \
         address outside AWS{}. Instance and function credentials are fetched from the metadata \
         service inside AWS; used elsewhere, they were copied off the workload.",
        state.name(),
        event.action,
        network
            .as_org
            .as_deref()
            .map(|org| format!(" (AS{} {org})", network.asn.unwrap_or_default()))
            .unwrap_or_default()
    );
    hit.severity = Severity::High;
    hit.confidence = Confidence::High;
    hit.attacks = &[
        attack::CLOUD_INSTANCE_METADATA,
        attack::VALID_CLOUD_ACCOUNTS,
    ];
    hit.remediation = "Revoke the role's active sessions (an aws:TokenIssueTime deny policy), \
                       find how the credentials left the workload (SSRF, an exposed metadata \
                       service, a compromised host) and require IMDSv2 with a hop limit of 1.";
    hit.data = json!({
        "session_name": session,
        "source_ip": ip.to_string(),
        "asn": network.asn,
        "as_org": network.as_org,
        "country": network.country,
    });
    hit.repeat_key = ip.to_string();
    ctx.emit(state, hit);
}

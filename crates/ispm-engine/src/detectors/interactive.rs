//! A service account or workload driven from a web browser: a person is
//! using a non-human identity's credential, which no automation does.

use ispm_model::{Confidence, FindingCategory, NhiType, Severity};
use serde_json::json;

use super::{Context, Hit};
use crate::attack;
use crate::state::IdentityState;
use crate::useragent;

pub const ID: &str = "non_human_interactive_use";

/// True for service users, workloads and AI agents. Generic roles are left
/// out: people switch to roles in the console all the time, and such
/// sessions are attributed to the role.
fn is_automation(ctx: &Context<'_>, state: &IdentityState) -> bool {
    matches!(
        ctx.event.actor.nhi_type,
        Some(NhiType::ServiceUser | NhiType::Workload)
    ) || state.kind == ispm_model::IdentityKind::AiAgent
}

/// Runs the detector. Only events of service users, workloads and AI
/// agents go further.
#[inline]
pub(crate) fn check(ctx: &mut Context<'_>, state: &mut IdentityState) {
    if is_automation(ctx, state) {
        check_automation(ctx, state);
    }
}

/// Reports an automation identity driven from a web browser.
#[cold]
#[inline(never)]
fn check_automation(ctx: &mut Context<'_>, state: &mut IdentityState) {
    let event = ctx.event;
    if !is_automation(ctx, state)
        || event.actor.invoked_by.is_some()
        || event.origin.service.is_some()
    {
        return;
    }
    // Console sign-ins are reported by `non_human_console_login`.
    if event.action == "ConsoleLogin" {
        return;
    }
    let Some(agent) = event
        .origin
        .user_agent
        .as_deref()
        .filter(|agent| useragent::is_browser(agent))
    else {
        return;
    };
    if ctx.is_folded(state, ID, "browser_user_agent", "") {
        return;
    }
    let mut hit = Hit::new(ID, "browser_user_agent", FindingCategory::Anomaly);
    hit.title = format!(
        "Non-human identity {} used from a web browser",
        state.name()
    );
    hit.description = format!(
        "{} is classified as non-human ({}), yet it called {} with a browser user agent. A person \
         is using the credential of an automation identity, which bypasses the controls on human \
         accounts (MFA, single sign-on, offboarding).",
        state.name(),
        state.kind_reason,
        event.action
    );
    hit.severity = Severity::High;
    hit.confidence = Confidence::Medium;
    hit.attacks = &[attack::VALID_CLOUD_ACCOUNTS];
    hit.remediation = "Find who used the credential, rotate it, and give that person their own \
                       identity with the access they need.";
    hit.data = json!({ "user_agent": agent });
    ctx.emit(state, hit);
}

//! A credential or console password made for another identity: the classic
//! persistence step after a takeover (a backdoor key for a second user).

use ispm_model::{Actor, Confidence, FindingCategory, Severity};
use serde::Deserialize;
use serde_json::json;

use super::{Context, Hit, attempt_suffix};
use crate::attack;
use crate::payload;
use crate::state::IdentityState;

pub const ID: &str = "credential_for_other_identity";

#[derive(Deserialize)]
struct UserRequest {
    #[serde(rename = "userName")]
    user_name: Option<String>,
}

const IAM: &str = "iam.amazonaws.com";

/// The IAM calls this detector reads: action, rule and what the call did.
const CALLS: [(&str, &str, &str); 3] = [
    (
        "CreateAccessKey",
        "access_key_for_other_user",
        "created an access key",
    ),
    (
        "CreateLoginProfile",
        "console_password_for_other_user",
        "created a console password",
    ),
    (
        "UpdateLoginProfile",
        "console_password_reset_for_other_user",
        "changed the console password",
    ),
];

/// Returns every call this detector reads, as (service, action).
pub(super) fn calls() -> impl Iterator<Item = (&'static str, &'static str)> {
    CALLS.iter().map(|(action, _, _)| (IAM, *action))
}

/// True when the IAM user `user_name` is the caller itself.
pub(super) fn is_own_user(actor: &Actor, user_name: &str) -> bool {
    actor.principal_type == "IAMUser" && actor.name == user_name
}

pub(crate) fn check(ctx: &mut Context<'_>, state: &mut IdentityState) {
    let event = ctx.event;
    if event.service != IAM {
        return;
    }
    let Some(&(_, rule, what)) = CALLS.iter().find(|(action, _, _)| *action == event.action) else {
        return;
    };
    let Some(target) = payload::parse::<UserRequest>(event.request.as_deref())
        .and_then(|request| request.user_name)
    else {
        // Without userName the call acts on the caller's own user.
        return;
    };
    if is_own_user(&event.actor, &target) {
        return;
    }

    let mut hit = Hit::new(ID, rule, FindingCategory::Anomaly);
    let attempted = attempt_suffix(event);
    hit.title = format!(
        "{} {} for IAM user {}{}",
        state.name(),
        what,
        target,
        attempted
    );
    hit.description = format!(
        "{} {} for another identity, IAM user {}. Whoever holds the new credential can act as {} \
         independently of the caller's own credentials.",
        state.name(),
        what,
        target,
        target
    );
    hit.severity = if event.succeeded() {
        Severity::High
    } else {
        Severity::Medium
    };
    hit.confidence = if event.succeeded() {
        Confidence::High
    } else {
        Confidence::Medium
    };
    hit.attacks = &[attack::ADDITIONAL_CLOUD_CREDENTIALS];
    hit.remediation = "Confirm with the owner of the target user that the credential was requested. \
                       If not, delete the access key or login profile, and review the caller's \
                       recent activity.";
    hit.data = json!({ "target_user": target });
    hit.repeat_key = target;
    ctx.emit(state, hit);
}

//! The account root user acting. Root can do anything, cannot be limited by
//! IAM policies, and should be locked away after account set-up.

use ispm_model::{Confidence, FindingCategory, IdentityKind, Severity};
use serde_json::json;

use super::{Context, Hit};
use crate::attack;
use crate::state::IdentityState;

pub const ID: &str = "root_account_used";

/// Runs the detector. Only events of a root user go further.
#[inline]
pub(crate) fn check(ctx: &mut Context<'_>, state: &mut IdentityState) {
    if ctx.event.actor.kind == IdentityKind::Root {
        check_root(ctx, state);
    }
}

/// Reports a call of the root user, unless an AWS service made it for the
/// root.
#[cold]
#[inline(never)]
fn check_root(ctx: &mut Context<'_>, state: &mut IdentityState) {
    let event = ctx.event;
    if event.actor.kind != IdentityKind::Root {
        return;
    }
    // An AWS service acting for the root (AWS Support, Config, a
    // service-linked call) is not a person signing in as root.
    if event.actor.invoked_by.is_some() || event.origin.service.is_some() {
        return;
    }
    if event.event_type.as_deref() == Some("AwsServiceEvent") {
        return;
    }
    let mut hit = Hit::new(ID, "root_activity", FindingCategory::Policy);
    hit.title = format!(
        "Root user of account {} used: {}",
        event.account.as_deref().unwrap_or("?"),
        event.action
    );
    hit.description = "The account root user made an API call or signed in. Root has unrestricted \
                       access that IAM policies cannot limit; day-to-day work must use IAM roles."
        .to_owned();
    hit.severity = if event.action == "ConsoleLogin" || event.succeeded() {
        Severity::High
    } else {
        Severity::Medium
    };
    hit.confidence = Confidence::High;
    hit.attacks = &[attack::VALID_CLOUD_ACCOUNTS];
    hit.remediation = "Confirm with the account owner that this root use was planned. If not, reset the \
                       root password, remove root access keys, enable MFA on root and review the \
                       session's calls.";
    hit.data = json!({ "mfa_authenticated": event.actor.mfa_authenticated });
    ctx.emit(state, hit);
}

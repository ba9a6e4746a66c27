//! Console sign-ins: without MFA, and by identities that should never sign
//! in interactively.

use ispm_model::{Confidence, FindingCategory, IdentityEvent, IdentityKind, Severity};
use serde::Deserialize;
use serde_json::json;

use super::{Context, Hit};
use crate::attack;
use crate::payload;
use crate::state::IdentityState;
use crate::useragent;

pub const ID_NO_MFA: &str = "console_login_without_mfa";
pub const ID_NON_HUMAN: &str = "non_human_console_login";

#[derive(Deserialize)]
struct LoginResponse {
    #[serde(rename = "ConsoleLogin")]
    outcome: Option<String>,
}

#[derive(Deserialize)]
struct LoginDetails {
    #[serde(rename = "MFAUsed")]
    mfa_used: Option<String>,
}

/// True for a console sign-in that succeeded.
pub(crate) fn is_successful_console_login(event: &IdentityEvent) -> bool {
    if event.action != "ConsoleLogin" || !event.succeeded() {
        return false;
    }
    let outcome = payload::parse::<LoginResponse>(event.response.as_deref())
        .and_then(|response| response.outcome);
    // Older records carry no responseElements; no error code means success.
    outcome.is_none_or(|outcome| outcome.eq_ignore_ascii_case("success"))
}

/// Returns the sign-in's `MFAUsed` value ("Yes" or "No"), when it has one.
pub(crate) fn mfa_used(event: &IdentityEvent) -> Option<String> {
    payload::parse::<LoginDetails>(event.additional.as_deref()).and_then(|details| details.mfa_used)
}

pub(crate) fn check_mfa(ctx: &mut Context<'_>, state: &mut IdentityState) {
    if ctx.event.action == "ConsoleLogin" {
        check_sign_in_mfa(ctx, state);
    }
}

/// Reports a password-only console sign-in.
#[cold]
#[inline(never)]
fn check_sign_in_mfa(ctx: &mut Context<'_>, state: &mut IdentityState) {
    let event = ctx.event;
    if !is_successful_console_login(event) {
        return;
    }
    // Sign-ins through SSO or SAML show MFAUsed "No" because MFA happened at
    // the identity provider; only IAM users and root sign in with an AWS
    // password.
    if !matches!(event.actor.principal_type.as_str(), "IAMUser" | "Root") {
        return;
    }
    let Some(mfa_used) = mfa_used(event) else {
        return;
    };
    if !mfa_used.eq_ignore_ascii_case("no") {
        return;
    }
    let mut hit = Hit::new(ID_NO_MFA, "console_password_only", FindingCategory::Policy);
    hit.title = format!("Console sign-in without MFA by {}", state.name());
    hit.description =
        "A password-only sign-in to the AWS console. A stolen or guessed password is \
                       enough to take over this identity."
            .to_owned();
    hit.severity = if event.actor.kind == IdentityKind::Root {
        Severity::Critical
    } else {
        Severity::Medium
    };
    hit.confidence = Confidence::High;
    hit.attacks = &[attack::VALID_CLOUD_ACCOUNTS];
    hit.remediation = "Require MFA for console access (an IAM policy denying actions when \
                       aws:MultiFactorAuthPresent is false) and enrol an MFA device for this user.";
    hit.data = json!({ "mfa_used": mfa_used });
    ctx.emit(state, hit);
}

/// Runs the detector. Only sign-ins of non-human identities go further.
#[inline]
pub(crate) fn check_non_human(ctx: &mut Context<'_>, state: &mut IdentityState) {
    let action = ctx.event.action.as_str();
    if state.kind.is_non_human() && (action == "ConsoleLogin" || action == "GetSigninToken") {
        check_non_human_sign_in(ctx, state);
    }
}

/// Reports a console sign-in of a non-human identity.
#[cold]
#[inline(never)]
fn check_non_human_sign_in(ctx: &mut Context<'_>, state: &mut IdentityState) {
    let event = ctx.event;
    if !state.kind.is_non_human() {
        return;
    }
    let console_login = is_successful_console_login(event);
    let federation_sign_in = event.action == "GetSigninToken" && event.succeeded();
    if !console_login && !federation_sign_in {
        return;
    }
    let rule = if console_login {
        "console_login"
    } else {
        "federation_sign_in_token"
    };
    let mut hit = Hit::new(ID_NON_HUMAN, rule, FindingCategory::Policy);
    hit.title = format!(
        "Non-human identity {} signed in to the console",
        state.name()
    );
    hit.description = format!(
        "{} is classified as non-human ({}), yet it signed in interactively. A person is using a \
         workload's credential, or the credential was stolen.",
        state.name(),
        state.kind_reason
    );
    hit.severity = Severity::High;
    hit.confidence = if event
        .origin
        .user_agent
        .as_deref()
        .is_some_and(useragent::is_browser)
    {
        Confidence::High
    } else {
        Confidence::Medium
    };
    hit.attacks = &[attack::VALID_CLOUD_ACCOUNTS];
    hit.remediation = "Remove the console password of service accounts, find who signed in, and \
                       rotate the identity's credentials if the sign-in was not expected.";
    ctx.emit(state, hit);
}

//! Credentials and identities that come back after a long silence. A key
//! nobody used for months that suddenly works again is a classic sign of a
//! leaked credential, and an unused identity is one nobody watches.

use ispm_model::{Confidence, FindingCategory, Severity};
use serde_json::json;

use super::{Context, Hit};
use crate::attack;
use crate::state::IdentityState;

pub const ID: &str = "dormant_credential_used";

const MILLIS_PER_DAY: i64 = 86_400_000;

pub(crate) fn check(ctx: &mut Context<'_>, state: &mut IdentityState) {
    let event = ctx.event;
    let idle_ms = i64::try_from(ctx.config.dormancy.idle_after.as_millis()).unwrap_or(i64::MAX);
    let now = event.time;

    let key_gap = event
        .actor
        .access_key_id
        .as_deref()
        .and_then(|key| {
            state
                .credentials
                .iter()
                .find(|credential| credential.id.is(key))
        })
        .and_then(|credential| credential.last_used)
        .map(|last| (now.saturating_sub(last), last));
    let identity_gap = state.last_seen.map(|last| (now.saturating_sub(last), last));

    let (rule, gap, last) = match (key_gap, identity_gap) {
        (Some((gap, last)), _) if gap >= idle_ms => ("access_key_reused_after_idle", gap, last),
        (_, Some((gap, last))) if gap >= idle_ms => ("identity_active_after_idle", gap, last),
        _ => return,
    };
    let days = gap / MILLIS_PER_DAY;
    let mut hit = Hit::new(ID, rule, FindingCategory::Anomaly);
    hit.title = match rule {
        "access_key_reused_after_idle" => format!(
            "{} used access key {} again after {days} idle days",
            state.name(),
            event.actor.access_key_id.as_deref().unwrap_or("?")
        ),
        _ => format!("{} is active again after {days} idle days", state.name()),
    };
    hit.description = format!(
        "{} was last used {} ({days} days before this {} call). Credentials that wake up after a \
         long silence are often leaked ones, and identities nobody uses are ones nobody watches.",
        state.name(),
        last,
        event.action
    );
    hit.severity = if state.kind.is_non_human() {
        Severity::Medium
    } else {
        Severity::Low
    };
    hit.confidence = Confidence::Low;
    hit.attacks = &[attack::VALID_CLOUD_ACCOUNTS];
    hit.remediation = "Confirm with the owner that the identity is still needed and that this use \
                       is theirs. Remove credentials that stay unused, and rotate this one if the \
                       use is not recognised.";
    hit.data = json!({ "idle_days": days, "last_used": last.millis() });
    ctx.emit(state, hit);
}

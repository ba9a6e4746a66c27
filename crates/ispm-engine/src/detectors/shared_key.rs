//! One long-term access key used from several autonomous systems within a
//! short time: the key is in more than one place, which is how a leaked key
//! looks while its owner still uses it.

use ispm_model::{Confidence, FindingCategory, Severity};
use serde_json::json;

use super::{Context, Hit};
use crate::attack;
use crate::consumers::ConsumerAttribute;
use crate::state::IdentityState;

pub const ID: &str = "shared_access_key";

pub(crate) fn check(ctx: &mut Context<'_>, state: &mut IdentityState) {
    let event = ctx.event;
    let Some(key) = event.actor.access_key_id.as_deref() else {
        return;
    };
    // Session keys expire within hours and keep no consumers of their own;
    // stolen ones are the workload detector's case.
    if key.starts_with("ASIA") {
        return;
    }
    let Some(asn) = event
        .origin
        .network
        .as_ref()
        .and_then(|network| network.asn)
    else {
        return;
    };
    let Some(index) = state.credential_index(key) else {
        return;
    };
    let config = &ctx.config.shared_key;
    let window = i64::try_from(config.window.as_millis()).unwrap_or(i64::MAX);
    let since = ispm_model::EventTime::from_millis(event.time.millis().saturating_sub(window));
    let current = u64::from(asn);
    let Some(credential) = state.credentials.get(index) else {
        return;
    };
    let mut asns: Vec<u64> = credential
        .consumers(&state.consumers)
        .hashes_seen_since(ConsumerAttribute::Asn, since)
        .collect();
    if asns.contains(&current) {
        // Reported when the key first reaches the threshold, with a new ASN.
        return;
    }
    asns.push(current);
    if asns.len() < config.min_asns {
        return;
    }
    let mut hit = Hit::new(ID, "key_used_from_many_asns", FindingCategory::Anomaly);
    hit.title = format!(
        "Access key {key} of {} used from {} networks within {}",
        state.name(),
        asns.len(),
        humantime_serde::re::humantime::format_duration(config.window)
    );
    hit.description = format!(
        "The long-term access key {key} was used from {} different autonomous systems within {}, \
         the last one AS{asn}. One workload uses a key from one place; several at once mean the \
         key is copied, shared or leaked.",
        asns.len(),
        humantime_serde::re::humantime::format_duration(config.window)
    );
    hit.severity = Severity::High;
    hit.confidence = Confidence::Medium;
    hit.attacks = &[attack::VALID_CLOUD_ACCOUNTS];
    hit.remediation = "Find every consumer of the key (ispm explain --credential), rotate it, and \
                       move the legitimate consumers to roles or to keys of their own.";
    hit.data = json!({
        "access_key": key,
        "distinct_asns": asns.len(),
        "window_seconds": config.window.as_secs(),
        "asn": asn,
    });
    hit.repeat_key = key.to_owned();
    ctx.emit(state, hit);
}

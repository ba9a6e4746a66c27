//! Bursts within a sliding window of event time: many calls denied, many
//! distinct read-only calls (discovery), many distinct secrets read.

use std::sync::LazyLock;

use ispm_model::{Confidence, FindingCategory, IdentityEvent, Severity};
use serde::Deserialize;
use serde_json::json;

use super::{Context, Hit, bit, fold_key};
use crate::attack;
use crate::payload::{self, OneOrMany};
use crate::state::{IdentityState, stable_hash};

pub const ID_ACCESS_DENIED: &str = "access_denied_burst";
pub const ID_ENUMERATION: &str = "enumeration_burst";
pub const ID_SECRETS: &str = "secret_access_burst";

/// Event ids cited per burst finding; the count covers the rest.
const RELATED_LIMIT: usize = 20;

/// Runs the burst detectors. `secret_call` is false when the event's call
/// is certainly none of [`SECRET_CALLS`].
pub(crate) fn check(ctx: &mut Context<'_>, state: &mut IdentityState, secret_call: bool) {
    let window_ms = i64::try_from(ctx.config.bursts.window.as_millis()).unwrap_or(i64::MAX);
    let enabled = ctx.enabled;
    if enabled.has(const { bit(ID_ACCESS_DENIED) }) {
        check_access_denied(ctx, state, window_ms);
    }
    if enabled.has(const { bit(ID_ENUMERATION) }) {
        check_enumeration(ctx, state, window_ms);
    }
    if secret_call && enabled.has(const { bit(ID_SECRETS) }) {
        check_secrets(ctx, state, window_ms);
    }
}

fn check_access_denied(ctx: &mut Context<'_>, state: &mut IdentityState, window_ms: i64) {
    let event = ctx.event;
    if !event.is_access_denied() {
        return;
    }
    let threshold = ctx.config.bursts.access_denied_threshold.max(1);
    let key = stable_hash(&[&event.action]);
    state
        .denied
        .push(event.time, key, &event.event_id, window_ms, threshold * 4);
    if state.denied.len() >= threshold {
        report_access_denied(ctx, state, window_ms, threshold);
    }
}

/// Reports a burst of denied calls, unless it was reported within the
/// repeat window.
// Kept out of line, like the other reports below, so that the code every
// event runs stays short.
#[cold]
#[inline(never)]
fn report_access_denied(
    ctx: &mut Context<'_>,
    state: &mut IdentityState,
    window_ms: i64,
    threshold: usize,
) {
    static FOLD_KEY: LazyLock<u64> =
        LazyLock::new(|| fold_key(ID_ACCESS_DENIED, "access_denied_burst", ""));
    if ctx.is_folded_key(state, *FOLD_KEY) {
        return;
    }
    let count = state.denied.len();
    let distinct = state.denied.distinct_keys();
    let mut hit = Hit::new(
        ID_ACCESS_DENIED,
        "access_denied_burst",
        FindingCategory::Anomaly,
    );
    hit.title = format!(
        "{} was denied {} calls within {} minutes",
        state.name(),
        count,
        window_ms / 60_000
    );
    hit.description = format!(
        "{count} calls of {distinct} distinct APIs failed for lack of permission. A stolen \
         credential being probed for what it can do fails like this; a misconfigured workload \
         usually fails on one or two APIs."
    );
    hit.severity = if distinct >= 3 {
        Severity::Medium
    } else {
        Severity::Low
    };
    hit.confidence = if distinct >= 3 {
        Confidence::Medium
    } else {
        Confidence::Low
    };
    hit.attacks = &[attack::CLOUD_INFRASTRUCTURE_DISCOVERY];
    hit.remediation = "Check whether the identity's owner expects these calls. If not, treat the \
                       credential as compromised: deactivate it and review its successful calls.";
    hit.data =
        json!({ "denied_calls": count, "distinct_actions": distinct, "threshold": threshold });
    hit.related = state.denied.event_ids(RELATED_LIMIT);
    hit.first_seen = state.denied.first_time();
    ctx.emit(state, hit);
}

fn is_read_only_discovery(action: &str) -> bool {
    (action.starts_with("List") || action.starts_with("Describe") || action.starts_with("Get"))
        // Reading secrets is credential access, counted by its own detector.
        && !matches!(action, "GetSecretValue" | "GetParameter" | "GetParameters" | "GetParametersByPath")
}

fn check_enumeration(ctx: &mut Context<'_>, state: &mut IdentityState, window_ms: i64) {
    let event = ctx.event;
    if !is_read_only_discovery(&event.action) {
        return;
    }
    let threshold = ctx.config.bursts.enumeration_threshold.max(1);
    let key = ctx.hashes.call;
    state
        .enumeration
        .push(event.time, key, &event.event_id, window_ms, threshold * 8);
    if state.enumeration.distinct_keys() >= threshold {
        report_enumeration(ctx, state, window_ms, threshold);
    }
}

/// Reports a burst of distinct discovery calls, unless it was reported
/// within the repeat window.
#[cold]
#[inline(never)]
fn report_enumeration(
    ctx: &mut Context<'_>,
    state: &mut IdentityState,
    window_ms: i64,
    threshold: usize,
) {
    // Asked on every discovery call past the threshold, so the key is
    // hashed once.
    static FOLD_KEY: LazyLock<u64> =
        LazyLock::new(|| fold_key(ID_ENUMERATION, "distinct_discovery_calls", ""));
    if ctx.is_folded_key(state, *FOLD_KEY) {
        return;
    }
    let distinct = state.enumeration.distinct_keys();
    let mut hit = Hit::new(
        ID_ENUMERATION,
        "distinct_discovery_calls",
        FindingCategory::Anomaly,
    );
    hit.title = format!(
        "{} called {} distinct List/Describe/Get APIs within {} minutes",
        state.name(),
        distinct,
        window_ms / 60_000
    );
    hit.description = format!(
        "{distinct} distinct read-only APIs in a short window, the pattern of a discovery script \
         mapping what a credential can reach."
    );
    hit.severity = Severity::Medium;
    hit.confidence = Confidence::Medium;
    hit.attacks = &[
        attack::CLOUD_INFRASTRUCTURE_DISCOVERY,
        attack::CLOUD_SERVICE_DISCOVERY,
    ];
    hit.remediation = "Confirm the identity's owner ran an inventory or audit tool. If not, \
                       deactivate the credential and review what else it did.";
    hit.data = json!({ "distinct_actions": distinct, "calls": state.enumeration.len(), "threshold": threshold });
    hit.related = state.enumeration.event_ids(RELATED_LIMIT);
    hit.first_seen = state.enumeration.first_time();
    ctx.emit(state, hit);
    state.enumeration.clear();
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SecretRequest {
    #[serde(rename = "secretId")]
    secret_id: Option<String>,
    name: Option<String>,
    names: OneOrMany,
    path: Option<String>,
    #[serde(rename = "withDecryption")]
    with_decryption: Option<bool>,
}

/// The calls that read a secret or a parameter, as (service, action).
const SECRET_CALLS: [(&str, &str); 4] = [
    ("secretsmanager.amazonaws.com", "GetSecretValue"),
    ("ssm.amazonaws.com", "GetParameter"),
    ("ssm.amazonaws.com", "GetParameters"),
    ("ssm.amazonaws.com", "GetParametersByPath"),
];

/// Returns every call [`ID_SECRETS`] reads, as (service, action).
pub(super) fn secret_calls() -> impl Iterator<Item = (&'static str, &'static str)> {
    SECRET_CALLS.into_iter()
}

fn reads_secrets(event: &IdentityEvent) -> bool {
    SECRET_CALLS.contains(&(event.service.as_str(), event.action.as_str()))
}

/// Returns the secrets or decrypted parameters a call reads.
fn secrets_read(ctx: &Context<'_>) -> Vec<String> {
    let event = ctx.event;
    if !reads_secrets(event) {
        return Vec::new();
    }
    let request: SecretRequest = payload::parse(event.request.as_deref()).unwrap_or_default();
    match (event.service.as_str(), event.action.as_str()) {
        ("secretsmanager.amazonaws.com", "GetSecretValue") => {
            request.secret_id.into_iter().collect()
        }
        ("ssm.amazonaws.com", "GetParameter" | "GetParameters" | "GetParametersByPath") => {
            if request.with_decryption != Some(true) {
                return Vec::new();
            }
            let mut names: Vec<String> = request
                .names
                .values()
                .into_iter()
                .map(str::to_owned)
                .collect();
            names.extend(request.name);
            names.extend(request.path);
            names
        }
        _ => Vec::new(),
    }
}

fn check_secrets(ctx: &mut Context<'_>, state: &mut IdentityState, window_ms: i64) {
    let event = ctx.event;
    if event.succeeded() && reads_secrets(event) {
        record_secret_reads(ctx, state, window_ms);
    }
}

/// Adds the secrets a call read to the window and reports a burst, unless
/// it was reported within the repeat window.
#[inline(never)]
fn record_secret_reads(ctx: &mut Context<'_>, state: &mut IdentityState, window_ms: i64) {
    let event = ctx.event;
    let secrets = secrets_read(ctx);
    if secrets.is_empty() {
        return;
    }
    let threshold = ctx.config.bursts.secret_access_threshold.max(1);
    for secret in &secrets {
        let key = stable_hash(&[secret]);
        state
            .secrets
            .push(event.time, key, &event.event_id, window_ms, threshold * 8);
    }
    let distinct = state.secrets.distinct_keys();
    if distinct < threshold || ctx.is_folded(state, ID_SECRETS, "distinct_secrets_read", "") {
        return;
    }
    let mut hit = Hit::new(
        ID_SECRETS,
        "distinct_secrets_read",
        FindingCategory::Anomaly,
    );
    hit.title = format!(
        "{} read {} distinct secrets within {} minutes",
        state.name(),
        distinct,
        window_ms / 60_000
    );
    hit.description = format!(
        "{distinct} distinct secrets or decrypted parameters were read in a short window. \
         Applications read their few secrets at start; harvesting reads many."
    );
    hit.severity = Severity::High;
    hit.confidence = Confidence::Medium;
    hit.attacks = &[attack::CLOUD_SECRETS_STORES];
    hit.remediation = "Confirm the reads with the identity's owner. If not expected, rotate every \
                       secret read and deactivate the credential.";
    hit.data =
        json!({ "distinct_secrets": distinct, "threshold": threshold, "last_read": secrets });
    hit.related = state.secrets.event_ids(RELATED_LIMIT);
    hit.first_seen = state.secrets.first_time();
    ctx.emit(state, hit);
}

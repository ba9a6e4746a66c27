//! Policies of the root user.

use super::{Check, Input, when};
use crate::facts;
use crate::time::{after, first_instant_beyond, is_beyond};

pub(super) fn account_used(input: &Input<'_>) -> Option<Check> {
    let limit = input.config.root_used_days;
    let Some(last_use) = facts::last_use(input.record) else {
        return Some(Check::pass("no use of the root user seen"));
    };
    let detail = format!(
        "root user last used {}; limit: no use within {limit} days",
        when(last_use, input.now)
    );
    if is_beyond(last_use, limit, input.now) {
        return Some(Check::pass(detail));
    }
    let clears_at = first_instant_beyond(last_use, limit);
    Some(Check::fail(detail).flipping_at(after(clears_at, input.now)))
}

pub(super) fn access_keys(input: &Input<'_>) -> Option<Check> {
    let keys: Vec<&str> = facts::active_long_term_keys(input.record)
        .map(|key| key.id.as_str())
        .collect();
    if keys.is_empty() {
        return Some(Check::pass("root user has no active access key"));
    }
    Some(Check::fail(format!(
        "root user has active access key {}",
        keys.join(", ")
    )))
}

pub(super) fn without_mfa(input: &Input<'_>) -> Option<Check> {
    let mfa_active = input.record.mfa_active?;
    let source = super::mfa::mfa_source(input);
    if mfa_active {
        Some(Check::pass(format!(
            "{source} reports MFA active for the root user"
        )))
    } else {
        Some(Check::fail(format!(
            "{source} reports MFA inactive for the root user"
        )))
    }
}

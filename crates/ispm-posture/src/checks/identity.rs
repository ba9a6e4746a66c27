//! Policies of the identity as a whole: inactivity, ownership and how
//! non-human identities are used.

use super::{Check, Input, when};
use crate::facts;
use crate::time::{after, first_instant_beyond, is_beyond};

pub(super) fn inactive_enabled(input: &Input<'_>) -> Option<Check> {
    let record = input.record;
    if !facts::can_go_stale(record) {
        return None;
    }
    if !record.enabled {
        return Some(Check::pass("identity is disabled"));
    }
    let limit = input.config.inactive_days;
    let Some(last_activity) = facts::last_activity(record) else {
        return Some(Check::pass("no activity or creation time known"));
    };
    let detail = format!(
        "enabled; last activity {}; limit {limit} days",
        when(last_activity, input.now)
    );
    if is_beyond(last_activity, limit, input.now) {
        return Some(Check::fail(detail));
    }
    let stale_at = first_instant_beyond(last_activity, limit);
    Some(Check::pass(detail).flipping_at(after(stale_at, input.now)))
}

pub(super) fn nhi_without_owner(input: &Input<'_>) -> Option<Check> {
    let record = input.record;
    if !facts::is_own_non_human(record) {
        return None;
    }
    match record.owner.as_deref().map(str::trim) {
        Some(owner) if !owner.is_empty() => {
            let source = record.owner_source.as_deref().unwrap_or("unknown source");
            Some(Check::pass(format!("owner {owner} (from {source})")))
        }
        _ => Some(Check::fail(
            "no owner from a tag, the owner map or a snapshot",
        )),
    }
}

pub(super) fn nhi_with_console_password(input: &Input<'_>) -> Option<Check> {
    let record = input.record;
    if !facts::holds_long_term_credentials(record) {
        return None;
    }
    match facts::active_console_password(record) {
        Some(password) => {
            let used = password.last_used.map_or_else(
                || "never used".to_owned(),
                |used| format!("last used {}", when(used, input.now)),
            );
            Some(Check::fail(format!(
                "active console password on a {} identity, {used}",
                record.kind
            )))
        }
        None => Some(Check::pass("no active console password")),
    }
}

pub(super) fn human_using_nhi_credential(input: &Input<'_>) -> Option<Check> {
    let record = input.record;
    if !facts::is_automation_identity(record) {
        return None;
    }
    match facts::interactive_consumer(record) {
        Some(consumer) => Some(Check::fail(format!(
            "user agent {:?} seen {} times, last {}",
            consumer.value,
            consumer.count,
            when(consumer.last_seen, input.now)
        ))),
        None => Some(Check::pass("no browser or console user agent seen")),
    }
}

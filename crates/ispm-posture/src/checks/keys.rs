//! Policies of long-term access keys. They apply only to identities that can
//! hold such keys: the root user and IAM users.

use ispm_model::{CredentialRecord, EventTime};

use super::{Check, Input, when};
use crate::facts;
use crate::time::{after, first_instant_beyond, is_beyond};

/// Where a key stands against the rotation limit.
pub(super) enum Rotation {
    /// Neither a rotation nor a creation time is known.
    Unknown,
    /// Within the limit until `overdue_at`.
    Due {
        overdue_at: EventTime,
    },
    Overdue,
}

pub(super) fn rotation(key: &CredentialRecord, limit_days: u32, now: EventTime) -> Rotation {
    match facts::age_start(key) {
        None => Rotation::Unknown,
        Some(start) if is_beyond(start, limit_days, now) => Rotation::Overdue,
        Some(start) => Rotation::Due {
            overdue_at: first_instant_beyond(start, limit_days),
        },
    }
}

/// "access key AKIA... last rotated 2024-01-02, 412 days ago".
fn age_text(key: &CredentialRecord, now: EventTime) -> String {
    match (key.last_rotated, key.created_at) {
        (Some(rotated), _) => format!("access key {} last rotated {}", key.id, when(rotated, now)),
        (None, Some(created)) => format!("access key {} created {}", key.id, when(created, now)),
        (None, None) => format!(
            "access key {}: age unknown (no rotation or creation time seen)",
            key.id
        ),
    }
}

pub(super) fn not_rotated(input: &Input<'_>) -> Option<Check> {
    let record = input.record;
    if !facts::holds_long_term_credentials(record) {
        return None;
    }
    let limit = input.config.key_rotation_days;
    let mut overdue = Vec::new();
    let mut others = Vec::new();
    let mut next_overdue: Option<EventTime> = None;
    for key in facts::active_long_term_keys(record) {
        match rotation(key, limit, input.now) {
            Rotation::Overdue => overdue.push(age_text(key, input.now)),
            Rotation::Due { overdue_at } => {
                next_overdue = Some(next_overdue.map_or(overdue_at, |next| next.min(overdue_at)));
                others.push(age_text(key, input.now));
            }
            Rotation::Unknown => others.push(age_text(key, input.now)),
        }
    }
    if !overdue.is_empty() {
        return Some(Check::fail(format!(
            "{}; limit {limit} days",
            overdue.join("; ")
        )));
    }
    if others.is_empty() {
        return Some(Check::pass("no active access key"));
    }
    let detail = format!("{}; limit {limit} days", others.join("; "));
    Some(Check::pass(detail).flipping_at(next_overdue.and_then(|at| after(at, input.now))))
}

pub(super) fn two_active(input: &Input<'_>) -> Option<Check> {
    let record = input.record;
    if !facts::holds_long_term_credentials(record) {
        return None;
    }
    let keys: Vec<&str> = facts::active_long_term_keys(record)
        .map(|key| key.id.as_str())
        .collect();
    let detail = match keys.len() {
        0 => "no active access key".to_owned(),
        count => format!("{count} active access keys: {}", keys.join(", ")),
    };
    if keys.len() > 1 {
        Some(Check::fail(detail))
    } else {
        Some(Check::pass(detail))
    }
}

/// Where a key stands against the unused limit.
enum Idle {
    /// Never used, and neither a rotation nor a creation time is known.
    Unknown,
    /// Younger than the grace period; may fail from `flags_at` on.
    Fresh {
        flags_at: EventTime,
    },
    /// Used, or created, within the limit; fails from `flags_at` on.
    Used {
        flags_at: EventTime,
    },
    Unused,
}

fn idle(key: &CredentialRecord, input: &Input<'_>) -> Idle {
    let config = input.config;
    let start = facts::age_start(key);
    let Some(reference) = key.last_used.or(start) else {
        return Idle::Unknown;
    };
    let grace_ends_at = start.map(|start| first_instant_beyond(start, config.new_key_grace_days));
    let unused_at = first_instant_beyond(reference, config.key_unused_days);
    let flags_at = grace_ends_at.map_or(unused_at, |grace| grace.max(unused_at));
    if input.now >= flags_at {
        Idle::Unused
    } else if grace_ends_at.is_some_and(|grace| input.now < grace) {
        Idle::Fresh { flags_at }
    } else {
        Idle::Used { flags_at }
    }
}

fn use_text(key: &CredentialRecord, now: EventTime) -> String {
    match key.last_used {
        Some(used) => format!("access key {} last used {}", key.id, when(used, now)),
        None => format!("{}, never used", age_text(key, now)),
    }
}

pub(super) fn unused(input: &Input<'_>) -> Option<Check> {
    let record = input.record;
    if !facts::holds_long_term_credentials(record) {
        return None;
    }
    let limit = input.config.key_unused_days;
    let grace = input.config.new_key_grace_days;
    let mut unused = Vec::new();
    let mut others = Vec::new();
    let mut next_flag: Option<EventTime> = None;
    for key in facts::active_long_term_keys(record) {
        let state = idle(key, input);
        let flags_at = match state {
            Idle::Unused => {
                unused.push(use_text(key, input.now));
                continue;
            }
            Idle::Unknown => {
                others.push(format!("access key {}: never used, age unknown", key.id));
                continue;
            }
            Idle::Fresh { flags_at } => {
                others.push(format!(
                    "{}, within the {grace}-day grace period for new keys",
                    use_text(key, input.now)
                ));
                flags_at
            }
            Idle::Used { flags_at } => {
                others.push(use_text(key, input.now));
                flags_at
            }
        };
        next_flag = Some(next_flag.map_or(flags_at, |next| next.min(flags_at)));
    }
    if !unused.is_empty() {
        return Some(Check::fail(format!(
            "{}; limit {limit} days",
            unused.join("; ")
        )));
    }
    if others.is_empty() {
        return Some(Check::pass("no active access key"));
    }
    let detail = format!("{}; limit {limit} days", others.join("; "));
    Some(Check::pass(detail).flipping_at(next_flag.and_then(|at| after(at, input.now))))
}

pub(super) fn created_with_user(input: &Input<'_>) -> Option<Check> {
    let record = input.record;
    if !facts::holds_long_term_credentials(record) {
        return None;
    }
    let window_seconds = input.config.key_at_creation_window_seconds;
    let window_ms = i64::from(window_seconds) * EventTime::MILLIS_PER_SECOND;
    let keys: Vec<&CredentialRecord> = record
        .credentials
        .iter()
        .filter(|key| key.kind == facts::ACCESS_KEY && key.status != facts::DELETED)
        .collect();
    if keys.is_empty() {
        return Some(Check::pass("no access key"));
    }
    let Some(user_created) = record.created_at else {
        return Some(Check::pass("user creation time unknown"));
    };
    let mut with_user = Vec::new();
    for key in keys {
        let Some(key_time) = facts::age_start(key) else {
            continue;
        };
        let gap_ms = key_time.saturating_sub(user_created);
        if (0..window_ms).contains(&gap_ms) {
            with_user.push(format!(
                "access key {} created {} s after the user ({})",
                key.id,
                gap_ms / EventTime::MILLIS_PER_SECOND,
                key_time
            ));
        }
    }
    if with_user.is_empty() {
        return Some(Check::pass(format!(
            "no access key created within {window_seconds} s of the user's creation ({user_created})"
        )));
    }
    Some(Check::fail(format!(
        "{}; window {window_seconds} s",
        with_user.join("; ")
    )))
}

//! Toxic combinations: weaknesses that are each tolerable alone but together
//! make an identity an easy and rewarding target.

use ispm_model::{EventTime, PrivilegeLevel};

use super::keys::{Rotation, rotation};
use super::{Check, Input, when};
use crate::facts;
use crate::time::{after, first_instant_beyond, is_beyond};

pub(super) fn stale_admin_unrotated_key(input: &Input<'_>) -> Option<Check> {
    let record = input.record;
    if !facts::holds_long_term_credentials(record)
        || facts::effective_privilege(record) != PrivilegeLevel::Admin
    {
        return None;
    }
    let config = input.config;
    let now = input.now;

    let last_activity = facts::last_activity(record);
    let stale = last_activity.is_some_and(|last| is_beyond(last, config.inactive_days, now));
    // When the identity turns stale with no change to the record.
    let stale_at = if stale {
        Some(now)
    } else {
        last_activity.map(|last| first_instant_beyond(last, config.inactive_days))
    };

    let mut overdue_keys = Vec::new();
    let mut key_overdue_at: Option<EventTime> = None;
    for key in facts::active_long_term_keys(record) {
        match rotation(key, config.key_rotation_days, now) {
            Rotation::Overdue => overdue_keys.push(key),
            Rotation::Due { overdue_at } => {
                key_overdue_at =
                    Some(key_overdue_at.map_or(overdue_at, |next| next.min(overdue_at)));
            }
            Rotation::Unknown => {}
        }
    }
    if !overdue_keys.is_empty() {
        key_overdue_at = Some(now);
    }

    let activity = last_activity.map_or_else(
        || "no activity known".to_owned(),
        |last| format!("last activity {}", when(last, now)),
    );
    let keys = if overdue_keys.is_empty() {
        "no active access key past the rotation limit".to_owned()
    } else {
        let texts: Vec<String> = overdue_keys
            .iter()
            .map(|key| {
                let start = facts::age_start(key).map_or_else(String::new, |start| {
                    format!(" last rotated {}", when(start, now))
                });
                format!("access key {}{start}", key.id)
            })
            .collect();
        texts.join("; ")
    };
    let detail = format!(
        "admin; {activity} (limit {} days); {keys} (limit {} days)",
        config.inactive_days, config.key_rotation_days
    );
    if stale && !overdue_keys.is_empty() {
        return Some(Check::fail(detail));
    }
    let flips_at = match (stale_at, key_overdue_at) {
        (Some(stale_at), Some(key_at)) => after(stale_at.max(key_at), now),
        _ => None,
    };
    Some(Check::pass(detail).flipping_at(flips_at))
}

pub(super) fn privileged_nhi_external_long_lived_key(input: &Input<'_>) -> Option<Check> {
    let record = input.record;
    let privilege = facts::effective_privilege(record);
    if !facts::holds_long_term_credentials(record) || !facts::is_privileged(privilege) {
        return None;
    }
    let keys: Vec<&str> = facts::active_long_term_keys(record)
        .map(|key| key.id.as_str())
        .collect();
    let external = facts::external_networks(record).next();
    let key_text = if keys.is_empty() {
        "no active access key".to_owned()
    } else {
        format!("active access key {}", keys.join(", "))
    };
    let network_text = match external {
        Some(consumer) => format!(
            "used from an external network {} times, last {}",
            consumer.count,
            when(consumer.last_seen, input.now)
        ),
        None => "no use from an external network seen".to_owned(),
    };
    let detail = format!("{} rights; {key_text}; {network_text}", privilege.as_str());
    if !keys.is_empty() && external.is_some() {
        Some(Check::fail(detail))
    } else {
        Some(Check::pass(detail))
    }
}

//! The coarse privilege level of an identity and how it was derived.
//!
//! Levels only go up from events: an identity that was once seen with admin
//! rights stays admin in the inventory until a snapshot states another level,
//! because CloudTrail shows grants reliably but not every revocation.

use ispm_model::{IdentityEvent, IdentityKind, PrivilegeLevel};

use crate::config::PrivilegeConfig;
use crate::state::{EventHashCache, IdentityState, OptionalHash};

/// IAM and STS calls that change who can do what. An identity that made one
/// successfully has at least privileged rights.
const PRIVILEGED_ACTION_PREFIXES: &[&str] = &[
    "Attach",
    "Put",
    "Create",
    "Update",
    "Delete",
    "Add",
    "Remove",
    "Detach",
    "PassRole",
    "SetDefaultPolicyVersion",
];

/// Role names AWS sets up with full administrator rights.
const ADMIN_ROLE_PATTERNS: &[&str] = &[
    "AWSReservedSSO_AdministratorAccess",
    "OrganizationAccountAccessRole",
];

/// Raises the identity's level to `level` when that is higher, with the reason.
pub(crate) fn raise(
    state: &mut IdentityState,
    level: PrivilegeLevel,
    reason: impl FnOnce() -> String,
) {
    if level > state.posture.privilege {
        state.posture.privilege = level;
        state.posture.details_mut().privilege_reason = reason();
        state.inventory_dirty = true;
    }
}

/// Updates the actor's level from one of its own events: root, well-known
/// administrator roles, and successful IAM changes.
pub(crate) fn observe_actor(
    state: &mut IdentityState,
    event: &IdentityEvent,
    hash_cache: &mut EventHashCache,
) {
    if state.posture.privilege == PrivilegeLevel::Admin {
        return;
    }
    if state.kind == IdentityKind::Root {
        raise(state, PrivilegeLevel::Admin, || {
            "account root user: full control of the account".to_owned()
        });
        return;
    }
    if let Some(pattern) = admin_role_pattern(state, event, hash_cache) {
        raise(state, PrivilegeLevel::Admin, || {
            format!("acts through {pattern}, an AWS role with AdministratorAccess")
        });
        return;
    }
    if state.posture.privilege < PrivilegeLevel::Privileged
        && event.succeeded()
        && event.service == "iam.amazonaws.com"
        && PRIVILEGED_ACTION_PREFIXES
            .iter()
            .any(|prefix| event.action.starts_with(prefix))
    {
        raise(state, PrivilegeLevel::Privileged, || {
            format!(
                "made the IAM change {} (event {})",
                event.action, event.event_id
            )
        });
    }
}

/// Returns the administrator role pattern in the role or ARN the event was
/// made with. Skips the search when the identity's last event had the same
/// text, because the answer depends on the text alone.
fn admin_role_pattern(
    state: &mut IdentityState,
    event: &IdentityEvent,
    hash_cache: &mut EventHashCache,
) -> Option<&'static str> {
    let role = event
        .actor
        .via_role
        .as_deref()
        .or(event.actor.arn.as_deref())?;
    // Consecutive events mostly come from the same role, and comparing
    // its text with the last one costs less than hashing it again.
    let hash = hash_cache.role_hash(role);
    if state.role_without_admin.is(hash) {
        return None;
    }
    let pattern = ADMIN_ROLE_PATTERNS
        .iter()
        .copied()
        .find(|pattern| contains_pattern(role, pattern));
    if pattern.is_none() {
        state.role_without_admin = OptionalHash::new(hash);
    }
    pattern
}

/// Returns what `text.contains(pattern)` returns. The pattern is compared
/// only where `text` has its first character, because `str::contains` sets
/// up a string searcher on every call. That set-up costs more than this scan
/// of a short ARN, and the check runs on every event of a non-admin identity.
fn contains_pattern(text: &str, pattern: &str) -> bool {
    let Some(first) = pattern.chars().next() else {
        return true;
    };
    text.match_indices(first)
        .any(|(start, _)| text[start..].starts_with(pattern))
}

/// Returns the level an attached managed policy grants, by its name.
pub(crate) fn policy_level(config: &PrivilegeConfig, policy: &str) -> PrivilegeLevel {
    if config.admin_policies.iter().any(|admin| admin == policy) {
        PrivilegeLevel::Admin
    } else if policy.contains("FullAccess") {
        PrivilegeLevel::Privileged
    } else {
        PrivilegeLevel::Standard
    }
}

/// Returns the level membership of a group grants, by its name.
pub(crate) fn group_level(config: &PrivilegeConfig, group: &str) -> PrivilegeLevel {
    let lower = group.to_ascii_lowercase();
    if config
        .admin_group_patterns
        .iter()
        .any(|pattern| lower.contains(&pattern.to_ascii_lowercase()))
    {
        PrivilegeLevel::Admin
    } else {
        PrivilegeLevel::Standard
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_pattern_matches_str_contains() {
        let texts = [
            "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_AdministratorAccess_0a1b/jane",
            "arn:aws:iam::123456789012:role/OrganizationAccountAccessRole",
            "arn:aws:iam::123456789012:role/AWSReservedSSO_ReadOnly_0a1b",
            "AAAWSReservedSSO_AdministratorAccess",
            "OrganizationAccountAccess",
            "",
        ];
        for text in texts {
            for pattern in ADMIN_ROLE_PATTERNS.iter().copied().chain(["", "é"]) {
                assert_eq!(
                    contains_pattern(text, pattern),
                    text.contains(pattern),
                    "{pattern:?} in {text:?}"
                );
            }
        }
    }
}

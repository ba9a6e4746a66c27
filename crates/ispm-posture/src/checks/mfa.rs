//! MFA policies of people and IAM users. They do not apply while no snapshot
//! has reported the MFA state: events alone cannot tell.

use super::{Check, Input};
use crate::facts;

/// "the snapshot of 2024-01-02", naming where the MFA state came from.
pub(super) fn mfa_source(input: &Input<'_>) -> String {
    match input.record.snapshot_as_of {
        Some(as_of) => format!("the snapshot of {}", crate::time::date(as_of)),
        None => "the newest snapshot".to_owned(),
    }
}

pub(super) fn privileged_without_mfa(input: &Input<'_>) -> Option<Check> {
    let record = input.record;
    let privilege = facts::effective_privilege(record);
    if !facts::is_privileged(privilege) {
        return None;
    }
    let mfa_active = record.mfa_active?;
    let reason = if record.privilege_reason.is_empty() {
        String::new()
    } else {
        format!(" ({})", record.privilege_reason)
    };
    let source = mfa_source(input);
    let rights = privilege.as_str();
    if mfa_active {
        Some(Check::pass(format!(
            "{rights} rights{reason}; {source} reports MFA active"
        )))
    } else {
        Some(Check::fail(format!(
            "{rights} rights{reason}; {source} reports MFA inactive"
        )))
    }
}

pub(super) fn console_password_without_mfa(input: &Input<'_>) -> Option<Check> {
    let record = input.record;
    if !facts::holds_long_term_credentials(record) {
        return None;
    }
    let mfa_active = record.mfa_active?;
    let source = mfa_source(input);
    match (facts::active_console_password(record), mfa_active) {
        (None, _) => Some(Check::pass("no active console password")),
        (Some(_), true) => Some(Check::pass(format!(
            "active console password; {source} reports MFA active"
        ))),
        (Some(_), false) => Some(Check::fail(format!(
            "active console password; {source} reports MFA inactive"
        ))),
    }
}

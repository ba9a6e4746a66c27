//! Policies of console passwords.

use super::{Check, Input, when};
use crate::facts;
use crate::time::{after, first_instant_beyond, is_beyond};

pub(super) fn unused(input: &Input<'_>) -> Option<Check> {
    let record = input.record;
    if !facts::holds_long_term_credentials(record) {
        return None;
    }
    let limit = input.config.password_unused_days;
    let Some(password) = facts::active_console_password(record) else {
        return Some(Check::pass("no active console password"));
    };
    let (reference, text) = match (password.last_used, facts::age_start(password)) {
        (Some(used), _) => (
            used,
            format!("console password last used {}", when(used, input.now)),
        ),
        (None, Some(changed)) => (
            changed,
            format!(
                "console password never used, last changed {}",
                when(changed, input.now)
            ),
        ),
        (None, None) => {
            return Some(Check::pass(
                "console password never used, change time unknown",
            ));
        }
    };
    let detail = format!("{text}; limit {limit} days");
    if is_beyond(reference, limit, input.now) {
        return Some(Check::fail(detail));
    }
    let flags_at = first_instant_beyond(reference, limit);
    Some(Check::pass(detail).flipping_at(after(flags_at, input.now)))
}

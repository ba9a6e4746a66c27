//! The checks behind the built-in policies. Each takes a record and the event
//! time and returns `None` when the policy does not apply to the record (the
//! identity kind is filtered before, by the catalogue's `applies_to`).

mod identity;
mod keys;
mod mfa;
mod passwords;
mod root;
mod toxic;

use ispm_model::{EventTime, InventoryRecord};

use crate::catalogue::BuiltinId;
use crate::config::PolicyConfig;

/// The result of one check on one record.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Check {
    pub violated: bool,
    /// The values the outcome rests on, for the finding description.
    pub detail: String,
    /// The first event time after `now` at which the outcome flips if the
    /// record does not change; `None` when time alone cannot flip it.
    pub flips_at: Option<EventTime>,
}

impl Check {
    fn pass(detail: impl Into<String>) -> Self {
        Check {
            violated: false,
            detail: detail.into(),
            flips_at: None,
        }
    }

    fn fail(detail: impl Into<String>) -> Self {
        Check {
            violated: true,
            detail: detail.into(),
            flips_at: None,
        }
    }

    fn flipping_at(mut self, flips_at: Option<EventTime>) -> Self {
        self.flips_at = flips_at;
        self
    }
}

/// What a check reads.
pub(crate) struct Input<'a> {
    pub record: &'a InventoryRecord,
    pub now: EventTime,
    pub config: &'a PolicyConfig,
}

/// Runs the check of one built-in policy.
pub(crate) fn run(id: BuiltinId, input: &Input<'_>) -> Option<Check> {
    match id {
        BuiltinId::RootAccountUsed => root::account_used(input),
        BuiltinId::RootAccessKeys => root::access_keys(input),
        BuiltinId::RootWithoutMfa => root::without_mfa(input),
        BuiltinId::PrivilegedWithoutMfa => mfa::privileged_without_mfa(input),
        BuiltinId::ConsolePasswordWithoutMfa => mfa::console_password_without_mfa(input),
        BuiltinId::AccessKeyNotRotated => keys::not_rotated(input),
        BuiltinId::TwoActiveAccessKeys => keys::two_active(input),
        BuiltinId::AccessKeyUnused => keys::unused(input),
        BuiltinId::AccessKeyCreatedWithUser => keys::created_with_user(input),
        BuiltinId::ConsolePasswordUnused => passwords::unused(input),
        BuiltinId::IdentityInactiveEnabled => identity::inactive_enabled(input),
        BuiltinId::NhiWithoutOwner => identity::nhi_without_owner(input),
        BuiltinId::NhiWithConsolePassword => identity::nhi_with_console_password(input),
        BuiltinId::HumanUsingNhiCredential => identity::human_using_nhi_credential(input),
        BuiltinId::ToxicStaleAdminUnrotatedKey => toxic::stale_admin_unrotated_key(input),
        BuiltinId::ToxicPrivilegedNhiExternalLongLivedKey => {
            toxic::privileged_nhi_external_long_lived_key(input)
        }
    }
}

/// "2024-01-02, 412 days ago", the way details cite a time.
fn when(time: EventTime, now: EventTime) -> String {
    let days = crate::time::days_between(time, now);
    let date = crate::time::date(time);
    match days {
        0 => format!("{date}, today"),
        1 => format!("{date}, 1 day ago"),
        days if days < 0 => format!("{date}, in the future"),
        days => format!("{date}, {days} days ago"),
    }
}

#[cfg(test)]
mod tests;

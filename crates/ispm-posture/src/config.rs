//! Policy settings: thresholds of the built-in policies, per-policy overrides
//! and custom policies. [`crate::PolicySet::new`] checks them and reports
//! every invalid entry at once.

use std::collections::BTreeMap;

use ispm_model::{IdentityKind, Severity};
use serde::{Deserialize, Serialize};

/// CIS AWS Foundations 1.14, PCI DSS 4.0 8.3.9 and Panther's
/// `AWS.AccessKey.Rotation` all rotate credentials at least every 90 days.
pub const DEFAULT_KEY_ROTATION_DAYS: u32 = 90;
/// Panther's `AWS.AccessKey.Unused` uses 90 days. CIS AWS Foundations 1.12
/// asks for 45; lower this to follow it.
pub const DEFAULT_KEY_UNUSED_DAYS: u32 = 90;
/// A key is often created a few days before the deployment that first uses
/// it; a week covers a release cycle without hiding forgotten keys for long.
pub const DEFAULT_NEW_KEY_GRACE_DAYS: u32 = 7;
/// Panther's `AWS.Password.Unused` uses 90 days.
pub const DEFAULT_PASSWORD_UNUSED_DAYS: u32 = 90;
/// PCI DSS 4.0 8.2.6 removes or disables accounts inactive for 90 days.
pub const DEFAULT_INACTIVE_DAYS: u32 = 90;
/// CIS AWS Foundations 1.2 benchmark queries report root use in the last 30
/// days. A violation stays open that long after the last use, long enough
/// for a review; the engine's root detector raises the alert on the use
/// itself.
pub const DEFAULT_ROOT_USED_DAYS: u32 = 30;
/// The console creates a user and its first key in one request, seconds
/// apart (Panther's `AWS.AccessKeys.AccountCreation` allows 7 seconds).
/// Credential reports and CloudTrail have one-second resolution, so 10
/// seconds leaves room for rounding while a key made by hand a minute later
/// still passes.
pub const DEFAULT_KEY_AT_CREATION_WINDOW_SECONDS: u32 = 10;

/// Longest threshold in days that the checks accept: ten years.
pub const MAX_THRESHOLD_DAYS: u32 = 3650;
/// Longest window for `key_at_creation_window_seconds`: one hour.
pub const MAX_KEY_AT_CREATION_WINDOW_SECONDS: u32 = 3600;

/// Settings of the posture policies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyConfig {
    /// Days after which an active long-term access key must have been
    /// rotated (`access_key_not_rotated`, `toxic_stale_admin_unrotated_key`).
    /// 1 to 3650; default [`DEFAULT_KEY_ROTATION_DAYS`].
    pub key_rotation_days: u32,
    /// Days an active access key may go unused (`access_key_unused`). 1 to
    /// 3650; default [`DEFAULT_KEY_UNUSED_DAYS`].
    pub key_unused_days: u32,
    /// Days after its creation or rotation during which `access_key_unused`
    /// never fails for a key. 0 to `key_unused_days`; default
    /// [`DEFAULT_NEW_KEY_GRACE_DAYS`].
    pub new_key_grace_days: u32,
    /// Days an active console password may go unused
    /// (`console_password_unused`). 1 to 3650; default
    /// [`DEFAULT_PASSWORD_UNUSED_DAYS`].
    pub password_unused_days: u32,
    /// Days without activity after which an enabled identity is stale
    /// (`identity_inactive_enabled`, `toxic_stale_admin_unrotated_key`, the
    /// stale share of the posture summaries). 1 to 3650; default
    /// [`DEFAULT_INACTIVE_DAYS`].
    pub inactive_days: u32,
    /// Days after the root user's last use during which `root_account_used`
    /// fails. 1 to 3650; default [`DEFAULT_ROOT_USED_DAYS`].
    pub root_used_days: u32,
    /// Seconds after a user's creation within which a new access key counts
    /// as created with the user (`access_key_created_with_user`). 1 to 3600;
    /// default [`DEFAULT_KEY_AT_CREATION_WINDOW_SECONDS`].
    pub key_at_creation_window_seconds: u32,
    /// Per-policy changes keyed by policy id, built-in or custom: switch a
    /// policy off or change its severity. An unknown id is an error.
    pub overrides: BTreeMap<String, PolicyOverride>,
    /// Policies written in the condition language, checked after the
    /// built-in ones.
    pub custom: Vec<CustomPolicy>,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            key_rotation_days: DEFAULT_KEY_ROTATION_DAYS,
            key_unused_days: DEFAULT_KEY_UNUSED_DAYS,
            new_key_grace_days: DEFAULT_NEW_KEY_GRACE_DAYS,
            password_unused_days: DEFAULT_PASSWORD_UNUSED_DAYS,
            inactive_days: DEFAULT_INACTIVE_DAYS,
            root_used_days: DEFAULT_ROOT_USED_DAYS,
            key_at_creation_window_seconds: DEFAULT_KEY_AT_CREATION_WINDOW_SECONDS,
            overrides: BTreeMap::new(),
            custom: Vec::new(),
        }
    }
}

/// A change to one policy; fields left out keep the policy's own value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyOverride {
    /// `false` switches the policy off: it is no longer checked and its open
    /// violations resolve.
    pub enabled: Option<bool>,
    /// Severity of the policy's findings and of its weight in risk and
    /// posture scores.
    pub severity: Option<Severity>,
}

/// A policy written in the condition language (CEL), documented in
/// `docs/policies.md`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomPolicy {
    /// Policy id: lowercase letters, digits and `_`, starting with a letter,
    /// at most 64 characters, unique among built-in and custom policies.
    pub id: String,
    /// Finding title.
    pub title: String,
    /// What the policy checks and why; the finding description starts with
    /// it.
    #[serde(default)]
    pub description: String,
    pub severity: Severity,
    /// What to do about a violation.
    #[serde(default)]
    pub remediation: String,
    /// Compliance controls as `FRAMEWORK:CONTROL`, e.g. `SOC 2:CC6.1` or
    /// `NIST 800-53:AC-2(3)`.
    #[serde(default)]
    pub controls: Vec<String>,
    /// Identity kinds the policy applies to; empty applies it to every kind.
    #[serde(default)]
    pub applies_to: Vec<IdentityKind>,
    /// CEL expression over `identity` and `now` that is true when the
    /// identity violates the policy.
    pub condition: String,
}

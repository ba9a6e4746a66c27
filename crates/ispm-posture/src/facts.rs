//! Facts about an inventory record that several policies, the risk score and
//! the posture summaries share, so that they all read a record the same way.

use ispm_model::{
    ConsumerRecord, CredentialRecord, EventTime, IdentityKind, InventoryRecord, NhiType,
    PrivilegeLevel, SOURCE_CREDENTIAL_REPORT,
};

/// Credential kinds and statuses as the inventory records write them.
pub(crate) const ACCESS_KEY: &str = "access_key";
pub(crate) const CONSOLE_PASSWORD: &str = "console_password";
pub(crate) const CERTIFICATE: &str = "certificate";
pub(crate) const ACTIVE: &str = "active";
pub(crate) const DELETED: &str = "deleted";

/// User agents that mark an interactive console session rather than code:
/// the console's sign-in service, the console itself and the value some
/// services record for calls the console makes for the person signed in.
const CONSOLE_USER_AGENTS: [&str; 3] = [
    "signin.amazonaws.com",
    "console.amazonaws.com",
    "AWS Internal",
];

/// The consumer attribute and value the enrichment sets for callers outside
/// AWS.
pub(crate) const NETWORK_ATTRIBUTE: &str = "network";
pub(crate) const NETWORK_EXTERNAL: &str = "external";

pub(crate) fn is_active(credential: &CredentialRecord) -> bool {
    credential.status == ACTIVE
}

/// Active long-term access keys (`AKIA...`); temporary keys are left out
/// because they expire on their own.
pub(crate) fn active_long_term_keys(
    record: &InventoryRecord,
) -> impl Iterator<Item = &CredentialRecord> {
    record
        .credentials
        .iter()
        .filter(|credential| credential.kind == ACCESS_KEY && is_active(credential))
}

pub(crate) fn active_console_password(record: &InventoryRecord) -> Option<&CredentialRecord> {
    record
        .credentials
        .iter()
        .find(|credential| credential.kind == CONSOLE_PASSWORD && is_active(credential))
}

/// Returns the time a credential's age counts from: its last rotation as a
/// snapshot reported it, else its creation as an event showed it. `None` when
/// neither is known, so its age is unknown.
pub(crate) fn age_start(credential: &CredentialRecord) -> Option<EventTime> {
    credential.last_rotated.or(credential.created_at)
}

/// Returns the newest sign of use: an event of the identity or a
/// credential's last use.
pub(crate) fn last_use(record: &InventoryRecord) -> Option<EventTime> {
    let credential_use = record
        .credentials
        .iter()
        .filter_map(|credential| credential.last_used)
        .max();
    record.last_seen.max(credential_use)
}

/// Returns the newest sign of life for inactivity: last use, or creation
/// when the identity was never used.
pub(crate) fn last_activity(record: &InventoryRecord) -> Option<EventTime> {
    last_use(record).max(record.created_at)
}

/// Returns the privilege level that counts for policies and risk. The root
/// user always has full control of its account, whatever level its record
/// carries.
pub(crate) fn effective_privilege(record: &InventoryRecord) -> PrivilegeLevel {
    if record.kind == IdentityKind::Root {
        PrivilegeLevel::Admin
    } else {
        record.privilege
    }
}

pub(crate) fn is_privileged(level: PrivilegeLevel) -> bool {
    matches!(level, PrivilegeLevel::Privileged | PrivilegeLevel::Admin)
}

/// True for identities that can hold long-term credentials: the root user
/// and IAM users. Roles, sessions and SSO people cannot, so the key and
/// password policies do not apply to them and do not count them as passing.
///
/// An IAM user is recognised by `:user/` in its id or ARN, by a long-term
/// credential on the record, or by a credential report that listed it.
pub(crate) fn holds_long_term_credentials(record: &InventoryRecord) -> bool {
    record.kind == IdentityKind::Root
        || record.identity.as_str().contains(":user/")
        || record
            .arn
            .as_deref()
            .is_some_and(|arn| arn.contains(":user/"))
        || record.credentials.iter().any(|credential| {
            matches!(
                credential.kind.as_str(),
                ACCESS_KEY | CONSOLE_PASSWORD | CERTIFICATE
            )
        })
        || record
            .sources
            .iter()
            .any(|source| source == SOURCE_CREDENTIAL_REPORT)
}

/// True for non-human identities the organisation runs and so should own:
/// AWS services and other accounts acting as principals are not its own.
pub(crate) fn is_own_non_human(record: &InventoryRecord) -> bool {
    record.kind.is_non_human()
        && !matches!(
            record.nhi_type,
            Some(NhiType::AwsService | NhiType::Account)
        )
}

/// True for identities that can sit unused while enabled and be disabled:
/// every kind but root, AWS services, other accounts, federated sessions and
/// workload sessions, whose records naturally go quiet when the caller stops.
pub(crate) fn can_go_stale(record: &InventoryRecord) -> bool {
    record.kind != IdentityKind::Root
        && !matches!(
            record.nhi_type,
            Some(
                NhiType::AwsService | NhiType::Account | NhiType::FederatedUser | NhiType::Workload
            )
        )
}

/// True for non-human identities that no person should drive by hand:
/// service users, workload sessions, AI agents and non-human identities of
/// unknown type. Roles are left out because people assume roles from the
/// console as a matter of course.
pub(crate) fn is_automation_identity(record: &InventoryRecord) -> bool {
    let automation_type = matches!(
        record.nhi_type,
        None | Some(NhiType::ServiceUser | NhiType::Workload)
    );
    record.kind == IdentityKind::AiAgent || (record.kind.is_non_human() && automation_type)
}

/// True for a user agent of a web browser or of the AWS console.
pub(crate) fn is_interactive_user_agent(user_agent: &str) -> bool {
    let trimmed = user_agent.trim();
    trimmed.starts_with("Mozilla/") || CONSOLE_USER_AGENTS.contains(&trimmed)
}

/// Returns the first consumer whose user agent shows a person at a browser
/// or the console.
pub(crate) fn interactive_consumer(record: &InventoryRecord) -> Option<&ConsumerRecord> {
    record.consumers.iter().find(|consumer| {
        consumer.attribute == "user_agent" && is_interactive_user_agent(&consumer.value)
    })
}

/// Consumers that the enrichment placed outside AWS.
pub(crate) fn external_networks(record: &InventoryRecord) -> impl Iterator<Item = &ConsumerRecord> {
    record.consumers.iter().filter(|consumer| {
        consumer.attribute == NETWORK_ATTRIBUTE && consumer.value == NETWORK_EXTERNAL
    })
}

/// Distinct callers of the identity: its source addresses (or service names)
/// and named workloads. Other consumer attributes describe the same callers.
pub(crate) fn distinct_callers(record: &InventoryRecord) -> usize {
    record
        .consumers
        .iter()
        .filter(|consumer| matches!(consumer.attribute.as_str(), "source" | "workload"))
        .count()
}

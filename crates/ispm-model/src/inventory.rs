use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{EventTime, IdentityId, IdentityKind, NhiType};

/// The inventory record of one identity, published to the compacted
/// `ispm.inventory` topic keyed by `identity`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct InventoryRecord {
    pub identity: IdentityId,
    pub name: String,
    pub kind: IdentityKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nhi_type: Option<NhiType>,
    pub kind_reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// Who created the identity and with which event, when seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<IdentityId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<EventTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_event: Option<String>,
    pub first_seen: Option<EventTime>,
    pub last_seen: Option<EventTime>,
    pub event_count: u64,
    pub credentials: Vec<CredentialRecord>,
    pub consumers: Vec<ConsumerRecord>,
    /// Roles a person acted through.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub via_roles: Vec<String>,
    /// True when the consumer lists were capped and older entries dropped.
    #[serde(default)]
    pub consumers_truncated: bool,
    /// The team or person accountable for the identity, and where that came
    /// from (`tag:owner`, `owner_map`, `snapshot`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_source: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub privilege: PrivilegeLevel,
    /// How the privilege level was derived, for example "attached policy
    /// AdministratorAccess (AttachUserPolicy event 1b2c...)".
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub privilege_reason: String,
    /// False once a snapshot or an event shows the identity disabled or
    /// deleted (no active credential left).
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    /// MFA state as the newest snapshot or console sign-in reported it;
    /// `None` when neither did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_active: Option<bool>,
    /// Sources that contributed to the record: `events`, `aws_credential_report`,
    /// `inventory_json`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// Time of the newest snapshot merged into the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_as_of: Option<EventTime>,
}

fn enabled_by_default() -> bool {
    true
}

/// How much an identity can do, coarsely, for risk and blast radius.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum PrivilegeLevel {
    /// Nothing seen yet decides it.
    #[default]
    Unknown,
    Standard,
    /// Can change IAM, read secrets or act on many resources.
    Privileged,
    /// Full control of the account.
    Admin,
}

impl PrivilegeLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            PrivilegeLevel::Unknown => "unknown",
            PrivilegeLevel::Standard => "standard",
            PrivilegeLevel::Privileged => "privileged",
            PrivilegeLevel::Admin => "admin",
        }
    }
}

/// A credential seen in use or created for the identity.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct CredentialRecord {
    /// Access key id (`AKIA...` long-term, `ASIA...` temporary) or
    /// `console-password`.
    pub id: String,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<EventTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<IdentityId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_used: Option<EventTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<EventTime>,
    pub use_count: u64,
    /// `active`, `inactive` or `deleted`.
    pub status: String,
    /// When the credential was last created or rotated, as a snapshot
    /// reported it (`access_key_1_last_rotated`, `password_last_changed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_rotated: Option<EventTime>,
    /// The credential report slot (1 or 2) of an access key, until an event
    /// ties the slot to a key id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_service: Option<String>,
    /// Who used this long-term credential (source, user agent, region,
    /// service): what breaks when it is rotated. Empty for session keys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consumers: Vec<ConsumerRecord>,
    /// True when this credential's consumer list reached its cap.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub consumers_truncated: bool,
}

/// One consumer of an identity: a source address, user agent or region that
/// used it, with counts. These are what break when its credential rotates.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ConsumerRecord {
    /// `source` (IP address, or service name for calls AWS made), `asn`,
    /// `user_agent`, `region`, `service` (the AWS service called) or
    /// `workload` (instance or task named by a role session).
    pub attribute: String,
    pub value: String,
    pub count: u64,
    pub first_seen: EventTime,
    pub last_seen: EventTime,
}

//! What a configuration snapshot states about one identity at one time.
//!
//! Snapshots come from the AWS IAM credential report and from the JSON
//! inventory format documented in `schemas/inventory-snapshot.schema.json`.
//! The engine merges them with what events show: a snapshot sets owner,
//! MFA, rotation dates and status; a later event still moves last-used on.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{EventTime, IdentityId, IdentityKind, NhiType, PrivilegeLevel};

/// Source name of snapshots read from an IAM credential report.
pub const SOURCE_CREDENTIAL_REPORT: &str = "aws_credential_report";
/// Source name of snapshots read from the JSON inventory format.
pub const SOURCE_INVENTORY_JSON: &str = "inventory_json";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IdentitySnapshot {
    pub identity: IdentityId,
    pub name: String,
    /// `None` leaves the kind events gave, or the default for the id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<IdentityKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nhi_type: Option<NhiType>,
    /// Reason for the identity's kind, when the snapshot or its decoder gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// [`SOURCE_CREDENTIAL_REPORT`], [`SOURCE_INVENTORY_JSON`] or a name the
    /// JSON gives.
    pub source: String,
    /// The time the snapshot describes: a credential report's newest
    /// timestamp, or the `as_of` an inventory document states.
    pub as_of: EventTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<EventTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<IdentityId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_active: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privilege: Option<PrivilegeLevel>,
    /// Reason for that privilege, e.g. "managed policy AdministratorAccess".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privilege_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credentials: Vec<SnapshotCredential>,
}

/// One credential as a snapshot reports it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SnapshotCredential {
    /// The key id when the source has it; `access_key_1`, `access_key_2`,
    /// `cert_1`, `cert_2` or `console-password` for credential report slots.
    pub id: String,
    /// `access_key`, `console_password` or `certificate`.
    pub kind: String,
    pub active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<EventTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_rotated: Option<EventTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<EventTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_service: Option<String>,
}

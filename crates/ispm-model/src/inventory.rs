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
}

/// A credential seen in use or created for the identity.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
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
    pub status: String,
}

/// One consumer of an identity: a source address, user agent or region that
/// used it, with counts. These are what break when its credential rotates.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ConsumerRecord {
    /// `source` (IP address, or service name for calls AWS made), `user_agent`
    /// or `region`.
    pub attribute: String,
    pub value: String,
    pub count: u64,
    pub first_seen: EventTime,
    pub last_seen: EventTime,
}

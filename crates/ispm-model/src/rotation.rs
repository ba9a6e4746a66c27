//! Rotation impact: who used a credential recently, so its owners know what
//! breaks when it is rotated or disabled.

use serde::{Deserialize, Serialize};

use crate::{ConsumerRecord, EventTime, IdentityId, InventoryRecord};

const DAY_MS: i64 = 86_400_000;

/// The consumers of one credential seen within a window before `as_of`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RotationImpact {
    pub identity: IdentityId,
    pub credential: String,
    pub kind: String,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<EventTime>,
    pub window_days: u32,
    pub as_of: EventTime,
    /// Consumers seen within the window, by attribute, most used first.
    pub consumers: Vec<ConsumerRecord>,
    /// Consumers known but last seen before the window.
    pub older_consumers: usize,
    /// True when the consumer list reached its cap and older entries were
    /// dropped, so the list may be incomplete.
    pub truncated: bool,
    /// Explanation of the list for this kind of credential.
    pub note: String,
}

impl InventoryRecord {
    /// Returns the rotation impact of credential `credential` (key id,
    /// `console-password`, or a credential report slot such as
    /// `access_key_1`), or `None` when the identity has no such credential.
    pub fn rotation_impact(
        &self,
        credential: &str,
        as_of: EventTime,
        window_days: u32,
    ) -> Option<RotationImpact> {
        let slot = credential
            .strip_prefix("access_key_")
            .and_then(|slot| slot.parse::<u8>().ok());
        let record = self
            .credentials
            .iter()
            .find(|known| known.id == credential)
            .or_else(|| {
                // A report slot such as `access_key_1` that events have
                // since tied to its key id.
                self.credentials.iter().find(|known| {
                    slot.is_some() && known.slot == slot && known.kind == "access_key"
                })
            })?;
        let since = as_of
            .millis()
            .saturating_sub(i64::from(window_days) * DAY_MS);
        let (consumers, older): (Vec<&ConsumerRecord>, Vec<&ConsumerRecord>) = record
            .consumers
            .iter()
            .partition(|consumer| consumer.last_seen.millis() >= since);
        let note = match record.kind.as_str() {
            "temporary_access_key" => {
                "a session key expires by itself; rotate the role or user that issued it"
                    .to_owned()
            }
            "console_password" => {
                "a password change affects the people who sign in as this identity".to_owned()
            }
            _ if record.consumers.is_empty() => {
                "no use of this credential was seen in events; a credential report may still show use"
                    .to_owned()
            }
            _ => format!(
                "every consumer below used this credential in the last {window_days} days and \
                 needs the new one before the old one is disabled"
            ),
        };
        Some(RotationImpact {
            identity: self.identity.clone(),
            credential: record.id.clone(),
            kind: record.kind.clone(),
            status: record.status.clone(),
            last_used: record.last_used,
            window_days,
            as_of,
            consumers: consumers.into_iter().cloned().collect(),
            older_consumers: older.len(),
            truncated: record.consumers_truncated,
            note,
        })
    }
}

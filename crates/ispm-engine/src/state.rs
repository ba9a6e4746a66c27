//! What the engine keeps per identity.
//!
//! Every collection is capped, so an identity's state stays bounded whatever
//! its event volume. Values that only need a membership test are kept as
//! 64-bit hashes.

use std::collections::VecDeque;

use ispm_model::{
    ConsumerRecord, CredentialRecord, EventTime, IdentityId, IdentityKind, InventoryRecord, NhiType,
};

/// A capped set of value hashes with the time each was first seen.
#[derive(Clone, Debug, Default)]
pub(crate) struct SeenValues {
    values: Vec<(u64, EventTime)>,
    /// Set when the cap was reached: the attribute varies too much to
    /// report single new values.
    pub high_variance: bool,
}

impl SeenValues {
    pub fn contains(&self, hash: u64) -> bool {
        self.values.iter().any(|(value, _)| *value == hash)
    }

    /// Records a value; returns true when it was new.
    pub fn insert(&mut self, hash: u64, time: EventTime, cap: usize) -> bool {
        if self.contains(hash) {
            return false;
        }
        if self.values.len() >= cap {
            self.high_variance = true;
            return true;
        }
        self.values.push((hash, time));
        true
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }
}

/// Times of recent events of one kind within a sliding window.
#[derive(Clone, Debug, Default)]
pub(crate) struct Window {
    entries: VecDeque<(EventTime, u64, String)>,
}

impl Window {
    /// Adds an entry and drops those older than `width_ms` before `now`.
    /// Keeps at most `cap` entries.
    pub fn push(&mut self, now: EventTime, key: u64, event_id: &str, width_ms: i64, cap: usize) {
        while let Some((time, _, _)) = self.entries.front() {
            if now.saturating_sub(*time) > width_ms {
                self.entries.pop_front();
            } else {
                break;
            }
        }
        if self.entries.len() >= cap {
            self.entries.pop_front();
        }
        self.entries.push_back((now, key, event_id.to_owned()));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn distinct_keys(&self) -> usize {
        let mut keys: Vec<u64> = self.entries.iter().map(|(_, key, _)| *key).collect();
        keys.sort_unstable();
        keys.dedup();
        keys.len()
    }

    pub fn first_time(&self) -> Option<EventTime> {
        self.entries.front().map(|(time, _, _)| *time)
    }

    /// Event ids of the window, oldest first, at most `limit` of them.
    pub fn event_ids(&self, limit: usize) -> Vec<String> {
        self.entries
            .iter()
            .take(limit)
            .map(|(_, _, id)| id.clone())
            .collect()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

#[derive(Clone, Debug)]
pub(crate) struct CredentialState {
    pub record: CredentialRecord,
}

#[derive(Clone, Debug)]
pub(crate) struct Consumer {
    pub attribute: &'static str,
    pub value: String,
    pub count: u64,
    pub first_seen: EventTime,
    pub last_seen: EventTime,
}

/// Everything the engine knows about one identity.
#[derive(Clone, Debug)]
pub(crate) struct IdentityState {
    pub id: IdentityId,
    pub name: String,
    pub kind: IdentityKind,
    pub nhi_type: Option<NhiType>,
    pub kind_reason: String,
    pub account: Option<String>,
    pub arn: Option<String>,
    pub first_seen: Option<EventTime>,
    pub last_seen: Option<EventTime>,
    pub event_count: u64,
    pub created_by: Option<IdentityId>,
    pub created_at: Option<EventTime>,
    pub created_event: Option<String>,
    pub credentials: Vec<CredentialState>,
    pub consumers: Vec<Consumer>,
    pub consumers_truncated: bool,
    pub via_roles: Vec<String>,

    pub seen_networks: SeenValues,
    pub seen_user_agents: SeenValues,
    pub seen_regions: SeenValues,
    pub seen_actions: SeenValues,

    pub denied: Window,
    pub enumeration: Window,
    pub secrets: Window,

    /// Last time each (detector, rule, key) fired, for `repeat_window`.
    pub fired: Vec<(u64, EventTime)>,

    /// Set when the inventory record changed in a way worth publishing.
    pub inventory_dirty: bool,
    pub inventory_published_at: Option<EventTime>,
}

impl IdentityState {
    pub fn new(id: IdentityId, name: String, kind: IdentityKind, kind_reason: String) -> Self {
        IdentityState {
            id,
            name,
            kind,
            nhi_type: None,
            kind_reason,
            account: None,
            arn: None,
            first_seen: None,
            last_seen: None,
            event_count: 0,
            created_by: None,
            created_at: None,
            created_event: None,
            credentials: Vec::new(),
            consumers: Vec::new(),
            consumers_truncated: false,
            via_roles: Vec::new(),
            seen_networks: SeenValues::default(),
            seen_user_agents: SeenValues::default(),
            seen_regions: SeenValues::default(),
            seen_actions: SeenValues::default(),
            denied: Window::default(),
            enumeration: Window::default(),
            secrets: Window::default(),
            fired: Vec::new(),
            inventory_dirty: true,
            inventory_published_at: None,
        }
    }

    /// Records a consumer (source, user agent, region) of this identity.
    /// Returns true when the consumer is new.
    pub fn record_consumer(
        &mut self,
        attribute: &'static str,
        value: &str,
        time: EventTime,
        cap: usize,
    ) -> bool {
        if let Some(consumer) = self
            .consumers
            .iter_mut()
            .find(|consumer| consumer.attribute == attribute && consumer.value == value)
        {
            consumer.count += 1;
            consumer.last_seen = consumer.last_seen.max(time);
            return false;
        }
        let same_attribute = self
            .consumers
            .iter()
            .filter(|consumer| consumer.attribute == attribute)
            .count();
        if same_attribute >= cap {
            // Drop the least recently seen consumer of this attribute.
            if let Some(oldest) = self
                .consumers
                .iter()
                .enumerate()
                .filter(|(_, consumer)| consumer.attribute == attribute)
                .min_by_key(|(_, consumer)| consumer.last_seen)
                .map(|(index, _)| index)
            {
                self.consumers.remove(oldest);
                self.consumers_truncated = true;
            }
        }
        self.consumers.push(Consumer {
            attribute,
            value: value.to_owned(),
            count: 1,
            first_seen: time,
            last_seen: time,
        });
        true
    }

    pub fn credential_mut(&mut self, id: &str) -> Option<&mut CredentialState> {
        self.credentials
            .iter_mut()
            .find(|credential| credential.record.id == id)
    }

    /// Adds a credential, dropping the least recently used temporary one
    /// when the cap is reached. Long-term keys are kept before session keys.
    pub fn add_credential(&mut self, record: CredentialRecord, cap: usize) {
        if self.credentials.len() >= cap {
            let victim = self
                .credentials
                .iter()
                .enumerate()
                .min_by_key(|(_, credential)| {
                    (
                        credential.record.kind != "temporary_access_key",
                        credential.record.last_used,
                    )
                })
                .map(|(index, _)| index);
            if let Some(index) = victim {
                self.credentials.remove(index);
            }
        }
        self.credentials.push(CredentialState { record });
    }

    pub fn inventory_record(&self) -> InventoryRecord {
        let mut consumers: Vec<ConsumerRecord> = self
            .consumers
            .iter()
            .map(|consumer| ConsumerRecord {
                attribute: consumer.attribute.to_owned(),
                value: consumer.value.clone(),
                count: consumer.count,
                first_seen: consumer.first_seen,
                last_seen: consumer.last_seen,
            })
            .collect();
        consumers.sort_by(|a, b| {
            a.attribute
                .cmp(&b.attribute)
                .then(b.count.cmp(&a.count))
                .then(a.value.cmp(&b.value))
        });
        InventoryRecord {
            identity: self.id.clone(),
            name: self.name.clone(),
            kind: self.kind,
            nhi_type: self.nhi_type,
            kind_reason: self.kind_reason.clone(),
            account: self.account.clone(),
            arn: self.arn.clone(),
            created_by: self.created_by.clone(),
            created_at: self.created_at,
            created_event: self.created_event.clone(),
            first_seen: self.first_seen,
            last_seen: self.last_seen,
            event_count: self.event_count,
            credentials: self
                .credentials
                .iter()
                .map(|credential| credential.record.clone())
                .collect(),
            consumers,
            via_roles: self.via_roles.clone(),
            consumers_truncated: self.consumers_truncated,
        }
    }
}

/// FNV-1a, 64 bit: a fixed hash so state built from the same input is the
/// same on every run and every machine.
pub(crate) fn stable_hash(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.as_bytes() {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        hash ^= 0xff;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

//! Consumers of an identity or credential: the sources, user agents,
//! regions, networks, ASNs, services and workloads that used it, with counts.

use arcstr::ArcStr;
use ispm_model::{ConsumerRecord, EventTime};
use serde::{Deserialize, Serialize};
use serde_with::serde_as;

use crate::cold::{ColdTime, FixedHash, SharedText};

/// The attribute of the event a consumer was taken from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum ConsumerAttribute {
    Source,
    UserAgent,
    Region,
    Network,
    Asn,
    Service,
    Workload,
}

impl ConsumerAttribute {
    /// The number of attributes, so at most this many consumers per event.
    pub const COUNT: usize = 7;

    /// Every attribute, in the order of their `u8` values.
    const ALL: [ConsumerAttribute; Self::COUNT] = [
        ConsumerAttribute::Source,
        ConsumerAttribute::UserAgent,
        ConsumerAttribute::Region,
        ConsumerAttribute::Network,
        ConsumerAttribute::Asn,
        ConsumerAttribute::Service,
        ConsumerAttribute::Workload,
    ];

    /// Returns the attribute's name in inventory records.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsumerAttribute::Source => "source",
            ConsumerAttribute::UserAgent => "user_agent",
            ConsumerAttribute::Region => "region",
            ConsumerAttribute::Network => "network",
            ConsumerAttribute::Asn => "asn",
            ConsumerAttribute::Service => "service",
            ConsumerAttribute::Workload => "workload",
        }
    }
}

/// A consumer's attribute and value hash in one word: the attribute in the
/// top 8 bits and the low 56 bits of the hash below them. Two values of one
/// attribute whose hashes share their low 56 bits count as one consumer.
/// The chance of that is about 2^-56 per pair of values, against 2^-64
/// with the full hash.
#[serde_as]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct ConsumerKey(#[serde_as(as = "FixedHash")] u64);

const KEY_HASH_BITS: u32 = 56;
const KEY_HASH_MASK: u64 = (1 << KEY_HASH_BITS) - 1;

impl ConsumerKey {
    fn new(attribute: ConsumerAttribute, hash: u64) -> Self {
        ConsumerKey((u64::from(attribute as u8) << KEY_HASH_BITS) | (hash & KEY_HASH_MASK))
    }

    fn has_attribute(self, attribute: ConsumerAttribute) -> bool {
        self.0 >> KEY_HASH_BITS == u64::from(attribute as u8)
    }

    fn attribute(self) -> ConsumerAttribute {
        // Every key is built by `new` from an attribute, so the index is in
        // range.
        let index = usize::try_from(self.0 >> KEY_HASH_BITS).unwrap_or(0);
        ConsumerAttribute::ALL
            .get(index)
            .copied()
            .unwrap_or(ConsumerAttribute::Source)
    }

    /// Returns the low 56 bits of the value hash.
    fn hash(self) -> u64 {
        self.0 & KEY_HASH_MASK
    }
}

/// The counts and text of one consumer.
#[serde_as]
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Consumer {
    /// Shared with the other identities that have this consumer, from the
    /// engine's [`crate::intern::Interner`], except for addresses.
    #[serde_as(as = "SharedText")]
    value: ArcStr,
    count: u64,
    #[serde_as(as = "ColdTime")]
    first_seen: EventTime,
    #[serde_as(as = "ColdTime")]
    last_seen: EventTime,
}

/// A capped list of consumers; past the cap the least recently seen
/// consumer of the same attribute is dropped.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Consumers {
    /// The key of each consumer in `list`, at the same position. Kept
    /// apart, so that a search reads 8 bytes per consumer and not a whole
    /// entry, because the search runs for every event.
    keys: Vec<ConsumerKey>,
    list: Vec<Consumer>,
    /// Position of the consumer each attribute recorded last, tried before
    /// the keys are searched, because consecutive events of an identity
    /// mostly repeat their service, agent and source. A position that a
    /// removal made stale fails the check and costs one search.
    recent: [u16; ConsumerAttribute::COUNT],
    /// Set once a consumer was dropped for the cap.
    pub truncated: bool,
}

impl Consumers {
    /// Returns an empty list. A `const fn`, so that a static can be one.
    pub const fn new() -> Self {
        Consumers {
            keys: Vec::new(),
            list: Vec::new(),
            recent: [0; ConsumerAttribute::COUNT],
            truncated: false,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Records the consumers of one event, each identified by its attribute
    /// and the hash of its value. `value` builds the text of a new consumer
    /// only. Returns true when one of them is new.
    pub fn record_all(
        &mut self,
        observed: &[(ConsumerAttribute, u64)],
        mut value: impl FnMut(ConsumerAttribute) -> ArcStr,
        time: EventTime,
        cap: usize,
    ) -> bool {
        // Bit `i` set when `observed[i]` is new. A mask and not an array of
        // flags, because every event runs this loop, mostly finding every
        // consumer at its attribute's recent position.
        let mut new_mask = 0u32;
        let observed = &observed[..observed.len().min(ConsumerAttribute::COUNT)];
        for (position, &(attribute, hash)) in observed.iter().enumerate() {
            match self.find(attribute, hash) {
                Some(index) => {
                    if let Some(consumer) = self.list.get_mut(index) {
                        consumer.count += 1;
                        consumer.last_seen = consumer.last_seen.max(time);
                    }
                }
                None => new_mask |= 1 << position,
            }
        }
        if new_mask == 0 {
            return false;
        }
        // An event names at most one value per attribute, so a hit above and
        // an eviction below never concern the same attribute.
        self.reserve(new_mask.count_ones() as usize);
        for (position, &(attribute, hash)) in observed.iter().enumerate() {
            if new_mask & (1 << position) != 0 {
                self.insert(attribute, hash, value(attribute), time, cap);
            }
        }
        true
    }

    /// Makes room for `additional` consumers: exactly that many on an
    /// identity's first event, which is all most identities ever have, and
    /// half as many again as there are on later growth.
    fn reserve(&mut self, additional: usize) {
        if self.list.capacity() - self.list.len() < additional {
            let more = additional.max(self.list.len() / 2);
            self.keys.reserve_exact(more);
            self.list.reserve_exact(more);
        }
    }

    /// Returns the position of the consumer, trying the one its attribute
    /// recorded last first.
    fn find(&mut self, attribute: ConsumerAttribute, hash: u64) -> Option<usize> {
        let key = ConsumerKey::new(attribute, hash);
        let recent = &mut self.recent[attribute as usize];
        if self.keys.get(usize::from(*recent)) == Some(&key) {
            return Some(usize::from(*recent));
        }
        let index = self.keys.iter().position(|known| *known == key)?;
        // A list longer than `u16::MAX` only loses the shortcut.
        *recent = u16::try_from(index).unwrap_or(u16::MAX);
        Some(index)
    }

    /// Adds a new consumer, dropping the least recently seen one of the
    /// same attribute when the attribute has `cap` of them.
    #[inline(never)]
    fn insert(
        &mut self,
        attribute: ConsumerAttribute,
        hash: u64,
        value: ArcStr,
        time: EventTime,
        cap: usize,
    ) {
        let same_attribute = self
            .keys
            .iter()
            .filter(|known| known.has_attribute(attribute))
            .count();
        if same_attribute >= cap
            && let Some(oldest) = self
                .keys
                .iter()
                .zip(&self.list)
                .enumerate()
                .filter(|(_, (known, _))| known.has_attribute(attribute))
                .min_by_key(|(_, (_, consumer))| consumer.last_seen)
                .map(|(index, _)| index)
        {
            self.keys.remove(oldest);
            self.list.remove(oldest);
            self.truncated = true;
        }
        self.recent[attribute as usize] = u16::try_from(self.list.len()).unwrap_or(u16::MAX);
        self.keys.push(ConsumerKey::new(attribute, hash));
        self.list.push(Consumer {
            value,
            count: 1,
            first_seen: time,
            last_seen: time,
        });
    }

    #[cfg(test)]
    pub fn values(&self) -> Vec<ArcStr> {
        self.list
            .iter()
            .map(|consumer| consumer.value.clone())
            .collect()
    }

    /// True when a consumer of this attribute and value hash is known.
    pub fn contains(&self, attribute: ConsumerAttribute, hash: u64) -> bool {
        self.keys.contains(&ConsumerKey::new(attribute, hash))
    }

    /// Returns the value hashes of the consumers of one attribute last seen
    /// at or after `since`, cut to their low 56 bits, which keeps hashes
    /// that are small numbers (ASNs, network indexes) whole.
    pub fn hashes_seen_since(
        &self,
        attribute: ConsumerAttribute,
        since: EventTime,
    ) -> impl Iterator<Item = u64> + '_ {
        self.keys
            .iter()
            .zip(&self.list)
            .filter(move |(known, consumer)| {
                known.has_attribute(attribute) && consumer.last_seen >= since
            })
            .map(|(key, _)| key.hash())
    }

    /// Returns the consumers sorted by attribute, then by count, highest
    /// first.
    pub fn to_records(&self) -> Vec<ConsumerRecord> {
        let mut records: Vec<ConsumerRecord> = self
            .keys
            .iter()
            .zip(&self.list)
            .map(|(key, consumer)| ConsumerRecord {
                attribute: key.attribute().as_str().to_owned(),
                value: consumer.value.to_string(),
                count: consumer.count,
                first_seen: consumer.first_seen,
                last_seen: consumer.last_seen,
            })
            .collect();
        records.sort_by(|a, b| {
            a.attribute
                .cmp(&b.attribute)
                .then(b.count.cmp(&a.count))
                .then(a.value.cmp(&b.value))
        });
        records
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_all_counts_like_a_plain_map() {
        let mut consumers = Consumers::new();
        let mut expected: std::collections::BTreeMap<(u8, u64), (u64, i64)> = Default::default();
        let mut steps = crate::test_random::Steps::new(0x2545_f491_4f6c_dd1d);
        let mut next = |bound: u64| steps.below(bound);
        for step in 0..5_000_i64 {
            // Some attributes left out, and few values, so most repeat.
            let mut observed = Vec::new();
            for attribute in ConsumerAttribute::ALL {
                if next(4) != 0 {
                    observed.push((attribute, next(5)));
                }
            }
            let time = EventTime::from_millis(1_000 * step - 500 * (next(3) as i64));
            let mut any_new = false;
            for &(attribute, hash) in &observed {
                let entry = expected.entry((attribute as u8, hash)).or_insert_with(|| {
                    any_new = true;
                    (0, time.millis())
                });
                entry.0 += 1;
                entry.1 = entry.1.max(time.millis());
            }
            let got = consumers.record_all(&observed, |_| ArcStr::from("v"), time, 100);
            assert_eq!(got, any_new, "step {step}");
        }
        let mut recorded: Vec<((u8, u64), (u64, i64))> = consumers
            .keys
            .iter()
            .zip(&consumers.list)
            .map(|(key, consumer)| {
                (
                    (key.attribute() as u8, key.hash()),
                    (consumer.count, consumer.last_seen.millis()),
                )
            })
            .collect();
        recorded.sort();
        assert_eq!(recorded, expected.into_iter().collect::<Vec<_>>());
    }

    #[test]
    fn consumer_key_keeps_attribute_and_small_hashes() {
        for attribute in ConsumerAttribute::ALL {
            let key = ConsumerKey::new(attribute, u64::MAX);
            assert_eq!(key.attribute(), attribute);
            assert!(key.has_attribute(attribute));
            assert_eq!(key.hash(), KEY_HASH_MASK);
            assert_eq!(ConsumerKey::new(attribute, 64_500).hash(), 64_500);
        }
        assert_ne!(
            ConsumerKey::new(ConsumerAttribute::Network, 1),
            ConsumerKey::new(ConsumerAttribute::Asn, 1)
        );
    }
}

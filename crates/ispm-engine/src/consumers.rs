//! Consumers of an identity or credential: the sources, user agents,
//! regions, networks, ASNs, services and workloads that used it, with counts.

use ispm_model::{ConsumerRecord, EventTime};

#[derive(Clone, Debug)]
struct Consumer {
    attribute: &'static str,
    /// Hash of the value, so a known consumer is found without building its
    /// text.
    hash: u64,
    value: String,
    count: u64,
    first_seen: EventTime,
    last_seen: EventTime,
}

/// A capped list of consumers; past the cap the least recently seen
/// consumer of the same attribute is dropped.
#[derive(Clone, Debug, Default)]
pub(crate) struct Consumers {
    list: Vec<Consumer>,
    /// Set once a consumer was dropped for the cap.
    pub truncated: bool,
}

impl Consumers {
    /// Records a consumer identified by the hash of its value; `value` builds
    /// the text only for a new consumer. Returns true when the consumer is
    /// new.
    pub fn record(
        &mut self,
        attribute: &'static str,
        hash: u64,
        value: impl FnOnce() -> String,
        time: EventTime,
        cap: usize,
    ) -> bool {
        if let Some(consumer) = self
            .list
            .iter_mut()
            .find(|consumer| consumer.hash == hash && consumer.attribute == attribute)
        {
            consumer.count += 1;
            consumer.last_seen = consumer.last_seen.max(time);
            return false;
        }
        let same_attribute = self
            .list
            .iter()
            .filter(|consumer| consumer.attribute == attribute)
            .count();
        if same_attribute >= cap
            && let Some(oldest) = self
                .list
                .iter()
                .enumerate()
                .filter(|(_, consumer)| consumer.attribute == attribute)
                .min_by_key(|(_, consumer)| consumer.last_seen)
                .map(|(index, _)| index)
        {
            self.list.remove(oldest);
            self.truncated = true;
        }
        self.list.push(Consumer {
            attribute,
            hash,
            value: value(),
            count: 1,
            first_seen: time,
            last_seen: time,
        });
        true
    }

    /// Returns the consumers sorted by attribute, then by count, highest
    /// first.
    pub fn to_records(&self) -> Vec<ConsumerRecord> {
        let mut records: Vec<ConsumerRecord> = self
            .list
            .iter()
            .map(|consumer| ConsumerRecord {
                attribute: consumer.attribute.to_owned(),
                value: consumer.value.clone(),
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

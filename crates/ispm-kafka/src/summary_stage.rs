//! The summary stage: adds up the posture counts that each events
//! partition's engine publishes per scope into one posture summary per
//! scope (`org`, `account:ID`, `owner:NAME`).
//!
//! The partial topic has one partition and is compacted, keyed
//! `SCOPE@PARTITION`, so reading it from the start gives the latest counts
//! of every scope in every partition. Each instance reads it in a consumer
//! group of its own from the start, rebuilds the sums and publishes them;
//! with several instances every one publishes the same summaries, which the
//! compacted summary topic keeps once per scope.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use ispm_model::{EventTime, PostureSummary, PostureTotals};
use ispm_posture::summary_from_totals;

use crate::offsets::{InputRef, TopicPartition};
use crate::record::{InputRecord, OutputRecord};
use crate::stage::Processor;
use crate::topics::OutputTopics;

/// The latest partial of one scope in one events partition.
struct Partial {
    totals: PostureTotals,
    as_of: EventTime,
}

pub(crate) struct SummaryProcessor {
    /// Partials by scope, then by events partition.
    partials: HashMap<String, BTreeMap<i32, Partial>>,
    /// Scopes changed in the current batch.
    dirty: BTreeSet<String>,
    /// The newest record of the current batch, whose offset waits for the
    /// merged summaries.
    last_input: Option<InputRef>,
    pass_rate_weight: f64,
    topics: OutputTopics,
}

impl SummaryProcessor {
    pub fn new(pass_rate_weight: f64, topics: OutputTopics) -> Self {
        SummaryProcessor {
            partials: HashMap::new(),
            dirty: BTreeSet::new(),
            last_input: None,
            pass_rate_weight,
            topics,
        }
    }

    fn merged(&self, scope: &str) -> Option<PostureSummary> {
        let partials = self.partials.get(scope)?;
        let mut totals = PostureTotals::default();
        let mut as_of = None;
        for partial in partials.values() {
            totals.add(&partial.totals);
            as_of = Some(as_of.map_or(partial.as_of, |known: EventTime| known.max(partial.as_of)));
        }
        Some(summary_from_totals(
            scope,
            &totals,
            self.pass_rate_weight,
            as_of?,
        ))
    }
}

/// Splits a partial's key `SCOPE@PARTITION` at its last `@`, because owner
/// names may contain `@` themselves.
fn split_key(key: &[u8]) -> Option<(String, i32)> {
    let key = std::str::from_utf8(key).ok()?;
    let (scope, partition) = key.rsplit_once('@')?;
    Some((scope.to_owned(), partition.parse().ok()?))
}

impl Processor for SummaryProcessor {
    fn stage(&self) -> &'static str {
        "summary"
    }

    fn process(&mut self, record: InputRecord, _outputs: &mut Vec<OutputRecord>) {
        self.last_input = Some(record.input.clone());
        let Some((scope, partition)) = record.key.as_deref().and_then(split_key) else {
            tracing::warn!(origin = %record.origin(), "posture partial without a SCOPE@PARTITION key skipped");
            return;
        };
        let summary: PostureSummary = match record.payload.as_deref().map(serde_json::from_slice) {
            Some(Ok(summary)) => summary,
            Some(Err(error)) => {
                tracing::warn!(origin = %record.origin(), %error, "invalid posture partial skipped");
                return;
            }
            None => return,
        };
        let partials = self.partials.entry(scope.clone()).or_default();
        if summary.totals.identities == 0 {
            partials.remove(&partition);
        } else {
            partials.insert(
                partition,
                Partial {
                    totals: summary.totals,
                    as_of: summary.as_of,
                },
            );
        }
        self.dirty.insert(scope);
    }

    fn end_batch(&mut self, outputs: &mut Vec<(OutputRecord, Vec<InputRef>)>) {
        let Some(input) = self.last_input.take() else {
            return;
        };
        for scope in std::mem::take(&mut self.dirty) {
            let Some(summary) = self.merged(&scope) else {
                continue;
            };
            let payload = match serde_json::to_vec(&summary) {
                Ok(payload) => payload,
                Err(error) => {
                    tracing::error!(scope, %error, "posture summary could not be serialized and is lost");
                    continue;
                }
            };
            outputs.push((
                OutputRecord {
                    topic: Arc::clone(&self.topics.posture_summary),
                    key: Some(scope.into_bytes()),
                    payload,
                    headers: Vec::new(),
                },
                vec![input.clone()],
            ));
        }
    }

    fn revoke(&mut self, _partitions: &[TopicPartition]) {
        // The next owner rebuilds the sums from the start of the topic.
        self.partials.clear();
        self.dirty.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::KafkaConfig;
    use crate::decode_stage::tests::raw_record;

    fn partial(scope: &str, partition: i32, identities: u64, passes: u64) -> InputRecord {
        let totals = PostureTotals {
            identities,
            checks: 10 * identities,
            passes,
            check_weight: 10 * identities,
            passed_weight: passes,
            ..PostureTotals::default()
        };
        let summary = summary_from_totals(scope, &totals, 0.7, EventTime::from_millis(1_000));
        let payload = serde_json::to_vec(&summary).expect("summary JSON");
        let mut record = raw_record("ispm.posture.partial", 0, &payload);
        record.key = Some(format!("{scope}@{partition}").into_bytes());
        record
    }

    fn merged_summaries(
        outputs: &[(OutputRecord, Vec<InputRef>)],
    ) -> Vec<(String, PostureSummary)> {
        outputs
            .iter()
            .map(|(output, _)| {
                (
                    String::from_utf8_lossy(output.key.as_deref().unwrap_or_default()).into_owned(),
                    serde_json::from_slice(&output.payload).expect("summary JSON"),
                )
            })
            .collect()
    }

    #[test]
    fn partials_of_partitions_add_up_per_scope() {
        let topics = OutputTopics::new(&KafkaConfig::default());
        let mut processor = SummaryProcessor::new(0.7, topics);
        let mut scratch = Vec::new();
        processor.process(partial("org", 0, 2, 15), &mut scratch);
        processor.process(partial("org", 1, 3, 30), &mut scratch);
        processor.process(partial("owner:a@example.com", 1, 1, 10), &mut scratch);
        let mut outputs = Vec::new();
        processor.end_batch(&mut outputs);

        let merged = merged_summaries(&outputs);
        assert_eq!(merged.len(), 2);
        let (key, org) = &merged[0];
        assert_eq!(key, "org");
        assert_eq!(org.identities, 5);
        assert_eq!(org.policy_checks, 50);
        assert_eq!(org.policy_passes, 45);
        assert_eq!(merged[1].0, "owner:a@example.com");

        // A newer partial of one partition replaces its old one.
        processor.process(partial("org", 1, 1, 10), &mut scratch);
        let mut outputs = Vec::new();
        processor.end_batch(&mut outputs);
        let merged = merged_summaries(&outputs);
        assert_eq!(merged.len(), 1, "only the changed scope");
        assert_eq!(merged[0].1.identities, 3);
    }

    #[test]
    fn key_without_partition_is_skipped() {
        let topics = OutputTopics::new(&KafkaConfig::default());
        let mut processor = SummaryProcessor::new(0.7, topics);
        let mut record = partial("org", 0, 1, 1);
        record.key = Some(b"org".to_vec());
        processor.process(record, &mut Vec::new());
        let mut outputs = Vec::new();
        processor.end_batch(&mut outputs);
        assert!(outputs.is_empty());
    }
}

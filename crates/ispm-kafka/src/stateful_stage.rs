//! The stateful stage: one [`Engine`] per assigned partition of the events
//! topic, fed in partition order, producing findings and inventory records.
//!
//! All events of an identity, and all facts about it, arrive in one
//! partition, so engines never share state. Inputs keyed by identity are read
//! here directly: their partition `n` contains the same identities as partition
//! `n` of the events topic, so both feed engine `n`.
//!
//! Policy timers fire at event time; when a partition sees no record for
//! [`IDLE_TICK`], its engine's event time moves on by the wall clock.
//!
//! NOTE: the state of a partition starts empty whenever the partition is
//! assigned, including after a restart or a rebalance, because restoring it
//! from a changelog is not implemented yet. Until then, baselines relearn after
//! every assignment and inventory records are rebuilt from the events seen
//! since.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use ::metrics::Counter;
use ispm_engine::{Engine, EngineConfig, Flushed};
use ispm_model::{EventTime, Finding, IdentityEvent, IdentitySnapshot};

use crate::decode_stage::{MessageDecoder, event_records};
use crate::metrics;
use crate::offsets::{InputRef, TopicPartition};
use crate::query::{IdentityView, Query, QueryAnswer};
use crate::record::{InputRecord, OutputRecord, Route};
use crate::report::Counters;
use crate::stage::{IDLE_TICK, Processor};
use crate::topics::OutputTopics;

/// The engine of one partition number, with the inputs of the current batch
/// whose offsets must wait for its inventory records.
struct PartitionEngine {
    engine: Engine,
    /// The newest record of each topic-partition that fed this engine in the
    /// current batch.
    batch_inputs: HashMap<TopicPartition, i64>,
    /// The newest event or snapshot time this engine has seen: the time its
    /// policies are evaluated at. Idle time moves it on.
    watermark: Option<EventTime>,
    /// When the engine last moved its watermark, by the wall clock.
    advanced_at: Instant,
}

pub(crate) struct StatefulProcessor {
    engine_config: EngineConfig,
    engines: HashMap<i32, PartitionEngine>,
    decoder: MessageDecoder,
    topics: OutputTopics,
    counters: Arc<Counters>,
    processed_events: Counter,
    processed_facts: Counter,
    findings: Vec<Finding>,
}

impl StatefulProcessor {
    pub fn new(
        engine_config: EngineConfig,
        decoder: MessageDecoder,
        topics: OutputTopics,
        counters: Arc<Counters>,
    ) -> Self {
        StatefulProcessor {
            engine_config,
            engines: HashMap::new(),
            decoder,
            topics,
            counters,
            processed_events: metrics::processed("event"),
            processed_facts: metrics::processed("fact"),
            findings: Vec::new(),
        }
    }

    /// Returns the engine of the record's partition, creating an empty one
    /// on its first record, notes the record as a batch input and moves the
    /// engine's watermark to `time`.
    fn engine_for(&mut self, input: &InputRef, time: EventTime) -> &mut Engine {
        let partition = input.partition.partition;
        let engine = self.engines.entry(partition).or_insert_with(|| {
            tracing::info!(partition, "engine created with empty state");
            PartitionEngine {
                engine: Engine::new(self.engine_config.clone()),
                batch_inputs: HashMap::new(),
                watermark: None,
                advanced_at: Instant::now(),
            }
        });
        engine
            .batch_inputs
            .insert(input.partition.clone(), input.offset);
        engine.watermark = Some(engine.watermark.map_or(time, |known| known.max(time)));
        engine.advanced_at = Instant::now();
        &mut engine.engine
    }

    /// Processes a message of the events topic.
    fn process_event_message(&mut self, record: &InputRecord, outputs: &mut Vec<OutputRecord>) {
        let Some(payload) = record
            .payload
            .as_deref()
            .filter(|payload| !payload.is_empty())
        else {
            metrics::skipped("empty_message", &record.origin());
            Counters::add(&self.counters.skipped, 1);
            return;
        };
        if record.route == Route::Snapshot {
            self.apply_snapshot(record, payload, outputs);
            return;
        }
        let event: IdentityEvent = match serde_json::from_slice(payload) {
            Ok(event) => event,
            Err(error) => {
                let detail = format!("not an ispm identity event: {error}");
                self.decoder
                    .reject(record, payload, "invalid_event", detail, outputs);
                return;
            }
        };

        match &record.route {
            Route::Event => self.apply_event(&record.input, &event, outputs),
            Route::Fact(index) => match event.targets.get(*index) {
                Some(fact) => {
                    let mut findings = std::mem::take(&mut self.findings);
                    self.engine_for(&record.input, event.time).apply_fact(
                        fact,
                        &event,
                        &mut findings,
                    );
                    self.processed_facts.increment(1);
                    Counters::add(&self.counters.facts_applied, 1);
                    self.emit_findings(&mut findings, outputs);
                    self.findings = findings;
                }
                None => {
                    let detail = format!(
                        "fact index {index} is out of range: event {} has {} target facts",
                        event.event_id,
                        event.targets.len()
                    );
                    self.decoder
                        .reject(record, payload, "invalid_fact_route", detail, outputs);
                }
            },
            // Handled before the event is parsed.
            Route::Snapshot => {}
            Route::Invalid(detail) => {
                self.decoder.reject(
                    record,
                    payload,
                    "invalid_fact_route",
                    detail.clone(),
                    outputs,
                );
            }
        }
    }

    /// Processes an event for its actor.
    fn apply_event(
        &mut self,
        input: &InputRef,
        event: &IdentityEvent,
        outputs: &mut Vec<OutputRecord>,
    ) {
        let mut findings = std::mem::take(&mut self.findings);
        self.engine_for(input, event.time)
            .process(event, &mut findings);
        self.processed_events.increment(1);
        Counters::add(&self.counters.events_processed, 1);
        self.emit_findings(&mut findings, outputs);
        self.findings = findings;
    }

    /// Merges an identity snapshot from the events topic into its engine.
    fn apply_snapshot(
        &mut self,
        record: &InputRecord,
        payload: &[u8],
        outputs: &mut Vec<OutputRecord>,
    ) {
        let snapshot: IdentitySnapshot = match serde_json::from_slice(payload) {
            Ok(snapshot) => snapshot,
            Err(error) => {
                let detail = format!("not an ispm identity snapshot: {error}");
                self.decoder
                    .reject(record, payload, "invalid_snapshot", detail, outputs);
                return;
            }
        };
        self.engine_for(&record.input, snapshot.as_of)
            .apply_snapshot(&snapshot);
        Counters::add(&self.counters.snapshots_applied, 1);
    }

    fn emit_findings(&self, findings: &mut Vec<Finding>, outputs: &mut Vec<OutputRecord>) {
        for finding in findings.drain(..) {
            let payload = match serde_json::to_vec(&finding.to_ocsf()) {
                Ok(payload) => payload,
                Err(error) => {
                    // A serde_json::Value always serializes; never seen.
                    tracing::error!(uid = finding.uid, %error, "finding could not be serialized and is lost");
                    continue;
                }
            };
            metrics::finding(finding.detector);
            Counters::add(&self.counters.findings, 1);
            tracing::debug!(uid = finding.uid, detector = finding.detector, identity = %finding.identity, "finding");
            outputs.push(OutputRecord {
                topic: Arc::clone(self.topics.findings(finding.category)),
                key: Some(finding.identity.as_str().as_bytes().to_vec()),
                payload,
                headers: Vec::new(),
            });
        }
    }
}

impl StatefulProcessor {
    /// Lets time pass for engines that saw no record for a while and have a
    /// policy timer pending: their event time moves on by the wall-clock time
    /// since their last record, so a key still crosses its rotation limit
    /// when its partition is quiet. The outputs wait for no input.
    fn idle_at(&mut self, wall_now: Instant, outputs: &mut Vec<(OutputRecord, Vec<InputRef>)>) {
        for (&partition, engine) in &mut self.engines {
            let Some(watermark) = engine.watermark else {
                continue;
            };
            let idle = wall_now.saturating_duration_since(engine.advanced_at);
            if idle < IDLE_TICK || engine.engine.next_timer().is_none() {
                continue;
            }
            let idle_ms = i64::try_from(idle.as_millis()).unwrap_or(i64::MAX);
            let now = EventTime::from_millis(watermark.millis().saturating_add(idle_ms));
            engine.watermark = Some(now);
            engine.advanced_at = wall_now;
            let flushed = engine.engine.flush(now);
            publish_flushed(
                flushed,
                partition,
                &self.topics,
                &self.counters,
                &[],
                outputs,
            );
        }
    }
}

impl Processor for StatefulProcessor {
    fn stage(&self) -> &'static str {
        "stateful"
    }

    fn process(&mut self, record: InputRecord, outputs: &mut Vec<OutputRecord>) {
        if !self.decoder.is_input(&record) {
            self.process_event_message(&record, outputs);
            return;
        }

        // A raw input keyed by identity: decode here, process each event in
        // place, and route its facts through the events topic.
        let mut events = Vec::new();
        self.decoder
            .decode(&record, &mut |event, _| events.push(event), outputs);
        for event in events {
            self.apply_event(&record.input, &event, outputs);
            if let Err(error) = event_records(&event, &self.topics.events, false, outputs) {
                let detail = format!("event {} could not be serialized: {error}", event.event_id);
                let payload = record.payload.as_deref().unwrap_or_default();
                self.decoder
                    .reject(&record, payload, "serialization_failed", detail, outputs);
            }
        }
    }

    fn end_batch(&mut self, outputs: &mut Vec<(OutputRecord, Vec<InputRef>)>) {
        for (&partition, engine) in &mut self.engines {
            if engine.batch_inputs.is_empty() {
                continue;
            }
            let inputs: Vec<InputRef> = engine
                .batch_inputs
                .drain()
                .map(|(partition, offset)| InputRef { partition, offset })
                .collect();
            let Some(watermark) = engine.watermark else {
                continue;
            };
            let flushed = engine.engine.flush(watermark);
            publish_flushed(
                flushed,
                partition,
                &self.topics,
                &self.counters,
                &inputs,
                outputs,
            );
        }
    }

    fn idle(&mut self, outputs: &mut Vec<(OutputRecord, Vec<InputRef>)>) {
        self.idle_at(Instant::now(), outputs);
    }

    fn query(&mut self, query: Query) {
        let answer =
            self.engines
                .values()
                .find_map(|partition| {
                    let engine = &partition.engine;
                    let inventory = engine.inventory(&query.identity)?;
                    let now = partition.watermark?;
                    let rotation_impact = query.credential.as_deref().and_then(|credential| {
                        inventory.rotation_impact(credential, now, query.days)
                    });
                    Some(QueryAnswer::Found(Box::new(IdentityView {
                        posture: engine.identity_posture(&query.identity, now),
                        rotation_impact,
                        inventory,
                    })))
                })
                .unwrap_or(QueryAnswer::NotHere);
        // The HTTP request may have timed out and dropped its receiver.
        let _ = query.reply.send(answer);
    }

    fn revoke(&mut self, partitions: &[TopicPartition]) {
        for partition in partitions {
            if self.engines.remove(&partition.partition).is_some() {
                tracing::info!(
                    partition = partition.partition,
                    "engine state dropped after revocation"
                );
            }
        }
    }
}

/// Queues what one flush published, each record waiting for `inputs`.
fn publish_flushed(
    flushed: Flushed,
    partition: i32,
    topics: &OutputTopics,
    counters: &Counters,
    inputs: &[InputRef],
    outputs: &mut Vec<(OutputRecord, Vec<InputRef>)>,
) {
    let Flushed {
        inventory,
        findings,
        postures,
        summaries,
    } = flushed;
    metrics::inventory_records(inventory.len() as u64);
    Counters::add(&counters.inventory_records, inventory.len() as u64);
    let mut push = |topic: &Arc<str>, key: String, payload: Result<Vec<u8>, serde_json::Error>| {
        match payload {
            Ok(payload) => outputs.push((
                OutputRecord {
                    topic: Arc::clone(topic),
                    key: Some(key.into_bytes()),
                    payload,
                    headers: Vec::new(),
                },
                inputs.to_vec(),
            )),
            // Model types always serialize; this guards a future field.
            Err(error) => {
                tracing::error!(topic = %topic, key, %error, "record could not be serialized and is lost")
            }
        }
    };
    for record in inventory {
        let key = record.identity.to_string();
        push(&topics.inventory, key, serde_json::to_vec(&record));
    }
    for finding in findings {
        metrics::finding(finding.detector);
        Counters::add(&counters.findings, 1);
        let key = finding.identity.to_string();
        let topic = topics.findings(finding.category);
        push(topic, key, serde_json::to_vec(&finding.to_ocsf()));
    }
    for posture in postures {
        let key = posture.identity.to_string();
        push(&topics.posture_identity, key, serde_json::to_vec(&posture));
    }
    // Each partition's engine summarises its own identities; the summary
    // stage adds up the partials of every partition into one summary per
    // scope.
    for summary in summaries {
        let key = format!("{}@{partition}", summary.scope);
        push(&topics.posture_partial, key, serde_json::to_vec(&summary));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::KafkaConfig;
    use crate::decode_stage::tests::{CREATE_USER, processor_parts, raw_record};
    use crate::decode_stage::{DecodeProcessor, event_records};
    use crate::record::HEADER_REASON;

    fn stateful(config: &KafkaConfig) -> StatefulProcessor {
        let (decoder, topics) = processor_parts(config);
        StatefulProcessor::new(EngineConfig::default(), decoder, topics, Arc::default())
    }

    /// Decodes `CREATE_USER` the way the decode stage does and returns the
    /// records it writes to the events topic.
    fn events_topic_records() -> Vec<OutputRecord> {
        let config = KafkaConfig::default();
        let (decoder, topics) = processor_parts(&config);
        let mut decode = DecodeProcessor::new(decoder, &topics);
        let mut outputs = Vec::new();
        decode.process(
            raw_record("cloudtrail.raw", 0, CREATE_USER.as_bytes()),
            &mut outputs,
        );
        outputs
    }

    fn as_input(output: &OutputRecord, partition: i32, offset: i64) -> InputRecord {
        let mut record = raw_record(&output.topic, offset, &output.payload);
        record.input.partition.partition = partition;
        record.route = match output
            .headers
            .iter()
            .find(|(name, _)| *name == crate::record::HEADER_FACT_INDEX)
        {
            Some((_, index)) => Route::Fact(
                std::str::from_utf8(index)
                    .expect("utf-8")
                    .parse()
                    .expect("index"),
            ),
            None => Route::Event,
        };
        record
    }

    fn header<'a>(record: &'a OutputRecord, name: &str) -> Option<&'a str> {
        record
            .headers
            .iter()
            .find(|(key, _)| *key == name)
            .and_then(|(_, value)| std::str::from_utf8(value).ok())
    }

    #[test]
    fn event_and_fact_feed_their_partition_engines() {
        let config = KafkaConfig::default();
        let mut processor = stateful(&config);
        let records = events_topic_records();
        let mut outputs = Vec::new();
        processor.process(as_input(&records[0], 1, 0), &mut outputs);
        processor.process(as_input(&records[1], 4, 0), &mut outputs);
        assert!(
            outputs
                .iter()
                .all(|output| output.topic.starts_with("ispm.findings.")),
            "only findings expected: {outputs:?}"
        );

        let counts = processor.counters.snapshot();
        assert_eq!(counts.events_processed, 1);
        assert_eq!(counts.facts_applied, 1);
        let mut partitions: Vec<i32> = processor.engines.keys().copied().collect();
        partitions.sort_unstable();
        assert_eq!(partitions, vec![1, 4]);
    }

    #[test]
    fn inventory_waits_for_every_input_of_the_batch() {
        let config = KafkaConfig::default();
        let mut processor = stateful(&config);
        let records = events_topic_records();
        let mut outputs = Vec::new();
        processor.process(as_input(&records[0], 1, 7), &mut outputs);
        processor.process(as_input(&records[0], 1, 8), &mut outputs);

        let mut batch_outputs = Vec::new();
        processor.end_batch(&mut batch_outputs);
        assert!(
            !batch_outputs.is_empty(),
            "the actor's inventory record is expected"
        );
        let topics: Vec<&str> = batch_outputs
            .iter()
            .map(|(output, _)| &*output.topic)
            .collect();
        assert!(topics.contains(&"ispm.inventory"), "{topics:?}");
        assert!(topics.contains(&"ispm.posture.identity"), "{topics:?}");
        for (_, inputs) in &batch_outputs {
            assert_eq!(inputs.len(), 1);
            assert_eq!(inputs[0].offset, 8, "the newest record of the partition");
        }
        for (output, inputs) in batch_outputs
            .iter()
            .filter(|(output, _)| &*output.topic == "ispm.inventory")
        {
            let inventory: ispm_model::InventoryRecord =
                serde_json::from_slice(&output.payload).expect("inventory JSON");
            assert_eq!(
                output.key.as_deref(),
                Some(inventory.identity.as_str().as_bytes())
            );
            assert_eq!(inputs.len(), 1);
            assert_eq!(inputs[0].offset, 8, "the newest record of the partition");
        }

        batch_outputs.clear();
        processor.end_batch(&mut batch_outputs);
        assert!(
            batch_outputs.is_empty(),
            "nothing changed since the last batch"
        );
    }

    #[test]
    fn invalid_event_is_dead_lettered() {
        let config = KafkaConfig::default();
        let mut processor = stateful(&config);
        let mut outputs = Vec::new();
        processor.process(
            raw_record("ispm.events", 3, b"{\"not\": \"an event\"}"),
            &mut outputs,
        );
        assert_eq!(outputs.len(), 1);
        assert_eq!(&*outputs[0].topic, "ispm.deadletter");
        assert_eq!(header(&outputs[0], HEADER_REASON), Some("invalid_event"));
    }

    #[test]
    fn fact_index_out_of_range_is_dead_lettered() {
        let config = KafkaConfig::default();
        let mut processor = stateful(&config);
        let records = events_topic_records();
        let mut record = as_input(&records[1], 0, 0);
        record.route = Route::Fact(5);
        let mut outputs = Vec::new();
        processor.process(record, &mut outputs);
        assert_eq!(outputs.len(), 1);
        assert_eq!(
            header(&outputs[0], HEADER_REASON),
            Some("invalid_fact_route")
        );
    }

    #[test]
    fn revoke_drops_the_partition_engine() {
        let config = KafkaConfig::default();
        let mut processor = stateful(&config);
        let records = events_topic_records();
        let mut outputs = Vec::new();
        processor.process(as_input(&records[0], 2, 0), &mut outputs);
        assert!(processor.engines.contains_key(&2));
        processor.revoke(&[TopicPartition::new("ispm.events", 2)]);
        assert!(processor.engines.is_empty());
    }

    #[test]
    fn keyed_input_is_processed_in_place_and_routes_its_facts() {
        let mut config = KafkaConfig::default();
        config.inputs[0].keyed_by_identity = true;
        let mut processor = stateful(&config);
        let mut outputs = Vec::new();
        processor.process(
            raw_record("cloudtrail.raw", 0, CREATE_USER.as_bytes()),
            &mut outputs,
        );

        let counts = processor.counters.snapshot();
        assert_eq!(counts.events_processed, 1);
        let routed: Vec<&OutputRecord> = outputs
            .iter()
            .filter(|output| &*output.topic == "ispm.events")
            .collect();
        assert_eq!(
            routed.len(),
            1,
            "only the fact copy goes through the events topic: {outputs:?}"
        );
        assert_eq!(
            routed[0].key.as_deref(),
            Some(&b"aws:111122223333:user/bob"[..])
        );

        let mut expected = Vec::new();
        let event = serde_json::from_slice::<IdentityEvent>(&events_topic_records()[0].payload)
            .expect("event");
        event_records(&event, &Arc::from("ispm.events"), false, &mut expected).expect("serializes");
        assert_eq!(routed[0].payload, expected[0].payload);
    }

    #[test]
    fn idle_time_fires_a_due_policy_timer() {
        const DAY_MS: i64 = 86_400_000;
        let config = KafkaConfig::default();
        let mut processor = stateful(&config);
        let as_of = EventTime::from_millis(1_700_000_000_000);
        let snapshot = IdentitySnapshot {
            identity: ispm_model::IdentityId::from("aws:111122223333:user/svc-batch"),
            name: "svc-batch".to_owned(),
            kind: None,
            nhi_type: None,
            kind_reason: None,
            account: Some("111122223333".to_owned()),
            arn: Some("arn:aws:iam::111122223333:user/svc-batch".to_owned()),
            source: "aws_credential_report".to_owned(),
            as_of,
            created_at: Some(EventTime::from_millis(as_of.millis() - 200 * DAY_MS)),
            created_by: None,
            owner: Some("team-batch".to_owned()),
            tags: Default::default(),
            enabled: Some(true),
            mfa_active: Some(false),
            privilege: None,
            privilege_reason: None,
            credentials: vec![ispm_model::SnapshotCredential {
                id: "access_key_1".to_owned(),
                kind: "access_key".to_owned(),
                active: true,
                slot: Some(1),
                created_at: None,
                // One minute of event time short of the 90-day limit.
                last_rotated: Some(EventTime::from_millis(
                    as_of.millis() - 90 * DAY_MS + 60_000,
                )),
                last_used: Some(as_of),
                last_used_region: None,
                last_used_service: None,
            }],
        };
        let payload = serde_json::to_vec(&snapshot).expect("snapshot JSON");
        let mut record = raw_record("ispm.events", 3, &payload);
        record.route = Route::Snapshot;
        processor.process(record, &mut Vec::new());
        let mut outputs = Vec::new();
        processor.end_batch(&mut outputs);
        let rotation_rule = |outputs: &[(OutputRecord, Vec<InputRef>)]| {
            outputs.iter().any(|(output, _)| {
                &*output.topic == "ispm.findings.policy"
                    && String::from_utf8_lossy(&output.payload).contains("access_key_not_rotated")
            })
        };
        assert!(!rotation_rule(&outputs), "the key is not due yet");

        let mut idle_outputs = Vec::new();
        processor.idle_at(Instant::now() + IDLE_TICK / 2, &mut idle_outputs);
        assert!(idle_outputs.is_empty(), "not idle long enough");

        processor.idle_at(Instant::now() + 4 * IDLE_TICK, &mut idle_outputs);
        assert!(
            rotation_rule(&idle_outputs),
            "two minutes of idle time pass the rotation limit: {idle_outputs:?}"
        );
        assert!(
            idle_outputs.iter().all(|(_, inputs)| inputs.is_empty()),
            "idle outputs wait for no input"
        );
    }
}

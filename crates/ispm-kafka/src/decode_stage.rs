//! The decode stage: raw messages in, identity events out on the events
//! topic keyed by identity, so that each identity's events meet in one
//! partition of the stateful stage.
//!
//! Stateless: any instance can decode any raw partition.

use std::collections::HashMap;
use std::sync::Arc;

use ::metrics::Counter;
use ispm_enrich::Enricher;
use ispm_model::{DeadLetter, DeadLetterAction, IdentityEvent};
use ispm_sources::{
    CloudTrailDecoder, DecoderConfig, InputRead, Item, SnapshotBatch, decode_snapshot,
    detect_snapshot,
};

use crate::config::{DecoderKind, KafkaConfig};
use crate::deadletter::DeadLetters;
use crate::metrics;
use crate::record::{
    HEADER_FACT_INDEX, HEADER_ROUTE, InputRecord, OutputRecord, ROUTE_FACT, ROUTE_SNAPSHOT,
};
use crate::report::Counters;
use crate::stage::Processor;
use crate::topics::OutputTopics;

/// Initial buffer of an event's JSON, in bytes: about the size of a
/// serialized CloudTrail event, so that most need no reallocation.
const EVENT_JSON_CAPACITY: usize = 1024;

/// The first two bytes of every gzip member (RFC 1952).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Decodes raw messages of every configured input topic. Shared by the
/// decode stage and, for inputs keyed by identity, the stateful stage.
pub(crate) struct MessageDecoder {
    cloudtrail: CloudTrailDecoder,
    enricher: Arc<Enricher>,
    /// Decoder of each input topic.
    inputs: HashMap<Arc<str>, InputDecoder, foldhash::fast::RandomState>,
    max_record_bytes: usize,
    dead_letters: DeadLetters,
    counters: Arc<Counters>,
    events_topic: Arc<str>,
}

/// The decoder of an input topic and its counters.
struct InputDecoder {
    kind: DecoderKind,
    consumed: Counter,
    decoded: Counter,
}

impl InputDecoder {
    fn new(kind: DecoderKind) -> Self {
        InputDecoder {
            kind,
            consumed: metrics::consumed(kind.as_str()),
            decoded: metrics::decoded(kind.as_str()),
        }
    }
}

impl MessageDecoder {
    pub fn new(
        decoder: &DecoderConfig,
        enricher: Arc<Enricher>,
        config: &KafkaConfig,
        topics: &OutputTopics,
        counters: Arc<Counters>,
    ) -> Self {
        MessageDecoder {
            cloudtrail: CloudTrailDecoder::new(decoder.clone()),
            enricher,
            inputs: config
                .inputs
                .iter()
                .map(|input| {
                    (
                        Arc::from(input.topic.as_str()),
                        InputDecoder::new(input.decoder),
                    )
                })
                .collect(),
            max_record_bytes: decoder.max_record_bytes,
            dead_letters: DeadLetters::new(
                Arc::clone(&topics.deadletter),
                config.max_message_bytes,
            ),
            counters,
            events_topic: Arc::clone(&topics.events),
        }
    }

    /// Returns true for records of a raw input topic.
    pub fn is_input(&self, record: &InputRecord) -> bool {
        self.inputs.contains_key(&record.input.partition.topic)
    }

    /// Decodes one raw message. Events go to `on_event`; dead letters go to
    /// `outputs`. A message over the decoder's `max_record_bytes` is
    /// dead-lettered as `record_too_large` without being parsed.
    pub fn decode(
        &self,
        record: &InputRecord,
        on_event: &mut dyn FnMut(IdentityEvent, &mut Vec<OutputRecord>),
        outputs: &mut Vec<OutputRecord>,
    ) {
        let fallback;
        let input = match self.inputs.get(&record.input.partition.topic) {
            Some(input) => input,
            None => {
                fallback = InputDecoder::new(DecoderKind::Cloudtrail);
                &fallback
            }
        };
        let kind = input.kind;
        input.consumed.increment(1);
        Counters::add(&self.counters.raw_messages, 1);

        let Some(payload) = record
            .payload
            .as_deref()
            .filter(|payload| !payload.is_empty())
        else {
            metrics::skipped("empty_message", &record.origin());
            Counters::add(&self.counters.skipped, 1);
            return;
        };
        if payload.len() > self.max_record_bytes {
            let detail = format!(
                "message of {} bytes is larger than decoder.max_record_bytes ({}); not decoded",
                payload.len(),
                self.max_record_bytes
            );
            self.reject(record, payload, "record_too_large", detail, outputs);
            return;
        }

        let origin = record.origin();
        let mut items = Vec::new();
        let gunzipped;
        let bytes = if payload.starts_with(&GZIP_MAGIC) {
            // NOTE: the decompressed size is not capped; see InputRead.
            let read = InputRead::from_bytes(&origin, payload.to_vec());
            if let Some(error) = read.error {
                self.reject(record, payload, error.reason, error.detail, outputs);
            }
            gunzipped = read.bytes;
            &gunzipped[..]
        } else {
            payload
        };
        if kind == DecoderKind::Snapshot {
            self.decode_snapshots(record, payload, bytes, input, outputs);
            return;
        }
        self.decode_bytes(kind, &origin, bytes, &mut items);

        let events = items
            .iter()
            .filter(|item| matches!(item, Item::Event(_)))
            .count();
        let rejections = items
            .iter()
            .filter(|item| matches!(item, Item::DeadLetter(letter) if letter.action == DeadLetterAction::Rejected))
            .count();
        // The whole message failed as one record: keep its bytes.
        let whole_message_rejected = events == 0 && rejections == 1 && items.len() == 1;
        input.decoded.increment(events as u64);
        Counters::add(&self.counters.events_decoded, events as u64);

        for item in items {
            match item {
                Item::Event(mut event) => {
                    self.enricher.enrich_event(&mut event);
                    on_event(event, outputs)
                }
                Item::DeadLetter(letter) => {
                    metrics::dead_lettered(
                        &letter.reason,
                        &record.input.partition,
                        record.input.offset,
                        &letter.detail,
                    );
                    Counters::add(&self.counters.dead_letters, 1);
                    let output = if whole_message_rejected {
                        self.dead_letters.original(record, payload, &letter)
                    } else {
                        self.dead_letters.json(record, &letter)
                    };
                    outputs.push(output);
                }
                Item::Skipped { origin, reason } => {
                    metrics::skipped(reason, &origin);
                    Counters::add(&self.counters.skipped, 1);
                }
            }
        }
    }

    fn decode_bytes(&self, kind: DecoderKind, origin: &str, bytes: &[u8], items: &mut Vec<Item>) {
        match kind {
            DecoderKind::Cloudtrail => {
                self.cloudtrail
                    .decode_document(origin, bytes, &mut |item| items.push(item))
            }
            // Snapshots take their own path in `decode`.
            DecoderKind::Snapshot => {}
        }
    }

    /// Decodes a snapshot document and writes each identity's snapshot to
    /// the events topic, keyed by the identity and marked with
    /// [`ROUTE_SNAPSHOT`]; rows or identities that fail become JSON dead
    /// letters, and a document that is neither format is rejected whole.
    fn decode_snapshots(
        &self,
        record: &InputRecord,
        payload: &[u8],
        bytes: &[u8],
        input: &InputDecoder,
        outputs: &mut Vec<OutputRecord>,
    ) {
        let Some(format) = detect_snapshot(bytes) else {
            let detail = "message is neither an IAM credential report (CSV with user and arn \
                          columns) nor an ispm.inventory.v1 JSON document"
                .to_owned();
            self.reject(record, payload, "unknown_snapshot_format", detail, outputs);
            return;
        };
        let SnapshotBatch {
            mut snapshots,
            errors,
        } = decode_snapshot(bytes, format, None);
        for snapshot in &mut snapshots {
            self.cloudtrail.classify_snapshot(snapshot);
        }
        input.decoded.increment(snapshots.len() as u64);
        Counters::add(&self.counters.events_decoded, snapshots.len() as u64);
        for snapshot in &snapshots {
            match serde_json::to_vec(snapshot) {
                Ok(json) => outputs.push(OutputRecord {
                    topic: Arc::clone(&self.events_topic),
                    key: Some(snapshot.identity.as_str().as_bytes().to_vec()),
                    payload: json,
                    headers: vec![(HEADER_ROUTE, ROUTE_SNAPSHOT.as_bytes().to_vec())],
                }),
                Err(error) => {
                    let detail = format!(
                        "snapshot of {} could not be serialized: {error}",
                        snapshot.identity
                    );
                    self.reject(record, payload, "serialization_failed", detail, outputs);
                }
            }
        }
        for error in errors {
            let letter = DeadLetter {
                action: DeadLetterAction::Rejected,
                reason: error.reason().to_owned(),
                detail: error.to_string(),
                origin: record.origin(),
                index: error.location().index(),
                excerpt: None,
                size: None,
                event_id: None,
            };
            metrics::dead_lettered(
                &letter.reason,
                &record.input.partition,
                record.input.offset,
                &letter.detail,
            );
            Counters::add(&self.counters.dead_letters, 1);
            outputs.push(self.dead_letters.json(record, &letter));
        }
    }

    /// Dead-letters a whole message with its original bytes.
    pub fn reject(
        &self,
        record: &InputRecord,
        payload: &[u8],
        reason: &str,
        detail: String,
        outputs: &mut Vec<OutputRecord>,
    ) {
        metrics::dead_lettered(
            reason,
            &record.input.partition,
            record.input.offset,
            &detail,
        );
        Counters::add(&self.counters.dead_letters, 1);
        let letter = DeadLetters::rejection(record, payload, reason, detail);
        outputs.push(self.dead_letters.original(record, payload, &letter));
    }
}

/// Serializes an event for the events topic: the event keyed by its actor,
/// plus one copy per target fact keyed by the target identity and marked
/// with [`HEADER_ROUTE`] and [`HEADER_FACT_INDEX`]. `include_event` is false
/// when the actor's copy is processed in place (inputs keyed by identity).
///
/// The Kafka timestamp of these records is the time they are produced, not
/// the event time, so that topic retention counts from when ispm saw them.
pub(crate) fn event_records(
    event: &IdentityEvent,
    events_topic: &Arc<str>,
    include_event: bool,
    outputs: &mut Vec<OutputRecord>,
) -> Result<(), serde_json::Error> {
    if !include_event && event.targets.is_empty() {
        return Ok(());
    }
    let mut payload = Vec::with_capacity(EVENT_JSON_CAPACITY);
    serde_json::to_writer(&mut payload, event)?;
    // The last copy takes the buffer, the others clone it.
    let mut copies = usize::from(include_event) + event.targets.len();
    let mut next_payload = || {
        copies -= 1;
        if copies == 0 {
            std::mem::take(&mut payload)
        } else {
            payload.clone()
        }
    };
    if include_event {
        outputs.push(OutputRecord {
            topic: Arc::clone(events_topic),
            key: Some(event.actor.id.as_str().as_bytes().to_vec()),
            payload: next_payload(),
            headers: Vec::new(),
        });
    }
    for (index, fact) in event.targets.iter().enumerate() {
        outputs.push(OutputRecord {
            topic: Arc::clone(events_topic),
            key: Some(fact.identity.as_str().as_bytes().to_vec()),
            payload: next_payload(),
            headers: vec![
                (HEADER_ROUTE, ROUTE_FACT.as_bytes().to_vec()),
                (HEADER_FACT_INDEX, index.to_string().into_bytes()),
            ],
        });
    }
    Ok(())
}

/// The decode stage's processor.
pub(crate) struct DecodeProcessor {
    decoder: MessageDecoder,
    events_topic: Arc<str>,
}

impl DecodeProcessor {
    pub fn new(decoder: MessageDecoder, topics: &OutputTopics) -> Self {
        DecodeProcessor {
            decoder,
            events_topic: Arc::clone(&topics.events),
        }
    }
}

impl Processor for DecodeProcessor {
    fn stage(&self) -> &'static str {
        "decode"
    }

    fn process(&mut self, record: InputRecord, outputs: &mut Vec<OutputRecord>) {
        let events_topic = &self.events_topic;
        let decoder = &self.decoder;
        let mut on_event = |event: IdentityEvent, outputs: &mut Vec<OutputRecord>| {
            if let Err(error) = event_records(&event, events_topic, true, outputs) {
                // An IdentityEvent always serializes; this guards against a
                // future field that might not.
                let detail = format!("event {} could not be serialized: {error}", event.event_id);
                let payload = record.payload.as_deref().unwrap_or_default();
                decoder.reject(&record, payload, "serialization_failed", detail, outputs);
            }
        };
        decoder.decode(&record, &mut on_event, outputs);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::time::Instant;

    use super::*;
    use crate::offsets::{InputRef, TopicPartition};
    use crate::record::{HEADER_REASON, HEADER_VALUE_FORMAT, Route};

    /// A successful CreateUser by `alice`, which states a fact about `bob`.
    pub(crate) const CREATE_USER: &str = r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","accessKeyId":"AKIAEXAMPLE","userName":"alice"},"eventTime":"2024-08-01T13:33:28Z","eventSource":"iam.amazonaws.com","eventName":"CreateUser","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2.15","requestParameters":{"userName":"bob"},"responseElements":{"user":{"userName":"bob","arn":"arn:aws:iam::111122223333:user/bob"}},"eventID":"event-1","eventType":"AwsApiCall","recipientAccountId":"111122223333"}"#;

    pub(crate) fn raw_record(topic: &str, offset: i64, payload: &[u8]) -> InputRecord {
        InputRecord {
            input: InputRef {
                partition: TopicPartition::new(topic, 0),
                offset,
            },
            key: None,
            payload: Some(payload.to_vec()),
            route: Route::Event,
            received: Instant::now(),
        }
    }

    pub(crate) fn processor_parts(config: &KafkaConfig) -> (MessageDecoder, OutputTopics) {
        let topics = OutputTopics::new(config);
        let decoder = MessageDecoder::new(
            &DecoderConfig::default(),
            Arc::default(),
            config,
            &topics,
            Arc::default(),
        );
        (decoder, topics)
    }

    fn decode(payload: &[u8]) -> Vec<OutputRecord> {
        let config = KafkaConfig::default();
        let (decoder, topics) = processor_parts(&config);
        let mut processor = DecodeProcessor::new(decoder, &topics);
        let mut outputs = Vec::new();
        processor.process(raw_record("cloudtrail.raw", 9, payload), &mut outputs);
        outputs
    }

    fn header<'a>(record: &'a OutputRecord, name: &str) -> Option<&'a str> {
        record
            .headers
            .iter()
            .find(|(key, _)| *key == name)
            .and_then(|(_, value)| std::str::from_utf8(value).ok())
    }

    #[test]
    fn event_is_keyed_by_actor_with_a_fact_copy_for_the_target() {
        let outputs = decode(CREATE_USER.as_bytes());
        assert_eq!(outputs.len(), 2, "{outputs:?}");

        let event = &outputs[0];
        assert_eq!(&*event.topic, "ispm.events");
        assert_eq!(
            event.key.as_deref(),
            Some(&b"aws:111122223333:user/alice"[..])
        );
        assert!(event.headers.is_empty());
        let decoded: IdentityEvent = serde_json::from_slice(&event.payload).expect("event JSON");
        assert_eq!(decoded.event_id, "event-1");

        let fact = &outputs[1];
        assert_eq!(&*fact.topic, "ispm.events");
        assert_eq!(fact.key.as_deref(), Some(&b"aws:111122223333:user/bob"[..]));
        assert_eq!(header(fact, HEADER_ROUTE), Some(ROUTE_FACT));
        assert_eq!(header(fact, HEADER_FACT_INDEX), Some("0"));
        assert_eq!(fact.payload, event.payload);
    }

    #[test]
    fn invalid_json_is_dead_lettered_as_it_came() {
        let outputs = decode(b"this is not json");
        assert_eq!(outputs.len(), 1);
        assert_eq!(&*outputs[0].topic, "ispm.deadletter");
        assert_eq!(outputs[0].payload, b"this is not json");
        assert_eq!(header(&outputs[0], HEADER_REASON), Some("invalid_json"));
        assert_eq!(header(&outputs[0], HEADER_VALUE_FORMAT), Some("original"));
    }

    #[test]
    fn message_over_the_decoder_max_is_not_parsed() {
        let payload = format!(
            "{{\"eventName\": \"{}\"}}",
            "x".repeat(ispm_sources::DEFAULT_MAX_RECORD_BYTES)
        );
        let outputs = decode(payload.as_bytes());
        assert_eq!(outputs.len(), 1);
        assert_eq!(header(&outputs[0], HEADER_REASON), Some("record_too_large"));
        assert_eq!(outputs[0].payload.len(), payload.len());
    }

    #[test]
    fn bad_record_inside_a_document_becomes_a_json_dead_letter() {
        let document = format!(
            r#"{{"Records":[{CREATE_USER},{{"eventTime":"2024-08-01T13:33:28Z","eventName":42}}]}}"#
        );
        let outputs = decode(document.as_bytes());
        let dead_letters: Vec<&OutputRecord> = outputs
            .iter()
            .filter(|output| &*output.topic == "ispm.deadletter")
            .collect();
        assert_eq!(dead_letters.len(), 1, "{outputs:?}");
        assert_eq!(header(dead_letters[0], HEADER_REASON), Some("wrong_type"));
        assert_eq!(
            header(dead_letters[0], HEADER_VALUE_FORMAT),
            Some("dead-letter-json")
        );
        assert_eq!(outputs.len(), 3, "event, fact copy and dead letter");
    }

    #[test]
    fn gzipped_message_is_decoded() {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(CREATE_USER.as_bytes()).expect("gzip");
        let outputs = decode(&encoder.finish().expect("gzip"));
        assert_eq!(outputs.len(), 2, "{outputs:?}");
    }

    #[test]
    fn empty_message_is_skipped() {
        assert!(decode(b"").is_empty());
    }

    /// Returns an enricher over the databases of deploy/local/fetch-ipdb.sh,
    /// or `None` when they are absent and CI does not require them.
    fn real_enricher() -> Option<Enricher> {
        let dir = match std::env::var_os("ISPM_IPDB_DIR") {
            Some(dir) => std::path::PathBuf::from(dir),
            None => std::path::PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/ispm/ipdb"),
        };
        let config = ispm_enrich::EnrichConfig {
            country_db: Some(dir.join("country.mmdb")),
            asn_db: Some(dir.join("asn.csv")),
            ..ispm_enrich::EnrichConfig::default()
        };
        if !dir.join("country.mmdb").is_file() || !dir.join("asn.csv").is_file() {
            assert!(
                std::env::var("ISPM_IPDB_REQUIRED").as_deref() != Ok("1"),
                "ISPM_IPDB_REQUIRED=1 but {} lacks the databases",
                dir.display()
            );
            return None;
        }
        Some(Enricher::load(&config).0)
    }

    #[test]
    fn decoded_events_are_enriched_before_keying() {
        let Some(enricher) = real_enricher() else {
            eprintln!("SKIPPED decoded_events_are_enriched_before_keying: no IP databases");
            return;
        };
        let config = KafkaConfig::default();
        let topics = OutputTopics::new(&config);
        let decoder = MessageDecoder::new(
            &DecoderConfig::default(),
            Arc::new(enricher),
            &config,
            &topics,
            Arc::default(),
        );
        let mut processor = DecodeProcessor::new(decoder, &topics);
        // 8.8.8.8 is Google's public resolver: AS15169, outside AWS.
        let record = CREATE_USER.replace("198.51.100.7", "8.8.8.8");
        let mut outputs = Vec::new();
        processor.process(
            raw_record("cloudtrail.raw", 0, record.as_bytes()),
            &mut outputs,
        );
        let event: IdentityEvent = serde_json::from_slice(&outputs[0].payload).expect("event JSON");
        let network = event.origin.network.expect("enriched");
        assert_eq!(network.asn, Some(15169));
        assert_eq!(network.cloud, Some(false));
    }
}

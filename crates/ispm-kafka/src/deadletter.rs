//! Dead-letter records for the dead-letter topic.
//!
//! A message rejected as a whole is written as it came, so that it can be
//! fixed and replayed byte for byte. The reason and the source position go
//! in headers. Everything else (a rejected record inside a larger document,
//! an event accepted with warnings, a message too large to copy) is written
//! as a JSON [`DeadLetter`] with an excerpt, and the same headers.

use std::sync::Arc;

use ispm_model::{DeadLetter, DeadLetterAction};

use crate::record::{
    HEADER_ACTION, HEADER_DETAIL, HEADER_REASON, HEADER_SOURCE_OFFSET, HEADER_SOURCE_PARTITION,
    HEADER_SOURCE_TOPIC, HEADER_VALUE_FORMAT, InputRecord, OutputRecord,
};

/// Maximum `ispm-detail` header value, in bytes. The JSON form keeps the
/// full detail.
const MAX_DETAIL_HEADER_BYTES: usize = 1024;

/// Room left in a produced record for the key and headers next to an
/// original message copied as the value.
const HEADER_ALLOWANCE_BYTES: usize = 8 * 1024;

/// Builds dead-letter records for one dead-letter topic.
#[derive(Clone, Debug)]
pub(crate) struct DeadLetters {
    topic: Arc<str>,
    max_message_bytes: usize,
}

impl DeadLetters {
    pub fn new(topic: Arc<str>, max_message_bytes: usize) -> Self {
        DeadLetters {
            topic,
            max_message_bytes,
        }
    }

    /// Returns true when `payload` fits into a dead-letter record as it is.
    pub fn fits_original(&self, payload: &[u8]) -> bool {
        payload.len() + HEADER_ALLOWANCE_BYTES <= self.max_message_bytes
    }

    /// Builds the record of a message rejected as a whole: the original
    /// message as the value, or the JSON form when it is too large to copy.
    pub fn original(
        &self,
        record: &InputRecord,
        payload: &[u8],
        dead_letter: &DeadLetter,
    ) -> OutputRecord {
        if !self.fits_original(payload) {
            return self.json(record, dead_letter);
        }
        OutputRecord {
            topic: Arc::clone(&self.topic),
            key: record.key.clone(),
            payload: payload.to_vec(),
            headers: headers(record, dead_letter, "original"),
        }
    }

    /// Builds a JSON dead-letter record.
    pub fn json(&self, record: &InputRecord, dead_letter: &DeadLetter) -> OutputRecord {
        // serde_json fails only on maps with non-string keys, which
        // DeadLetter has none of. The fallback keeps the record anyway.
        let payload = serde_json::to_vec(dead_letter).unwrap_or_else(|error| {
            format!("{{\"reason\":\"serialization_failed\",\"detail\":\"{error}\"}}").into_bytes()
        });
        OutputRecord {
            topic: Arc::clone(&self.topic),
            key: record.key.clone(),
            payload,
            headers: headers(record, dead_letter, "dead-letter-json"),
        }
    }

    /// Builds the dead letter of a message the runtime rejects before or
    /// instead of decoding it.
    pub fn rejection(
        record: &InputRecord,
        payload: &[u8],
        reason: &str,
        detail: String,
    ) -> DeadLetter {
        DeadLetter {
            action: DeadLetterAction::Rejected,
            reason: reason.to_owned(),
            detail,
            origin: record.origin(),
            index: Some(record.input.offset.max(0) as u64),
            excerpt: Some(excerpt(payload)),
            size: Some(payload.len() as u64),
            event_id: None,
        }
    }
}

fn headers(
    record: &InputRecord,
    dead_letter: &DeadLetter,
    value_format: &str,
) -> Vec<(&'static str, Vec<u8>)> {
    let action = match dead_letter.action {
        DeadLetterAction::Rejected => "rejected",
        DeadLetterAction::AcceptedWithWarnings => "accepted_with_warnings",
    };
    vec![
        (HEADER_REASON, dead_letter.reason.clone().into_bytes()),
        (
            HEADER_DETAIL,
            truncate(&dead_letter.detail, MAX_DETAIL_HEADER_BYTES)
                .as_bytes()
                .to_vec(),
        ),
        (HEADER_ACTION, action.as_bytes().to_vec()),
        (HEADER_VALUE_FORMAT, value_format.as_bytes().to_vec()),
        (
            HEADER_SOURCE_TOPIC,
            record.input.partition.topic.as_bytes().to_vec(),
        ),
        (
            HEADER_SOURCE_PARTITION,
            record.input.partition.partition.to_string().into_bytes(),
        ),
        (
            HEADER_SOURCE_OFFSET,
            record.input.offset.to_string().into_bytes(),
        ),
    ]
}

/// Maximum excerpt of a message the runtime rejects itself, in bytes, the
/// same as the decoders keep.
const EXCERPT_MAX_BYTES: usize = 4096;

fn excerpt(payload: &[u8]) -> String {
    let end = payload.len().min(EXCERPT_MAX_BYTES);
    let text = String::from_utf8_lossy(&payload[..end]);
    text.trim_end_matches('\u{fffd}').to_owned()
}

/// Cuts `text` to at most `max` bytes at a character boundary.
fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::offsets::{InputRef, TopicPartition};
    use crate::record::Route;

    fn input(payload: &[u8]) -> InputRecord {
        InputRecord {
            input: InputRef {
                partition: TopicPartition::new("cloudtrail.raw", 2),
                offset: 41,
            },
            key: Some(b"account-1".to_vec()),
            payload: Some(payload.to_vec()),
            route: Route::Event,
            received: Instant::now(),
        }
    }

    fn header<'a>(record: &'a OutputRecord, name: &str) -> Option<&'a str> {
        record
            .headers
            .iter()
            .find(|(key, _)| *key == name)
            .and_then(|(_, value)| std::str::from_utf8(value).ok())
    }

    #[test]
    fn rejected_message_keeps_its_bytes_and_source() {
        let dead_letters = DeadLetters::new(Arc::from("dlq"), 1024 * 1024);
        let record = input(b"not json");
        let dead_letter = DeadLetters::rejection(
            &record,
            b"not json",
            "invalid_json",
            "expected value".to_owned(),
        );
        let output = dead_letters.original(&record, b"not json", &dead_letter);

        assert_eq!(&*output.topic, "dlq");
        assert_eq!(output.payload, b"not json");
        assert_eq!(output.key.as_deref(), Some(&b"account-1"[..]));
        assert_eq!(header(&output, HEADER_REASON), Some("invalid_json"));
        assert_eq!(header(&output, HEADER_DETAIL), Some("expected value"));
        assert_eq!(header(&output, HEADER_ACTION), Some("rejected"));
        assert_eq!(header(&output, HEADER_VALUE_FORMAT), Some("original"));
        assert_eq!(header(&output, HEADER_SOURCE_TOPIC), Some("cloudtrail.raw"));
        assert_eq!(header(&output, HEADER_SOURCE_PARTITION), Some("2"));
        assert_eq!(header(&output, HEADER_SOURCE_OFFSET), Some("41"));
    }

    #[test]
    fn message_too_large_to_copy_becomes_json() {
        let dead_letters = DeadLetters::new(Arc::from("dlq"), 16 * 1024);
        let payload = vec![b'x'; 16 * 1024];
        let record = input(&payload);
        let dead_letter = DeadLetters::rejection(
            &record,
            &payload,
            "record_too_large",
            "too large".to_owned(),
        );
        let output = dead_letters.original(&record, &payload, &dead_letter);

        assert_eq!(
            header(&output, HEADER_VALUE_FORMAT),
            Some("dead-letter-json")
        );
        let parsed: DeadLetter = serde_json::from_slice(&output.payload).expect("JSON dead letter");
        assert_eq!(parsed.reason, "record_too_large");
        assert_eq!(parsed.size, Some(16 * 1024));
        assert_eq!(
            parsed.excerpt.map(|text| text.len()),
            Some(EXCERPT_MAX_BYTES)
        );
    }

    #[test]
    fn long_detail_header_is_cut_at_a_character_boundary() {
        let detail = "é".repeat(MAX_DETAIL_HEADER_BYTES);
        let cut = truncate(&detail, MAX_DETAIL_HEADER_BYTES - 1);
        assert!(cut.len() < MAX_DETAIL_HEADER_BYTES);
        assert!(cut.chars().all(|c| c == 'é'));
    }
}

//! The CloudTrail decoder.

mod batch;
mod classify;
mod document;
mod event;
mod identity;
mod origin;
mod record;
mod resources;
mod targets;
mod text;
pub(crate) mod type_error;

use ispm_model::IdentityEvent;

use self::event::{RecordError, build_event};
use self::identity::IdentityPatterns;
use self::record::{RawRecord, present};
use self::type_error::locate_wrong_type;
use crate::framing::{INVALID_JSON, NOT_AN_OBJECT, message_without_position, trim};
use crate::item::Item;
use crate::patterns::NamePatterns;
use crate::{DecodeError, DecoderConfig};

/// Skip reason of CloudTrail digest files.
const SKIP_DIGEST: &str = "cloudtrail_digest";
/// Skip reason of CloudTrail Insights records.
const SKIP_INSIGHT: &str = "cloudtrail_insight";
/// Skip reason of EventBridge events that do not carry a CloudTrail record.
const SKIP_NOT_CLOUDTRAIL: &str = "eventbridge_not_cloudtrail";

/// `eventType` of CloudTrail Insights records.
const INSIGHT_EVENT_TYPE: &str = "AwsCloudTrailInsight";
/// Ending of every EventBridge `detail-type` that wraps a CloudTrail record:
/// `AWS API Call via CloudTrail`, `AWS Console Sign In via CloudTrail`,
/// `AWS Service Event via CloudTrail`, ...
const CLOUDTRAIL_DETAIL_TYPE_SUFFIX: &str = "via CloudTrail";

/// Decodes CloudTrail JSON into [`IdentityEvent`]s.
///
/// Stateless and cheap to share: one decoder can serve every thread and
/// partition.
#[derive(Clone, Debug)]
pub struct CloudTrailDecoder {
    config: DecoderConfig,
    patterns: IdentityPatterns,
}

/// The outcome of an object that did not become an event.
enum Failure {
    /// A recognised object without identity activity; the code is the
    /// [`Item::Skipped`] reason.
    Skip(&'static str),
    Reject(RecordError),
}

impl From<RecordError> for Failure {
    fn from(error: RecordError) -> Self {
        Failure::Reject(error)
    }
}

/// The error [`CloudTrailDecoder::decode_record`] returns: a skip becomes an
/// error whose reason is the skip reason.
impl From<Failure> for DecodeError {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Skip(reason) => DecodeError::new(reason, skip_detail(reason)),
            Failure::Reject(rejection) => rejection.error,
        }
    }
}

impl From<RecordError> for DecodeError {
    fn from(rejection: RecordError) -> Self {
        rejection.error
    }
}

/// Whether an object was found inside an EventBridge envelope, where a
/// second envelope is not unwrapped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Nesting {
    TopLevel,
    InsideEnvelope,
}

impl CloudTrailDecoder {
    pub fn new(config: DecoderConfig) -> Self {
        let patterns = IdentityPatterns::new(
            NamePatterns::new(&config.service_user_patterns),
            NamePatterns::new(&config.person_role_patterns),
            NamePatterns::new(&config.ai_agent_patterns),
        );
        CloudTrailDecoder { config, patterns }
    }

    pub fn config(&self) -> &DecoderConfig {
        &self.config
    }

    /// Decodes a whole document (file content or one Kafka message value,
    /// already decompressed) of any supported shape. Calls `emit` once per
    /// record: an [`Item::Event`], and an [`Item::DeadLetter`] for every
    /// rejected record and for every event with invalid field values. It
    /// does not stop at a bad record and must not panic on any bytes, which
    /// `tests/robustness.rs` checks on random and damaged input.
    ///
    /// Accepted shapes: S3 log files (`{"Records":[...]}`), JSON arrays of
    /// records, NDJSON or concatenated JSON, a single record, and EventBridge
    /// envelopes (alone, in arrays or in NDJSON). A document that is cut off
    /// or broken keeps every record that can still be read; see the crate
    /// documentation for the rules.
    pub fn decode_document(&self, origin: &str, bytes: &[u8], emit: &mut dyn FnMut(Item)) {
        document::decode(self, origin, bytes, emit);
    }

    /// Decodes exactly one CloudTrail record or EventBridge envelope.
    ///
    /// A digest file, an Insights record or a non-CloudTrail EventBridge event
    /// returns an error whose reason is the skip reason of [`Item::Skipped`].
    pub fn decode_record(&self, bytes: &[u8]) -> Result<IdentityEvent, DecodeError> {
        let body = trim(bytes);
        self.check_record_bytes(body)?;
        let record = parse_record(body)?;
        self.decode_object(body, &record, Nesting::TopLevel)
    }

    /// Decodes many records, each exactly as [`Self::decode_record`] does,
    /// and calls `emit` with each record's result in input order. Faster per
    /// record than calling `decode_record` for each: it parses a few dozen
    /// records before building their events (see the `batch` module).
    pub fn decode_batch(
        &self,
        records: &[&[u8]],
        mut emit: impl FnMut(Result<IdentityEvent, DecodeError>),
    ) {
        let records: Vec<batch::Bytes<'_>> = records.iter().map(|r| batch::Bytes(r)).collect();
        self.decode_chunked(&records, |_, result| emit(result));
    }

    /// Parses one record into the typed record struct and stops there,
    /// without attributing it or building an event. The throughput
    /// benchmark measures decoding against this floor.
    pub fn parse_only(&self, bytes: &[u8]) -> Result<(), DecodeError> {
        let body = trim(bytes);
        self.check_record_bytes(body)?;
        parse_record(body)?;
        Ok(())
    }

    /// Checks what can be checked before parsing a record: its size and that
    /// it is an object.
    fn check_record_bytes(&self, record: &[u8]) -> Result<(), RecordError> {
        if record.len() > self.config.max_record_bytes {
            return Err(RecordError::new(
                "record_too_large",
                format!(
                    "record of {} bytes is larger than max_record_bytes ({}); not decoded",
                    record.len(),
                    self.config.max_record_bytes
                ),
            ));
        }
        match record.first() {
            Some(b'{') => Ok(()),
            None => Err(RecordError::new("empty_document", "record is empty")),
            Some(_) => Err(not_an_object(record)),
        }
    }

    /// Turns a parsed object into an event: unwraps an EventBridge envelope,
    /// recognises objects to skip, and builds the event of a record.
    ///
    /// Generic over the error so that the event is built in the caller's
    /// result: converting a `Result<IdentityEvent, _>` to another error type
    /// copies the whole event, several hundred bytes, once per record.
    fn decode_object<E: From<Failure> + From<RecordError>>(
        &self,
        raw: &[u8],
        record: &RawRecord<'_>,
        nesting: Nesting,
    ) -> Result<IdentityEvent, E> {
        if let (Some(detail_type), Some(detail)) = (present(&record.detail_type), record.detail) {
            if nesting == Nesting::InsideEnvelope {
                return Err(RecordError::new(
                    "unknown_shape",
                    "EventBridge envelope inside another envelope's detail",
                )
                .into());
            }
            if !detail_type.ends_with(CLOUDTRAIL_DETAIL_TYPE_SUFFIX) {
                return Err(Failure::Skip(SKIP_NOT_CLOUDTRAIL).into());
            }
            let detail = detail.get();
            if !detail.starts_with('{') {
                return Err(RecordError::new(
                    NOT_AN_OBJECT,
                    format!("EventBridge event of detail-type {detail_type:?} has a detail that is not an object"),
                )
                .into());
            }
            let inner = parse_record_text(detail).map_err(|mut rejection| {
                rejection.error.detail =
                    format!("in EventBridge detail: {}", rejection.error.detail);
                rejection
            })?;
            return self.decode_object(detail.as_bytes(), &inner, Nesting::InsideEnvelope);
        }

        if record.records.is_some() {
            return Err(RecordError::new(
                "unknown_shape",
                "expected one CloudTrail record, found a log file with a Records list",
            )
            .into());
        }
        if record.is_digest() {
            return Err(Failure::Skip(SKIP_DIGEST).into());
        }
        if present(&record.event_type) == Some(INSIGHT_EVENT_TYPE) {
            return Err(Failure::Skip(SKIP_INSIGHT).into());
        }
        build_event(record, raw, &self.patterns)
    }
}

fn skip_detail(reason: &str) -> &'static str {
    match reason {
        SKIP_DIGEST => "CloudTrail digest file: it lists log files and carries no events",
        SKIP_INSIGHT => {
            "CloudTrail Insights record: it describes unusual API activity, not a call by an identity"
        }
        _ => "EventBridge event that does not carry a CloudTrail record",
    }
}

/// Parses a record object, mapping serde errors to reason codes.
fn parse_record(json: &[u8]) -> Result<RawRecord<'_>, RecordError> {
    serde_json::from_slice(json).map_err(|err| parse_error(json, &err))
}

/// Parses a record object that is already known to be UTF-8, such as an
/// element of a log file's `Records` list, which serde_json validated when it
/// split the list. From `&str`, serde_json does not validate every string of
/// the record a second time.
fn parse_record_text(json: &str) -> Result<RawRecord<'_>, RecordError> {
    serde_json::from_str(json).map_err(|err| parse_error(json.as_bytes(), &err))
}

fn parse_error(json: &[u8], err: &serde_json::Error) -> RecordError {
    let message = message_without_position(err);
    if !err.is_data() {
        return RecordError::new(INVALID_JSON, format!("invalid JSON: {err}"));
    }
    if message.starts_with("duplicate field") {
        return RecordError::new("duplicate_field", format!("record has a {message}"));
    }
    let located = std::str::from_utf8(json).ok().and_then(locate_wrong_type);
    match located {
        Some(field) => RecordError::new(
            "wrong_type",
            format!("wrong type for field {}: {}", field.path, field.message),
        ),
        None => RecordError::new("wrong_type", message),
    }
}

/// Builds the error of a record that is valid JSON but not an object, or not
/// JSON.
fn not_an_object(record: &[u8]) -> RecordError {
    match serde_json::from_slice::<serde::de::IgnoredAny>(record) {
        Ok(_) => RecordError::new(NOT_AN_OBJECT, "record is a JSON value but not an object"),
        Err(err) => RecordError::new(INVALID_JSON, format!("invalid JSON: {err}")),
    }
}

#[cfg(test)]
mod tests;

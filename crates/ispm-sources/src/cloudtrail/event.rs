//! A parsed record to [`IdentityEvent`].

use ispm_model::{CompactString, EventTime, IdentityEvent, SourceKind};

use super::identity::{self, IdentityPatterns, RecordContext};
use super::origin::build_origin;
use super::record::{RawRecord, present};
use super::resources::first_resource_type;
use super::targets::{TargetCall, derive_targets};
use crate::DecodeError;

/// A record that could not become an event, with its event id when known.
#[derive(Debug)]
pub(crate) struct RecordError {
    pub error: DecodeError,
    pub event_id: Option<String>,
}

impl RecordError {
    pub fn new(reason: &'static str, detail: impl Into<String>) -> Self {
        RecordError {
            error: DecodeError::new(reason, detail),
            event_id: None,
        }
    }

    /// Takes the error out, leaving an empty one with the same reason.
    pub fn take(&mut self) -> Self {
        RecordError {
            error: DecodeError::new(self.error.reason, std::mem::take(&mut self.error.detail)),
            event_id: self.event_id.take(),
        }
    }
}

/// Prefix of event ids derived from the record bytes.
const DERIVED_ID_PREFIX: &str = "fnv1a64-";

/// Builds the event of one record. `raw` is the record's JSON text, hashed
/// into an event id when the record has no `eventID`. Generic over the error
/// for the reason given at `CloudTrailDecoder::decode_object`.
pub(super) fn build_event<E: From<RecordError>>(
    record: &RawRecord<'_>,
    raw: &[u8],
    patterns: &IdentityPatterns,
) -> Result<IdentityEvent, E> {
    let event_id = present(&record.event_id).map_or_else(
        || CompactString::from(derived_event_id(raw)),
        CompactString::from,
    );
    let reject = |reason: &'static str, detail: String| {
        E::from(RecordError {
            error: DecodeError::new(reason, detail),
            event_id: Some(event_id.to_string()),
        })
    };

    let Some(time_text) = present(&record.event_time) else {
        return Err(reject(
            "missing_event_time",
            "record has no eventTime".to_owned(),
        ));
    };
    let time = EventTime::parse_rfc3339(time_text).map_err(|_| {
        reject(
            "invalid_event_time",
            format!(
                "eventTime {time_text:?} is not an RFC 3339 timestamp such as 2024-08-01T13:33:28Z"
            ),
        )
    })?;
    let Some(event_name) = present(&record.event_name) else {
        return Err(reject(
            "missing_event_name",
            "record has no eventName".to_owned(),
        ));
    };

    let recipient_account = present(&record.recipient_account_id);
    let context = RecordContext {
        recipient_account,
        event_source: present(&record.event_source),
        source_ip_address: present(&record.source_ip_address),
        user_agent: present(&record.user_agent),
        source_identity: present(&record.source_identity),
    };
    let mut warnings = Vec::new();
    // The event is built first and the fields that read its actor are set
    // afterwards. Keeping the actor and the origin in locals until one final
    // struct expression cost one more copy of each, 264 and 192 bytes.
    let mut event = IdentityEvent {
        event_id,
        time,
        source: SourceKind::Cloudtrail,
        service: CompactString::from(context.event_source.unwrap_or_default()),
        action: CompactString::from(event_name),
        event_type: present(&record.event_type).map(CompactString::from),
        account: recipient_account.map(CompactString::from),
        actor: identity::attribute(record.user_identity.as_ref(), &context, patterns),
        origin: build_origin(
            context.source_ip_address,
            present(&record.aws_region),
            context.user_agent,
            &mut warnings,
        ),
        error_code: present(&record.error_code).map(CompactString::from),
        resource_type: first_resource_type(record.resources, &mut warnings),
        read_only: record.read_only.map(|flag| flag.0),
        request: record.request_parameters.map(ToOwned::to_owned),
        response: record.response_elements.map(ToOwned::to_owned),
        // NOTE: the model has one slot for both: API calls carry
        // additionalEventData and service events serviceEventDetails, and no
        // record seen so far has both. When both are present the service
        // details are dropped.
        additional: record
            .additional_event_data
            .or(record.service_event_details)
            .map(ToOwned::to_owned),
        targets: Vec::new(),
        warnings,
    };
    if event.account.is_none() {
        event.account = event.actor.account.clone();
    }
    if event.error_code.is_none() {
        event.targets = derive_targets(&TargetCall {
            event_name,
            request: record.request_parameters,
            response: record.response_elements,
            account: event.account.as_deref(),
            actor: &event.actor,
            identity_provider: record
                .user_identity
                .as_ref()
                .and_then(|identity| present(&identity.identity_provider)),
        });
    }
    Ok(event)
}

/// Derives an event id for a record without `eventID`: `fnv1a64-` and the
/// 16 hex digits of the 64-bit FNV-1a hash of the record's bytes. The same
/// bytes always give the same id, so a replayed record deduplicates; the same
/// record serialized differently (other key order or spacing) does not.
pub(crate) fn derived_event_id(raw: &[u8]) -> String {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let hash = raw.iter().fold(OFFSET_BASIS, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    });
    format!("{DERIVED_ID_PREFIX}{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_id_is_stable_fnv1a() {
        // Published FNV-1a 64 test vectors: "" and "a".
        assert_eq!(derived_event_id(b""), "fnv1a64-cbf29ce484222325");
        assert_eq!(derived_event_id(b"a"), "fnv1a64-af63dc4c8601ec8c");
    }
}

use ispm_model::{DeadLetter, DeadLetterAction, IdentityEvent};

use crate::DecodeError;

/// Maximum size of the record excerpt kept in a dead letter.
pub const EXCERPT_MAX_BYTES: usize = 4096;

/// One output of [`crate::CloudTrailDecoder::decode_document`].
#[derive(Clone, Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "items are passed one at a time and nearly all are events; boxing would cost an allocation per event"
)]
pub enum Item {
    Event(IdentityEvent),
    /// A record that was rejected, or accepted with invalid field values.
    DeadLetter(DeadLetter),
    /// A recognised document or record that carries no identity activity,
    /// reported once per document and reason. `reason` is one of
    /// `cloudtrail_digest` (a CloudTrail digest file), `cloudtrail_insight`
    /// (CloudTrail Insights records) or `eventbridge_not_cloudtrail` (an
    /// EventBridge event of another `detail-type`).
    Skipped {
        origin: String,
        reason: &'static str,
    },
}

/// Builds the dead letter of a rejected record.
pub(crate) fn rejected(
    origin: &str,
    index: u64,
    error: DecodeError,
    record: &[u8],
    event_id: Option<String>,
) -> DeadLetter {
    DeadLetter {
        action: DeadLetterAction::Rejected,
        reason: error.reason.to_owned(),
        detail: error.detail,
        origin: origin.to_owned(),
        index: Some(index),
        excerpt: Some(excerpt(record)),
        size: Some(record.len() as u64),
        event_id,
    }
}

/// Builds the dead letter that reports the warnings of an accepted event.
pub(crate) fn accepted_with_warnings(
    origin: &str,
    index: u64,
    event: &IdentityEvent,
    record: &[u8],
) -> DeadLetter {
    DeadLetter {
        action: DeadLetterAction::AcceptedWithWarnings,
        reason: "invalid_field_value".to_owned(),
        detail: event.warnings.join("; "),
        origin: origin.to_owned(),
        index: Some(index),
        excerpt: Some(excerpt(record)),
        size: Some(record.len() as u64),
        event_id: Some(event.event_id.to_string()),
    }
}

/// Returns the first [`EXCERPT_MAX_BYTES`] of a record as text, with invalid
/// UTF-8 replaced by U+FFFD. The cut is moved back to a character boundary so it
/// adds no replacement character of its own.
fn excerpt(record: &[u8]) -> String {
    let mut end = record.len().min(EXCERPT_MAX_BYTES);
    let is_continuation = |byte: u8| byte & 0b1100_0000 == 0b1000_0000;
    let mut steps = 0;
    while end < record.len() && end > 0 && steps < 3 && is_continuation(record[end]) {
        end -= 1;
        steps += 1;
    }
    String::from_utf8_lossy(&record[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_is_capped_at_a_character_boundary() {
        let record = "é".repeat(EXCERPT_MAX_BYTES);
        let text = excerpt(record.as_bytes());
        assert_eq!(text.len(), EXCERPT_MAX_BYTES);
        assert!(!text.contains('\u{fffd}'));
    }

    #[test]
    fn excerpt_of_binary_is_lossy_text() {
        assert_eq!(excerpt(b"\xffab"), "\u{fffd}ab");
    }
}

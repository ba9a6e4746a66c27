use thiserror::Error;

/// A record, document or input file that could not be decoded.
///
/// The cause is always the input, never ispm, so retrying the same bytes gives
/// the same error. Callers turn it into a dead letter and carry on.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{detail}")]
pub struct DecodeError {
    /// Stable snake_case code for counting and alerting, e.g. `invalid_json`,
    /// `wrong_type`, `missing_event_time`, `record_too_large`,
    /// `truncated_gzip`. The crate documentation lists every code.
    pub reason: &'static str,
    /// One sentence saying what was wrong, naming the field or value.
    pub detail: String,
}

impl DecodeError {
    pub fn new(reason: &'static str, detail: impl Into<String>) -> Self {
        DecodeError {
            reason,
            detail: detail.into(),
        }
    }
}

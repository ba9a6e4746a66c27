use serde::{Deserialize, Serialize};

/// What happened to the record a dead letter reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadLetterAction {
    /// The record could not be decoded and was not processed.
    Rejected,
    /// The record was processed, but some field values were invalid and were
    /// kept as raw text only (for example a source IP with leading zeros).
    AcceptedWithWarnings,
}

/// A record that could not be processed as it was, with where it came from
/// and why. Written to `ispm.deadletter`; processing always continues.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DeadLetter {
    pub action: DeadLetterAction,
    /// Stable reason code for counting, e.g. `invalid_json`, `missing_event_time`.
    pub reason: String,
    /// Human-readable detail: what was wrong and where.
    pub detail: String,
    /// File path, `-` for stdin, or `topic/partition` in the Kafka runtime.
    pub origin: String,
    /// Record index within the file (0-based), or the Kafka offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    /// The start of the original record, at most 4 KiB, for triage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
    /// The original record's size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
}

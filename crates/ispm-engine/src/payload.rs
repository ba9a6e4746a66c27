//! Lazy access to request and response payloads.
//!
//! Payloads stay opaque JSON text on the event. A detector that needs a field
//! parses the payload into a small struct of its own; a payload of another
//! shape (a string, `HIDDEN_DUE_TO_SECURITY_REASONS`, an array) simply yields
//! `None`, because the same key can hold different types in different events.

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

/// Parses a payload into `T`, or `None` when it is absent or of another shape.
pub(crate) fn parse<T: DeserializeOwned>(payload: Option<&RawValue>) -> Option<T> {
    serde_json::from_str(payload?.get()).ok()
}

/// A string field that may also arrive as a list of strings.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(untagged)]
pub(crate) enum OneOrMany {
    One(String),
    Many(Vec<String>),
    Other(serde::de::IgnoredAny),
}

impl Default for OneOrMany {
    fn default() -> Self {
        OneOrMany::Other(serde::de::IgnoredAny)
    }
}

impl OneOrMany {
    pub fn values(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(value) => vec![value.as_str()],
            OneOrMany::Many(values) => values.iter().map(String::as_str).collect(),
            OneOrMany::Other(_) => Vec::new(),
        }
    }
}

/// Parses a payload into a JSON value for a finding's evidence. Only called
/// when a finding is emitted, never per event.
pub(crate) fn to_value(payload: Option<&RawValue>) -> serde_json::Value {
    payload
        .and_then(|raw| serde_json::from_str(raw.get()).ok())
        .unwrap_or(serde_json::Value::Null)
}

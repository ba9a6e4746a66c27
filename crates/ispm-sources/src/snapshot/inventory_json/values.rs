//! Checks of single field values, with errors that name the field's path.

use ispm_model::EventTime;

use crate::snapshot::error::{SnapshotError, SnapshotLocation, excerpt};

/// An object in the document whose fields are being checked: the document
/// itself, an identity, or a credential inside an identity.
pub(super) struct FieldScope {
    pub at: SnapshotLocation,
    /// Path of the object inside the identity, e.g. `credentials[2].`, or
    /// empty for the identity or document itself.
    pub prefix: String,
}

impl FieldScope {
    pub fn new(at: SnapshotLocation) -> Self {
        FieldScope {
            at,
            prefix: String::new(),
        }
    }

    pub fn nested(&self, prefix: String) -> Self {
        FieldScope {
            at: self.at,
            prefix,
        }
    }

    pub fn path(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// Rejects an empty string, which has no meaning in the format. Inputs
    /// omit the field instead.
    pub fn text(&self, name: &str, value: Option<String>) -> Result<Option<String>, SnapshotError> {
        match value {
            Some(text) if text.is_empty() => Err(self.invalid(name, &text, "a non-empty string")),
            other => Ok(other),
        }
    }

    pub fn required_text(
        &self,
        name: &str,
        value: Option<String>,
        hint: &'static str,
    ) -> Result<String, SnapshotError> {
        self.text(name, value)?
            .ok_or_else(|| self.missing(name, hint))
    }

    pub fn timestamp(
        &self,
        name: &str,
        value: Option<String>,
    ) -> Result<Option<EventTime>, SnapshotError> {
        let Some(text) = value else {
            return Ok(None);
        };
        EventTime::parse_rfc3339(&text)
            .map(Some)
            .map_err(|_| SnapshotError::InvalidTimestamp {
                at: self.at,
                field: self.path(name),
                value: excerpt(&text),
            })
    }

    /// Parses a value that must be one of a fixed set of words.
    pub fn choice<T>(
        &self,
        name: &str,
        value: Option<String>,
        parse: fn(&str) -> Option<T>,
        expected: &'static str,
    ) -> Result<Option<T>, SnapshotError> {
        let Some(text) = value else {
            return Ok(None);
        };
        parse(&text)
            .map(Some)
            .ok_or_else(|| self.invalid(name, &text, expected))
    }

    pub fn invalid(&self, name: &str, value: &str, expected: &'static str) -> SnapshotError {
        SnapshotError::InvalidValue {
            at: self.at,
            field: self.path(name),
            value: excerpt(value),
            expected,
        }
    }

    pub fn missing(&self, name: &str, hint: &'static str) -> SnapshotError {
        SnapshotError::MissingField {
            at: self.at,
            field: self.path(name),
            hint,
        }
    }
}

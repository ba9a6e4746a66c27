use std::fmt;

use thiserror::Error;

/// Maximum size in bytes of an input value quoted in a [`SnapshotError`].
/// Enough for a timestamp, a typical ARN or a field name, and short enough
/// for one log line.
pub const VALUE_EXCERPT_MAX_BYTES: usize = 120;

/// Position in the input of a [`SnapshotError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotLocation {
    /// The input as a whole: its header, its top-level JSON, or its lack of
    /// content.
    Document,
    /// A credential report record. Rows are counted from 1 after the header,
    /// and blank lines are not counted.
    Row(u64),
    /// An element of an inventory document's `identities`, counted from 0.
    Identity(usize),
}

impl SnapshotLocation {
    /// Returns the row number or identity index, for the `index` of a dead
    /// letter.
    pub fn index(self) -> Option<u64> {
        match self {
            SnapshotLocation::Document => None,
            SnapshotLocation::Row(row) => Some(row),
            SnapshotLocation::Identity(index) => u64::try_from(index).ok(),
        }
    }
}

impl fmt::Display for SnapshotLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotLocation::Document => f.write_str("document"),
            SnapshotLocation::Row(row) => write!(f, "row {row}"),
            SnapshotLocation::Identity(index) => write!(f, "identities[{index}]"),
        }
    }
}

/// A snapshot input, row or identity that could not be decoded.
///
/// The cause is always the input, so decoding the same bytes again gives the
/// same error. `field` is a credential report column name or a JSON path
/// inside the identity (`credentials[0].last_used`). `value` is an excerpt of
/// at most [`VALUE_EXCERPT_MAX_BYTES`].
///
/// Decoding never stops at a bad row or identity: each becomes one
/// [`SnapshotError`] with its row number or identity index, and the others
/// still decode. Only an error in the header or the top-level object fails
/// the whole input. [`SnapshotError::reason`] returns one of these codes:
///
/// | reason | cause |
/// |---|---|
/// | `empty_document` | nothing but whitespace, or no header line |
/// | `missing_column` | the credential report header lacks `user` or `arn` |
/// | `duplicate_column` | the credential report header names a column twice |
/// | `wrong_column_count` | a row with more or fewer fields than the header, e.g. a truncated last line |
/// | `invalid_csv` | a field that is not UTF-8 |
/// | `invalid_timestamp` | a timestamp that is not RFC 3339 with a time zone |
/// | `invalid_boolean` | a credential report flag other than `true` or `false` |
/// | `invalid_arn` | an ARN that is not an IAM user or root ARN (credential report), or an `arn` that cannot give the id of an inventory entry without `id` |
/// | `invalid_value` | a word outside its list (`kind`, `privilege`, `status`, ...), an empty string, or both `status` and `active` |
/// | `missing_field` | `format`, `identities`, an identity's `id` and `arn`, or a credential's `id`, `kind` or state |
/// | `unknown_field` | a field the inventory format does not define, often a typo |
/// | `duplicate_field` | a JSON object with the same key twice |
/// | `wrong_type` | a JSON value of the wrong type, e.g. `"enabled": "yes"` |
/// | `invalid_json` | bytes that are not one JSON value |
/// | `unsupported_format` | a `format` other than `ispm.inventory.v1` |
/// | `missing_as_of` | no time for the snapshot: no `as_of` in the inventory, or no timestamp in the report, and no override |
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SnapshotError {
    #[error(
        "the input is empty: expected an IAM credential report CSV or an ispm.inventory.v1 JSON document"
    )]
    EmptyDocument,

    #[error(
        "the credential report header has no `{column}` column, so no row can be attributed to an identity; header: {header:?}"
    )]
    MissingColumn {
        column: &'static str,
        header: String,
    },

    #[error(
        "the credential report header has the column `{column}` twice, so its values are ambiguous"
    )]
    DuplicateColumn { column: String },

    #[error(
        "{at}: expected {expected} columns as in the header, found {found}; the row is cut short or has extra commas: {value:?}"
    )]
    WrongColumnCount {
        at: SnapshotLocation,
        expected: usize,
        found: usize,
        value: String,
    },

    #[error("{at}: invalid CSV: {message}")]
    InvalidCsv {
        at: SnapshotLocation,
        message: String,
    },

    #[error(
        "{at}, {field}: invalid timestamp {value:?}: expected RFC 3339 with a time zone, e.g. 2018-08-12T17:20:55+00:00"
    )]
    InvalidTimestamp {
        at: SnapshotLocation,
        field: String,
        value: String,
    },

    #[error("{at}, {field}: invalid boolean {value:?}: expected true or false")]
    InvalidBoolean {
        at: SnapshotLocation,
        field: String,
        value: String,
    },

    #[error("{at}, {field}: invalid ARN {value:?}: expected {expected}")]
    InvalidArn {
        at: SnapshotLocation,
        field: String,
        value: String,
        expected: &'static str,
    },

    #[error("{at}, {field}: invalid value {value:?}: expected {expected}")]
    InvalidValue {
        at: SnapshotLocation,
        field: String,
        value: String,
        expected: &'static str,
    },

    #[error("{at}, {field}: missing field: {hint}")]
    MissingField {
        at: SnapshotLocation,
        field: String,
        hint: &'static str,
    },

    #[error("{at}, {field}: {message}; check the spelling against the inventory schema")]
    UnknownField {
        at: SnapshotLocation,
        field: String,
        message: String,
    },

    #[error("{at}, {field}: {message}")]
    DuplicateField {
        at: SnapshotLocation,
        field: String,
        message: String,
    },

    #[error("{at}, {field}: wrong JSON type: {message}")]
    WrongType {
        at: SnapshotLocation,
        field: String,
        message: String,
    },

    #[error("invalid JSON at line {line}, column {column}: {message}")]
    InvalidJson {
        line: usize,
        column: usize,
        message: String,
    },

    #[error(
        "unsupported inventory format {value:?}: this version of ispm reads \"ispm.inventory.v1\""
    )]
    UnsupportedFormat { value: String },

    #[error(
        "{at}: no as_of: the input states no time for this snapshot; add as_of to the identity or to the document"
    )]
    MissingAsOf { at: SnapshotLocation },
}

impl SnapshotError {
    /// Returns the stable snake_case code for counting and dead letters.
    pub fn reason(&self) -> &'static str {
        match self {
            SnapshotError::EmptyDocument => "empty_document",
            SnapshotError::MissingColumn { .. } => "missing_column",
            SnapshotError::DuplicateColumn { .. } => "duplicate_column",
            SnapshotError::WrongColumnCount { .. } => "wrong_column_count",
            SnapshotError::InvalidCsv { .. } => "invalid_csv",
            SnapshotError::InvalidTimestamp { .. } => "invalid_timestamp",
            SnapshotError::InvalidBoolean { .. } => "invalid_boolean",
            SnapshotError::InvalidArn { .. } => "invalid_arn",
            SnapshotError::InvalidValue { .. } => "invalid_value",
            SnapshotError::MissingField { .. } => "missing_field",
            SnapshotError::UnknownField { .. } => "unknown_field",
            SnapshotError::DuplicateField { .. } => "duplicate_field",
            SnapshotError::WrongType { .. } => "wrong_type",
            SnapshotError::InvalidJson { .. } => "invalid_json",
            SnapshotError::UnsupportedFormat { .. } => "unsupported_format",
            SnapshotError::MissingAsOf { .. } => "missing_as_of",
        }
    }

    /// Returns the row or identity the error is about, or
    /// [`SnapshotLocation::Document`] for errors about the whole input.
    pub fn location(&self) -> SnapshotLocation {
        match self {
            SnapshotError::WrongColumnCount { at, .. }
            | SnapshotError::InvalidCsv { at, .. }
            | SnapshotError::InvalidTimestamp { at, .. }
            | SnapshotError::InvalidBoolean { at, .. }
            | SnapshotError::InvalidArn { at, .. }
            | SnapshotError::InvalidValue { at, .. }
            | SnapshotError::MissingField { at, .. }
            | SnapshotError::UnknownField { at, .. }
            | SnapshotError::DuplicateField { at, .. }
            | SnapshotError::WrongType { at, .. }
            | SnapshotError::MissingAsOf { at } => *at,
            SnapshotError::EmptyDocument
            | SnapshotError::MissingColumn { .. }
            | SnapshotError::DuplicateColumn { .. }
            | SnapshotError::InvalidJson { .. }
            | SnapshotError::UnsupportedFormat { .. } => SnapshotLocation::Document,
        }
    }
}

/// Returns at most [`VALUE_EXCERPT_MAX_BYTES`] of `value`, cut at a character
/// boundary, with `...` appended when something was cut.
pub(crate) fn excerpt(value: &str) -> String {
    if value.len() <= VALUE_EXCERPT_MAX_BYTES {
        return value.to_owned();
    }
    let mut end = VALUE_EXCERPT_MAX_BYTES;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &value[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_keeps_short_values() {
        assert_eq!(excerpt("N/A"), "N/A");
    }

    #[test]
    fn excerpt_cuts_at_character_boundary() {
        let value = "é".repeat(VALUE_EXCERPT_MAX_BYTES);
        let cut = excerpt(&value);
        assert!(cut.ends_with("..."));
        assert!(cut.len() <= VALUE_EXCERPT_MAX_BYTES + 3);
        assert!(!cut.contains('\u{fffd}'));
    }

    #[test]
    fn location_display_names_row_and_index() {
        assert_eq!(SnapshotLocation::Row(3).to_string(), "row 3");
        assert_eq!(SnapshotLocation::Identity(2).to_string(), "identities[2]");
        assert_eq!(SnapshotLocation::Document.index(), None);
        assert_eq!(SnapshotLocation::Row(3).index(), Some(3));
    }

    #[test]
    fn error_message_names_row_column_and_value() {
        let error = SnapshotError::InvalidTimestamp {
            at: SnapshotLocation::Row(2),
            field: "password_last_used".to_owned(),
            value: "2019-13-01".to_owned(),
        };
        let message = error.to_string();
        assert!(
            message.starts_with("row 2, password_last_used:"),
            "{message}"
        );
        assert!(message.contains("\"2019-13-01\""), "{message}");
        assert_eq!(error.reason(), "invalid_timestamp");
        assert_eq!(error.location(), SnapshotLocation::Row(2));
    }
}

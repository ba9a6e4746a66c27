//! The serde shapes of an inventory document and the mapping of serde's
//! errors to [`SnapshotError`]s.
//!
//! Every field is optional at the serde level, and required ones are checked
//! after parsing, so a missing field is reported with a hint instead of
//! serde's bare message.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::error::Category;
use serde_json::value::RawValue;

use crate::framing::message_without_position;
use crate::snapshot::error::{SnapshotError, SnapshotLocation};

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "an ispm.inventory.v1 document object"
)]
pub(super) struct RawDocument<'a> {
    pub format: Option<String>,
    pub source: Option<String>,
    pub as_of: Option<String>,
    /// Kept as raw JSON so each identity is decoded on its own and one bad
    /// identity does not fail the others.
    #[serde(borrow)]
    pub identities: Option<Vec<&'a RawValue>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "an identity object")]
pub(super) struct RawIdentity {
    pub id: Option<String>,
    pub name: Option<String>,
    pub kind: Option<String>,
    pub nhi_type: Option<String>,
    pub account: Option<String>,
    pub arn: Option<String>,
    pub owner: Option<String>,
    pub created_by: Option<String>,
    pub created_at: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    pub enabled: Option<bool>,
    pub mfa_active: Option<bool>,
    pub privilege: Option<String>,
    #[serde(default)]
    pub policies: Vec<String>,
    #[serde(default)]
    pub credentials: Vec<RawCredential>,
    pub as_of: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a credential object")]
pub(super) struct RawCredential {
    pub id: Option<String>,
    pub kind: Option<String>,
    pub status: Option<String>,
    pub active: Option<bool>,
    pub created_at: Option<String>,
    pub last_rotated: Option<String>,
    pub last_used: Option<String>,
    pub last_used_region: Option<String>,
    pub last_used_service: Option<String>,
}

/// Parses `json` into `T`, reporting the JSON path of a failure at `at`.
pub(super) fn parse_json<'de, T: Deserialize<'de>>(
    json: &'de [u8],
    at: SnapshotLocation,
) -> Result<T, SnapshotError> {
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    let value = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| to_snapshot_error(error, at))?;
    deserializer.end().map_err(|error| invalid_json(&error))?;
    Ok(value)
}

/// Parses one identity from its raw JSON.
pub(super) fn parse_identity(raw: &RawValue, index: usize) -> Result<RawIdentity, SnapshotError> {
    parse_json(raw.get().as_bytes(), SnapshotLocation::Identity(index))
}

fn to_snapshot_error(
    error: serde_path_to_error::Error<serde_json::Error>,
    at: SnapshotLocation,
) -> SnapshotError {
    let path = error.path().to_string();
    let field = if path == "." {
        "top-level object".to_owned()
    } else {
        path
    };
    let inner = error.into_inner();
    if inner.classify() != Category::Data {
        return invalid_json(&inner);
    }

    // serde_json gives data errors no finer category, so the kind is read
    // from the message prefixes that serde's derive writes
    // (`de::Error::unknown_field` and `de::Error::duplicate_field`).
    let message = message_without_position(&inner);
    if message.starts_with("unknown field") {
        SnapshotError::UnknownField { at, field, message }
    } else if message.starts_with("duplicate field") {
        SnapshotError::DuplicateField { at, field, message }
    } else {
        SnapshotError::WrongType { at, field, message }
    }
}

fn invalid_json(error: &serde_json::Error) -> SnapshotError {
    SnapshotError::InvalidJson {
        line: error.line(),
        column: error.column(),
        message: message_without_position(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_field_names_its_path() {
        let json = br#"{"id":"x","credentials":[{"id":"a","statsu":"active"}]}"#;
        let error = parse_json::<RawIdentity>(json, SnapshotLocation::Identity(4))
            .err()
            .expect("unknown field");
        assert_eq!(error.reason(), "unknown_field");
        let message = error.to_string();
        assert!(
            message.starts_with("identities[4], credentials[0].statsu: unknown field `statsu`"),
            "{message}"
        );
    }

    #[test]
    fn wrong_type_names_field_and_value() {
        let error =
            parse_json::<RawIdentity>(br#"{"enabled":"yes"}"#, SnapshotLocation::Identity(0))
                .err()
                .expect("wrong type");
        assert_eq!(error.reason(), "wrong_type");
        assert_eq!(
            error.to_string(),
            "identities[0], enabled: wrong JSON type: invalid type: string \"yes\", expected a boolean"
        );
    }

    #[test]
    fn duplicate_field_is_rejected() {
        let error =
            parse_json::<RawIdentity>(br#"{"id":"a","id":"b"}"#, SnapshotLocation::Identity(0))
                .err()
                .expect("duplicate");
        assert_eq!(error.reason(), "duplicate_field");
    }

    #[test]
    fn syntax_error_is_invalid_json_with_position() {
        let error = parse_json::<RawDocument<'_>>(b"{\n\"format\": }", SnapshotLocation::Document)
            .err()
            .expect("syntax error");
        assert_eq!(error.reason(), "invalid_json");
        assert!(
            error.to_string().starts_with("invalid JSON at line 2"),
            "{error}"
        );
    }

    #[test]
    fn non_object_document_is_wrong_type() {
        let error = parse_json::<RawDocument<'_>>(b"[]", SnapshotLocation::Document)
            .err()
            .expect("array");
        assert_eq!(error.reason(), "wrong_type");
        assert!(
            error
                .to_string()
                .contains("expected an ispm.inventory.v1 document object"),
            "{error}"
        );
    }

    #[test]
    fn trailing_content_is_invalid_json() {
        let error = parse_json::<RawDocument<'_>>(b"{} {}", SnapshotLocation::Document)
            .err()
            .expect("trailing");
        assert_eq!(error.reason(), "invalid_json");
    }
}

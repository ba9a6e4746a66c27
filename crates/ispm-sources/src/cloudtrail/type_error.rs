//! Finds which field made a record fail to deserialize.
//!
//! serde_json reports a wrong type as "invalid type: integer `42`, expected a
//! string at line 1 column 20", without the field. On that error path only,
//! each field is deserialized again on its own into the same struct, so the
//! field named is exactly the one the decoder rejected.

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use crate::framing::message_without_position;

use super::record::{
    OnBehalfOf, RawRecord, SessionAttributes, SessionContext, SessionIssuer, UserIdentity,
};

/// A field whose value has the wrong type, with serde's message.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct FieldError {
    /// Dotted path, e.g. `userIdentity.sessionContext.attributes.mfaAuthenticated`.
    pub path: String,
    pub message: String,
}

/// Returns the first field of a record object whose value the decoder
/// rejects, or `None` when no single field explains the error (for example a
/// duplicate key).
pub(super) fn locate_wrong_type(record_json: &str) -> Option<FieldError> {
    locate(Shape::Record, record_json, "")
}

/// The struct an object is deserialized into.
#[derive(Clone, Copy)]
enum Shape {
    Record,
    UserIdentity,
    SessionContext,
    SessionIssuer,
    SessionAttributes,
    OnBehalfOf,
}

impl Shape {
    fn check(self, json: &str) -> Result<(), serde_json::Error> {
        match self {
            Shape::Record => serde_json::from_str::<RawRecord<'_>>(json).map(drop),
            Shape::UserIdentity => serde_json::from_str::<UserIdentity<'_>>(json).map(drop),
            Shape::SessionContext => serde_json::from_str::<SessionContext<'_>>(json).map(drop),
            Shape::SessionIssuer => serde_json::from_str::<SessionIssuer<'_>>(json).map(drop),
            Shape::SessionAttributes => serde_json::from_str::<SessionAttributes>(json).map(drop),
            Shape::OnBehalfOf => serde_json::from_str::<OnBehalfOf<'_>>(json).map(drop),
        }
    }

    fn child(self, key: &str) -> Option<Shape> {
        match (self, key) {
            (Shape::Record, "userIdentity") => Some(Shape::UserIdentity),
            (Shape::UserIdentity, "sessionContext") => Some(Shape::SessionContext),
            (Shape::UserIdentity, "onBehalfOf") => Some(Shape::OnBehalfOf),
            (Shape::SessionContext, "sessionIssuer") => Some(Shape::SessionIssuer),
            (Shape::SessionContext, "attributes") => Some(Shape::SessionAttributes),
            _ => None,
        }
    }
}

fn locate(shape: Shape, object_json: &str, prefix: &str) -> Option<FieldError> {
    let Entries(entries) = serde_json::from_str(object_json).ok()?;
    for (key, value) in entries {
        let single_field = format!("{{{}:{}}}", serde_json::to_string(&key).ok()?, value.get());
        let Err(err) = shape.check(&single_field) else {
            continue;
        };
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        let nested = shape
            .child(&key)
            .filter(|_| value.get().starts_with('{'))
            .and_then(|child| locate(child, value.get(), &path));
        return nested.or_else(|| {
            Some(FieldError {
                path,
                message: message_without_position(&err),
            })
        });
    }
    None
}

/// The members of a JSON object in document order, values left unparsed.
struct Entries<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Entries<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;

        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = Entries<'de>;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a JSON object")
            }

            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let value: &'de RawValue = map.next_value()?;
                    entries.push((key, value));
                }
                Ok(Entries(entries))
            }
        }

        deserializer.deserialize_map(EntriesVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_level_field_is_named() {
        let error = locate_wrong_type(r#"{"eventTime":"2024-01-01T00:00:00Z","eventName":42}"#);
        assert_eq!(
            error,
            Some(FieldError {
                path: "eventName".to_owned(),
                message: "invalid type: integer `42`, expected a string".to_owned(),
            })
        );
    }

    #[test]
    fn nested_field_path_is_named() {
        let json = r#"{"userIdentity":{"type":"IAMUser","sessionContext":{"attributes":{"mfaAuthenticated":7}}}}"#;
        let error = locate_wrong_type(json).expect("a field is wrong");
        assert_eq!(
            error.path,
            "userIdentity.sessionContext.attributes.mfaAuthenticated"
        );
    }

    #[test]
    fn object_expected_is_reported_on_the_field() {
        let error = locate_wrong_type(r#"{"userIdentity":"x"}"#).expect("a field is wrong");
        assert_eq!(error.path, "userIdentity");
        assert_eq!(
            error.message,
            "invalid type: string \"x\", expected a userIdentity object"
        );
    }

    #[test]
    fn valid_record_has_no_wrong_field() {
        assert_eq!(
            locate_wrong_type(r#"{"eventName":"X","userIdentity":{"type":"Root"}}"#),
            None
        );
    }
}

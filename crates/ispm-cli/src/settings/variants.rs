//! The accepted values of the enums in the settings, for the error of an
//! unknown value.
//!
//! The `config` crate reports an unknown enum value as `enum Severity does
//! not have variant constructor urgent`, which names the Rust type and not
//! the values to choose from. [`explain_unknown_variant`] turns that into a
//! message that lists them, taken from each enum's own `Deserialize`, so
//! that a renamed or added value cannot go stale here.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use ispm_kafka::DecoderKind;
use ispm_model::{IdentityKind, NhiType, Severity};

/// Rewrites `config`'s message for an unknown enum value, or for an enum
/// value of the wrong type, into one that lists the accepted values.
/// Returns `None` for any other message, and for an enum missing from
/// [`known_enums`].
pub fn explain_unknown_variant(message: &str) -> Option<String> {
    if let Some(rest) = message.strip_prefix("enum ") {
        let (name, value) = rest.split_once(" does not have variant constructor ")?;
        return Some(format!(
            "unknown value `{value}`, expected one of {}",
            accepted(name)?
        ));
    }
    // A number or a list where a name belongs, such as a severity written as
    // its OCSF id.
    let name = message
        .strip_prefix("value of enum ")?
        .strip_suffix(WRONG_TYPE_SUFFIX)?;
    Some(format!("expected a text value, one of {}", accepted(name)?))
}

/// The end of `config`'s message for an enum given as a number, a list or
/// a table with more than one key.
const WRONG_TYPE_SUFFIX: &str =
    " should be represented by either string or table with exactly one key";

/// Returns the accepted values of the enum named `name`, quoted and joined.
fn accepted(name: &str) -> Option<String> {
    let (_, variants) = known_enums()
        .into_iter()
        .find(|(enum_name, _)| *enum_name == name)?;
    let quoted: Vec<String> = variants
        .iter()
        .map(|variant| format!("`{variant}`"))
        .collect();
    Some(quoted.join(", "))
}

/// Returns every enum that a setting can hold, with the values it accepts.
fn known_enums() -> [(&'static str, &'static [&'static str]); 4] {
    [
        variants::<Severity>(),
        variants::<IdentityKind>(),
        variants::<NhiType>(),
        variants::<DecoderKind>(),
    ]
}

/// Returns the name and variant names that `T`'s `Deserialize` hands to
/// `deserialize_enum`, which serde derives with the renames applied.
fn variants<'de, T: Deserialize<'de>>() -> (&'static str, &'static [&'static str]) {
    match T::deserialize(VariantNames) {
        Err(Captured::Enum(name, variants)) => (name, variants),
        _ => ("", &[]),
    }
}

/// A deserializer whose `deserialize_enum` fails with the names it is
/// given, and every other method fails without them.
struct VariantNames;

#[derive(Debug)]
enum Captured {
    Enum(&'static str, &'static [&'static str]),
    NotAnEnum,
}

impl fmt::Display for Captured {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not an enum")
    }
}

impl std::error::Error for Captured {}

impl de::Error for Captured {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Captured::NotAnEnum
    }
}

impl<'de> Deserializer<'de> for VariantNames {
    type Error = Captured;

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Captured> {
        Err(Captured::Enum(name, variants))
    }

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Captured> {
        Err(Captured::NotAnEnum)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_severity_lists_the_severities() {
        assert_eq!(
            explain_unknown_variant("enum Severity does not have variant constructor urgent")
                .as_deref(),
            Some(
                "unknown value `urgent`, expected one of `informational`, `low`, `medium`, \
                 `high`, `critical`"
            )
        );
    }

    #[test]
    fn every_known_enum_has_values() {
        for (name, variants) in known_enums() {
            assert!(!name.is_empty());
            assert!(!variants.is_empty(), "{name}");
        }
    }

    #[test]
    fn severity_given_as_a_number_lists_the_severities() {
        let message = format!("value of enum Severity{WRONG_TYPE_SUFFIX}");
        assert_eq!(
            explain_unknown_variant(&message).as_deref(),
            Some(
                "expected a text value, one of `informational`, `low`, `medium`, `high`, \
                 `critical`"
            )
        );
    }

    #[test]
    fn other_messages_are_left_alone() {
        assert_eq!(explain_unknown_variant("missing field `x`"), None);
        assert_eq!(
            explain_unknown_variant("enum Unknown does not have variant constructor x"),
            None
        );
    }
}

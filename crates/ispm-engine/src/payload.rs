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

/// A string field that may also arrive as a list of strings. Any other
/// value, including a list with an element that is not a string, is kept
/// as `Other` and gives no values.
///
/// Deserialized by hand rather than as an untagged enum, because serde
/// buffers an untagged enum's value before it tries each variant, which
/// made parsing a secret read's request several times dearer.
#[derive(Debug, Clone)]
pub(crate) enum OneOrMany {
    One(String),
    Many(Vec<String>),
    Other(serde::de::IgnoredAny),
}

impl<'de> serde::Deserialize<'de> for OneOrMany {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(OneOrManyVisitor)
    }
}

struct OneOrManyVisitor;

impl<'de> serde::de::Visitor<'de> for OneOrManyVisitor {
    type Value = OneOrMany;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("a string or a list of strings")
    }

    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<OneOrMany, E> {
        Ok(OneOrMany::One(value.to_owned()))
    }

    fn visit_string<E: serde::de::Error>(self, value: String) -> Result<OneOrMany, E> {
        Ok(OneOrMany::One(value))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut items: A) -> Result<OneOrMany, A::Error> {
        let mut values = Vec::new();
        while let Some(item) = items.next_element::<MaybeText>()? {
            match item.0 {
                Some(text) => values.push(text),
                None => {
                    // The rest of the list is read and dropped.
                    while items.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                    return Ok(OneOrMany::Other(serde::de::IgnoredAny));
                }
            }
        }
        Ok(OneOrMany::Many(values))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<OneOrMany, A::Error> {
        serde::de::Visitor::visit_map(serde::de::IgnoredAny, map).map(OneOrMany::Other)
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<OneOrMany, E> {
        Ok(OneOrMany::default())
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<OneOrMany, E> {
        Ok(OneOrMany::default())
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<OneOrMany, E> {
        Ok(OneOrMany::default())
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<OneOrMany, E> {
        Ok(OneOrMany::default())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<OneOrMany, E> {
        Ok(OneOrMany::default())
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<OneOrMany, E> {
        Ok(OneOrMany::default())
    }
}

/// A list element of a [`OneOrMany`]: its text when it is a string, else
/// `None` after reading the element whole.
struct MaybeText(Option<String>);

impl<'de> serde::Deserialize<'de> for MaybeText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(OneOrManyVisitor)
            .map(|value| match value {
                OneOrMany::One(text) => MaybeText(Some(text)),
                OneOrMany::Many(_) | OneOrMany::Other(_) => MaybeText(None),
            })
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The untagged enum this type replaced, as the reference.
    #[derive(Debug, serde::Deserialize)]
    #[serde(untagged)]
    enum Untagged {
        One(String),
        Many(Vec<String>),
        Other(serde::de::IgnoredAny),
    }

    fn values_of(json: &str) -> Option<Vec<String>> {
        let parsed: OneOrMany = serde_json::from_str(json).ok()?;
        Some(parsed.values().into_iter().map(str::to_owned).collect())
    }

    fn reference_values_of(json: &str) -> Option<Vec<String>> {
        match serde_json::from_str::<Untagged>(json).ok()? {
            Untagged::One(value) => Some(vec![value]),
            Untagged::Many(values) => Some(values),
            Untagged::Other(_) => Some(Vec::new()),
        }
    }

    #[test]
    fn one_or_many_matches_untagged_enum() {
        let cases = [
            r#""a""#,
            r#""""#,
            r#"["a","b"]"#,
            r#"[]"#,
            r#"["a",1]"#,
            r#"[1,"a"]"#,
            r#"[["a"]]"#,
            r#"["a",{"b":"c"},"d"]"#,
            r#"[null]"#,
            r#"1"#,
            r#"-1"#,
            r#"1.5"#,
            r#"true"#,
            r#"null"#,
            r#"{"a":["b"]}"#,
            r#""esc\"aped""#,
            r#"["esc\u0041ped"]"#,
            r#"["a""#,
            r#"{"a":"#,
        ];
        for json in cases {
            assert_eq!(values_of(json), reference_values_of(json), "{json}");
        }
    }

    #[test]
    fn one_or_many_in_struct_matches_untagged_enum() {
        #[derive(serde::Deserialize)]
        struct Request {
            #[serde(default)]
            names: OneOrMany,
            #[serde(default)]
            after: Option<String>,
        }
        let parsed: Request =
            serde_json::from_str(r#"{"names":["a",2,{"x":[1]}],"after":"z"}"#).expect("valid");
        assert!(parsed.names.values().is_empty());
        assert_eq!(parsed.after.as_deref(), Some("z"));
        let parsed: Request = serde_json::from_str(r#"{"after":"z"}"#).expect("valid");
        assert!(parsed.names.values().is_empty());
    }
}

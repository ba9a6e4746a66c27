//! The resource type of a record, from CloudTrail's `resources` list.
//!
//! Data events and some management events list the resources they touched,
//! each with an ARN, an account id and a type such as `AWS::KMS::Key`. The
//! engine keeps the first listed type as the event's resource type: a
//! record names the resource the call acts on first (the object before its
//! bucket), which is the one a baseline of resource types is about.

use std::fmt;

use ispm_model::CompactString;
use serde::de::{SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::record::{Text, present};

/// One entry of `resources`; only its type is read.
#[derive(Deserialize)]
struct Resource<'a> {
    #[serde(borrow, rename = "type")]
    kind: Option<Text<'a>>,
}

/// The first present type of a `resources` list, read entry by entry
/// without collecting the list. Every entry is still checked, so a malformed
/// entry after the first type rejects the whole list, as a `Vec` would.
struct FirstType<'a>(Option<Text<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for FirstType<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(FirstTypeVisitor)
    }
}

struct FirstTypeVisitor;

impl<'de> Visitor<'de> for FirstTypeVisitor {
    type Value = FirstType<'de>;

    // The wording of serde's `Vec` visitor, so that the warning reads like
    // serde's other wrong-type messages.
    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut entries: A) -> Result<Self::Value, A::Error> {
        let mut first = None;
        while let Some(resource) = entries.next_element::<Resource<'de>>()? {
            if first.is_none() && present(&resource.kind).is_some() {
                first = resource.kind;
            }
        }
        Ok(FirstType(first))
    }
}

/// Returns the type of the first resource that has one. A `resources`
/// value that is not a list of objects adds a warning and gives no type,
/// so the rest of the record is still decoded.
pub(super) fn first_resource_type(
    resources: Option<&RawValue>,
    warnings: &mut Vec<String>,
) -> Option<CompactString> {
    let resources = resources?;
    match serde_json::from_str::<Option<FirstType<'_>>>(resources.get()) {
        Ok(first) => first?.0.as_deref().map(CompactString::from),
        Err(error) => {
            warnings.push(format!(
                "resources is not a list of objects with a string type ({error}); ignored"
            ));
            None
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    fn type_of(json: &str) -> (Option<CompactString>, Vec<String>) {
        let raw: Box<RawValue> = serde_json::from_str(json).expect("valid JSON");
        let mut warnings = Vec::new();
        let kind = first_resource_type(Some(&raw), &mut warnings);
        (kind, warnings)
    }

    #[test]
    fn first_listed_type_is_the_resource_type() {
        let (kind, warnings) = type_of(
            r#"[{"accountId":"1","type":"AWS::S3::Object","ARN":"arn:aws:s3:::b/k"},
                {"accountId":"1","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::b"}]"#,
        );
        assert_eq!(kind.as_deref(), Some("AWS::S3::Object"));
        assert!(warnings.is_empty());
    }

    #[test]
    fn entries_without_a_type_are_skipped() {
        let (kind, _) = type_of(r#"[{"ARN":"arn:aws:kms:::key/1"},{"type":"AWS::KMS::Key"}]"#);
        assert_eq!(kind.as_deref(), Some("AWS::KMS::Key"));
        assert_eq!(type_of("[]").0, None);
        assert_eq!(type_of("null").0, None);
    }

    #[test]
    fn misshapen_resources_warn() {
        let (kind, warnings) = type_of(r#"{"type":"AWS::KMS::Key"}"#);
        assert_eq!(kind, None);
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].starts_with("resources is not a list"),
            "{warnings:?}"
        );
        let (kind, warnings) = type_of(r#"[{"type":7}]"#);
        assert_eq!(kind, None);
        assert_eq!(warnings.len(), 1);
    }

    #[test]
    fn empty_list_has_no_type() {
        let (kind, warnings) = type_of("[]");
        assert_eq!(kind, None);
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn first_entry_without_type_is_skipped() {
        let (kind, warnings) = type_of(r#"[{"ARN":"arn:aws:s3:::b"},{"type":"AWS::S3::Bucket"}]"#);
        assert_eq!(kind.as_deref(), Some("AWS::S3::Bucket"));
        assert!(warnings.is_empty(), "{warnings:?}");
        let (kind, warnings) = type_of(r#"[{"type":""},{"type":null},{"type":"AWS::S3::Bucket"}]"#);
        assert_eq!(kind.as_deref(), Some("AWS::S3::Bucket"));
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn non_list_warns() {
        for json in [
            r#""AWS::S3::Bucket""#,
            "7",
            "true",
            r#"{"type":"AWS::S3::Bucket"}"#,
        ] {
            let (kind, warnings) = type_of(json);
            assert_eq!(kind, None, "{json}");
            assert_eq!(warnings.len(), 1, "{json}");
            assert!(warnings[0].contains("expected a sequence"), "{warnings:?}");
        }
    }

    #[test]
    fn list_of_non_objects_warns() {
        for json in ["[1]", r#"["AWS::S3::Bucket"]"#, "[null]", "[true]"] {
            let (kind, warnings) = type_of(json);
            assert_eq!(kind, None, "{json}");
            assert_eq!(warnings.len(), 1, "{json}");
            assert!(
                warnings[0].contains("expected struct Resource"),
                "{warnings:?}"
            );
        }
    }

    #[test]
    fn malformed_entry_after_type_warns() {
        let (kind, warnings) = type_of(r#"[{"type":"AWS::S3::Bucket"},5]"#);
        assert_eq!(kind, None);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
    }

    #[test]
    fn nested_junk_is_ignored() {
        let (kind, warnings) = type_of(
            r#"[{"ARN":{"a":[1,{"b":null},[[[]]]],"c":"\u00e9\""},"type":"AWS::KMS::Key","x":[{}]}]"#,
        );
        assert_eq!(kind.as_deref(), Some("AWS::KMS::Key"));
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    /// Reads the type the simple way, by collecting the list into a `Vec`,
    /// as the reference that `first_resource_type` must match.
    fn collected_type(json: &str) -> (Option<CompactString>, Vec<String>) {
        let mut warnings = Vec::new();
        let kind = match serde_json::from_str::<Option<Vec<Resource<'_>>>>(json) {
            Ok(list) => list.and_then(|list| {
                list.iter()
                    .find_map(|resource| present(&resource.kind))
                    .map(CompactString::from)
            }),
            Err(error) => {
                warnings.push(format!(
                    "resources is not a list of objects with a string type ({error}); ignored"
                ));
                None
            }
        };
        (kind, warnings)
    }

    #[test]
    fn output_matches_collected_list() {
        for json in [
            "null",
            "[]",
            "[{}]",
            r#"[{"type":"T"}]"#,
            r#"[{"ARN":"a"},{"type":"T"}]"#,
            r#"[{"type":""},{"type":"T"}]"#,
            r#"[{"type":null},{"type":"T"}]"#,
            r#"[{"type":"T"},{"type":"U"}]"#,
            r#"[{"type":"T"},5]"#,
            r#"[{"type":"T"},{"type":7}]"#,
            r#"[{"type":"T","type":"U"}]"#,
            r#"[{"type":7}]"#,
            r#"[{"type":{"a":1}}]"#,
            r#"[{"type":["T"]}]"#,
            r#"[{"Type":"T"}]"#,
            r#"[{"typ\u0065":"T"}]"#,
            r#"[{"type":"A\"B"}]"#,
            r#"[{"type":"\u00e9"}]"#,
            r#" [ { "type" : "T" } , { } ] "#,
            r#"[["T"]]"#,
            r#"[["T","U"]]"#,
            "[[]]",
            "[[null]]",
            "[1,2]",
            r#"["a"]"#,
            "[null]",
            r#"{"type":"T"}"#,
            r#""T""#,
            "7",
            "true",
            r#"[{"a":{"b":[1,{"c":null},[[[]]]]},"type":"T","d":-1.5e3}]"#,
        ] {
            assert_eq!(type_of(json), collected_type(json), "{json}");
        }
    }
}

//! The resource type of a record, from CloudTrail's `resources` list.
//!
//! Data events and some management events list the resources they touched,
//! each with an ARN, an account id and a type such as `AWS::KMS::Key`. The
//! engine keeps the first listed type as the event's resource type: a
//! record names the resource the call acts on first (the object before its
//! bucket), which is the one a baseline of resource types is about.

use serde::Deserialize;
use ispm_model::CompactString;
use serde_json::value::RawValue;

use super::record::{Text, present};

/// One entry of `resources`; only its type is read.
#[derive(Deserialize)]
struct Resource<'a> {
    #[serde(borrow, rename = "type")]
    kind: Option<Text<'a>>,
}

/// Returns the type of the first resource that has one. A `resources`
/// value that is not a list of objects adds a warning and gives no type,
/// so the rest of the record is still decoded.
pub(super) fn first_resource_type(
    resources: Option<&RawValue>,
    warnings: &mut Vec<String>,
) -> Option<CompactString> {
    let resources = resources?;
    match serde_json::from_str::<Option<Vec<Resource<'_>>>>(resources.get()) {
        Ok(list) => list?
            .iter()
            .find_map(|resource| present(&resource.kind))
            .map(CompactString::from),
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
}

//! Borrowed serde views of a CloudTrail record.
//!
//! Every field is optional: which fields a record must have is decided when
//! it is turned into an event, so a missing field gets its own reason code
//! instead of a generic parse error. Strings borrow from the input unless they
//! contain JSON escapes, and payloads stay unparsed `RawValue`s.

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;

use serde::de::{self, IgnoredAny, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

/// A CloudTrail record, or any JSON object a CloudTrail source delivers in its
/// place: an S3 log file (`Records`), a digest file, or an EventBridge
/// envelope (`detail-type` and `detail`). Parsing all of them with one struct
/// lets a single-record Kafka message be deserialized once.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a CloudTrail record object")]
pub(crate) struct RawRecord<'a> {
    #[serde(borrow)]
    pub event_time: Option<Text<'a>>,
    #[serde(borrow)]
    pub event_name: Option<Text<'a>>,
    #[serde(borrow)]
    pub event_source: Option<Text<'a>>,
    #[serde(borrow)]
    pub event_type: Option<Text<'a>>,
    #[serde(borrow, rename = "eventID")]
    pub event_id: Option<Text<'a>>,
    #[serde(borrow)]
    pub aws_region: Option<Text<'a>>,
    #[serde(borrow, rename = "sourceIPAddress")]
    pub source_ip_address: Option<Text<'a>>,
    #[serde(borrow)]
    pub user_agent: Option<Text<'a>>,
    #[serde(borrow)]
    pub error_code: Option<Text<'a>>,
    #[serde(borrow)]
    pub recipient_account_id: Option<Text<'a>>,
    /// Record-level copy of `userIdentity.sessionContext.sourceIdentity`
    /// written by some tools that flatten records.
    #[serde(borrow)]
    pub source_identity: Option<Text<'a>>,
    pub read_only: Option<LenientBool>,
    #[serde(borrow)]
    pub user_identity: Option<UserIdentity<'a>>,
    #[serde(borrow)]
    pub request_parameters: Option<&'a RawValue>,
    #[serde(borrow)]
    pub response_elements: Option<&'a RawValue>,
    #[serde(borrow)]
    pub additional_event_data: Option<&'a RawValue>,
    #[serde(borrow)]
    pub service_event_details: Option<&'a RawValue>,
    #[serde(borrow)]
    pub resources: Option<&'a RawValue>,

    /// The records of an S3 log file.
    #[serde(borrow, rename = "Records")]
    pub records: Option<Vec<&'a RawValue>>,
    /// Present in CloudTrail digest files only.
    pub digest_start_time: Option<IgnoredAny>,
    /// Present in CloudTrail digest files only.
    pub digest_signature_algorithm: Option<IgnoredAny>,
    /// EventBridge envelope: `AWS API Call via CloudTrail` and similar.
    #[serde(borrow, rename = "detail-type")]
    pub detail_type: Option<Text<'a>>,
    /// EventBridge envelope: the CloudTrail record itself.
    #[serde(borrow)]
    pub detail: Option<&'a RawValue>,
}

impl RawRecord<'_> {
    pub fn is_digest(&self) -> bool {
        self.digest_start_time.is_some() || self.digest_signature_algorithm.is_some()
    }
}

/// The document-level fields alone, for objects larger than a record may be:
/// an S3 log file is split into its records without deserializing any record
/// field, and anything else that large is rejected unparsed.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a CloudTrail log file object")]
pub(crate) struct DocumentProbe<'a> {
    #[serde(borrow, rename = "Records")]
    pub records: Option<Vec<&'a RawValue>>,
    pub digest_start_time: Option<IgnoredAny>,
    pub digest_signature_algorithm: Option<IgnoredAny>,
}

impl DocumentProbe<'_> {
    pub fn is_digest(&self) -> bool {
        self.digest_start_time.is_some() || self.digest_signature_algorithm.is_some()
    }
}

/// `userIdentity`: who made the call.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", expecting = "a userIdentity object")]
pub(crate) struct UserIdentity<'a> {
    #[serde(borrow, rename = "type")]
    pub principal_type: Option<Text<'a>>,
    #[serde(borrow)]
    pub principal_id: Option<Text<'a>>,
    #[serde(borrow)]
    pub arn: Option<Text<'a>>,
    #[serde(borrow)]
    pub account_id: Option<Text<'a>>,
    #[serde(borrow)]
    pub access_key_id: Option<Text<'a>>,
    #[serde(borrow)]
    pub user_name: Option<Text<'a>>,
    #[serde(borrow)]
    pub invoked_by: Option<Text<'a>>,
    /// SAML and web-identity users: the identity provider.
    #[serde(borrow)]
    pub identity_provider: Option<Text<'a>>,
    #[serde(borrow)]
    pub session_context: Option<SessionContext<'a>>,
    /// IAM Identity Center users: the identity-store user.
    #[serde(borrow)]
    pub on_behalf_of: Option<OnBehalfOf<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", expecting = "a sessionContext object")]
pub(crate) struct SessionContext<'a> {
    #[serde(borrow)]
    pub session_issuer: Option<SessionIssuer<'a>>,
    pub attributes: Option<SessionAttributes>,
    #[serde(borrow)]
    pub source_identity: Option<Text<'a>>,
    /// Set when EC2 delivered the credentials through the instance metadata
    /// service; its value is the IMDS version.
    pub ec2_role_delivery: Option<IgnoredAny>,
}

/// The role (or, for federated users, the IAM user) that issued a session.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", expecting = "a sessionIssuer object")]
pub(crate) struct SessionIssuer<'a> {
    #[serde(borrow)]
    pub arn: Option<Text<'a>>,
    #[serde(borrow)]
    pub account_id: Option<Text<'a>>,
    #[serde(borrow)]
    pub user_name: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", expecting = "a session attributes object")]
pub(crate) struct SessionAttributes {
    pub mfa_authenticated: Option<LenientBool>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", expecting = "an onBehalfOf object")]
pub(crate) struct OnBehalfOf<'a> {
    #[serde(borrow)]
    pub user_id: Option<Text<'a>>,
}

/// A JSON string, borrowed from the input unless it contains escapes.
///
/// `Option<Cow<str>>` with `#[serde(borrow)]` always allocates, because serde
/// only borrows a `Cow` that is not wrapped; this type borrows through
/// `Option` too.
pub(crate) struct Text<'a>(Cow<'a, str>);

impl Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;

        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a string")
            }

            fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(value)))
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(value.to_owned())))
            }

            fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(value)))
            }
        }

        deserializer.deserialize_str(TextVisitor)
    }
}

/// Returns the text of an optional field, treating `""` as absent: CloudTrail
/// writes empty strings for fields it has no value for (`"accessKeyId": ""`).
// Without the hint LLVM kept this out of line, and a record reads a dozen
// fields through it.
#[inline]
pub(crate) fn present<'t>(field: &'t Option<Text<'_>>) -> Option<&'t str> {
    field.as_deref().filter(|text| !text.is_empty())
}

/// A boolean written either as JSON `true`/`false` or as the string
/// `"true"`/`"false"` (any ASCII case): CloudTrail uses both, for example in
/// `readOnly` and `mfaAuthenticated`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LenientBool(pub bool);

impl<'de> Deserialize<'de> for LenientBool {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BoolVisitor;

        impl Visitor<'_> for BoolVisitor {
            type Value = LenientBool;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a boolean or the string \"true\" or \"false\"")
            }

            fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
                Ok(LenientBool(value))
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
                if value.eq_ignore_ascii_case("true") {
                    Ok(LenientBool(true))
                } else if value.eq_ignore_ascii_case("false") {
                    Ok(LenientBool(false))
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(value), &self))
                }
            }
        }

        deserializer.deserialize_any(BoolVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_borrows_unescaped_strings() {
        let record: RawRecord<'_> =
            serde_json::from_str(r#"{"eventName":"CreateUser","userAgent":"a\"b"}"#)
                .expect("valid record");
        assert!(matches!(
            record.event_name,
            Some(Text(Cow::Borrowed("CreateUser")))
        ));
        assert_eq!(record.user_agent.as_deref(), Some("a\"b"));
    }

    #[test]
    fn read_only_accepts_bool_and_string() {
        for (json, expected) in [
            ("true", true),
            ("false", false),
            ("\"true\"", true),
            ("\"FALSE\"", false),
        ] {
            let text = format!(r#"{{"readOnly":{json}}}"#);
            let record: RawRecord<'_> = serde_json::from_str(&text).expect("valid record");
            assert_eq!(record.read_only, Some(LenientBool(expected)), "{json}");
        }
    }

    #[test]
    fn read_only_rejects_other_strings() {
        let result = serde_json::from_str::<RawRecord<'_>>(r#"{"readOnly":"maybe"}"#);
        assert!(result.is_err());
    }

    #[test]
    fn null_payload_is_none() {
        let record: RawRecord<'_> = serde_json::from_str(
            r#"{"requestParameters":null,"responseElements":"HIDDEN_DUE_TO_SECURITY_REASONS"}"#,
        )
        .expect("valid record");
        assert!(record.request_parameters.is_none());
        assert_eq!(
            record.response_elements.map(RawValue::get),
            Some("\"HIDDEN_DUE_TO_SECURITY_REASONS\"")
        );
    }

    #[test]
    fn empty_strings_count_as_absent() {
        let identity: UserIdentity<'_> =
            serde_json::from_str(r#"{"accessKeyId":"","userName":"bob"}"#).expect("valid identity");
        assert_eq!(present(&identity.access_key_id), None);
        assert_eq!(present(&identity.user_name), Some("bob"));
    }
}

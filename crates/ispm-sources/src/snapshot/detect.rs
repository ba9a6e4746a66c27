//! Recognition of a snapshot among other inputs by its first bytes.

use std::fmt;

use serde::Deserializer as _;
use serde::de::{IgnoredAny, MapAccess, Visitor};

use super::inventory_json::INVENTORY_FORMAT;
use super::{SnapshotFormat, strip_bom};

/// Maximum bytes read for a CSV header line. The AWS header is about 500
/// bytes, so a first line longer than this is not a credential report.
const MAX_HEADER_LINE_BYTES: usize = 4096;

/// Returns the snapshot format of `bytes`, or `None` for anything else (a
/// CloudTrail log, for example).
///
/// - A credential report is a text whose first line, after an optional UTF-8
///   byte order mark, is a comma-separated list with the columns `user` and
///   `arn`, in any case and order. AWS writes `user,arn,...`.
/// - An inventory document is a JSON object whose top-level `format` is
///   `ispm.inventory.v1`. Top-level keys are read in order until `format`,
///   and reading stops at the first key the inventory format does not
///   define. So a CloudTrail file costs one key, and only an inventory that
///   puts `identities` before `format` is scanned to that key, skipping the
///   values without building them.
pub fn detect_snapshot(bytes: &[u8]) -> Option<SnapshotFormat> {
    let body = strip_bom(bytes);
    let start = body.iter().position(|byte| !byte.is_ascii_whitespace())?;
    if body[start] == b'{' {
        return is_inventory(&body[start..]).then_some(SnapshotFormat::InventoryJson);
    }
    is_credential_report_header(body).then_some(SnapshotFormat::CredentialReport)
}

fn is_credential_report_header(body: &[u8]) -> bool {
    let window = &body[..body.len().min(MAX_HEADER_LINE_BYTES)];
    let Some(line) = window.split(|&byte| byte == b'\n').next() else {
        return false;
    };
    let line_is_complete = line.len() < window.len() || window.len() == body.len();
    if !line_is_complete {
        return false;
    }
    let Ok(line) = std::str::from_utf8(line) else {
        return false;
    };
    let mut has_user = false;
    let mut has_arn = false;
    for field in line.trim_end_matches('\r').split(',') {
        let name = field.trim().trim_matches('"');
        has_user |= name.eq_ignore_ascii_case("user");
        has_arn |= name.eq_ignore_ascii_case("arn");
    }
    has_user && has_arn
}

fn is_inventory(json: &[u8]) -> bool {
    let mut found = false;
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    // The probe stops reading early, so serde_json then reports the rest of
    // the object as an error. Only `found` matters.
    let _ = deserializer.deserialize_map(FormatProbe { found: &mut found });
    found
}

/// Start of every inventory format name, whatever its version.
const INVENTORY_FORMAT_PREFIX: &str = "ispm.inventory.";

/// Keys an inventory document may have besides `format`.
const OTHER_INVENTORY_KEYS: [&str; 3] = ["source", "as_of", "identities"];

struct FormatProbe<'a> {
    found: &'a mut bool,
}

impl<'de> Visitor<'de> for FormatProbe<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "format" {
                let format = map.next_value::<String>()?;
                // Any `ispm.inventory.*` version is an inventory document, so
                // that a version this build does not read is rejected as
                // `unsupported_format` instead of being taken for CloudTrail.
                *self.found =
                    format == INVENTORY_FORMAT || format.starts_with(INVENTORY_FORMAT_PREFIX);
                return Ok(());
            }
            if !OTHER_INVENTORY_KEYS.contains(&key.as_str()) {
                return Ok(());
            }
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AWS_HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

    #[test]
    fn aws_header_is_credential_report() {
        let report = format!("{AWS_HEADER}\n<root_account>,arn:aws:iam::1:root\n");
        assert_eq!(
            detect_snapshot(report.as_bytes()),
            Some(SnapshotFormat::CredentialReport)
        );
    }

    #[test]
    fn header_variants_are_credential_report() {
        for report in [
            "\u{feff}user,arn\r\n".to_owned(),
            "USER,ARN".to_owned(),
            "mfa_active,\"arn\",User\n".to_owned(),
            format!("\u{feff}{}\r\n", AWS_HEADER.to_uppercase()),
        ] {
            assert_eq!(
                detect_snapshot(report.as_bytes()),
                Some(SnapshotFormat::CredentialReport),
                "{report:?}"
            );
        }
    }

    #[test]
    fn other_text_is_not_credential_report() {
        for text in [
            "user,name\n",
            "username,arn\n",
            "",
            "   ",
            "[{\"eventVersion\":\"1.08\"}]",
        ] {
            assert_eq!(detect_snapshot(text.as_bytes()), None, "{text:?}");
        }
        let long_line = format!("user,arn,{}", "x".repeat(MAX_HEADER_LINE_BYTES));
        assert_eq!(detect_snapshot(long_line.as_bytes()), None);
    }

    #[test]
    fn inventory_is_found_in_any_key_order() {
        for document in [
            r#"{"format":"ispm.inventory.v1","identities":[]}"#,
            r#"{"format":"ispm.inventory.v2","identities":[]}"#,
            "\u{feff}\n  {\"source\":\"okta\",\"as_of\":\"2024-01-01T00:00:00Z\",\"format\":\"ispm.inventory.v1\"}",
            r#"{"identities":[{"id":"a","format":"x"}],"format":"ispm.inventory.v1"}"#,
        ] {
            assert_eq!(
                detect_snapshot(document.as_bytes()),
                Some(SnapshotFormat::InventoryJson),
                "{document}"
            );
        }
    }

    #[test]
    fn other_json_is_not_inventory() {
        for document in [
            r#"{"Records":[{"eventVersion":"1.08"}],"format":"ispm.inventory.v1"}"#,
            r#"{"format":1}"#,
            r#"{"eventVersion":"1.08","userIdentity":{"type":"Root"}}"#,
            r#"{"identities":[]}"#,
            "{\"format\":\"ispm.inv",
            "{}",
        ] {
            assert_eq!(detect_snapshot(document.as_bytes()), None, "{document}");
        }
    }
}

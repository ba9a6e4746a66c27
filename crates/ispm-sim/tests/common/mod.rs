//! Helpers shared by the integration tests.

#![allow(dead_code)]

use ispm_sim::SimConfig;
use serde_json::Value;

/// Builds the configuration of a small run with the default mix, which has
/// every identity type and scenarios from 40 identities up.
pub fn small_config(seed: u64, identities: usize, days: u32) -> SimConfig {
    SimConfig {
        seed,
        identities,
        days,
        ..SimConfig::default()
    }
}

pub fn parse(json: &str) -> Value {
    serde_json::from_str(json).unwrap_or_else(|error| panic!("invalid JSON {error}: {json}"))
}

fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

/// Derives the canonical id of a record's caller by the documented rules of
/// ispm's CloudTrail decoder, without the decoder.
pub fn canonical_id(record: &Value) -> String {
    let account = text(record, "/userIdentity/accountId");
    match text(record, "/userIdentity/type") {
        "IAMUser" => format!(
            "aws:{account}:user/{}",
            text(record, "/userIdentity/userName")
        ),
        "Root" => format!("aws:{account}:root"),
        "AssumedRole" => {
            let role = text(
                record,
                "/userIdentity/sessionContext/sessionIssuer/userName",
            );
            if role.starts_with("AWSReservedSSO_") {
                let arn = text(record, "/userIdentity/arn");
                let session = arn.rsplit('/').next().unwrap_or("");
                format!("aws:person/{}", session.to_lowercase())
            } else {
                format!("aws:{account}:role/{role}")
            }
        }
        "AWSService" => format!("aws:service/{}", text(record, "/userIdentity/invokedBy")),
        "WebIdentityUser" => format!(
            "aws:{}:web-identity/{}/{}",
            text(record, "/recipientAccountId"),
            text(record, "/userIdentity/identityProvider"),
            text(record, "/userIdentity/userName")
        ),
        other => format!("unknown type {other:?}"),
    }
}

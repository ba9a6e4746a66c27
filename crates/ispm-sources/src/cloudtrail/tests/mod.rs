//! Decoder tests on hand-written records and documents. Tests over the real
//! log files are in `tests/real_cloudtrail.rs`.

mod batches;
mod documents;
mod records;
mod targets;

use ispm_model::{DeadLetter, IdentityEvent};
use serde_json::{Value, json};

use crate::{CloudTrailDecoder, DecoderConfig, Item};

pub(super) const ORIGIN: &str = "test.json";

/// Builds a valid record of an IAM user call, for each test to modify.
pub(super) fn base_record(event_id: &str) -> Value {
    json!({
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLE",
            "arn": "arn:aws:iam::111122223333:user/alice",
            "accountId": "111122223333",
            "accessKeyId": "AKIAEXAMPLE",
            "userName": "alice",
        },
        "eventTime": "2024-08-01T13:33:28Z",
        "eventSource": "iam.amazonaws.com",
        "eventName": "ListUsers",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.7",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": null,
        "responseElements": null,
        "requestID": "4fedbc7d-0de3-454e-bdc1-1f0bb60f65bf",
        "eventID": event_id,
        "readOnly": true,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": "111122223333",
    })
}

pub(super) fn decoder() -> CloudTrailDecoder {
    CloudTrailDecoder::new(DecoderConfig::default())
}

pub(super) fn decode_document(bytes: &[u8]) -> Vec<Item> {
    let mut items = Vec::new();
    decoder().decode_document(ORIGIN, bytes, &mut |item| items.push(item));
    items
}

pub(super) fn decode_record(record: &Value) -> IdentityEvent {
    decoder()
        .decode_record(record.to_string().as_bytes())
        .expect("record decodes")
}

pub(super) fn events(items: &[Item]) -> Vec<&IdentityEvent> {
    items
        .iter()
        .filter_map(|item| match item {
            Item::Event(event) => Some(event),
            _ => None,
        })
        .collect()
}

pub(super) fn dead_letters(items: &[Item]) -> Vec<&DeadLetter> {
    items
        .iter()
        .filter_map(|item| match item {
            Item::DeadLetter(dead_letter) => Some(dead_letter),
            _ => None,
        })
        .collect()
}

pub(super) fn event_ids(items: &[Item]) -> Vec<&str> {
    events(items)
        .iter()
        .map(|event| event.event_id.as_str())
        .collect()
}

pub(super) fn reasons(items: &[Item]) -> Vec<&str> {
    dead_letters(items)
        .iter()
        .map(|dead_letter| dead_letter.reason.as_str())
        .collect()
}

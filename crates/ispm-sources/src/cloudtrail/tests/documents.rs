use ispm_model::DeadLetterAction;
use serde_json::json;

use super::{ORIGIN, base_record, dead_letters, decode_document, event_ids, events, reasons};
use crate::{CloudTrailDecoder, DecoderConfig, Item};

fn s3_file(records: &[serde_json::Value]) -> String {
    json!({ "Records": records }).to_string()
}

fn eventbridge(detail_type: &str, detail: serde_json::Value) -> serde_json::Value {
    json!({
        "version": "0",
        "id": "0b1c2d3e-0000-0000-0000-000000000000",
        "detail-type": detail_type,
        "source": "aws.iam",
        "account": "111122223333",
        "time": "2024-08-01T13:33:28Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    })
}

#[test]
fn s3_log_file_decodes_every_record() {
    let items = decode_document(s3_file(&[base_record("e1"), base_record("e2")]).as_bytes());
    assert_eq!(event_ids(&items), vec!["e1", "e2"]);
    assert!(dead_letters(&items).is_empty());
}

#[test]
fn json_array_decodes_every_record() {
    let document = json!([base_record("e1"), base_record("e2"), base_record("e3")]).to_string();
    let items = decode_document(document.as_bytes());
    assert_eq!(event_ids(&items), vec!["e1", "e2", "e3"]);
}

#[test]
fn pretty_printed_array_decodes() {
    let document = serde_json::to_string_pretty(&json!([base_record("e1"), base_record("e2")]))
        .expect("serialize");
    let items = decode_document(document.as_bytes());
    assert_eq!(event_ids(&items), vec!["e1", "e2"]);
}

#[test]
fn ndjson_decodes_every_line_and_ignores_blank_lines() {
    let document = format!(
        "{}\n\n{}\r\n  \n{}\n",
        base_record("e1"),
        base_record("e2"),
        base_record("e3")
    );
    let items = decode_document(document.as_bytes());
    assert_eq!(event_ids(&items), vec!["e1", "e2", "e3"]);
    assert!(dead_letters(&items).is_empty());
}

#[test]
fn concatenated_pretty_records_decode() {
    let first = serde_json::to_string_pretty(&base_record("e1")).expect("serialize");
    let second = serde_json::to_string_pretty(&base_record("e2")).expect("serialize");
    let items = decode_document(format!("{first}\n{second}\n").as_bytes());
    assert_eq!(event_ids(&items), vec!["e1", "e2"]);
}

#[test]
fn ndjson_of_log_files_and_arrays_decodes() {
    let document = format!(
        "{}\n{}\n",
        s3_file(&[base_record("e1"), base_record("e2")]),
        json!([base_record("e3")])
    );
    let items = decode_document(document.as_bytes());
    assert_eq!(event_ids(&items), vec!["e1", "e2", "e3"]);
}

#[test]
fn single_record_object_decodes() {
    let items = decode_document(base_record("e1").to_string().as_bytes());
    assert_eq!(event_ids(&items), vec!["e1"]);
    assert_eq!(items.len(), 1);
}

#[test]
fn byte_order_mark_is_ignored() {
    let document = format!("\u{feff}{}", s3_file(&[base_record("e1")]));
    assert_eq!(event_ids(&decode_document(document.as_bytes())), vec!["e1"]);
}

#[test]
fn eventbridge_envelope_yields_its_detail() {
    let api_call = eventbridge("AWS API Call via CloudTrail", base_record("e1"));
    let mut sign_in_record = base_record("e2");
    sign_in_record["eventName"] = json!("ConsoleLogin");
    sign_in_record["eventType"] = json!("AwsConsoleSignIn");
    let sign_in = eventbridge("AWS Console Sign In via CloudTrail", sign_in_record);

    let single = decode_document(api_call.to_string().as_bytes());
    assert_eq!(event_ids(&single), vec!["e1"]);
    assert_eq!(
        events(&single)[0].actor.id.as_str(),
        "aws:111122223333:user/alice"
    );

    let array = decode_document(json!([api_call, sign_in]).to_string().as_bytes());
    assert_eq!(event_ids(&array), vec!["e1", "e2"]);

    let ndjson = decode_document(format!("{api_call}\n{sign_in}\n").as_bytes());
    assert_eq!(event_ids(&ndjson), vec!["e1", "e2"]);
    assert_eq!(events(&ndjson)[1].action, "ConsoleLogin");
}

#[test]
fn eventbridge_detail_errors_name_the_detail() {
    let mut detail = base_record("e1");
    detail["eventName"] = json!(42);
    let items = decode_document(
        eventbridge("AWS API Call via CloudTrail", detail)
            .to_string()
            .as_bytes(),
    );
    let dead = dead_letters(&items);
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].reason, "wrong_type");
    assert!(
        dead[0]
            .detail
            .starts_with("in EventBridge detail: wrong type for field eventName"),
        "{}",
        dead[0].detail
    );
}

#[test]
fn other_eventbridge_events_are_skipped() {
    let event = eventbridge(
        "EC2 Instance State-change Notification",
        json!({"instance-id": "i-0abc", "state": "running"}),
    );
    let items = decode_document(event.to_string().as_bytes());
    assert!(matches!(
        items.as_slice(),
        [Item::Skipped { origin, reason: "eventbridge_not_cloudtrail" }] if origin == ORIGIN
    ));
}

#[test]
fn digest_file_is_skipped() {
    let digest = json!({
        "awsAccountId": "111122223333",
        "digestStartTime": "2024-08-01T12:00:00Z",
        "digestEndTime": "2024-08-01T13:00:00Z",
        "digestS3Bucket": "trail-bucket",
        "digestPublicKeyFingerprint": "abc",
        "digestSignatureAlgorithm": "SHA256withRSA",
        "logFiles": [],
    });
    let items = decode_document(digest.to_string().as_bytes());
    assert!(matches!(
        items.as_slice(),
        [Item::Skipped {
            reason: "cloudtrail_digest",
            ..
        }]
    ));
}

#[test]
fn insights_file_is_skipped_once() {
    let insight = |id: &str| {
        json!({
            "eventVersion": "1.07",
            "eventTime": "2024-08-01T13:00:00Z",
            "awsRegion": "us-east-1",
            "eventID": id,
            "eventType": "AwsCloudTrailInsight",
            "recipientAccountId": "111122223333",
            "sharedEventID": "x",
            "insightDetails": {"state": "Start", "eventSource": "iam.amazonaws.com", "eventName": "CreateUser"},
            "eventCategory": "Insight",
        })
    };
    let items = decode_document(s3_file(&[insight("i1"), insight("i2")]).as_bytes());
    assert!(matches!(
        items.as_slice(),
        [Item::Skipped {
            reason: "cloudtrail_insight",
            ..
        }]
    ));
}

#[test]
fn empty_documents_are_reported() {
    for document in ["", "  \n ", "[]", "{\"Records\":[]}", " [ ] \n"] {
        let items = decode_document(document.as_bytes());
        assert_eq!(
            reasons(&items),
            vec!["empty_document"],
            "document {document:?}"
        );
        assert_eq!(dead_letters(&items)[0].index, Some(0));
    }
}

#[test]
fn bad_record_between_good_ones_costs_one_dead_letter() {
    let mut bad = base_record("e2");
    bad.as_object_mut().expect("object").remove("eventTime");
    let records = [base_record("e1"), bad, base_record("e3")];
    let ndjson = records
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");

    for document in [s3_file(&records), json!(records).to_string(), ndjson] {
        let items = decode_document(document.as_bytes());
        assert_eq!(event_ids(&items), vec!["e1", "e3"], "{document}");
        let dead = dead_letters(&items);
        assert_eq!(dead.len(), 1);
        assert_eq!(dead[0].reason, "missing_event_time");
        assert_eq!(dead[0].index, Some(1));
        assert_eq!(dead[0].event_id.as_deref(), Some("e2"));
        assert_eq!(dead[0].action, DeadLetterAction::Rejected);
    }
}

#[test]
fn dead_letter_carries_origin_index_size_and_excerpt() {
    let bad = r#"{"eventName": 42}"#;
    let document = format!("{}\n{bad}\n", base_record("e1"));
    let items = decode_document(document.as_bytes());
    let dead = dead_letters(&items);
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].origin, ORIGIN);
    assert_eq!(dead[0].index, Some(1));
    assert_eq!(dead[0].size, Some(bad.len() as u64));
    assert_eq!(dead[0].excerpt.as_deref(), Some(bad));
    assert_eq!(dead[0].reason, "wrong_type");
    assert_eq!(
        dead[0].detail,
        "wrong type for field eventName: invalid type: integer `42`, expected a string"
    );
}

#[test]
fn truncated_log_file_keeps_complete_records() {
    let document = s3_file(&[base_record("e1"), base_record("e2"), base_record("e3")]);
    let cut = document.rfind("\"e3\"").expect("third record present");
    let items = decode_document(&document.as_bytes()[..cut]);
    assert_eq!(event_ids(&items), vec!["e1", "e2"]);
    let dead = dead_letters(&items);
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].reason, "truncated_document");
    assert_eq!(dead[0].index, Some(2));
    assert!(
        dead[0]
            .excerpt
            .as_deref()
            .is_some_and(|excerpt| excerpt.starts_with("{\""))
    );
}

#[test]
fn javascript_style_object_is_invalid_json() {
    let document = format!(
        "{}\n{{eventName: 'X', eventTime: '2024'}}\n{}\n",
        base_record("e1"),
        base_record("e3")
    );
    let items = decode_document(document.as_bytes());
    assert_eq!(event_ids(&items), vec!["e1", "e3"]);
    assert_eq!(reasons(&items), vec!["invalid_json"]);
    assert_eq!(dead_letters(&items)[0].index, Some(1));
    assert!(
        dead_letters(&items)[0].detail.contains("line 2"),
        "{}",
        dead_letters(&items)[0].detail
    );
}

#[test]
fn javascript_style_document_is_invalid_json() {
    let items = decode_document(b"{eventName: 'X'}");
    assert_eq!(reasons(&items), vec!["invalid_json"]);
}

#[test]
fn binary_junk_is_one_dead_letter_per_line() {
    let mut document = base_record("e1").to_string().into_bytes();
    document.extend_from_slice(b"\n\x00\x01\xff\xfe\x80junk\n\x1f\x8b\x08\x00garbage\n");
    document.extend_from_slice(base_record("e2").to_string().as_bytes());
    let items = decode_document(&document);
    assert_eq!(event_ids(&items), vec!["e1", "e2"]);
    assert_eq!(reasons(&items), vec!["invalid_json", "invalid_json"]);
    let indexes: Vec<_> = dead_letters(&items).iter().map(|dead| dead.index).collect();
    assert_eq!(indexes, vec![Some(1), Some(2)]);
}

#[test]
fn plain_text_is_invalid_json() {
    let items = decode_document(b"this is not json\nneither is this");
    assert_eq!(reasons(&items), vec!["invalid_json", "invalid_json"]);
}

#[test]
fn scalar_values_are_not_objects() {
    assert_eq!(
        reasons(&decode_document(b"[1, \"x\", null]")),
        vec!["not_an_object"; 3]
    );
    assert_eq!(reasons(&decode_document(b"42")), vec!["not_an_object"]);
    assert_eq!(
        reasons(&decode_document(br#"{"Records": [[]]}"#)),
        vec!["not_an_object"]
    );
}

#[test]
fn records_of_wrong_type_is_wrong_type() {
    let items = decode_document(br#"{"Records": "none"}"#);
    assert_eq!(reasons(&items), vec!["wrong_type"]);
    assert!(
        dead_letters(&items)[0].detail.contains("field Records"),
        "{}",
        dead_letters(&items)[0].detail
    );
}

#[test]
fn oversized_record_is_rejected_unparsed() {
    let mut big = base_record("big");
    big["requestParameters"] = json!({ "blob": "x".repeat(10 * 1024 * 1024) });
    let records = [base_record("e1"), big.clone(), base_record("e3")];

    let items = decode_document(s3_file(&records).as_bytes());
    assert_eq!(event_ids(&items), vec!["e1", "e3"]);
    let dead = dead_letters(&items);
    assert_eq!(reasons(&items), vec!["record_too_large"]);
    assert_eq!(dead[0].index, Some(1));
    assert_eq!(
        dead[0].excerpt.as_ref().map(String::len),
        Some(crate::EXCERPT_MAX_BYTES)
    );

    let alone = decode_document(big.to_string().as_bytes());
    assert_eq!(reasons(&alone), vec!["record_too_large"]);
}

#[test]
fn large_log_file_is_not_a_large_record() {
    let config = DecoderConfig {
        max_record_bytes: 2048,
        ..DecoderConfig::default()
    };
    let records: Vec<_> = (0..20)
        .map(|index| base_record(&format!("e{index}")))
        .collect();
    let document = s3_file(&records);
    assert!(document.len() > 2048);
    let mut items = Vec::new();
    CloudTrailDecoder::new(config)
        .decode_document(ORIGIN, document.as_bytes(), &mut |item| items.push(item));
    assert_eq!(events(&items).len(), 20);
    assert!(dead_letters(&items).is_empty());
}

#[test]
fn event_with_warnings_is_followed_by_a_warning_dead_letter() {
    let mut record = base_record("e1");
    record["sourceIPAddress"] = json!("075.050.255.67");
    record["awsRegion"] = json!("us-north-2r");
    let items = decode_document(s3_file(&[base_record("e0"), record]).as_bytes());

    assert_eq!(items.len(), 3);
    assert!(matches!(&items[1], Item::Event(event) if event.event_id == "e1"));
    let Item::DeadLetter(warning) = &items[2] else {
        panic!("expected a dead letter after the event, got {:?}", items[2]);
    };
    assert_eq!(warning.action, DeadLetterAction::AcceptedWithWarnings);
    assert_eq!(warning.reason, "invalid_field_value");
    assert_eq!(warning.index, Some(1));
    assert_eq!(warning.event_id.as_deref(), Some("e1"));
    assert_eq!(
        warning.detail,
        "sourceIPAddress \"075.050.255.67\" is not a valid IP address (leading zeros); kept as text; \
         awsRegion \"us-north-2r\" is not a valid AWS region name such as us-east-1; kept as text"
    );
}

#[test]
fn nested_log_file_in_a_list_is_unknown_shape() {
    let document = json!([{ "Records": [base_record("e1")] }]).to_string();
    assert_eq!(
        reasons(&decode_document(document.as_bytes())),
        vec!["unknown_shape"]
    );
}

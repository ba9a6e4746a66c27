use serde_json::json;

use super::{base_record, decode_record, decoder};

fn reject(record: &serde_json::Value) -> crate::DecodeError {
    decoder()
        .decode_record(record.to_string().as_bytes())
        .expect_err("record is rejected")
}

#[test]
fn record_fields_are_normalised() {
    let mut record = base_record("e1");
    record["errorCode"] = json!("AccessDenied");
    record["additionalEventData"] = json!({"MFAUsed": "No"});
    let event = decode_record(&record);

    assert_eq!(event.event_id, "e1");
    assert_eq!(event.time.millis(), 1_722_519_208_000);
    assert_eq!(event.service, "iam.amazonaws.com");
    assert_eq!(event.action, "ListUsers");
    assert_eq!(event.event_type.as_deref(), Some("AwsApiCall"));
    assert_eq!(event.account.as_deref(), Some("111122223333"));
    assert_eq!(event.error_code.as_deref(), Some("AccessDenied"));
    assert!(event.is_access_denied());
    assert_eq!(event.read_only, Some(true));
    assert_eq!(
        event.origin.ip.map(|ip| ip.to_string()).as_deref(),
        Some("203.0.113.7")
    );
    assert_eq!(event.origin.source_raw.as_deref(), Some("203.0.113.7"));
    assert_eq!(event.origin.region.as_deref(), Some("us-east-1"));
    assert_eq!(event.origin.user_agent.as_deref(), Some("aws-cli/2.15.0"));
    assert!(event.request.is_none());
    assert!(event.response.is_none());
    assert_eq!(
        event.additional.as_ref().map(|raw| raw.get()),
        Some(r#"{"MFAUsed":"No"}"#)
    );
    assert!(event.warnings.is_empty());
}

#[test]
fn service_event_details_fill_additional() {
    let mut record = base_record("e1");
    record["serviceEventDetails"] = json!({"snapshotId": "snap-1"});
    let event = decode_record(&record);
    assert_eq!(
        event.additional.as_ref().map(|raw| raw.get()),
        Some(r#"{"snapshotId":"snap-1"}"#)
    );
}

#[test]
fn missing_event_time_is_rejected() {
    let mut record = base_record("e1");
    record.as_object_mut().expect("object").remove("eventTime");
    let error = reject(&record);
    assert_eq!(error.reason, "missing_event_time");
    assert_eq!(error.detail, "record has no eventTime");

    record["eventTime"] = json!("");
    assert_eq!(reject(&record).reason, "missing_event_time");
}

#[test]
fn invalid_event_time_is_rejected() {
    let mut record = base_record("e1");
    record["eventTime"] = json!("yesterday");
    let error = reject(&record);
    assert_eq!(error.reason, "invalid_event_time");
    assert_eq!(
        error.detail,
        "eventTime \"yesterday\" is not an RFC 3339 timestamp such as 2024-08-01T13:33:28Z"
    );
}

#[test]
fn missing_event_name_is_rejected() {
    let mut record = base_record("e1");
    record["eventName"] = json!(null);
    assert_eq!(reject(&record).reason, "missing_event_name");
}

#[test]
fn missing_event_id_is_derived_from_record_bytes() {
    let mut record = base_record("e1");
    record.as_object_mut().expect("object").remove("eventID");
    let first = decode_record(&record);
    let second = decode_record(&record);
    assert!(first.event_id.starts_with("fnv1a64-"), "{}", first.event_id);
    assert_eq!(first.event_id.len(), "fnv1a64-".len() + 16);
    assert_eq!(first.event_id, second.event_id);

    record["eventName"] = json!("GetUser");
    assert_ne!(decode_record(&record).event_id, first.event_id);
}

#[test]
fn wrong_types_name_the_field() {
    let cases = [
        ("eventName", json!(42), "eventName"),
        ("userIdentity", json!("x"), "userIdentity"),
        ("readOnly", json!("maybe"), "readOnly"),
        ("sourceIPAddress", json!(["1.2.3.4"]), "sourceIPAddress"),
    ];
    for (field, value, path) in cases {
        let mut record = base_record("e1");
        record[field] = value;
        let error = reject(&record);
        assert_eq!(error.reason, "wrong_type", "{field}");
        assert!(
            error
                .detail
                .starts_with(&format!("wrong type for field {path}: invalid ")),
            "{field}: {}",
            error.detail
        );
    }

    let mut record = base_record("e1");
    record["userIdentity"]["sessionContext"] = json!({"sessionIssuer": {"userName": 7}});
    let error = reject(&record);
    assert!(
        error
            .detail
            .starts_with("wrong type for field userIdentity.sessionContext.sessionIssuer.userName"),
        "{}",
        error.detail
    );
}

#[test]
fn duplicate_field_is_rejected() {
    let error = decoder()
        .decode_record(br#"{"eventTime":"2024-08-01T13:33:28Z","eventName":"A","eventName":"B"}"#)
        .expect_err("duplicate rejected");
    assert_eq!(error.reason, "duplicate_field");
}

#[test]
fn invalid_json_record_is_rejected() {
    let error = decoder()
        .decode_record(b"{\"eventName\": ")
        .expect_err("rejected");
    assert_eq!(error.reason, "invalid_json");
    let error = decoder().decode_record(b"[1]").expect_err("rejected");
    assert_eq!(error.reason, "not_an_object");
    let error = decoder().decode_record(b"   ").expect_err("rejected");
    assert_eq!(error.reason, "empty_document");
}

#[test]
fn documented_fields_may_be_missing_or_empty() {
    let mut record = base_record("e1");
    let object = record.as_object_mut().expect("object");
    for field in ["recipientAccountId", "userAgent", "requestID", "awsRegion"] {
        object.remove(field);
    }
    let event = decode_record(&record);
    assert_eq!(
        event.account.as_deref(),
        Some("111122223333"),
        "falls back to userIdentity.accountId"
    );
    assert_eq!(event.origin.user_agent, None);
    assert_eq!(event.origin.region, None);
    assert!(event.warnings.is_empty());

    let mut empty = base_record("e2");
    for field in [
        "recipientAccountId",
        "userAgent",
        "requestID",
        "awsRegion",
        "sourceIPAddress",
    ] {
        empty[field] = json!("");
    }
    let event = decode_record(&empty);
    assert_eq!(event.origin.source_raw, None);
    assert!(event.warnings.is_empty());
}

#[test]
fn payloads_stay_opaque_in_every_shape() {
    let shapes = [
        json!({"userName": "bob"}),
        json!("HIDDEN_DUE_TO_SECURITY_REASONS"),
        json!(["a", 1]),
        json!(true),
        json!(12.5),
    ];
    for shape in shapes {
        let mut record = base_record("e1");
        record["requestParameters"] = shape.clone();
        record["responseElements"] = shape.clone();
        let event = decode_record(&record);
        let expected = shape.to_string();
        assert_eq!(
            event.request.as_ref().map(|raw| raw.get()),
            Some(expected.as_str())
        );
        assert_eq!(
            event.response.as_ref().map(|raw| raw.get()),
            Some(expected.as_str())
        );
    }
}

#[test]
fn read_only_may_be_a_string() {
    let mut record = base_record("e1");
    record["readOnly"] = json!("false");
    assert_eq!(decode_record(&record).read_only, Some(false));
}

#[test]
fn escaped_strings_are_unescaped() {
    let mut record = base_record("e1");
    record["userAgent"] = json!("tool \"quoted\" \u{e9}");
    record["userIdentity"]["userName"] = json!("al\\ice");
    let event = decode_record(&record);
    assert_eq!(
        event.origin.user_agent.as_deref(),
        Some("tool \"quoted\" \u{e9}")
    );
    assert_eq!(event.actor.id.as_str(), "aws:111122223333:user/al\\ice");
}

#[test]
fn invalid_source_and_region_are_kept_with_warnings() {
    let mut record = base_record("e1");
    record["sourceIPAddress"] = json!("075.050.255.67");
    record["awsRegion"] = json!("ap-isob-central-3r");
    let event = decode_record(&record);
    assert_eq!(event.origin.ip, None);
    assert_eq!(event.origin.source_raw.as_deref(), Some("075.050.255.67"));
    assert_eq!(event.origin.region.as_deref(), Some("ap-isob-central-3r"));
    assert_eq!(event.warnings.len(), 2);
}

#[test]
fn service_source_is_not_an_address() {
    let mut record = base_record("e1");
    record["sourceIPAddress"] = json!("AWS Internal");
    let event = decode_record(&record);
    assert_eq!(event.origin.service.as_deref(), Some("AWS Internal"));
    assert_eq!(event.origin.source_key(), None);
}

#[test]
fn log_file_is_not_one_record() {
    let document = json!({"Records": [base_record("e1")]}).to_string();
    let error = decoder()
        .decode_record(document.as_bytes())
        .expect_err("rejected");
    assert_eq!(error.reason, "unknown_shape");
}

#[test]
fn decode_record_reports_skips_as_errors() {
    let digest = br#"{"digestStartTime":"2024-08-01T12:00:00Z","logFiles":[]}"#;
    assert_eq!(
        decoder().decode_record(digest).expect_err("skipped").reason,
        "cloudtrail_digest"
    );

    let envelope =
        json!({"detail-type": "AWS API Call via CloudTrail", "detail": base_record("e1")});
    let event = decoder()
        .decode_record(envelope.to_string().as_bytes())
        .expect("envelope decodes");
    assert_eq!(event.event_id, "e1");

    let nested = json!({"detail-type": "AWS API Call via CloudTrail", "detail": envelope});
    let error = decoder()
        .decode_record(nested.to_string().as_bytes())
        .expect_err("rejected");
    assert_eq!(error.reason, "unknown_shape");
}

#[test]
fn record_size_limit_applies_to_single_records() {
    let config = crate::DecoderConfig {
        max_record_bytes: 64,
        ..crate::DecoderConfig::default()
    };
    let error = crate::CloudTrailDecoder::new(config)
        .decode_record(base_record("e1").to_string().as_bytes())
        .expect_err("too large");
    assert_eq!(error.reason, "record_too_large");
}

#[test]
fn first_listed_resource_type_is_kept() {
    let mut record = base_record("e1");
    record["resources"] = json!([
        {"accountId": "111122223333", "type": "AWS::S3::Object", "ARN": "arn:aws:s3:::b/k"},
        {"accountId": "111122223333", "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::b"},
    ]);
    let event = decode_record(&record);
    assert_eq!(event.resource_type.as_deref(), Some("AWS::S3::Object"));
    assert!(event.warnings.is_empty());
    assert!(decode_record(&base_record("e2")).resource_type.is_none());
}

#[test]
fn misshapen_resources_still_decode() {
    let mut record = base_record("e1");
    record["resources"] = json!("AWS::S3::Bucket");
    let event = decode_record(&record);
    assert!(event.resource_type.is_none());
    assert_eq!(event.warnings.len(), 1, "{:?}", event.warnings);
}

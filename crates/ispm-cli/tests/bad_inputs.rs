//! Bad input never stops `ispm replay`: each bad file or record becomes a dead
//! letter naming the file, the record index where there is one, and a reason.

mod common;

use std::io::Write;
use std::path::Path;

use common::*;
use flate2::Compression;
use flate2::write::GzEncoder;

const GOOD_RECORD: &str = r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","userName":"alice"},"eventTime":"2024-08-01T13:33:28Z","eventSource":"iam.amazonaws.com","eventName":"ListUsers","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2.15.0","requestParameters":null,"responseElements":null,"eventID":"11111111-2222-3333-4444-555555555555","eventType":"AwsApiCall","recipientAccountId":"111122223333"}"#;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).expect("write to memory");
    encoder.finish().expect("finish gzip")
}

/// Builds a CloudTrail S3 file of `count` good records, gzipped and cut in half.
fn truncated_gzip(count: usize) -> Vec<u8> {
    let records: Vec<String> = (0..count)
        .map(|index| {
            GOOD_RECORD.replace(
                "11111111-2222-3333-4444-555555555555",
                &format!("event-{index}"),
            )
        })
        .collect();
    let compressed = gzip(format!("{{\"Records\":[{}]}}", records.join(",")).as_bytes());
    compressed[..compressed.len() / 2].to_vec()
}

/// One bad input: its file name, content, the dead-letter reason it must give,
/// and whether that dead letter points at a record index.
struct Case {
    file: &'static str,
    content: Vec<u8>,
    reason: &'static str,
    has_index: bool,
}

fn cases() -> Vec<Case> {
    let ten_megabytes = "x".repeat(10 * 1024 * 1024);
    vec![
        Case {
            file: "not-json.json",
            content: b"this is not JSON at all\n".to_vec(),
            reason: "invalid_json",
            has_index: false,
        },
        Case {
            file: "truncated.json.gz",
            content: truncated_gzip(2000),
            reason: "truncated_gzip",
            has_index: false,
        },
        Case {
            file: "empty-array.json",
            content: b"[]".to_vec(),
            reason: "empty_document",
            has_index: false,
        },
        Case {
            file: "js-style.json",
            content: b"{Records: [{eventTime: '2024-08-01T13:33:28Z', eventName: 'ListUsers'}]}".to_vec(),
            reason: "invalid_json",
            has_index: false,
        },
        Case {
            file: "wrong-type.json",
            content: br#"{"Records":[{"eventTime":"2024-08-01T13:33:28Z","eventName":["ListUsers"],"eventSource":42,"userIdentity":"alice"}]}"#.to_vec(),
            reason: "wrong_type",
            has_index: true,
        },
        Case {
            file: "ten-megabytes.json",
            content: format!(r#"{{"Records":[{{"eventTime":"2024-08-01T13:33:28Z","eventName":"ListUsers","blob":"{ten_megabytes}"}}]}}"#)
                .into_bytes(),
            reason: "record_too_large",
            has_index: true,
        },
        Case {
            file: "no-event-time.json",
            content: format!(r#"{{"Records":[{}]}}"#, GOOD_RECORD.replace(r#""eventTime":"2024-08-01T13:33:28Z","#, ""))
                .into_bytes(),
            reason: "missing_event_time",
            has_index: true,
        },
    ]
}

fn write_cases(dir: &Path) {
    for case in cases() {
        std::fs::write(dir.join(case.file), &case.content).expect("write bad input");
    }
}

#[test]
fn each_bad_input_gives_a_dead_letter() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs = dir.path().join("inputs");
    std::fs::create_dir(&inputs).expect("mkdir");
    write_cases(&inputs);
    std::fs::write(
        inputs.join("good.json"),
        format!(r#"{{"Records":[{GOOD_RECORD}]}}"#),
    )
    .expect("write good input");
    let out = dir.path().join("out");

    let output = run(ispm().arg("replay").arg("--out").arg(&out).arg(&inputs));
    let stderr = stderr(&output);
    assert_eq!(
        output.status.code(),
        Some(0),
        "bad input must not fail the run\n{stderr}"
    );
    assert!(
        summary_number(&stderr, "events decoded") >= 1,
        "the good record is still decoded\n{stderr}"
    );

    let dead_letters = read_ndjson(&out.join("ispm.deadletter.ndjson"));
    for case in cases() {
        let for_file: Vec<&serde_json::Value> = dead_letters
            .iter()
            .filter(|letter| {
                letter["origin"]
                    .as_str()
                    .is_some_and(|origin| origin.ends_with(case.file))
            })
            .collect();
        assert!(
            !for_file.is_empty(),
            "{} gives a dead letter; all: {dead_letters:?}",
            case.file
        );
        let matching = for_file
            .iter()
            .find(|letter| letter["reason"] == case.reason);
        let letter = matching.unwrap_or_else(|| {
            panic!(
                "{} gives reason {}; got {for_file:?}",
                case.file, case.reason
            )
        });
        assert!(
            letter["detail"]
                .as_str()
                .is_some_and(|detail| !detail.is_empty()),
            "{letter}"
        );
        if case.has_index {
            assert_eq!(
                letter["index"], 0,
                "{} names the record index: {letter}",
                case.file
            );
        }
    }
}

#[test]
fn dead_letters_appear_in_the_summary() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_cases(dir.path());

    let output = run(ispm().arg("replay").arg(dir.path()));
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        summary_number(&stderr, "dead letters") >= cases().len() as u64,
        "{stderr}"
    );
    for case in cases() {
        assert!(
            stderr.contains(case.reason),
            "summary counts {}\n{stderr}",
            case.reason
        );
    }
    assert!(stderr.contains("examples:"), "{stderr}");
}

#[test]
fn only_dead_letters_still_exits_0() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("not-json.json");
    std::fs::write(&input, "garbage").expect("write input");
    let output = run(ispm().arg("replay").arg(&input));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(output.stdout.is_empty());
}

#[test]
fn truncated_gzip_counts_as_partly_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("cut.json.gz");
    std::fs::write(&input, truncated_gzip(2000)).expect("write input");
    let output = run(ispm().arg("replay").arg(&input));
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("1 partly read"), "{stderr}");
    assert!(stderr.contains("truncated_gzip"), "{stderr}");
}

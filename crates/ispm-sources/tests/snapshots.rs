//! Tests the decoding of identity snapshots: the IAM credential report of
//! the cloudmapper demo account (BSD-3-Clause, duo-labs/cloudmapper, copied
//! to `tests/fixtures/credential-report`), variants of it that real exports
//! produce, the credential reports inside Panther's policy tests, and the
//! JSON inventory fixtures with their schema.

#[path = "snapshots/inventory.rs"]
mod inventory;
#[path = "snapshots/panther.rs"]
mod panther;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use ispm_model::{
    EventTime, IdentityId, IdentityKind, IdentitySnapshot, SOURCE_CREDENTIAL_REPORT,
    SnapshotCredential,
};
use ispm_sources::{
    SnapshotBatch, SnapshotFormat, SnapshotLocation, decode_snapshot, detect_snapshot, read_input,
};

/// The header AWS writes, in its order.
pub const AWS_HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

pub fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn time(text: &str) -> EventTime {
    EventTime::parse_rfc3339(text).expect("valid test timestamp")
}

fn cloudmapper_report() -> Vec<u8> {
    let path = fixture_dir().join("credential-report/credential_report_extracted.csv");
    fs::read(&path).unwrap_or_else(|error| panic!("failed to read {}: {error}", path.display()))
}

fn decode_report(bytes: &[u8]) -> SnapshotBatch {
    decode_snapshot(bytes, SnapshotFormat::CredentialReport, None)
}

fn decode_text(text: &str) -> SnapshotBatch {
    decode_report(text.as_bytes())
}

fn credential(
    id: &str,
    kind: &str,
    active: bool,
    slot: Option<u8>,
    last_rotated: Option<&str>,
    last_used: Option<&str>,
) -> SnapshotCredential {
    SnapshotCredential {
        id: id.to_owned(),
        kind: kind.to_owned(),
        active,
        slot,
        created_at: None,
        last_rotated: last_rotated.map(time),
        last_used: last_used.map(time),
        last_used_region: None,
        last_used_service: None,
    }
}

/// Builds the three snapshots of the cloudmapper demo report, written out
/// field by field from the CSV.
fn cloudmapper_expected() -> Vec<IdentitySnapshot> {
    let as_of = time("2019-05-07T15:35:55Z");
    let snapshot = |identity: &str, name: &str, arn: &str, created: &str| IdentitySnapshot {
        identity: IdentityId::new(identity),
        name: name.to_owned(),
        kind: None,
        nhi_type: None,
        kind_reason: None,
        account: Some("123456789012".to_owned()),
        arn: Some(arn.to_owned()),
        source: SOURCE_CREDENTIAL_REPORT.to_owned(),
        as_of,
        created_at: Some(time(created)),
        created_by: None,
        owner: None,
        tags: BTreeMap::new(),
        enabled: Some(true),
        mfa_active: Some(false),
        privilege: None,
        privilege_reason: None,
        credentials: Vec::new(),
    };

    let mut root = snapshot(
        "aws:123456789012:root",
        "root",
        "arn:aws:iam::123456789012:root",
        "2018-08-12T17:20:55Z",
    );
    root.kind = Some(IdentityKind::Root);
    root.mfa_active = Some(true);
    let mut root_key = credential(
        "access_key_1",
        "access_key",
        true,
        Some(1),
        Some("2018-11-23T16:01:14Z"),
        Some("2018-11-27T00:02:00Z"),
    );
    root_key.last_used_region = Some("us-east-1".to_owned());
    root_key.last_used_service = Some("ecr".to_owned());
    root.credentials = vec![
        credential(
            "console-password",
            "console_password",
            true,
            None,
            None,
            Some("2019-03-03T16:58:16Z"),
        ),
        root_key,
    ];

    let mut auditor = snapshot(
        "aws:123456789012:user/auditor_tmp",
        "auditor_tmp",
        "arn:aws:iam::123456789012:user/auditor_tmp",
        "2019-05-07T15:35:54Z",
    );
    auditor.credentials = vec![credential(
        "access_key_1",
        "access_key",
        true,
        Some(1),
        Some("2019-05-07T15:35:55Z"),
        None,
    )];

    let mut user = snapshot(
        "aws:123456789012:user/user",
        "user",
        "arn:aws:iam::123456789012:user/user",
        "2018-05-07T15:35:54Z",
    );
    let mut second_key = credential(
        "access_key_2",
        "access_key",
        true,
        Some(2),
        Some("2018-05-07T15:35:54Z"),
        Some("2018-05-07T15:35:54Z"),
    );
    second_key.last_used_region = Some("us-east-1".to_owned());
    second_key.last_used_service = Some("s3".to_owned());
    user.credentials = vec![
        credential(
            "console-password",
            "console_password",
            true,
            None,
            None,
            Some("2018-05-07T15:35:54Z"),
        ),
        credential(
            "access_key_1",
            "access_key",
            true,
            Some(1),
            Some("2019-05-07T15:35:55Z"),
            None,
        ),
        second_key,
    ];

    vec![root, auditor, user]
}

fn assert_cloudmapper_snapshots(batch: &SnapshotBatch) {
    assert!(batch.errors.is_empty(), "{:?}", batch.errors);
    let expected = cloudmapper_expected();
    assert_eq!(batch.snapshots.len(), expected.len());
    for (decoded, expected) in batch.snapshots.iter().zip(&expected) {
        assert_eq!(decoded, expected, "snapshot of {}", expected.identity);
    }
}

#[test]
fn cloudmapper_report_decodes_every_field() {
    let bytes = cloudmapper_report();
    assert_eq!(
        detect_snapshot(&bytes),
        Some(SnapshotFormat::CredentialReport)
    );
    let batch = decode_report(&bytes);
    assert_cloudmapper_snapshots(&batch);
}

#[test]
fn cloudmapper_keys_passwords_and_as_of() {
    let batch = decode_report(&cloudmapper_report());
    let [root, auditor, user] = batch.snapshots.as_slice() else {
        panic!("expected three snapshots, got {:?}", batch.snapshots);
    };

    let root_key = &root.credentials[1];
    assert_eq!(root_key.id, "access_key_1");
    assert!(root_key.active);
    assert_eq!(root_key.last_used, Some(time("2018-11-27T00:02:00Z")));
    assert_eq!(root_key.last_used_region.as_deref(), Some("us-east-1"));
    assert_eq!(root_key.last_used_service.as_deref(), Some("ecr"));

    assert_eq!(auditor.mfa_active, Some(false));
    assert!(
        auditor
            .credentials
            .iter()
            .all(|credential| credential.kind != "console_password"),
        "auditor_tmp has password_enabled=false and no password dates: {:?}",
        auditor.credentials
    );

    let second_key = user
        .credentials
        .iter()
        .find(|credential| credential.id == "access_key_2")
        .expect("user has access key 2");
    assert!(second_key.active);
    assert!(second_key.last_used.is_some());

    // AWS generated the report at 2019-05-07T15:40:22Z (GeneratedTime of the
    // GetCredentialReport response), so the newest timestamp is a lower
    // bound, 4 minutes 27 seconds early here.
    assert_eq!(root.as_of, time("2019-05-07T15:35:55Z"));
    assert!(root.as_of <= time("2019-05-07T15:40:22Z"));
}

#[test]
fn as_of_override_applies_to_every_row() {
    let as_of = time("2019-05-07T15:40:22Z");
    let batch = decode_snapshot(
        &cloudmapper_report(),
        SnapshotFormat::CredentialReport,
        Some(as_of),
    );
    assert_eq!(batch.snapshots.len(), 3);
    for snapshot in &batch.snapshots {
        assert_eq!(snapshot.as_of, as_of, "{}", snapshot.identity);
    }
}

#[test]
fn gzipped_report_reaches_decoder_as_csv() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("credential_report.csv.gz");
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder
        .write_all(&cloudmapper_report())
        .expect("write to memory");
    fs::write(&path, encoder.finish().expect("finish gzip")).expect("write gzip file");

    let read = read_input(&path);
    assert!(read.error.is_none(), "{:?}", read.error);
    assert_eq!(
        detect_snapshot(&read.bytes),
        Some(SnapshotFormat::CredentialReport)
    );
    assert_cloudmapper_snapshots(&decode_report(&read.bytes));
}

/// Rewrites a CSV text with its columns in `order` (indexes into the
/// original columns), uppercasing the header.
fn reorder_columns(text: &str, order: &[usize]) -> String {
    let mut lines = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        let reordered: Vec<String> = order
            .iter()
            .map(|&index| {
                if number == 0 {
                    fields[index].to_uppercase()
                } else {
                    fields[index].to_owned()
                }
            })
            .collect();
        lines.push(reordered.join(","));
    }
    lines.join("\n") + "\n"
}

#[test]
fn header_case_and_order_do_not_matter() {
    let text = String::from_utf8(cloudmapper_report()).expect("UTF-8");
    let width = AWS_HEADER.split(',').count();
    let reversed: Vec<usize> = (0..width).rev().collect();
    let rotated: Vec<usize> = (0..width).map(|index| (index + 7) % width).collect();

    for order in [reversed, rotated] {
        let shuffled = reorder_columns(&text, &order);
        let header = shuffled.lines().next().expect("header line");
        assert_eq!(header, header.to_uppercase());
        assert_ne!(header.to_lowercase(), AWS_HEADER);
        assert_eq!(
            detect_snapshot(shuffled.as_bytes()),
            Some(SnapshotFormat::CredentialReport)
        );
        assert_cloudmapper_snapshots(&decode_text(&shuffled));
    }
}

#[test]
fn byte_order_mark_and_crlf_are_accepted() {
    let text = String::from_utf8(cloudmapper_report()).expect("UTF-8");
    let windows = format!("\u{feff}{}", text.replace('\n', "\r\n"));
    assert_eq!(
        detect_snapshot(windows.as_bytes()),
        Some(SnapshotFormat::CredentialReport)
    );
    assert_cloudmapper_snapshots(&decode_text(&windows));
}

#[test]
fn no_information_means_no_value() {
    let text = format!(
        "{AWS_HEADER}\nold-user,arn:aws:iam::123456789012:user/old-user,2014-01-01T00:00:00+00:00,true,no_information,2014-01-01T00:00:00+00:00,N/A,false,true,2014-01-01T00:00:00+00:00,no_information,no_information,no_information,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
    );
    let batch = decode_text(&text);
    assert!(batch.errors.is_empty(), "{:?}", batch.errors);
    let credentials = &batch.snapshots[0].credentials;
    assert_eq!(credentials[0].id, "console-password");
    assert_eq!(credentials[0].last_used, None);
    assert_eq!(
        credentials[0].last_rotated,
        Some(time("2014-01-01T00:00:00Z"))
    );
    assert_eq!(credentials[1].id, "access_key_1");
    assert_eq!(credentials[1].last_used, None);
    assert_eq!(credentials[1].last_used_region, None);
    assert_eq!(credentials[1].last_used_service, None);
}

#[test]
fn truncated_last_row_is_reported_alone() {
    let text = String::from_utf8(cloudmapper_report()).expect("UTF-8");
    let cut = text
        .find("user,arn:aws:iam::123456789012:user/user,2018-05-07T15:35:54+00:00,true")
        .expect("row of user")
        + 60;
    let batch = decode_text(&text[..cut]);

    assert_eq!(batch.snapshots.len(), 2);
    assert_eq!(
        batch.snapshots[0].identity.as_str(),
        "aws:123456789012:root"
    );
    assert_eq!(
        batch.snapshots[1].identity.as_str(),
        "aws:123456789012:user/auditor_tmp"
    );
    assert_eq!(batch.errors.len(), 1);
    let error = &batch.errors[0];
    assert_eq!(error.reason(), "wrong_column_count");
    assert_eq!(error.location(), SnapshotLocation::Row(3));
    let message = error.to_string();
    assert!(
        message.starts_with("row 3: expected 22 columns"),
        "{message}"
    );
    assert!(message.contains("found 3"), "{message}");
    assert!(
        message.contains("arn:aws:iam::123456789012:user/user"),
        "{message}"
    );
}

#[test]
fn bad_timestamp_fails_only_its_row() {
    let text = String::from_utf8(cloudmapper_report()).expect("UTF-8");
    let broken = text.replacen(
        "auditor_tmp,arn:aws:iam::123456789012:user/auditor_tmp,2019-05-07T15:35:54+00:00",
        "auditor_tmp,arn:aws:iam::123456789012:user/auditor_tmp,2019-05-07 15:35",
        1,
    );
    assert_ne!(broken, text);
    let batch = decode_text(&broken);

    let ids: Vec<&str> = batch
        .snapshots
        .iter()
        .map(|snapshot| snapshot.identity.as_str())
        .collect();
    assert_eq!(ids, ["aws:123456789012:root", "aws:123456789012:user/user"]);
    assert_eq!(batch.errors.len(), 1);
    let error = &batch.errors[0];
    assert_eq!(error.reason(), "invalid_timestamp");
    assert_eq!(error.location(), SnapshotLocation::Row(2));
    assert_eq!(
        error.to_string(),
        "row 2, user_creation_time: invalid timestamp \"2019-05-07 15:35\": expected RFC 3339 with a time zone, e.g. 2018-08-12T17:20:55+00:00"
    );
    // The bad row's timestamps are not used, so as_of drops to the newest
    // timestamp of the rows that decoded.
    assert_eq!(batch.snapshots[0].as_of, time("2019-05-07T15:35:55Z"));
}

#[test]
fn empty_input_is_one_error() {
    for text in ["", "\n\r\n  ", "\u{feff}"] {
        let batch = decode_text(text);
        assert_eq!(batch.snapshots, [], "{text:?}");
        assert_eq!(batch.errors.len(), 1, "{text:?}");
        assert_eq!(batch.errors[0].reason(), "empty_document", "{text:?}");
        assert_eq!(batch.errors[0].location(), SnapshotLocation::Document);
    }
}

#[test]
fn header_only_decodes_to_nothing() {
    for text in [
        AWS_HEADER.to_owned(),
        format!("{AWS_HEADER}\n"),
        format!("\u{feff}{AWS_HEADER}\r\n"),
    ] {
        assert_eq!(decode_text(&text), SnapshotBatch::default(), "{text:?}");
    }
}

#[test]
fn header_without_arn_fails_file() {
    let text = String::from_utf8(cloudmapper_report()).expect("UTF-8");
    let without_arn = text.replacen("user,arn,", "user,principal_arn,", 1);
    let batch = decode_text(&without_arn);
    assert_eq!(batch.snapshots, []);
    assert_eq!(batch.errors.len(), 1);
    assert_eq!(batch.errors[0].reason(), "missing_column");
    let message = batch.errors[0].to_string();
    assert!(message.contains("no `arn` column"), "{message}");
    assert!(message.contains("principal_arn"), "{message}");
}

#[test]
fn cloudtrail_log_is_not_a_snapshot() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../../../shared/data/cloudtrail/stratus-red-team-detonations/docs/detonation-logs/aws.persistence.iam-create-admin-user.json",
    );
    let read = read_input(&path);
    assert!(read.error.is_none(), "{:?}", read.error);
    assert_eq!(detect_snapshot(&read.bytes), None);
}

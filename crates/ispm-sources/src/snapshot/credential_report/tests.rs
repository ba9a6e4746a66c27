use ispm_model::{EventTime, IdentityKind, SnapshotCredential};

use super::decode;
use crate::snapshot::SnapshotBatch;

const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

fn time(text: &str) -> EventTime {
    EventTime::parse_rfc3339(text).expect("valid test timestamp")
}

fn decode_rows(rows: &[&str]) -> SnapshotBatch {
    let text = format!("{HEADER}\n{}\n", rows.join("\n"));
    decode(text.as_bytes(), None)
}

fn credential<'a>(batch: &'a SnapshotBatch, id: &str) -> Option<&'a SnapshotCredential> {
    batch.snapshots[0]
        .credentials
        .iter()
        .find(|credential| credential.id == id)
}

#[test]
fn unused_slots_are_left_out() {
    let batch = decode_rows(&[
        "alice,arn:aws:iam::1:user/alice,2020-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
    ]);
    assert!(batch.errors.is_empty(), "{:?}", batch.errors);
    assert_eq!(batch.snapshots[0].credentials, []);
}

#[test]
fn deactivated_key_with_dates_is_kept() {
    let batch = decode_rows(&[
        "alice,arn:aws:iam::1:user/alice,2020-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,false,2020-02-01T00:00:00+00:00,2020-03-01T00:00:00+00:00,eu-west-1,iam,false,N/A,N/A,N/A,N/A,false,2020-04-01T00:00:00+00:00,false,N/A",
    ]);
    assert!(batch.errors.is_empty(), "{:?}", batch.errors);
    let key = credential(&batch, "access_key_1").expect("deactivated key kept");
    assert!(!key.active);
    assert_eq!(key.slot, Some(1));
    assert_eq!(key.last_rotated, Some(time("2020-02-01T00:00:00Z")));
    assert_eq!(key.last_used, Some(time("2020-03-01T00:00:00Z")));
    assert_eq!(key.last_used_region.as_deref(), Some("eu-west-1"));
    assert_eq!(key.last_used_service.as_deref(), Some("iam"));
    let certificate = credential(&batch, "cert_1").expect("rotated certificate kept");
    assert_eq!(certificate.kind, "certificate");
    assert!(!certificate.active);
    assert_eq!(certificate.last_used, None);
    assert!(credential(&batch, "access_key_2").is_none());
    assert!(credential(&batch, "cert_2").is_none());
}

#[test]
fn removed_password_with_last_use_is_inactive() {
    let batch = decode_rows(&[
        "alice,arn:aws:iam::1:user/alice,2020-01-01T00:00:00+00:00,false,2020-05-01T00:00:00+00:00,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
    ]);
    let password = credential(&batch, "console-password").expect("password with a date");
    assert!(!password.active);
    assert_eq!(password.kind, "console_password");
    assert_eq!(password.last_used, Some(time("2020-05-01T00:00:00Z")));
}

#[test]
fn root_not_supported_password_is_active() {
    let batch = decode_rows(&[
        "<root_account>,arn:aws:iam::1:root,2020-01-01T00:00:00+00:00,not_supported,no_information,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
    ]);
    assert!(batch.errors.is_empty(), "{:?}", batch.errors);
    let root = &batch.snapshots[0];
    assert_eq!(root.identity.as_str(), "aws:1:root");
    assert_eq!(root.name, "root");
    assert_eq!(root.kind, Some(IdentityKind::Root));
    let password = credential(&batch, "console-password").expect("root password");
    assert!(password.active);
    assert_eq!(password.last_used, None);
    assert_eq!(password.last_rotated, None);
}

#[test]
fn root_explicit_false_password_is_kept() {
    let batch = decode_rows(&[
        "<root_account>,arn:aws:iam::1:root,2020-01-01T00:00:00+00:00,false,N/A,N/A,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
    ]);
    assert!(credential(&batch, "console-password").is_none());
}

#[test]
fn next_rotation_does_not_move_as_of() {
    let batch = decode_rows(&[
        "alice,arn:aws:iam::1:user/alice,2020-01-01T00:00:00+00:00,true,2020-01-05T00:00:00+00:00,2020-01-02T00:00:00+00:00,2020-04-01T00:00:00+00:00,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
    ]);
    assert!(batch.errors.is_empty(), "{:?}", batch.errors);
    assert_eq!(batch.snapshots[0].as_of, time("2020-01-05T00:00:00Z"));
}

#[test]
fn invalid_next_rotation_fails_row() {
    let batch = decode_rows(&[
        "alice,arn:aws:iam::1:user/alice,2020-01-01T00:00:00+00:00,true,N/A,N/A,soon,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
    ]);
    assert_eq!(batch.snapshots, []);
    assert_eq!(batch.errors.len(), 1);
    assert_eq!(batch.errors[0].reason(), "invalid_timestamp");
    assert!(
        batch.errors[0]
            .to_string()
            .contains("password_next_rotation"),
        "{}",
        batch.errors[0]
    );
}

#[test]
fn override_replaces_newest_timestamp() {
    let text = format!(
        "{HEADER}\nalice,arn:aws:iam::1:user/alice,2020-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
    );
    let as_of = time("2024-06-01T12:00:00Z");
    let batch = decode(text.as_bytes(), Some(as_of));
    assert_eq!(batch.snapshots[0].as_of, as_of);
}

#[test]
fn report_without_timestamps_needs_override() {
    let text = "user,arn\nalice,arn:aws:iam::1:user/alice\n";
    let batch = decode(text.as_bytes(), None);
    assert_eq!(batch.snapshots, []);
    assert_eq!(batch.errors.len(), 1);
    assert_eq!(batch.errors[0].reason(), "missing_as_of");

    let as_of = time("2024-06-01T12:00:00Z");
    let batch = decode(text.as_bytes(), Some(as_of));
    assert!(batch.errors.is_empty(), "{:?}", batch.errors);
    assert_eq!(batch.snapshots[0].as_of, as_of);
}

#[test]
fn missing_optional_columns_state_nothing() {
    let text = "arn,user\narn:aws:iam::1:user/ops/alice,alice\n";
    let batch = decode(text.as_bytes(), Some(time("2024-06-01T12:00:00Z")));
    assert!(batch.errors.is_empty(), "{:?}", batch.errors);
    let alice = &batch.snapshots[0];
    assert_eq!(alice.identity.as_str(), "aws:1:user/alice");
    assert_eq!(alice.arn.as_deref(), Some("arn:aws:iam::1:user/ops/alice"));
    assert_eq!(alice.mfa_active, None);
    assert_eq!(alice.created_at, None);
    assert_eq!(alice.credentials, []);
}

#[test]
fn empty_user_takes_arn_name() {
    let text = "user,arn,user_creation_time\n,arn:aws:iam::1:user/ops/alice,2020-01-01T00:00:00Z\n";
    let batch = decode(text.as_bytes(), None);
    assert!(batch.errors.is_empty(), "{:?}", batch.errors);
    assert_eq!(batch.snapshots[0].identity.as_str(), "aws:1:user/alice");
    assert_eq!(batch.snapshots[0].name, "alice");
}

#[test]
fn role_arn_is_invalid_in_report() {
    let text = "user,arn,user_creation_time\ndeploy,arn:aws:iam::1:role/deploy,2020-01-01T00:00:00Z\nalice,arn:aws:iam::1:user/alice,2020-01-01T00:00:00Z\n";
    let batch = decode(text.as_bytes(), None);
    assert_eq!(batch.snapshots.len(), 1);
    assert_eq!(batch.errors.len(), 1);
    assert_eq!(batch.errors[0].reason(), "invalid_arn");
    assert!(
        batch.errors[0].to_string().starts_with("row 1, arn:"),
        "{}",
        batch.errors[0]
    );
}

#[test]
fn invalid_boolean_names_row_and_column() {
    let text = "user,arn,user_creation_time,mfa_active\nalice,arn:aws:iam::1:user/alice,2020-01-01T00:00:00Z,yes\nbob,arn:aws:iam::1:user/bob,2020-01-01T00:00:00Z,TRUE\n";
    let batch = decode(text.as_bytes(), None);
    assert_eq!(batch.snapshots.len(), 1);
    assert_eq!(batch.snapshots[0].mfa_active, Some(true));
    assert_eq!(batch.errors.len(), 1);
    assert_eq!(batch.errors[0].reason(), "invalid_boolean");
    assert_eq!(
        batch.errors[0].to_string(),
        "row 1, mfa_active: invalid boolean \"yes\": expected true or false"
    );
}

#[test]
fn non_utf8_field_is_invalid_csv() {
    let mut text = b"user,arn,user_creation_time\n".to_vec();
    text.extend_from_slice(b"al\xffice,arn:aws:iam::1:user/alice,2020-01-01T00:00:00Z\n");
    let batch = decode(&text, None);
    assert_eq!(batch.snapshots, []);
    assert_eq!(batch.errors.len(), 1);
    assert_eq!(batch.errors[0].reason(), "invalid_csv");
    assert!(
        batch.errors[0].to_string().contains("column user"),
        "{}",
        batch.errors[0]
    );
}

#[test]
fn blank_lines_are_skipped() {
    let text =
        "user,arn,user_creation_time\n\nalice,arn:aws:iam::1:user/alice,2020-01-01T00:00:00Z\n\n";
    let batch = decode(text.as_bytes(), None);
    assert!(batch.errors.is_empty(), "{:?}", batch.errors);
    assert_eq!(batch.snapshots.len(), 1);
}

use ispm_model::{EventTime, IdentityKind, PrivilegeLevel, SOURCE_INVENTORY_JSON};
use serde_json::{Value, json};

use super::decode;
use crate::snapshot::{SnapshotBatch, SnapshotLocation};

fn time(text: &str) -> EventTime {
    EventTime::parse_rfc3339(text).expect("valid test timestamp")
}

fn decode_value(document: &Value, as_of_override: Option<EventTime>) -> SnapshotBatch {
    let bytes = serde_json::to_vec(document).expect("serializes");
    decode(&bytes, as_of_override)
}

fn document(identities: Value) -> Value {
    json!({
        "format": "ispm.inventory.v1",
        "as_of": "2024-05-01T00:00:00Z",
        "identities": identities,
    })
}

#[test]
fn as_of_prefers_override_then_identity() {
    let document = document(json!([
        {"id": "okta:1"},
        {"id": "okta:2", "as_of": "2024-05-02T08:00:00+02:00"},
    ]));

    let batch = decode_value(&document, None);
    assert!(batch.errors.is_empty(), "{:?}", batch.errors);
    assert_eq!(batch.snapshots[0].as_of, time("2024-05-01T00:00:00Z"));
    assert_eq!(batch.snapshots[1].as_of, time("2024-05-02T06:00:00Z"));

    let as_of = time("2024-06-01T00:00:00Z");
    let batch = decode_value(&document, Some(as_of));
    assert_eq!(batch.snapshots[0].as_of, as_of);
    assert_eq!(batch.snapshots[1].as_of, as_of);
}

#[test]
fn identity_without_any_as_of_fails_alone() {
    let document = json!({
        "format": "ispm.inventory.v1",
        "identities": [{"id": "okta:1"}, {"id": "okta:2", "as_of": "2024-05-02T00:00:00Z"}],
    });
    let batch = decode_value(&document, None);
    assert_eq!(batch.snapshots.len(), 1);
    assert_eq!(batch.errors.len(), 1);
    assert_eq!(batch.errors[0].reason(), "missing_as_of");
    assert_eq!(batch.errors[0].location(), SnapshotLocation::Identity(0));
}

#[test]
fn defaults_come_from_arn_and_id() {
    let document = document(json!([
        {"arn": "arn:aws:iam::123456789012:root"},
        {"id": "okta:00u1abcd"},
        {"id": "custom:alice", "arn": "arn:aws:iam::123456789012:user/alice"},
    ]));
    let batch = decode_value(&document, None);
    assert!(batch.errors.is_empty(), "{:?}", batch.errors);

    let root = &batch.snapshots[0];
    assert_eq!(root.identity.as_str(), "aws:123456789012:root");
    assert_eq!(root.name, "root");
    assert_eq!(root.kind, Some(IdentityKind::Root));
    assert_eq!(root.account.as_deref(), Some("123456789012"));
    assert_eq!(root.source, SOURCE_INVENTORY_JSON);

    let okta = &batch.snapshots[1];
    assert_eq!(okta.name, "00u1abcd");
    assert_eq!(okta.account, None);
    assert_eq!(okta.kind, None);

    let custom = &batch.snapshots[2];
    assert_eq!(custom.identity.as_str(), "custom:alice");
    assert_eq!(custom.name, "alice");
    assert_eq!(custom.account.as_deref(), Some("123456789012"));
}

#[test]
fn non_iam_arn_is_kept_when_id_given() {
    let document = document(json!([
        {"id": "aws:1:group/admins", "arn": "arn:aws:iam::1:group/admins"},
    ]));
    let batch = decode_value(&document, None);
    assert!(batch.errors.is_empty(), "{:?}", batch.errors);
    assert_eq!(
        batch.snapshots[0].arn.as_deref(),
        Some("arn:aws:iam::1:group/admins")
    );
    assert_eq!(batch.snapshots[0].account, None);
}

#[test]
fn policies_set_privilege_and_reason() {
    let document = document(json!([
        {"id": "a", "policies": ["AdministratorAccess"]},
        {"id": "b", "privilege": "standard"},
        {"id": "c", "policies": ["AmazonS3ReadOnlyAccess"]},
    ]));
    let batch = decode_value(&document, None);
    assert!(batch.errors.is_empty(), "{:?}", batch.errors);
    assert_eq!(batch.snapshots[0].privilege, Some(PrivilegeLevel::Admin));
    assert_eq!(
        batch.snapshots[0].privilege_reason.as_deref(),
        Some("attached policy AdministratorAccess")
    );
    assert_eq!(batch.snapshots[1].privilege, Some(PrivilegeLevel::Standard));
    assert_eq!(batch.snapshots[2].privilege, None);
    assert_eq!(batch.snapshots[2].privilege_reason, None);
}

#[test]
fn credential_state_from_status_or_active() {
    let document = document(json!([{
        "id": "a",
        "credentials": [
            {"id": "k1", "kind": "api_token", "status": "active"},
            {"id": "k2", "kind": "api_token", "active": false},
        ],
    }]));
    let batch = decode_value(&document, None);
    assert!(batch.errors.is_empty(), "{:?}", batch.errors);
    let credentials = &batch.snapshots[0].credentials;
    assert!(credentials[0].active);
    assert!(!credentials[1].active);
    assert_eq!(credentials[0].slot, None);
}

#[test]
fn credential_errors_name_their_path() {
    let cases = [
        (
            json!({"id": "k", "kind": "api_token", "status": "active", "active": true}),
            "invalid_value",
            "credentials[0].status",
        ),
        (
            json!({"id": "k", "kind": "api_token"}),
            "missing_field",
            "credentials[0].status",
        ),
        (
            json!({"id": "k", "kind": "api_token", "status": "Active"}),
            "invalid_value",
            "credentials[0].status",
        ),
        (
            json!({"id": "k", "kind": "API Token", "status": "active"}),
            "invalid_value",
            "credentials[0].kind",
        ),
        (
            json!({"kind": "api_token", "status": "active"}),
            "missing_field",
            "credentials[0].id",
        ),
        (
            json!({"id": "k", "kind": "api_token", "status": "active", "last_used": "yesterday"}),
            "invalid_timestamp",
            "credentials[0].last_used",
        ),
    ];
    for (credential, reason, path) in cases {
        let document = document(json!([{"id": "a", "credentials": [credential]}]));
        let batch = decode_value(&document, None);
        assert_eq!(batch.snapshots, [], "{credential}");
        assert_eq!(batch.errors.len(), 1, "{credential}");
        assert_eq!(batch.errors[0].reason(), reason, "{credential}");
        let message = batch.errors[0].to_string();
        assert!(
            message.starts_with(&format!("identities[0], {path}:")),
            "{credential}: {message}"
        );
    }
}

#[test]
fn null_fields_count_as_absent() {
    let document = document(json!([{"id": "a", "name": null, "owner": null}]));
    let batch = decode_value(&document, None);
    assert!(batch.errors.is_empty(), "{:?}", batch.errors);
    assert_eq!(batch.snapshots[0].owner, None);
}

#[test]
fn document_errors_fail_whole_document() {
    let cases = [
        (json!({"identities": []}), "missing_field"),
        (json!({"format": "ispm.inventory.v1"}), "missing_field"),
        (
            json!({"format": "ispm.inventory.v2", "identities": []}),
            "unsupported_format",
        ),
        (
            json!({"format": "ispm.inventory.v1", "as_of": "today", "identities": [{"id": "a"}]}),
            "invalid_timestamp",
        ),
        (
            json!({"format": "ispm.inventory.v1", "source": "", "identities": [{"id": "a"}]}),
            "invalid_value",
        ),
        (
            json!({"format": "ispm.inventory.v1", "identities": {"id": "a"}}),
            "wrong_type",
        ),
        (
            json!({"format": "ispm.inventory.v1", "identity": [], "identities": []}),
            "unknown_field",
        ),
    ];
    for (document, reason) in cases {
        let batch = decode_value(&document, None);
        assert_eq!(batch.snapshots, [], "{document}");
        assert_eq!(batch.errors.len(), 1, "{document}");
        assert_eq!(batch.errors[0].reason(), reason, "{document}");
        assert_eq!(batch.errors[0].location(), SnapshotLocation::Document);
    }
}

#[test]
fn empty_identities_decode_to_nothing() {
    let batch = decode_value(&document(json!([])), None);
    assert_eq!(batch, SnapshotBatch::default());
}

#[test]
fn byte_order_mark_is_accepted() {
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend_from_slice(br#"{"format":"ispm.inventory.v1","identities":[]}"#);
    let batch = decode(&bytes, None);
    assert!(batch.errors.is_empty(), "{:?}", batch.errors);
}

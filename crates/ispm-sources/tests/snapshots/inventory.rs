//! The JSON inventory fixtures against `schemas/inventory-snapshot.schema.json`
//! and the decoder. `tests/fixtures/inventory/README.md` explains the
//! fixture names.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use ispm_model::{IdentityKind, NhiType, PrivilegeLevel, SOURCE_INVENTORY_JSON};
use ispm_sources::{SnapshotFormat, SnapshotLocation, decode_snapshot, detect_snapshot};
use jsonschema::Validator;
use serde_json::Value;

use super::{fixture_dir, time};

fn schema_validator() -> Validator {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/inventory-snapshot.schema.json");
    let text = fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("failed to read {}: {error}", path.display()));
    let schema: Value = serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("{} is not valid JSON: {error}", path.display()));
    if let Err(error) = jsonschema::meta::validate(&schema) {
        panic!("{} is not a valid JSON Schema: {error}", path.display());
    }
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|error| panic!("failed to compile {}: {error}", path.display()))
}

/// Returns the `.json` files of `tests/fixtures/inventory/<kind>`, sorted.
fn fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = fixture_dir().join("inventory").join(kind);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("failed to read {}: {error}", dir.display()))
        .map(|entry| entry.expect("folder entry").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "json")
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    files
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Returns the schema violations of a fixture. Bytes that are not JSON are
/// one violation.
fn schema_violations(validator: &Validator, bytes: &[u8]) -> Vec<String> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(instance) => validator
            .iter_errors(&instance)
            .map(|error| format!("at '{}': {error}", error.instance_path()))
            .collect(),
        Err(error) => vec![format!("not JSON: {error}")],
    }
}

#[test]
fn valid_fixtures_match_schema_and_decode() {
    let validator = schema_validator();
    for path in fixtures("valid") {
        let name = file_name(&path);
        let bytes = fs::read(&path).expect("read fixture");

        let violations = schema_violations(&validator, &bytes);
        assert!(violations.is_empty(), "{name}: {violations:?}");

        assert_eq!(
            detect_snapshot(&bytes),
            Some(SnapshotFormat::InventoryJson),
            "{name}"
        );
        let batch = decode_snapshot(&bytes, SnapshotFormat::InventoryJson, None);
        assert!(batch.errors.is_empty(), "{name}: {:?}", batch.errors);
        let document: Value = serde_json::from_slice(&bytes).expect("valid fixture is JSON");
        let identities = document["identities"].as_array().map_or(0, Vec::len);
        assert_eq!(batch.snapshots.len(), identities, "{name}");
    }
}

#[test]
fn invalid_fixtures_fail_schema_and_decoder() {
    let validator = schema_validator();
    for path in fixtures("invalid") {
        let name = file_name(&path);
        let (reason, _) = name
            .split_once("--")
            .unwrap_or_else(|| panic!("{name} is not named REASON--CASE.json"));
        let bytes = fs::read(&path).expect("read fixture");

        assert!(
            !schema_violations(&validator, &bytes).is_empty(),
            "{name} matches the schema"
        );

        let batch = decode_snapshot(&bytes, SnapshotFormat::InventoryJson, None);
        assert_eq!(batch.errors.len(), 1, "{name}: {:?}", batch.errors);
        assert_eq!(
            batch.errors[0].reason(),
            reason,
            "{name}: {}",
            batch.errors[0]
        );

        // A bad identity leaves the others decodable.
        if let SnapshotLocation::Identity(bad) = batch.errors[0].location() {
            let document: Value = serde_json::from_slice(&bytes).expect("fixture is JSON");
            let identities = document["identities"].as_array().map_or(0, Vec::len);
            assert_eq!(batch.snapshots.len(), identities - 1, "{name}");
            assert!(bad < identities, "{name}");
        } else {
            assert_eq!(batch.snapshots, [], "{name}");
        }
    }
}

#[test]
fn invalid_fixture_messages_name_place_and_value() {
    let cases = [
        (
            "unknown_field--identity-typo.json",
            "identities[0], onwer: unknown field `onwer`, expected one of",
        ),
        (
            "unknown_field--credential-typo.json",
            "identities[0], credentials[0].statsu: unknown field `statsu`",
        ),
        (
            "invalid_value--kind.json",
            "identities[0], kind: invalid value \"robot\": expected one of human, non_human, root, ai_agent",
        ),
        (
            "invalid_timestamp--impossible-date.json",
            "identities[0], created_at: invalid timestamp \"2023-02-29T10:00:00Z\"",
        ),
        (
            "missing_field--id-and-arn.json",
            "identities[0], id: missing field: give id",
        ),
        (
            "invalid_arn--group-without-id.json",
            "identities[0], arn: invalid ARN \"arn:aws:iam::123456789012:group/admins\"",
        ),
        (
            "wrong_type--enabled-string.json",
            "identities[0], enabled: wrong JSON type: invalid type: string \"yes\", expected a boolean",
        ),
        (
            "wrong_type--identity-not-object.json",
            "identities[0], top-level object: wrong JSON type: invalid type: string \"okta:1\", expected an identity object",
        ),
        (
            "unsupported_format--v2.json",
            "unsupported inventory format \"ispm.inventory.v2\"",
        ),
        ("invalid_json--truncated.json", "invalid JSON at line 6"),
    ];
    for (fixture, expected) in cases {
        let path = fixture_dir().join("inventory/invalid").join(fixture);
        let bytes = fs::read(&path).expect("read fixture");
        let batch = decode_snapshot(&bytes, SnapshotFormat::InventoryJson, None);
        let message = batch
            .errors
            .first()
            .map(ToString::to_string)
            .unwrap_or_default();
        assert!(
            message.starts_with(expected),
            "{fixture}: {message:?} should start with {expected:?}"
        );
    }
}

#[test]
fn two_identity_document_decodes_every_field() {
    let path = fixture_dir().join("inventory/valid/two-identities.json");
    let bytes = fs::read(&path).expect("read fixture");
    let batch = decode_snapshot(&bytes, SnapshotFormat::InventoryJson, None);
    assert!(batch.errors.is_empty(), "{:?}", batch.errors);
    let [jane, bot] = batch.snapshots.as_slice() else {
        panic!("expected two snapshots, got {:?}", batch.snapshots);
    };

    assert_eq!(jane.identity.as_str(), "okta:00u1abcd2EFGH3ijk4");
    assert_eq!(jane.name, "jane.doe@example.com");
    assert_eq!(jane.kind, Some(IdentityKind::Human));
    assert_eq!(jane.nhi_type, None);
    assert_eq!(jane.account.as_deref(), Some("example.okta.com"));
    assert_eq!(jane.arn, None);
    assert_eq!(jane.source, "okta");
    assert_eq!(jane.as_of, time("2024-05-01T05:30:00Z"));
    assert_eq!(jane.created_at, Some(time("2021-03-04T09:10:11Z")));
    assert_eq!(
        jane.created_by.as_ref().map(|id| id.as_str()),
        Some("okta:00u0admin")
    );
    assert_eq!(jane.owner.as_deref(), Some("identity-team"));
    let tags: BTreeMap<String, String> = [("cost-center", "cc-104"), ("department", "finance")]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect();
    assert_eq!(jane.tags, tags);
    assert_eq!(jane.enabled, Some(true));
    assert_eq!(jane.mfa_active, Some(false));
    assert_eq!(jane.privilege, Some(PrivilegeLevel::Standard));
    assert_eq!(
        jane.privilege_reason.as_deref(),
        Some("privilege field of the inventory")
    );

    let [password, token] = jane.credentials.as_slice() else {
        panic!("expected two credentials, got {:?}", jane.credentials);
    };
    assert_eq!(password.id, "password");
    assert_eq!(password.kind, "password");
    assert!(password.active);
    assert_eq!(password.slot, None);
    assert_eq!(password.created_at, Some(time("2021-03-04T09:10:11Z")));
    assert_eq!(password.last_rotated, Some(time("2024-01-15T07:00:00Z")));
    assert_eq!(password.last_used, Some(time("2024-04-30T17:45:00.250Z")));
    assert_eq!(token.id, "00Tabc123");
    assert_eq!(token.kind, "api_token");
    assert!(!token.active);
    assert_eq!(token.last_used, Some(time("2023-11-02T10:00:00Z")));
    assert_eq!(token.last_used_region.as_deref(), Some("eu"));
    assert_eq!(token.last_used_service.as_deref(), Some("okta-api"));

    assert_eq!(
        bot.identity.as_str(),
        "aws:123456789012:user/deploy-bot",
        "the IAM path division/ is dropped as in the CloudTrail decoder"
    );
    assert_eq!(bot.name, "deploy-bot");
    assert_eq!(bot.kind, None);
    assert_eq!(bot.account.as_deref(), Some("123456789012"));
    assert_eq!(
        bot.arn.as_deref(),
        Some("arn:aws:iam::123456789012:user/division/deploy-bot")
    );
    assert_eq!(bot.source, "okta");
    assert_eq!(bot.as_of, time("2024-05-01T06:00:00Z"));
    assert_eq!(bot.owner, None);
    assert_eq!(bot.enabled, None);
    assert_eq!(bot.mfa_active, None);
    assert_eq!(bot.privilege, None);
    assert_eq!(bot.credentials, []);
}

#[test]
fn arn_forms_give_decoder_ids() {
    let path = fixture_dir().join("inventory/valid/every-kind-and-arn-form.json");
    let bytes = fs::read(&path).expect("read fixture");
    let batch = decode_snapshot(&bytes, SnapshotFormat::InventoryJson, None);
    assert!(batch.errors.is_empty(), "{:?}", batch.errors);
    let [root, runner, agent, payroll] = batch.snapshots.as_slice() else {
        panic!("expected four snapshots, got {:?}", batch.snapshots);
    };

    assert_eq!(root.identity.as_str(), "aws:123456789012:root");
    assert_eq!(root.name, "root");
    assert_eq!(root.kind, Some(IdentityKind::Root));
    assert_eq!(root.source, SOURCE_INVENTORY_JSON);

    assert_eq!(
        runner.identity.as_str(),
        "aws:123456789012:role/build-runner"
    );
    assert_eq!(runner.nhi_type, Some(NhiType::Workload));
    assert_eq!(runner.privilege, Some(PrivilegeLevel::Privileged));
    assert_eq!(
        runner.privilege_reason.as_deref(),
        Some("attached policy AmazonS3FullAccess")
    );

    assert_eq!(agent.kind, Some(IdentityKind::AiAgent));
    assert_eq!(agent.privilege, Some(PrivilegeLevel::Admin));
    assert_eq!(
        agent.privilege_reason.as_deref(),
        Some("attached policy AdministratorAccess, above the stated privilege standard")
    );

    assert_eq!(payroll.enabled, Some(false));
    assert_eq!(payroll.kind, Some(IdentityKind::NonHuman));
    assert_eq!(payroll.nhi_type, Some(NhiType::ServiceUser));
    assert!(!payroll.credentials[0].active);
    assert_eq!(payroll.as_of, time("2024-05-01T00:00:00Z"));
}

//! Checks the schemas in `schemas/` against what ispm really writes: the
//! findings, inventory records and events that the decoder and the engine
//! make of real CloudTrail logs (Stratus Red Team detonations and the
//! Invictus simulation), and dead letters built here.
//!
//! The tests also check the formats `uuid`, `ipv4` and `ipv6`. JSON Schema
//! 2020-12 makes format checks optional, so a consumer that skips them
//! accepts everything that passes here.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use apache_avro::Schema as AvroSchema;
use ispm_engine::{Engine, EngineConfig};
use ispm_model::{
    ConsumerRecord, CredentialRecord, DeadLetter, DeadLetterAction, EventTime, Finding,
    IdentityEvent, IdentityId, IdentityKind, IdentityPosture, InventoryRecord, NhiType,
    PostureSummary, PrivilegeLevel, TargetFact, TargetFactKind,
};
use ispm_sources::{CloudTrailDecoder, DecoderConfig, Item, read_input, walk_inputs};
use jsonschema::Validator;
use serde_json::{Value, json};

/// Maximum failures listed in an assertion message. The rest are only counted.
const MAX_FAILURES_SHOWN: usize = 5;

fn repository_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn schema_path(name: &str) -> PathBuf {
    repository_dir().join("schemas").join(name)
}

fn read_json(path: &Path) -> Value {
    let text = fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("failed to read {}: {error}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("{} is not valid JSON: {error}", path.display()))
}

/// Loads a JSON Schema from `schemas/` after checking it against the
/// draft 2020-12 meta-schema.
fn json_validator(name: &str) -> Validator {
    let path = schema_path(name);
    let schema = read_json(&path);
    if let Err(error) = jsonschema::meta::validate(&schema) {
        panic!("{} is not a valid JSON Schema: {error}", path.display());
    }
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|error| panic!("failed to compile {}: {error}", path.display()))
}

fn avro_schema() -> AvroSchema {
    let path = schema_path("ispm.inventory.avsc");
    let text = fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("failed to read {}: {error}", path.display()));
    AvroSchema::parse_str(&text)
        .unwrap_or_else(|error| panic!("{} is not a valid Avro schema: {error}", path.display()))
}

/// Returns one line per schema violation, each with the JSON pointer of the
/// offending value.
fn violations(validator: &Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|error| format!("at '{}': {error}", error.instance_path()))
        .collect()
}

/// Collects the violations of every labelled instance and fails with the
/// first few, so one run shows how widespread a mismatch is.
fn assert_all_valid<'a>(
    validator: &Validator,
    schema: &str,
    instances: impl IntoIterator<Item = (String, &'a Value)>,
) {
    let mut checked = 0;
    let mut failures = Vec::new();
    for (label, instance) in instances {
        checked += 1;
        let found = violations(validator, instance);
        if !found.is_empty() {
            failures.push(format!("{label}: {}", found.join("; ")));
        }
    }
    assert!(checked > 0, "nothing was checked against {schema}");
    assert!(
        failures.is_empty(),
        "{} of {checked} values do not match {schema}; the first ones:\n{}",
        failures.len(),
        failures[..failures.len().min(MAX_FAILURES_SHOWN)].join("\n")
    );
}

/// The decoder's and the engine's output for the CloudTrail test data,
/// computed once per test binary.
struct Replay {
    events: Vec<IdentityEvent>,
    dead_letters: Vec<DeadLetter>,
    findings: Vec<Finding>,
    /// Every record the engine published, drained after each event as the
    /// Kafka runtime drains at its commits. So intermediate states are here
    /// too, such as an identity seen only as a target.
    inventory: Vec<InventoryRecord>,
    /// Every identity posture published by the same flushes.
    postures: Vec<IdentityPosture>,
    /// Every posture summary published by the same flushes.
    summaries: Vec<PostureSummary>,
}

fn replay() -> &'static Replay {
    static REPLAY: OnceLock<Replay> = OnceLock::new();
    REPLAY.get_or_init(run_replay)
}

fn run_replay() -> Replay {
    let (files, errors) = walk_inputs(&[support::data_dir()]);
    assert!(
        errors.is_empty(),
        "failed to list the CloudTrail test data: {errors:?}"
    );

    let decoder = CloudTrailDecoder::new(DecoderConfig::default());
    let mut events = Vec::new();
    let mut dead_letters = Vec::new();
    for path in &files {
        let input = read_input(path);
        assert!(
            input.error.is_none(),
            "{}: {:?}",
            path.display(),
            input.error
        );
        let origin = path.display().to_string();
        decoder.decode_document(&origin, &input.bytes, &mut |item| match item {
            Item::Event(event) => events.push(event),
            Item::DeadLetter(letter) => dead_letters.push(letter),
            Item::Skipped { .. } => {}
        });
    }
    // Sorted as `ispm replay` sorts its input.
    events.sort_by(|a, b| {
        a.time
            .cmp(&b.time)
            .then_with(|| a.event_id.cmp(&b.event_id))
    });

    let mut engine = Engine::new(EngineConfig::default());
    let mut findings = Vec::new();
    let mut inventory = Vec::new();
    let mut postures = Vec::new();
    let mut summaries = Vec::new();
    for event in &events {
        engine.process(event, &mut findings);
        for fact in &event.targets {
            engine.apply_fact(fact, event, &mut findings);
        }
        let flushed = engine.flush(event.time);
        inventory.extend(flushed.inventory);
        findings.extend(flushed.findings);
        postures.extend(flushed.postures);
        summaries.extend(flushed.summaries);
    }

    Replay {
        events,
        dead_letters,
        findings,
        inventory,
        postures,
        summaries,
    }
}

fn finding_label(finding: &Finding) -> String {
    format!(
        "finding {} ({}/{})",
        finding.uid, finding.detector, finding.rule
    )
}

fn inventory_json(record: &InventoryRecord) -> Value {
    serde_json::to_value(record).expect("an inventory record serializes to JSON")
}

/// Converts a record to an Avro value with serde, resolves it against the
/// schema, writes and reads it as Avro binary, and converts it back. A field
/// the schema lacks is lost on the way, so the round trip fails.
fn avro_round_trip(schema: &AvroSchema, record: &InventoryRecord) -> Result<(), String> {
    let value = apache_avro::to_value(record).map_err(|error| format!("to_value: {error}"))?;
    let resolved = value
        .resolve(schema)
        .map_err(|error| format!("resolve: {error}"))?;
    if !resolved.validate(schema) {
        return Err("the resolved value does not validate".to_owned());
    }
    let bytes = apache_avro::to_avro_datum(schema, resolved)
        .map_err(|error| format!("to_avro_datum: {error}"))?;
    let decoded = apache_avro::from_avro_datum(schema, &mut bytes.as_slice(), None)
        .map_err(|error| format!("from_avro_datum: {error}"))?;
    let back: InventoryRecord =
        apache_avro::from_value(&decoded).map_err(|error| format!("from_value: {error}"))?;
    if &back != record {
        return Err(format!(
            "fields read back with other values: {:?}",
            changed_fields(&inventory_json(record), &inventory_json(&back))
        ));
    }
    Ok(())
}

/// Names the top-level fields whose JSON values differ between two objects.
fn changed_fields(before: &Value, after: &Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let before = before.as_object().unwrap_or(&empty);
    let after = after.as_object().unwrap_or(&empty);
    let mut names: Vec<String> = before
        .keys()
        .chain(after.keys())
        .filter(|name| before.get(*name) != after.get(*name))
        .cloned()
        .collect();
    names.sort();
    names.dedup();
    names
}

fn time(millis: i64) -> EventTime {
    EventTime::from_millis(millis)
}

/// Builds an inventory record with every optional field set and every list filled.
fn full_inventory_record() -> InventoryRecord {
    InventoryRecord {
        identity: IdentityId::from("aws:111122223333:role/deploy-bot"),
        name: "deploy-bot".to_owned(),
        kind: IdentityKind::NonHuman,
        nhi_type: Some(NhiType::Workload),
        kind_reason: "role session of an EC2 instance".to_owned(),
        account: Some("111122223333".to_owned()),
        arn: Some("arn:aws:iam::111122223333:role/deploy-bot".to_owned()),
        created_by: Some(IdentityId::from("aws:111122223333:user/alice")),
        created_at: Some(time(1_700_000_000_000)),
        created_event: Some("create-role-1".to_owned()),
        first_seen: Some(time(1_700_000_100_000)),
        last_seen: Some(time(1_700_000_900_000)),
        event_count: 42,
        credentials: vec![CredentialRecord {
            id: "AKIAEXAMPLE".to_owned(),
            kind: "access_key".to_owned(),
            created_at: Some(time(1_700_000_050_000)),
            created_by: Some(IdentityId::from("aws:111122223333:user/alice")),
            first_used: Some(time(1_700_000_100_000)),
            last_used: Some(time(1_700_000_900_000)),
            use_count: 41,
            status: "active".to_owned(),
            last_rotated: Some(time(1_700_000_050_000)),
            slot: Some(1),
            last_used_region: Some("eu-west-1".to_owned()),
            last_used_service: Some("s3".to_owned()),
            consumers: vec![ConsumerRecord {
                attribute: "user_agent".to_owned(),
                value: "aws-cli/2.13.0".to_owned(),
                count: 41,
                first_seen: time(1_700_000_100_000),
                last_seen: time(1_700_000_900_000),
            }],
            consumers_truncated: true,
        }],
        consumers: vec![ConsumerRecord {
            attribute: "source".to_owned(),
            value: "198.51.100.7".to_owned(),
            count: 41,
            first_seen: time(1_700_000_100_000),
            last_seen: time(1_700_000_900_000),
        }],
        via_roles: vec!["arn:aws:iam::111122223333:role/admin".to_owned()],
        consumers_truncated: true,
        owner: Some("team-platform".to_owned()),
        owner_source: Some("tag:owner".to_owned()),
        tags: [("owner".to_owned(), "team-platform".to_owned())]
            .into_iter()
            .collect(),
        privilege: PrivilegeLevel::Admin,
        privilege_reason: "managed policy AdministratorAccess".to_owned(),
        enabled: true,
        mfa_active: Some(false),
        sources: vec!["events".to_owned(), "aws_credential_report".to_owned()],
        snapshot_as_of: Some(time(1_700_000_800_000)),
    }
}

/// Builds an inventory record with every optional field left out.
fn minimal_inventory_record() -> InventoryRecord {
    InventoryRecord {
        identity: IdentityId::from("aws:111122223333:user/bob"),
        name: "bob".to_owned(),
        kind: IdentityKind::Human,
        nhi_type: None,
        kind_reason: "IAM user, seen so far only as the target of another identity's call"
            .to_owned(),
        account: None,
        arn: None,
        created_by: None,
        created_at: None,
        created_event: None,
        first_seen: None,
        last_seen: None,
        event_count: 0,
        credentials: Vec::new(),
        consumers: Vec::new(),
        via_roles: Vec::new(),
        consumers_truncated: false,
        owner: None,
        owner_source: None,
        tags: Default::default(),
        privilege: PrivilegeLevel::Unknown,
        privilege_reason: String::new(),
        enabled: true,
        mfa_active: None,
        sources: Vec::new(),
        snapshot_as_of: None,
    }
}

fn dead_letter_examples() -> Vec<DeadLetter> {
    vec![
        DeadLetter {
            action: DeadLetterAction::Rejected,
            reason: "invalid_json".to_owned(),
            detail: "expected value at line 1 column 1".to_owned(),
            origin: "logs/2024/08/01/trail.json.gz".to_owned(),
            index: Some(17),
            excerpt: Some("{\"eventVersion\":\"1.08\",".to_owned()),
            size: Some(2_048),
            event_id: Some("0f6a0f1c-1111-4e6f-9f0e-222233334444".to_owned()),
        },
        DeadLetter {
            action: DeadLetterAction::Rejected,
            reason: "unreadable_file".to_owned(),
            detail: String::new(),
            origin: "-".to_owned(),
            index: None,
            excerpt: None,
            size: None,
            event_id: None,
        },
        DeadLetter {
            action: DeadLetterAction::AcceptedWithWarnings,
            reason: "invalid_field_value".to_owned(),
            detail: "sourceIPAddress 075.050.255.67 has leading zeros; kept as text".to_owned(),
            origin: "cloudtrail.raw/2".to_owned(),
            index: Some(123_456),
            excerpt: Some("é".repeat(4_096 / 2)),
            size: Some(9_000),
            event_id: Some("evt-1".to_owned()),
        },
        DeadLetter {
            action: DeadLetterAction::AcceptedWithWarnings,
            reason: "invalid_field_value".to_owned(),
            detail: "awsRegion mars-north-1 is not a known region".to_owned(),
            origin: "logs/a.json".to_owned(),
            index: None,
            excerpt: None,
            size: None,
            event_id: None,
        },
    ]
}

/// Builds an event with every optional field set, a target fact of each
/// kind and a warning.
fn full_event() -> IdentityEvent {
    let mut event = support::with_request(
        support::user_event("alice", "iam.amazonaws.com", "CreateAccessKey", 1),
        r#"{"userName":"bob"}"#,
    );

    event.response = support::raw(r#"{"accessKey":{"accessKeyId":"AKIABOB","status":"Active"}}"#);
    event.additional = support::raw(r#""a JSON string is kept as it is""#);
    event.error_code = Some("AccessDenied".into());
    event.read_only = Some(false);

    event.actor.nhi_type = Some(NhiType::ServiceUser);
    event.actor.via_role = Some("arn:aws:iam::111122223333:role/admin".into());
    event.actor.session_name = Some("alice@example.com".into());
    event.actor.source_identity = Some("alice".into());
    event.actor.mfa_authenticated = Some(true);
    event.actor.invoked_by = Some("cloudformation.amazonaws.com".into());

    event.origin.source_raw = Some("2001:db8::7".into());
    event.origin.ip = "2001:db8::7".parse().ok();
    event.origin.service = Some("ssm.amazonaws.com".into());

    event.warnings = vec!["awsRegion mars-north-1 is not a known region".to_owned()];

    let kinds = [
        TargetFactKind::Created,
        TargetFactKind::AccessKeyCreated {
            access_key_id: Some("AKIABOB".to_owned()),
        },
        TargetFactKind::AccessKeyCreated {
            access_key_id: None,
        },
        TargetFactKind::LoginProfileChanged,
        TargetFactKind::AccessKeyRemoved {
            access_key_id: Some("AKIABOB".to_owned()),
        },
        TargetFactKind::Deleted,
        TargetFactKind::PolicyAttached {
            policy: "AdministratorAccess".to_owned(),
        },
        TargetFactKind::AddedToGroup {
            group: "Admins".to_owned(),
        },
        TargetFactKind::AssumedWithWebIdentity {
            provider: "token.actions.githubusercontent.com".to_owned(),
        },
    ];
    event.targets = kinds
        .into_iter()
        .map(|kind| TargetFact {
            identity: IdentityId::from("aws:111122223333:user/bob"),
            name: "bob".to_owned(),
            kind,
        })
        .collect();
    event
}

#[test]
fn every_finding_matches_the_findings_schema() {
    let validator = json_validator("ispm.findings.json");
    let findings = &replay().findings;
    assert!(
        !findings.is_empty(),
        "the CloudTrail test data produced no finding"
    );

    let rendered: Vec<(String, Value)> = findings
        .iter()
        .map(|finding| (finding_label(finding), finding.to_ocsf()))
        .collect();
    assert_all_valid(
        &validator,
        "ispm.findings.json",
        rendered.iter().map(|(label, value)| (label.clone(), value)),
    );
}

#[test]
fn finding_without_optional_fields_matches() {
    let validator = json_validator("ispm.findings.json");
    let mut finding = replay()
        .findings
        .first()
        .expect("the CloudTrail test data produces findings")
        .clone();
    finding.account = None;
    finding.region = None;
    finding.attacks.clear();
    for evidence in &mut finding.evidences {
        evidence.source = None;
        evidence.user_agent = None;
        evidence.region = None;
        evidence.error_code = None;
        evidence.data = Value::Null;
    }
    let ocsf = finding.to_ocsf();
    assert_eq!(violations(&validator, &ocsf), Vec::<String>::new());
}

#[test]
fn finding_with_another_class_uid_fails_validation() {
    let validator = json_validator("ispm.findings.json");
    let mut ocsf = replay()
        .findings
        .first()
        .expect("the CloudTrail test data produces findings")
        .to_ocsf();
    ocsf["class_uid"] = json!(1);
    assert!(!validator.is_valid(&ocsf), "class_uid 1 was accepted");
}

#[test]
fn finding_without_finding_uid_fails_validation() {
    let validator = json_validator("ispm.findings.json");
    let mut ocsf = replay()
        .findings
        .first()
        .expect("the CloudTrail test data produces findings")
        .to_ocsf();
    let info = ocsf["finding_info"]
        .as_object_mut()
        .expect("finding_info is an object");
    info.remove("uid");
    assert!(
        !validator.is_valid(&ocsf),
        "a finding without finding_info.uid was accepted"
    );
}

#[test]
fn mismatched_severity_label_fails_validation() {
    let validator = json_validator("ispm.findings.json");
    let mut ocsf = replay()
        .findings
        .first()
        .expect("the CloudTrail test data produces findings")
        .to_ocsf();
    let label = if ocsf["severity_id"] == json!(5) {
        "Low"
    } else {
        "Critical"
    };
    ocsf["severity"] = json!(label);
    assert!(
        !validator.is_valid(&ocsf),
        "severity {label} was accepted for severity_id {}",
        ocsf["severity_id"]
    );
}

#[test]
fn every_inventory_record_matches_the_inventory_schema() {
    let validator = json_validator("ispm.inventory.json");
    let records: Vec<(String, Value)> = replay()
        .inventory
        .iter()
        .map(|record| {
            (
                format!("inventory record of {}", record.identity),
                inventory_json(record),
            )
        })
        .collect();
    assert_all_valid(
        &validator,
        "ispm.inventory.json",
        records.iter().map(|(label, value)| (label.clone(), value)),
    );
}

#[test]
fn every_identity_posture_matches_its_schema() {
    let validator = json_validator("ispm.posture.identity.json");
    let postures: Vec<(String, Value)> = replay()
        .postures
        .iter()
        .map(|posture| {
            (
                format!("posture of {}", posture.identity),
                serde_json::to_value(posture).expect("a posture serializes to JSON"),
            )
        })
        .collect();
    assert!(!postures.is_empty(), "the replay published no posture");
    assert_all_valid(
        &validator,
        "ispm.posture.identity.json",
        postures.iter().map(|(label, value)| (label.clone(), value)),
    );
}

#[test]
fn every_posture_summary_matches_its_schema() {
    let validator = json_validator("ispm.posture.summary.json");
    let summaries: Vec<(String, Value)> = replay()
        .summaries
        .iter()
        .map(|summary| {
            (
                format!("summary of {} at {}", summary.scope, summary.as_of),
                serde_json::to_value(summary).expect("a summary serializes to JSON"),
            )
        })
        .collect();
    assert!(
        summaries
            .iter()
            .any(|(label, _)| label.starts_with("summary of org ")),
        "the replay published no org summary"
    );
    assert_all_valid(
        &validator,
        "ispm.posture.summary.json",
        summaries
            .iter()
            .map(|(label, value)| (label.clone(), value)),
    );
}

#[test]
fn policy_finding_with_controls_matches_the_findings_schema() {
    let validator = json_validator("ispm.findings.json");
    let policy: Vec<(String, Value)> = replay()
        .findings
        .iter()
        .filter(|finding| !finding.controls.is_empty())
        .map(|finding| (finding_label(finding), finding.to_ocsf()))
        .collect();
    assert!(!policy.is_empty(), "the replay raised no policy violation");
    assert_all_valid(
        &validator,
        "ispm.findings.json",
        policy.iter().map(|(label, value)| (label.clone(), value)),
    );
}

#[test]
fn every_inventory_record_round_trips_through_avro() {
    let schema = avro_schema();
    let records = &replay().inventory;
    let failures: Vec<String> = records
        .iter()
        .filter_map(|record| {
            avro_round_trip(&schema, record)
                .err()
                .map(|error| format!("inventory record of {}: {error}", record.identity))
        })
        .collect();
    assert!(
        !records.is_empty(),
        "the CloudTrail test data produced no inventory record"
    );
    assert!(
        failures.is_empty(),
        "{} of {} records do not fit ispm.inventory.avsc; the first ones:\n{}",
        failures.len(),
        records.len(),
        failures[..failures.len().min(MAX_FAILURES_SHOWN)].join("\n")
    );
}

#[test]
fn full_and_minimal_inventory_records_match() {
    let validator = json_validator("ispm.inventory.json");
    let schema = avro_schema();
    let records = [
        ("record with every field", full_inventory_record()),
        ("record with no optional field", minimal_inventory_record()),
    ];
    for (label, record) in records {
        let json = inventory_json(&record);
        assert_eq!(
            violations(&validator, &json),
            Vec::<String>::new(),
            "{label}"
        );
        assert_eq!(avro_round_trip(&schema, &record), Ok(()), "{label}");
    }
}

#[test]
fn inventory_record_with_unknown_field_fails_validation() {
    let validator = json_validator("ispm.inventory.json");
    let mut json = inventory_json(&full_inventory_record());
    json["owner_email"] = json!("payments@example.com");
    assert!(
        !validator.is_valid(&json),
        "the unknown field owner_email was accepted"
    );
}

#[test]
fn inventory_record_with_null_account_fails() {
    let validator = json_validator("ispm.inventory.json");
    let mut json = inventory_json(&full_inventory_record());
    json["account"] = Value::Null;
    assert!(
        !validator.is_valid(&json),
        "account: null was accepted, but serde leaves a missing account out"
    );
}

#[test]
fn dead_letters_match_the_deadletter_schema() {
    let validator = json_validator("ispm.deadletter.json");
    let mut letters = dead_letter_examples();
    // Dead letters the decoder reported for the test data.
    letters.extend(replay().dead_letters.iter().cloned());
    let rendered: Vec<(String, Value)> = letters
        .iter()
        .map(|letter| {
            let json = serde_json::to_value(letter).expect("a dead letter serializes to JSON");
            (
                format!("dead letter {} from {}", letter.reason, letter.origin),
                json,
            )
        })
        .collect();
    assert_all_valid(
        &validator,
        "ispm.deadletter.json",
        rendered.iter().map(|(label, value)| (label.clone(), value)),
    );
}

#[test]
fn dead_letter_with_unknown_action_fails_validation() {
    let validator = json_validator("ispm.deadletter.json");
    let mut json = serde_json::to_value(&dead_letter_examples()[0]).expect("serializes");
    json["action"] = json!("dropped");
    assert!(!validator.is_valid(&json), "action dropped was accepted");
}

#[test]
fn every_decoded_event_matches_the_events_schema() {
    let validator = json_validator("ispm.events.json");
    let events = &replay().events;
    let rendered: Vec<(String, Value)> = events
        .iter()
        .map(|event| {
            let json = serde_json::to_value(event).expect("an event serializes to JSON");
            (format!("event {}", event.event_id), json)
        })
        .collect();
    assert_all_valid(
        &validator,
        "ispm.events.json",
        rendered.iter().map(|(label, value)| (label.clone(), value)),
    );
}

#[test]
fn event_with_every_field_matches() {
    let validator = json_validator("ispm.events.json");
    let json = serde_json::to_value(full_event()).expect("an event serializes to JSON");
    assert_eq!(violations(&validator, &json), Vec::<String>::new());
}

#[test]
fn event_with_invalid_ip_fails_validation() {
    let validator = json_validator("ispm.events.json");
    let mut json = serde_json::to_value(full_event()).expect("an event serializes to JSON");
    json["origin"]["ip"] = json!("075.050.255.67");
    assert!(
        !validator.is_valid(&json),
        "origin.ip 075.050.255.67 was accepted"
    );
}

#[test]
fn readme_lists_every_schema_file() {
    let dir = repository_dir().join("schemas");
    let readme = fs::read_to_string(dir.join("README.md")).expect("schemas/README.md is readable");
    let mut missing = Vec::new();
    for entry in fs::read_dir(&dir).expect("schemas/ is readable") {
        let name = entry
            .expect("directory entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name != "README.md" && !readme.contains(&format!("`{name}`")) {
            missing.push(name);
        }
    }
    assert!(
        missing.is_empty(),
        "schemas/README.md does not list {missing:?}"
    );
}

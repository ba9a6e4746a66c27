//! Identity snapshots and posture policies through the `ispm` binary: policy
//! timers, violations that resolve, snapshots merged with events, dead
//! letters of credential reports, rotation impact and CSV side files.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;
use ispm_model::EventTime;
use serde_json::{Value, json};

const DAY_MS: i64 = 86_400_000;

/// Day 0 of the timer tests.
const DAY_ZERO: &str = "2026-01-01T00:00:00Z";

const SVC_BATCH: &str = "aws:111122223333:user/svc-batch";
const OLD_KEY: &str = "AKIAEXAMPLEBATCH0001";
const NEW_KEY: &str = "AKIAEXAMPLEBATCH0002";

/// The credential report header AWS writes, in its order.
const AWS_HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

/// Returns the fixture folder of a service user: a credential report, an
/// inventory document and CloudTrail events of its key from two callers.
fn service_user_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/service-user")
}

fn invictus_dir() -> PathBuf {
    let dir = repo_root().join("../shared/data/cloudtrail/invictus-stratus-simulation");
    assert!(
        dir.is_dir(),
        "Invictus CloudTrail data not found at {}: this test reads shared/data/cloudtrail next to the checkout",
        dir.display()
    );
    dir
}

fn time(text: &str) -> EventTime {
    EventTime::parse_rfc3339(text).expect("valid test timestamp")
}

/// Returns the event time `days` days after day 0.
fn day(days: i64) -> EventTime {
    EventTime::from_millis(time(DAY_ZERO).millis() + days * DAY_MS)
}

fn access_key(id: &str, status: &str, rotated: EventTime, used: Option<EventTime>) -> Value {
    let mut key = json!({
        "id": id,
        "kind": "access_key",
        "status": status,
        "last_rotated": rotated.to_rfc3339(),
    });
    if let Some(used) = used {
        key["last_used"] = json!(used.to_rfc3339());
    }
    key
}

/// Builds an `ispm.inventory.v1` document that describes `svc-batch`, a
/// service user with an owner, at `as_of`.
fn svc_batch_document(as_of: EventTime, credentials: Vec<Value>) -> Value {
    json!({
        "format": "ispm.inventory.v1",
        "source": "iam_export",
        "as_of": as_of.to_rfc3339(),
        "identities": [{
            "arn": "arn:aws:iam::111122223333:user/svc-batch",
            "kind": "non_human",
            "nhi_type": "service_user",
            "owner": "team-data",
            "created_at": "2025-06-01T00:00:00Z",
            "credentials": credentials,
        }],
    })
}

/// Builds the day-0 export: one active key, rotated and used on day 0.
fn day_zero_document() -> Value {
    svc_batch_document(
        day(0),
        vec![access_key(OLD_KEY, "active", day(0), Some(day(0)))],
    )
}

fn write_json(dir: &Path, name: &str, document: &Value) -> PathBuf {
    let path = dir.join(name);
    let text = serde_json::to_string_pretty(document).expect("document serialises");
    std::fs::write(&path, text)
        .unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
    path
}

fn write_text(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text)
        .unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
    path
}

/// Runs `ispm replay INPUTS --out OUT [--as-of AS_OF]` and asserts that it
/// succeeds.
fn replay(inputs: &[PathBuf], out: &Path, as_of: Option<EventTime>) -> Output {
    let mut command = ispm();
    command.arg("replay").args(inputs).arg("--out").arg(out);
    if let Some(as_of) = as_of {
        command.arg("--as-of").arg(as_of.to_rfc3339());
    }
    let output = run(&mut command);
    assert!(output.status.success(), "{}", stderr(&output));
    output
}

/// Returns the policy findings of `rule` in the order written.
fn policy_findings(out: &Path, rule: &str) -> Vec<Value> {
    read_ndjson(&out.join("ispm.findings.policy.ndjson"))
        .into_iter()
        .filter(|finding| finding["unmapped"]["ispm"]["rule"] == rule)
        .collect()
}

/// Returns the last inventory record written for `identity`, which is the
/// record at the end of the run.
fn final_record(out: &Path, identity: &str) -> Value {
    read_ndjson(&out.join("ispm.inventory.ndjson"))
        .into_iter()
        .rfind(|record| record["identity"] == identity)
        .unwrap_or_else(|| panic!("no inventory record of {identity}"))
}

fn millis(finding: &Value) -> i64 {
    finding["time"]
        .as_i64()
        .unwrap_or_else(|| panic!("finding without time: {finding}"))
}

#[test]
fn unrotated_key_violation_opens_at_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The day-100 export shows the same key: time passes with no event of
    // svc-batch, and only the policy timer can open the violation on day 90.
    let day_zero = write_json(dir.path(), "day-000.json", &day_zero_document());
    let day_hundred = svc_batch_document(
        day(100),
        vec![access_key(OLD_KEY, "active", day(0), Some(day(0)))],
    );
    let day_hundred = write_json(dir.path(), "day-100.json", &day_hundred);
    let out = dir.path().join("out");
    replay(&[day_zero, day_hundred], &out, None);

    let findings = policy_findings(&out, "access_key_not_rotated");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let finding = &findings[0];
    assert_eq!(finding["status"], "New", "{finding}");
    assert_eq!(finding["user"]["uid"], SVC_BATCH, "{finding}");
    assert_eq!(
        finding["unmapped"]["ispm"]["detector"], "policy",
        "{finding}"
    );
    // A 90-day limit is broken once more than 90 days have passed: one
    // millisecond after the key turns 90 days old.
    assert_eq!(millis(finding), day(90).millis() + 1, "{finding}");
    assert!(
        finding["unmapped"]["ispm"]["controls"]
            .as_array()
            .is_some_and(
                |controls| controls.contains(&json!({"framework": "PCI DSS 4.0", "id": "8.6.3"}))
            ),
        "{finding}"
    );
}

#[test]
fn rotation_snapshot_resolves_the_violation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let day_zero = write_json(dir.path(), "day-000.json", &day_zero_document());
    // On day 95 the export shows the rotation: a new active key, and the old
    // one deactivated.
    let day_ninety_five = svc_batch_document(
        day(95),
        vec![
            access_key(OLD_KEY, "inactive", day(0), Some(day(0))),
            access_key(NEW_KEY, "active", day(95), None),
        ],
    );
    let day_ninety_five = write_json(dir.path(), "day-095.json", &day_ninety_five);
    let out = dir.path().join("out");
    replay(&[day_zero, day_ninety_five], &out, None);

    let findings = policy_findings(&out, "access_key_not_rotated");
    assert_eq!(findings.len(), 2, "{findings:#?}");
    let (opened, resolved) = (&findings[0], &findings[1]);
    assert_eq!(opened["status"], "New", "{opened}");
    assert_eq!(millis(opened), day(90).millis() + 1, "{opened}");
    assert_eq!(resolved["status"], "Resolved", "{resolved}");
    assert_eq!(resolved["activity_name"], "Close", "{resolved}");
    assert_eq!(millis(resolved), day(95).millis(), "{resolved}");
    assert_eq!(
        resolved["finding_info"]["uid"], opened["finding_info"]["uid"],
        "a resolution carries the uid of the violation it closes"
    );
    assert_eq!(
        resolved["finding_info"]["first_seen_time"],
        day(90).millis() + 1,
        "{resolved}"
    );
}

#[test]
fn as_of_keeps_each_snapshot_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let day_zero = write_json(dir.path(), "day-000.json", &day_zero_document());

    let out = dir.path().join("day-zero-only");
    replay(std::slice::from_ref(&day_zero), &out, Some(day(100)));
    let findings = policy_findings(&out, "access_key_not_rotated");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(millis(&findings[0]), day(90).millis() + 1, "{findings:#?}");

    let day_ninety_five = svc_batch_document(
        day(95),
        vec![
            access_key(OLD_KEY, "inactive", day(0), Some(day(0))),
            access_key(NEW_KEY, "active", day(95), None),
        ],
    );
    let day_ninety_five = write_json(dir.path(), "day-095.json", &day_ninety_five);
    let out = dir.path().join("with-rotation");
    replay(&[day_zero, day_ninety_five], &out, Some(day(100)));
    let findings = policy_findings(&out, "access_key_not_rotated");
    assert_eq!(findings.len(), 2, "{findings:#?}");
    assert_eq!(findings[1]["status"], "Resolved", "{findings:#?}");
    assert_eq!(millis(&findings[1]), day(95).millis(), "{findings:#?}");
}

#[test]
fn report_and_events_merge_into_one_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    replay(&[service_user_fixture()], &out, None);

    let identities: std::collections::BTreeSet<String> =
        read_ndjson(&out.join("ispm.inventory.ndjson"))
            .iter()
            .filter_map(|record| record["identity"].as_str().map(str::to_owned))
            .collect();
    assert_eq!(
        identities,
        [
            "aws:111122223333:user/alice".to_owned(),
            "aws:111122223333:user/svc-deploy".to_owned()
        ]
        .into(),
        "the events of svc-deploy add no identity of their own"
    );

    let record = final_record(&out, "aws:111122223333:user/svc-deploy");
    assert_eq!(
        record["sources"],
        json!(["aws_credential_report", "iam_export", "events"]),
        "{record:#}"
    );
    assert_eq!(record["owner"], "team-platform", "{record:#}");
    assert_eq!(record["nhi_type"], "service_user", "{record:#}");
    assert_eq!(record["privilege"], "privileged", "{record:#}");

    let credentials = record["credentials"]
        .as_array()
        .expect("credentials is a list");
    assert_eq!(
        credentials.len(),
        1,
        "the report slot and the key seen in events are one credential: {record:#}"
    );
    let key = &credentials[0];
    assert_eq!(key["id"], "AKIAEXAMPLEDEPLOY001", "{key}");
    assert_eq!(key["slot"], 1, "{key}");
    assert_eq!(
        key["last_rotated"],
        time("2025-09-16T08:30:00Z").millis(),
        "the rotation time comes from the report: {key}"
    );
    assert_eq!(
        key["last_used"],
        time("2026-03-03T09:00:04Z").millis(),
        "the events' later use replaces the report's 2026-02-27: {key}"
    );
    assert_eq!(key["use_count"], 6, "{key}");
}

#[test]
fn later_report_binds_event_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let events = json!({"Records": [{
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLEALICE0001",
            "arn": "arn:aws:iam::111122223333:user/alice",
            "accountId": "111122223333",
            "accessKeyId": "AKIAEXAMPLEALICE0001",
            "userName": "alice"
        },
        "eventTime": "2026-02-01T10:00:00Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": "ListBuckets",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.7",
        "userAgent": "aws-cli/2.15.30 Python/3.11.8 Linux/6.1",
        "requestParameters": null,
        "responseElements": null,
        "requestID": "5d6c1f0e-0000-4000-8000-000000000001",
        "eventID": "5d6c1f0e-0000-4000-8000-000000000002",
        "readOnly": true,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": "111122223333",
        "eventCategory": "Management"
    }]});
    let events = write_json(dir.path(), "events.json", &events);
    // Generated the day after the event (the password's last use), but the
    // key's last use in the report lags behind the event.
    let report = format!(
        "{AWS_HEADER}\nalice,arn:aws:iam::111122223333:user/alice,2025-06-01T09:00:00+00:00,true,2026-02-02T08:00:00+00:00,2025-06-01T09:05:00+00:00,N/A,true,true,2025-12-01T12:00:00+00:00,2026-01-10T07:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
    );
    let report = write_text(dir.path(), "credential_report.csv", &report);
    let out = dir.path().join("out");
    replay(&[events, report], &out, None);

    let record = final_record(&out, "aws:111122223333:user/alice");
    let keys: Vec<&Value> = record["credentials"]
        .as_array()
        .expect("credentials is a list")
        .iter()
        .filter(|credential| credential["kind"] == "access_key")
        .collect();
    assert_eq!(keys.len(), 1, "{record:#}");
    assert_eq!(keys[0]["id"], "AKIAEXAMPLEALICE0001", "{record:#}");
    assert_eq!(keys[0]["slot"], 1, "{record:#}");
    assert_eq!(
        keys[0]["last_used"],
        time("2026-02-01T10:00:00Z").millis(),
        "{record:#}"
    );
    assert!(
        policy_findings(&out, "two_active_access_keys").is_empty(),
        "one key seen twice is not two keys"
    );
}

#[test]
fn bad_report_row_becomes_a_dead_letter() {
    let dir = tempfile::tempdir().expect("tempdir");
    let report = format!(
        "{AWS_HEADER}\n\
         bob,arn:aws:iam::111122223333:user/bob,2025-06-01T09:00:00+00:00,false,N/A,N/A,N/A,false,true,2025-12-01T12:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n\
         carol,arn:aws:iam::111122223333:user/carol,yesterday,false,N/A,N/A,N/A,false,true,2025-12-01T12:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n"
    );
    let report = write_text(dir.path(), "credential_report.csv", &report);
    let out = dir.path().join("out");
    let output = replay(std::slice::from_ref(&report), &out, None);

    let dead_letters = read_ndjson(&out.join("ispm.deadletter.ndjson"));
    assert_eq!(dead_letters.len(), 1, "{dead_letters:#?}");
    let dead_letter = &dead_letters[0];
    assert_eq!(dead_letter["action"], "rejected", "{dead_letter}");
    assert_eq!(dead_letter["reason"], "invalid_timestamp", "{dead_letter}");
    assert_eq!(
        dead_letter["origin"],
        report.display().to_string(),
        "{dead_letter}"
    );
    assert_eq!(
        dead_letter["index"], 2,
        "carol is data row 2: {dead_letter}"
    );
    let detail = dead_letter["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("user_creation_time"), "{detail}");
    assert!(detail.contains("\"yesterday\""), "{detail}");

    final_record(&out, "aws:111122223333:user/bob");
    assert!(
        read_ndjson(&out.join("ispm.inventory.ndjson"))
            .iter()
            .all(|record| record["identity"] != "aws:111122223333:user/carol"),
        "the rejected row adds no identity"
    );
    assert!(
        stderr(&output).contains("invalid_timestamp"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn explain_credential_lists_its_consumers() {
    let output = run(ispm()
        .arg("explain")
        .arg("aws:111122223333:user/svc-deploy")
        .arg(service_user_fixture())
        .args(["--credential", "AKIAEXAMPLEDEPLOY001", "--days", "30"]));
    let text = stdout(&output);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        text.contains(
            "rotation impact of AKIAEXAMPLEDEPLOY001 (access_key, active), last 30 days to 2026-03-03T09:00:04.000Z"
        ),
        "{text}"
    );
    assert!(
        text.contains("  source 203.0.113.10: 4 uses, last 2026-03-03T09:00:04.000Z"),
        "{text}"
    );
    assert!(
        text.contains("  source 198.51.100.23: 2 uses, last 2026-03-02T14:20:33.000Z"),
        "{text}"
    );
    assert!(
        text.contains("  user_agent Terraform/1.7.4 (+https://www.terraform.io) terraform-provider-aws/5.40.0: 2 uses"),
        "{text}"
    );

    let output = run(ispm()
        .arg("explain")
        .arg("aws:111122223333:user/svc-deploy")
        .arg(service_user_fixture())
        .args(["--credential", "AKIAEXAMPLEDEPLOY001", "--days", "30"])
        .args(["--format", "json"]));
    assert!(output.status.success(), "{}", stderr(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).expect("explain prints JSON");
    let impact = &report["rotation_impact"];
    let sources: Vec<(&str, u64)> = impact["consumers"]
        .as_array()
        .expect("consumers is a list")
        .iter()
        .filter(|consumer| consumer["attribute"] == "source")
        .map(|consumer| {
            (
                consumer["value"].as_str().unwrap_or_default(),
                consumer["count"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        sources,
        [("203.0.113.10", 4), ("198.51.100.23", 2)],
        "{impact:#}"
    );
    assert_eq!(impact["older_consumers"], 0, "{impact:#}");
}

#[test]
fn explain_unknown_credential_lists_known_ones() {
    let output = run(ispm()
        .arg("explain")
        .arg("aws:111122223333:user/svc-deploy")
        .arg(service_user_fixture())
        .args(["--credential", "AKIANOSUCHKEY0000000"]));
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("known credentials: AKIAEXAMPLEDEPLOY001"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn csv_side_file_is_skipped_without_dead_letter() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = invictus_dir();
    assert!(
        data.join("DERIVED_useragent_labels.csv").is_file(),
        "the Invictus folder has its CSV side file"
    );
    let out = dir.path().join("out");
    let output = replay(&[data], &out, None);
    let stderr = stderr(&output);

    let csv_dead_letters: Vec<Value> = read_ndjson(&out.join("ispm.deadletter.ndjson"))
        .into_iter()
        .filter(|dead_letter| {
            dead_letter["origin"]
                .as_str()
                .is_some_and(|origin| origin.ends_with(".csv"))
        })
        .collect();
    assert!(csv_dead_letters.is_empty(), "{csv_dead_letters:#?}");
    assert!(
        stderr.contains("csv_not_a_credential_report 1"),
        "the side file is counted as skipped:\n{stderr}"
    );
    assert!(summary_number(&stderr, "events decoded") > 0, "{stderr}");
}

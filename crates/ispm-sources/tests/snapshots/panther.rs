//! The credential reports inside Panther's IAM policy tests
//! (panther-labs/panther-analysis, Apache-2.0), kept next to the repository
//! in `shared/data/labelled/panther-analysis-tests`.
//!
//! Panther stores each report row as a CamelCase JSON object
//! (`resource.CredentialReport`) with `0001-01-01T00:00:00Z` for "never".
//! Each object is written back as the CSV row AWS would have written and
//! decoded, and every snapshot field is compared with the object. So the
//! parser is checked on every shape of row those tests use.

use std::fs;
use std::path::{Path, PathBuf};

use ispm_model::{EventTime, IdentityKind, SnapshotCredential};
use ispm_sources::{SnapshotFormat, decode_snapshot};
use serde_json::{Map, Value};

use super::{AWS_HEADER, time};

/// Reports in the `policy_resource_AWS_IAM_*` files: one per test case that
/// carries a `CredentialReport`.
const PANTHER_REPORT_COUNT: usize = 48;

/// Panther's value for a time that never happened.
const PANTHER_NEVER: &str = "0001-01-01T00:00:00Z";

fn panther_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/labelled/panther-analysis-tests");
    assert!(
        dir.is_dir(),
        "Panther test data not found at {}: these tests read shared/data/labelled next to the checkout",
        dir.display()
    );
    dir
}

/// Returns every `resource.CredentialReport` object of the IAM policy test
/// files, labelled with file and test name.
fn panther_reports() -> Vec<(String, Map<String, Value>)> {
    let mut files: Vec<PathBuf> = fs::read_dir(panther_dir())
        .expect("read Panther test folder")
        .map(|entry| entry.expect("folder entry").path())
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| {
                    name.starts_with("tests_policy_resource_AWS_IAM_") && name.ends_with(".jsonl")
                })
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no Panther IAM policy test files found");

    let mut reports = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).expect("read Panther test file");
        let file_name = file
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        for line in text.lines().filter(|line| !line.trim().is_empty()) {
            let case: Value = serde_json::from_str(line).expect("Panther test line is JSON");
            let Some(report) = case["resource"]
                .get("CredentialReport")
                .and_then(Value::as_object)
            else {
                continue;
            };
            let label = format!("{file_name}: {}", case["test_name"]);
            reports.push((label, report.clone()));
        }
    }
    reports
}

fn text<'a>(report: &'a Map<String, Value>, key: &str) -> &'a str {
    report[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not a string"))
}

fn flag(report: &Map<String, Value>, key: &str) -> bool {
    report[key]
        .as_bool()
        .unwrap_or_else(|| panic!("{key} is not a boolean"))
}

/// Returns the time in `key`, `None` for Panther's "never".
fn moment(report: &Map<String, Value>, key: &str) -> Option<EventTime> {
    let value = text(report, key);
    (value != PANTHER_NEVER).then(|| time(value))
}

fn is_root(report: &Map<String, Value>) -> bool {
    text(report, "UserName") == "<root_account>"
}

/// Writes a time as AWS does (`2019-01-01T00:00:00+00:00`), or `N/A`.
fn csv_time(report: &Map<String, Value>, key: &str) -> String {
    let value = text(report, key);
    if value == PANTHER_NEVER {
        return "N/A".to_owned();
    }
    match value.strip_suffix('Z') {
        Some(base) => format!("{base}+00:00"),
        None => value.to_owned(),
    }
}

fn csv_flag(report: &Map<String, Value>, key: &str) -> String {
    flag(report, key).to_string()
}

/// Renders a Panther report object as a credential report with the AWS
/// header and one row. The root's password columns are written as
/// `not_supported`, as AWS writes them for root, where Panther's objects
/// hold `false` and "never".
fn render_csv(report: &Map<String, Value>) -> String {
    let root = is_root(report);
    let root_or = |value: String| {
        if root {
            "not_supported".to_owned()
        } else {
            value
        }
    };
    let mut fields = vec![
        text(report, "UserName").to_owned(),
        text(report, "ARN").to_owned(),
        csv_time(report, "UserCreationTime"),
        root_or(csv_flag(report, "PasswordEnabled")),
        csv_time(report, "PasswordLastUsed"),
        root_or(csv_time(report, "PasswordLastChanged")),
        root_or(csv_time(report, "PasswordNextRotation")),
        csv_flag(report, "MfaActive"),
    ];
    for key in ["AccessKey1", "AccessKey2"] {
        fields.push(csv_flag(report, &format!("{key}Active")));
        fields.push(csv_time(report, &format!("{key}LastRotated")));
        fields.push(csv_time(report, &format!("{key}LastUsedDate")));
        fields.push(text(report, &format!("{key}LastUsedRegion")).to_owned());
        fields.push(text(report, &format!("{key}LastUsedService")).to_owned());
    }
    for key in ["Cert1", "Cert2"] {
        fields.push(csv_flag(report, &format!("{key}Active")));
        fields.push(csv_time(report, &format!("{key}LastRotated")));
    }
    format!("{AWS_HEADER}\n{}\n", fields.join(","))
}

fn region_or_service(report: &Map<String, Value>, key: &str) -> Option<String> {
    let value = text(report, key);
    (value != "N/A").then(|| value.to_owned())
}

/// Returns the credentials the report object states, by the rules of
/// `decode_snapshot`: a slot appears when active or dated, and the root's
/// password is active.
fn expected_credentials(report: &Map<String, Value>) -> Vec<SnapshotCredential> {
    let mut credentials = Vec::new();
    let password_active = is_root(report) || flag(report, "PasswordEnabled");
    let password_used = moment(report, "PasswordLastUsed");
    let password_changed = if is_root(report) {
        None
    } else {
        moment(report, "PasswordLastChanged")
    };
    if password_active || password_used.is_some() || password_changed.is_some() {
        credentials.push(SnapshotCredential {
            id: "console-password".to_owned(),
            kind: "console_password".to_owned(),
            active: password_active,
            slot: None,
            created_at: None,
            last_rotated: password_changed,
            last_used: password_used,
            last_used_region: None,
            last_used_service: None,
        });
    }

    for (slot, key) in [(1, "AccessKey1"), (2, "AccessKey2")] {
        let active = flag(report, &format!("{key}Active"));
        let last_rotated = moment(report, &format!("{key}LastRotated"));
        let last_used = moment(report, &format!("{key}LastUsedDate"));
        if active || last_rotated.is_some() || last_used.is_some() {
            credentials.push(SnapshotCredential {
                id: format!("access_key_{slot}"),
                kind: "access_key".to_owned(),
                active,
                slot: Some(slot),
                created_at: None,
                last_rotated,
                last_used,
                last_used_region: region_or_service(report, &format!("{key}LastUsedRegion")),
                last_used_service: region_or_service(report, &format!("{key}LastUsedService")),
            });
        }
    }
    for (slot, key) in [(1, "Cert1"), (2, "Cert2")] {
        let active = flag(report, &format!("{key}Active"));
        let last_rotated = moment(report, &format!("{key}LastRotated"));
        if active || last_rotated.is_some() {
            credentials.push(SnapshotCredential {
                id: format!("cert_{slot}"),
                kind: "certificate".to_owned(),
                active,
                slot: Some(slot),
                created_at: None,
                last_rotated,
                last_used: None,
                last_used_region: None,
                last_used_service: None,
            });
        }
    }
    credentials
}

/// Returns the newest past time of the object: every time but
/// `PasswordNextRotation`, and the root's `PasswordLastChanged`, which the
/// rendered CSV writes as `not_supported`.
fn expected_as_of(report: &Map<String, Value>) -> Option<EventTime> {
    let mut keys = vec![
        "UserCreationTime",
        "PasswordLastUsed",
        "AccessKey1LastRotated",
        "AccessKey1LastUsedDate",
        "AccessKey2LastRotated",
        "AccessKey2LastUsedDate",
        "Cert1LastRotated",
        "Cert2LastRotated",
    ];
    if !is_root(report) {
        keys.push("PasswordLastChanged");
    }
    keys.into_iter().filter_map(|key| moment(report, key)).max()
}

#[test]
fn panther_reports_decode_with_their_values() {
    let reports = panther_reports();
    assert_eq!(
        reports.len(),
        PANTHER_REPORT_COUNT,
        "number of credential reports in the Panther IAM policy tests"
    );

    for (label, report) in &reports {
        let csv = render_csv(report);
        let batch = decode_snapshot(csv.as_bytes(), SnapshotFormat::CredentialReport, None);
        assert!(
            batch.errors.is_empty(),
            "{label}: {:?}\n{csv}",
            batch.errors
        );
        assert_eq!(batch.snapshots.len(), 1, "{label}");
        let snapshot = &batch.snapshots[0];

        let arn = text(report, "ARN");
        let account = arn.split(':').nth(4).expect("account in ARN");
        let (identity, name, kind) = if is_root(report) {
            (
                format!("aws:{account}:root"),
                "root".to_owned(),
                Some(IdentityKind::Root),
            )
        } else {
            let user = text(report, "UserName");
            (format!("aws:{account}:user/{user}"), user.to_owned(), None)
        };
        assert_eq!(snapshot.identity.as_str(), identity, "{label}");
        assert_eq!(snapshot.name, name, "{label}");
        assert_eq!(snapshot.kind, kind, "{label}");
        assert_eq!(snapshot.account.as_deref(), Some(account), "{label}");
        assert_eq!(snapshot.arn.as_deref(), Some(arn), "{label}");
        assert_eq!(
            snapshot.created_at,
            moment(report, "UserCreationTime"),
            "{label}"
        );
        assert_eq!(
            snapshot.mfa_active,
            Some(flag(report, "MfaActive")),
            "{label}"
        );
        assert_eq!(snapshot.enabled, Some(true), "{label}");
        assert_eq!(Some(snapshot.as_of), expected_as_of(report), "{label}");
        assert_eq!(
            snapshot.credentials,
            expected_credentials(report),
            "{label}"
        );
    }
}

#[test]
fn panther_reports_decode_as_one_file() {
    let reports = panther_reports();
    let mut csv = AWS_HEADER.to_owned();
    csv.push('\n');
    for (_, report) in &reports {
        let rendered = render_csv(report);
        let row = rendered.lines().nth(1).expect("rendered row");
        csv.push_str(row);
        csv.push('\n');
    }

    let batch = decode_snapshot(csv.as_bytes(), SnapshotFormat::CredentialReport, None);
    assert!(batch.errors.is_empty(), "{:?}", batch.errors);
    assert_eq!(batch.snapshots.len(), reports.len());
    let newest = reports
        .iter()
        .filter_map(|(_, report)| expected_as_of(report))
        .max();
    for snapshot in &batch.snapshots {
        assert_eq!(Some(snapshot.as_of), newest, "{}", snapshot.identity);
    }
}

//! Runs Panther's credential-report policy tests through the credential
//! report decoder and the engine, and checks that each ispm policy paired
//! with a Panther rule in `ispm_posture::PANTHER_RULES` gives Panther's
//! expected outcome.
//!
//! The cases come from panther-labs/panther-analysis (Apache-2.0), kept in
//! `shared/data/labelled/panther-analysis-tests/tests_policy_resource_AWS_IAM_*.jsonl`
//! next to the checkout. Each line is `{rule_id, test_name, expected_result,
//! resource}`; `expected_result: true` means the resource is compliant, and
//! `resource.CredentialReport` is one credential report row as a CamelCase
//! object with `0001-01-01T00:00:00Z` for "never". Each mapped case is
//! written as a credential report CSV with the AWS header, decoded, applied
//! to a fresh engine and flushed at 2026-12-04T00:00:00Z. The policy must
//! open a violation exactly when Panther expects the resource to fail.
//! Panther's cases use the year 3000 for "recent" and 2000 for "old" against
//! the wall clock, so any evaluation time between those works.
//!
//! Rule ids in those files that no ispm policy maps to, because a credential
//! report (the only input these tests build) does not carry what they read:
//!
//! - `AWS.RootAccount.HardwareMFA`: the kind of MFA device, hardware or
//!   virtual (from `VirtualMFA`). A credential report records only whether
//!   MFA is active.
//! - `AWS.IAM.Policy.AssignedToUser`: managed and inline policies attached
//!   to the user.
//! - `AWS.IAM.User.NotInConflictingGroups`: the user's group memberships.
//! - `AWS.IAM.Policy.Blacklist`: names of the policies attached to a user,
//!   group or role.
//! - `AWS.IAM.Resource.DoesNotHaveInlinePolicy` and
//!   `AWS.IAM.Entity.InlinePolicyDoesNotGrantNetworkAdminAccess`: inline
//!   policy documents.
//! - `AWS.IAM.Policy.AdministrativePrivileges`,
//!   `AWS.IAM.Policy.DoesNotGrantAdminAccess`,
//!   `AWS.IAM.Policy.DoesNotGrantNetworkAdminAccess` and
//!   `AWS.IAM.Policy.RoleMapping`: managed policy documents and what they
//!   are attached to. These resources are policies, not identities.
//! - `AWS.IAM.Role.ExternalPermission`, `AWS.IAM.Role.GitHubActionsTrust`
//!   and `AWS.IAM.Role.RestrictsUsage`: role trust policies and role
//!   permissions. Roles have no credential report row.
//! - `AWS.IAM.Group.Users` and `AWS.CloudTrail.LeastPrivilege`: IAM groups,
//!   their members and their policies.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use ispm_engine::{Engine, EngineConfig};
use ispm_model::{EventTime, FindingStatus, IdentitySnapshot};
use ispm_posture::PANTHER_RULES;
use ispm_sources::{SnapshotFormat, decode_snapshot};
use serde_json::{Map, Value};

/// Cases in the `tests_policy_resource_AWS_IAM_*` files whose rule id has an
/// ispm policy: `AWS.AccessKey.Rotation` 6, `AWS.AccessKey.Unused` 8,
/// `AWS.Password.Unused` 4, `AWS.RootAccount.AccessKeys` 4,
/// `AWS.RootAccount.MFA` 2, `AWS.IAM.User.MFA` 4 and
/// `AWS.AccessKeys.AccountCreation` 7.
const MAPPED_CASE_COUNT: usize = 35;

/// Rule ids of those files without an ispm policy. The module documentation
/// gives the reason for each.
const UNMAPPED_RULES: [&str; 15] = [
    "AWS.CloudTrail.LeastPrivilege",
    "AWS.IAM.Entity.InlinePolicyDoesNotGrantNetworkAdminAccess",
    "AWS.IAM.Group.Users",
    "AWS.IAM.Policy.AdministrativePrivileges",
    "AWS.IAM.Policy.AssignedToUser",
    "AWS.IAM.Policy.Blacklist",
    "AWS.IAM.Policy.DoesNotGrantAdminAccess",
    "AWS.IAM.Policy.DoesNotGrantNetworkAdminAccess",
    "AWS.IAM.Policy.RoleMapping",
    "AWS.IAM.Resource.DoesNotHaveInlinePolicy",
    "AWS.IAM.Role.ExternalPermission",
    "AWS.IAM.Role.GitHubActionsTrust",
    "AWS.IAM.Role.RestrictsUsage",
    "AWS.IAM.User.NotInConflictingGroups",
    "AWS.RootAccount.HardwareMFA",
];

/// The event time every case is evaluated at.
const EVALUATED_AT: &str = "2026-12-04T00:00:00Z";

/// The credential report header AWS writes, in its order.
const AWS_HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

/// Panther's value for a time that never happened.
const PANTHER_NEVER: &str = "0001-01-01T00:00:00Z";

/// One Panther policy test case.
struct Case {
    rule_id: String,
    test_name: String,
    /// Panther's `expected_result`: true when the resource is compliant.
    compliant: bool,
    resource: Value,
}

impl Case {
    fn label(&self) -> String {
        format!("{} / {:?}", self.rule_id, self.test_name)
    }
}

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

/// Reads every case of the `tests_policy_resource_AWS_IAM_*.jsonl` files, in
/// file name order.
fn iam_cases() -> Vec<Case> {
    let mut files: Vec<PathBuf> = fs::read_dir(panther_dir())
        .expect("Panther test folder is readable")
        .map(|entry| entry.expect("folder entry is readable").path())
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

    let mut cases = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", file.display()));
        for line in text.lines().filter(|line| !line.trim().is_empty()) {
            let case: Value = serde_json::from_str(line)
                .unwrap_or_else(|error| panic!("{}: invalid JSON line: {error}", file.display()));
            let field = |key: &str| {
                case[key]
                    .as_str()
                    .unwrap_or_else(|| panic!("{}: {key} is not a string", file.display()))
                    .to_owned()
            };
            cases.push(Case {
                rule_id: field("rule_id"),
                test_name: field("test_name"),
                compliant: case["expected_result"]
                    .as_bool()
                    .unwrap_or_else(|| panic!("{}: expected_result is not a bool", file.display())),
                resource: case["resource"].clone(),
            });
        }
    }
    cases
}

/// Returns the ispm policy paired with a Panther rule.
fn mapped_policy(rule_id: &str) -> Option<&'static str> {
    PANTHER_RULES
        .iter()
        .find(|(rule, _)| *rule == rule_id)
        .map(|(_, policy)| *policy)
}

fn text<'a>(report: &'a Map<String, Value>, key: &str) -> &'a str {
    report
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("CredentialReport.{key} is missing or not a string"))
}

fn flag(report: &Map<String, Value>, key: &str) -> String {
    report
        .get(key)
        .and_then(Value::as_bool)
        .unwrap_or_else(|| panic!("CredentialReport.{key} is missing or not a boolean"))
        .to_string()
}

/// Writes a time as AWS does (`2019-01-01T00:00:00+00:00`), or `N/A` for
/// Panther's "never".
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

/// Renders a Panther `CredentialReport` object as a credential report with
/// the AWS header and one row. The root user's password columns are written
/// as `not_supported`, as AWS writes them, where Panther's objects hold
/// `false` and "never".
fn render_csv(report: &Map<String, Value>) -> String {
    let root = text(report, "UserName") == "<root_account>";
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
        root_or(flag(report, "PasswordEnabled")),
        csv_time(report, "PasswordLastUsed"),
        root_or(csv_time(report, "PasswordLastChanged")),
        root_or(csv_time(report, "PasswordNextRotation")),
        flag(report, "MfaActive"),
    ];
    for key in ["AccessKey1", "AccessKey2"] {
        fields.push(flag(report, &format!("{key}Active")));
        fields.push(csv_time(report, &format!("{key}LastRotated")));
        fields.push(csv_time(report, &format!("{key}LastUsedDate")));
        fields.push(text(report, &format!("{key}LastUsedRegion")).to_owned());
        fields.push(text(report, &format!("{key}LastUsedService")).to_owned());
    }
    for key in ["Cert1", "Cert2"] {
        fields.push(flag(report, &format!("{key}Active")));
        fields.push(csv_time(report, &format!("{key}LastRotated")));
    }
    format!("{AWS_HEADER}\n{}\n", fields.join(","))
}

/// What ispm concluded for one case.
struct Verdict {
    /// A `New` finding of the policy was published.
    violated: bool,
    /// The policy's outcome detail, or `None` when it did not apply.
    detail: Option<String>,
}

/// Decodes the rendered report of `case`, applies it to a fresh engine,
/// flushes at `now` and returns what `policy` concluded.
fn evaluate(case: &Case, policy: &str, now: EventTime) -> Verdict {
    let label = case.label();
    let report = case.resource["CredentialReport"]
        .as_object()
        .unwrap_or_else(|| panic!("{label}: resource has no CredentialReport object"));
    let csv = render_csv(report);
    let batch = decode_snapshot(csv.as_bytes(), SnapshotFormat::CredentialReport, None);
    assert!(
        batch.errors.is_empty(),
        "{label}: the rendered report does not decode: {:?}\n{csv}",
        batch.errors
    );
    let [snapshot]: [IdentitySnapshot; 1] =
        batch
            .snapshots
            .try_into()
            .unwrap_or_else(|snapshots: Vec<_>| {
                panic!("{label}: expected one snapshot, got {}", snapshots.len())
            });

    let mut engine = Engine::new(EngineConfig::default());
    engine.apply_snapshot(&snapshot);
    let flushed = engine.flush(now);
    let violated = flushed.findings.iter().any(|finding| {
        finding.rule == policy
            && finding.identity == snapshot.identity
            && finding.status == FindingStatus::New
    });

    let record = engine
        .inventory(&snapshot.identity)
        .unwrap_or_else(|| panic!("{label}: {} is not in the engine", snapshot.identity));
    let policies = engine.policies();
    let evaluation = policies.evaluate(&record, now);
    let detail = evaluation
        .outcomes
        .iter()
        .find(|outcome| policies.policies()[outcome.policy].id == policy)
        .map(|outcome| outcome.detail.clone());
    Verdict { violated, detail }
}

#[test]
fn mapped_panther_cases_match_ispm_policies() {
    let now = EventTime::parse_rfc3339(EVALUATED_AT).expect("valid evaluation time");
    let cases: Vec<(Case, &str)> = iam_cases()
        .into_iter()
        .filter_map(|case| mapped_policy(&case.rule_id).map(|policy| (case, policy)))
        .collect();
    assert_eq!(
        cases.len(),
        MAPPED_CASE_COUNT,
        "number of Panther IAM policy cases whose rule id is in PANTHER_RULES"
    );

    let mut disagreements = Vec::new();
    for (case, policy) in &cases {
        let verdict = evaluate(case, policy, now);
        let detail = verdict
            .detail
            .as_deref()
            .unwrap_or("the policy does not apply");
        if verdict.detail.is_none() {
            disagreements.push(format!(
                "{}: {policy} gives no outcome, Panther expects {}",
                case.label(),
                if case.compliant { "a pass" } else { "a fail" }
            ));
        } else if verdict.violated == case.compliant {
            let (panther, ispm) = if case.compliant {
                ("compliant", "violated")
            } else {
                ("failing", "passed")
            };
            disagreements.push(format!(
                "{}: Panther expects {panther}, ispm {policy} {ispm} ({detail})",
                case.label()
            ));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} Panther cases disagree with ispm at {EVALUATED_AT}:\n{}",
        disagreements.len(),
        cases.len(),
        disagreements.join("\n")
    );
}

#[test]
fn every_panther_rule_pair_has_cases() {
    let rule_ids: BTreeSet<String> = iam_cases().into_iter().map(|case| case.rule_id).collect();
    for (rule, policy) in PANTHER_RULES {
        assert!(
            rule_ids.contains(rule),
            "PANTHER_RULES pairs {rule} with {policy}, but no Panther IAM policy test case has that rule id"
        );
    }
}

#[test]
fn unmapped_panther_rules_are_the_documented_ones() {
    let unmapped: BTreeSet<String> = iam_cases()
        .into_iter()
        .map(|case| case.rule_id)
        .filter(|rule_id| mapped_policy(rule_id).is_none())
        .collect();
    let documented: BTreeSet<String> = UNMAPPED_RULES.iter().map(|id| (*id).to_owned()).collect();
    assert_eq!(
        unmapped, documented,
        "rule ids without an ispm policy changed; update UNMAPPED_RULES and the reasons in the module documentation"
    );
}

//! Golden tests on real attack traffic: the Stratus Red Team detonation logs
//! (one JSON array per technique, every event attack traffic) and the
//! Invictus simulation (an hour of CloudTrail as delivered to S3).
//!
//! Each Stratus technique states the findings it must produce. The data
//! lives outside the repository, next to the checkout, in
//! `shared/data/cloudtrail`; see README.md.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ispm_engine::{Engine, EngineConfig};
use ispm_model::{Finding, IdentityEvent};
use ispm_sources::{CloudTrailDecoder, DecoderConfig, Item, read_input};

fn stratus_file(technique: &str) -> PathBuf {
    support::data_dir()
        .join("stratus-red-team-detonations/docs/detonation-logs")
        .join(format!("{technique}.json"))
}

/// Decodes files and sorts the events as `ispm replay` does.
fn decode(paths: &[PathBuf]) -> Vec<IdentityEvent> {
    let decoder = CloudTrailDecoder::new(DecoderConfig::default());
    let mut events = Vec::new();
    for path in paths {
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
            Item::DeadLetter(letter) => {
                assert_ne!(
                    letter.action,
                    ispm_model::DeadLetterAction::Rejected,
                    "{letter:?}"
                )
            }
            Item::Skipped { .. } => {}
        });
    }
    events.sort_by(|a, b| {
        a.time
            .cmp(&b.time)
            .then_with(|| a.event_id.cmp(&b.event_id))
    });
    events
}

fn replay(paths: &[PathBuf]) -> Vec<Finding> {
    let events = decode(paths);
    let mut engine = Engine::new(EngineConfig::default());
    let mut findings = Vec::new();
    for event in &events {
        engine.process(event, &mut findings);
        for fact in &event.targets {
            engine.apply_fact(fact, event, &mut findings);
        }
    }
    findings
}

/// Asserts that the technique's log produces at least the expected
/// `detector/rule` findings.
fn assert_detects(technique: &str, expected: &[&str]) {
    let findings = replay(&[stratus_file(technique)]);
    let produced: BTreeSet<String> = support::rules(&findings).into_iter().collect();
    for rule in expected {
        assert!(
            produced.contains(*rule),
            "{technique}: expected {rule}, produced {produced:?}"
        );
    }
    for finding in &findings {
        let ocsf = finding.to_ocsf();
        assert_eq!(
            ocsf["class_uid"], 2004,
            "{technique}: not an OCSF Detection Finding"
        );
        assert!(
            !finding.attacks.is_empty(),
            "{technique}: {} has no ATT&CK technique",
            finding.rule
        );
        assert!(
            !finding.remediation.is_empty(),
            "{technique}: {} has no remediation",
            finding.rule
        );
    }
}

#[test]
fn ec2_get_password_data_is_detected() {
    assert_detects(
        "aws.credential-access.ec2-get-password-data",
        &[
            "sensitive_api_call/ec2_password_data_read",
            "access_denied_burst/access_denied_burst",
        ],
    );
}

/// The technique runs `curl` against the instance metadata service through
/// SSM and then uses the instance role's keys from the attacker's machine.
/// The SSM command is caught here. The attacker's machine, 18.236.253.47,
/// is itself in AWS's address space, so even with IP enrichment the use of
/// the keys is not "outside AWS"; telling one customer's instance from
/// another's needs the account's own inventory of instance addresses.
#[test]
fn ec2_steal_instance_credentials_is_detected_by_its_ssm_command() {
    assert_detects(
        "aws.credential-access.ec2-steal-instance-credentials",
        &["sensitive_api_call/ssm_command_sent"],
    );
}

#[test]
fn secrets_manager_batch_retrieval_is_detected() {
    assert_detects(
        "aws.credential-access.secretsmanager-batch-retrieve-secrets",
        &["sensitive_api_call/secrets_batch_read"],
    );
}

#[test]
fn secrets_manager_bulk_retrieval_is_detected() {
    assert_detects(
        "aws.credential-access.secretsmanager-retrieve-secrets",
        &["secret_access_burst/distinct_secrets_read"],
    );
}

#[test]
fn ssm_securestring_bulk_retrieval_is_detected() {
    assert_detects(
        "aws.credential-access.ssm-retrieve-securestring-parameters",
        &["secret_access_burst/distinct_secrets_read"],
    );
}

#[test]
fn cloudtrail_trail_deletion_is_detected() {
    assert_detects(
        "aws.defense-evasion.cloudtrail-delete",
        &["logging_tampering/cloudtrail_delete_trail"],
    );
}

#[test]
fn cloudtrail_event_selector_reduction_is_detected() {
    assert_detects(
        "aws.defense-evasion.cloudtrail-event-selectors",
        &["logging_tampering/cloudtrail_reduce_event_selectors"],
    );
}

#[test]
fn cloudtrail_stop_logging_is_detected() {
    assert_detects(
        "aws.defense-evasion.cloudtrail-stop",
        &["logging_tampering/cloudtrail_stop_logging"],
    );
}

#[test]
fn dns_query_log_deletion_is_detected() {
    assert_detects(
        "aws.defense-evasion.dns-delete-logs",
        &["logging_tampering/dns_delete_query_log_config"],
    );
}

#[test]
fn leaving_the_organization_is_detected_even_when_denied() {
    assert_detects(
        "aws.defense-evasion.organizations-leave",
        &["sensitive_api_call/leave_organization"],
    );
}

#[test]
fn vpc_flow_log_removal_is_detected() {
    assert_detects(
        "aws.defense-evasion.vpc-remove-flow-logs",
        &["logging_tampering/vpc_delete_flow_logs"],
    );
}

#[test]
fn ec2_user_data_download_is_detected() {
    assert_detects(
        "aws.discovery.ec2-download-user-data",
        &[
            "sensitive_api_call/ec2_user_data_read",
            "access_denied_burst/access_denied_burst",
        ],
    );
}

#[test]
fn unusual_instance_launch_is_detected() {
    assert_detects(
        "aws.execution.ec2-launch-unusual-instances",
        &["sensitive_api_call/ec2_accelerated_instances_requested"],
    );
}

#[test]
fn ec2_user_data_change_is_detected() {
    assert_detects(
        "aws.execution.ec2-user-data",
        &["sensitive_api_call/ec2_user_data_modified"],
    );
}

#[test]
fn ssm_send_command_is_detected() {
    assert_detects(
        "aws.execution.ssm-send-command",
        &["sensitive_api_call/ssm_command_sent"],
    );
}

#[test]
fn ssm_start_session_is_detected() {
    assert_detects(
        "aws.execution.ssm-start-session",
        &["sensitive_api_call/ssm_session_started"],
    );
}

#[test]
fn ssh_opened_to_the_internet_is_detected() {
    assert_detects(
        "aws.exfiltration.ec2-security-group-open-port-22-ingress",
        &["sensitive_api_call/security_group_admin_port_open_to_internet"],
    );
}

#[test]
fn ami_sharing_is_detected() {
    assert_detects(
        "aws.exfiltration.ec2-share-ami",
        &["sensitive_api_call/ami_shared_with_account"],
    );
}

#[test]
fn ebs_snapshot_sharing_is_detected() {
    assert_detects(
        "aws.exfiltration.ec2-share-ebs-snapshot",
        &["sensitive_api_call/ebs_snapshot_shared_with_account"],
    );
}

#[test]
fn rds_snapshot_sharing_is_detected() {
    assert_detects(
        "aws.exfiltration.rds-share-snapshot",
        &["sensitive_api_call/rds_snapshot_shared_with_account"],
    );
}

#[test]
fn bedrock_model_access_is_detected() {
    assert_detects(
        "aws.impact.bedrock-invoke-model",
        &["sensitive_api_call/bedrock_model_access_enabled"],
    );
}

#[test]
fn console_login_without_mfa_is_detected() {
    assert_detects(
        "aws.initial-access.console-login-without-mfa",
        &["console_login_without_mfa/console_password_only"],
    );
}

#[test]
fn ec2_instance_connect_is_detected() {
    assert_detects(
        "aws.lateral-movement.ec2-instance-connect",
        &["sensitive_api_call/ec2_instance_connect_key_pushed"],
    );
}

#[test]
fn ec2_serial_console_access_is_detected() {
    assert_detects(
        "aws.lateral-movement.ec2-serial-console-send-ssh-public-key",
        &[
            "sensitive_api_call/ec2_serial_console_access",
            "sensitive_api_call/ec2_serial_console_key_pushed",
        ],
    );
}

#[test]
fn backdoored_role_trust_is_detected() {
    assert_detects(
        "aws.persistence.iam-backdoor-role",
        &["privilege_grant/role_trust_opened"],
    );
}

#[test]
fn backdoor_access_key_is_detected() {
    assert_detects(
        "aws.persistence.iam-backdoor-user",
        &["credential_for_other_identity/access_key_for_other_user"],
    );
}

#[test]
fn admin_user_creation_is_detected() {
    assert_detects(
        "aws.persistence.iam-create-admin-user",
        &[
            "privilege_grant/admin_policy_attached",
            "credential_for_other_identity/access_key_for_other_user",
        ],
    );
}

#[test]
fn backdoor_role_creation_is_detected() {
    assert_detects(
        "aws.persistence.iam-create-backdoor-role",
        &[
            "privilege_grant/role_created_trusting_outsider",
            "privilege_grant/admin_policy_attached",
        ],
    );
}

#[test]
fn login_profile_for_another_user_is_detected() {
    assert_detects(
        "aws.persistence.iam-create-user-login-profile",
        &["credential_for_other_identity/console_password_for_other_user"],
    );
}

#[test]
fn lambda_resource_policy_backdoor_is_detected() {
    assert_detects(
        "aws.persistence.lambda-backdoor-function",
        &["sensitive_api_call/lambda_invokable_by_anyone"],
    );
}

#[test]
fn lambda_layer_extension_is_detected() {
    assert_detects(
        "aws.persistence.lambda-layer-extension",
        &["sensitive_api_call/lambda_layer_added"],
    );
}

#[test]
fn lambda_code_overwrite_is_detected() {
    assert_detects(
        "aws.persistence.lambda-overwrite-code",
        &["sensitive_api_call/lambda_code_replaced"],
    );
}

#[test]
fn roles_anywhere_trust_anchor_is_detected() {
    assert_detects(
        "aws.persistence.rolesanywhere-create-trust-anchor",
        &["sensitive_api_call/roles_anywhere_trust_anchor_created"],
    );
}

#[test]
fn sts_federation_token_is_detected() {
    assert_detects(
        "aws.persistence.sts-federation-token",
        &["sensitive_api_call/federation_token_issued"],
    );
}

#[test]
fn login_profile_reset_for_another_user_is_detected() {
    assert_detects(
        "aws.privilege-escalation.iam-update-user-login-profile",
        &["credential_for_other_identity/console_password_reset_for_other_user"],
    );
}

/// Every technique file in the data set has a test above.
#[test]
fn every_stratus_technique_has_a_golden_test() {
    let source = include_str!("golden_stratus.rs");
    let dir = support::data_dir().join("stratus-red-team-detonations/docs/detonation-logs");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("detonation folder is readable") {
        let name = entry
            .expect("directory entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        let Some(technique) = name.strip_suffix(".json") else {
            continue;
        };
        if !source.contains(&format!("\"{technique}\"")) {
            missing.push(technique.to_owned());
        }
    }
    assert!(
        missing.is_empty(),
        "techniques without a golden test: {missing:?}"
    );
}

fn invictus_files() -> Vec<PathBuf> {
    let dir = support::data_dir().join("invictus-stratus-simulation/CloudTrail");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("Invictus folder is readable")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
}

/// The Invictus hour contains a Stratus run against one account; the
/// expected findings are kept in `tests/golden/invictus.txt`, one
/// `detector/rule identity` line each. Set `ISPM_UPDATE_GOLDEN=1` to
/// rewrite the file after an intended change, and review the diff.
#[test]
fn invictus_simulation_matches_golden_findings() {
    let findings = replay(&invictus_files());
    let mut lines: Vec<String> = findings
        .iter()
        .map(|finding| format!("{}/{} {}", finding.detector, finding.rule, finding.identity))
        .collect();
    lines.sort();
    let actual = lines.join("\n") + "\n";
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/invictus.txt");
    if std::env::var_os("ISPM_UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(golden.parent().expect("golden folder"))
            .expect("create golden folder");
        std::fs::write(&golden, &actual).expect("write golden file");
    }
    let expected = std::fs::read_to_string(&golden)
        .expect("golden file exists; run with ISPM_UPDATE_GOLDEN=1 once");
    assert_eq!(
        actual, expected,
        "findings on the Invictus simulation changed"
    );
}

#[test]
fn replay_of_the_same_input_gives_the_same_finding_ids() {
    let first: Vec<String> = replay(&invictus_files())
        .into_iter()
        .map(|finding| finding.uid)
        .collect();
    let second: Vec<String> = replay(&invictus_files())
        .into_iter()
        .map(|finding| finding.uid)
        .collect();
    assert!(!first.is_empty());
    assert_eq!(first, second);
}

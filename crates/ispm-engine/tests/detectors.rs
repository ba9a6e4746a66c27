//! One test per detector behaviour, on hand-made events with event time
//! passed in.

mod support;

use std::time::Duration;

use ispm_engine::EngineConfig;
use ispm_model::{Finding, FindingCategory, IdentityKind, Severity};
use support::*;

#[test]
fn root_api_call_is_a_policy_finding() {
    let mut event = user_event("root", "s3.amazonaws.com", "ListBuckets", 0);
    event.actor.kind = IdentityKind::Root;
    event.actor.principal_type = "Root".into();
    let findings = run(EngineConfig::default(), &[event]);
    assert_eq!(rules(&findings), ["root_account_used/root_activity"]);
    assert_eq!(findings[0].category, FindingCategory::Policy);
    assert_eq!(findings[0].severity, Severity::High);
}

#[test]
fn root_call_by_aws_support_ignored() {
    let mut event = user_event("root", "support.amazonaws.com", "DescribeCases", 0);
    event.actor.kind = IdentityKind::Root;
    event.actor.invoked_by = Some("support.amazonaws.com".into());
    assert!(run(EngineConfig::default(), &[event]).is_empty());
}

#[test]
fn console_login_without_mfa_is_reported() {
    let mut event = user_event("alice", "signin.amazonaws.com", "ConsoleLogin", 0);
    event.response = raw(r#"{"ConsoleLogin":"Success"}"#);
    event.additional = raw(r#"{"MFAUsed":"No"}"#);
    let findings = run(EngineConfig::default(), &[event.clone()]);
    assert_eq!(
        rules(&findings),
        ["console_login_without_mfa/console_password_only"]
    );

    event.additional = raw(r#"{"MFAUsed":"Yes"}"#);
    assert!(run(EngineConfig::default(), &[event]).is_empty());
}

#[test]
fn failed_console_login_without_mfa_is_not_reported() {
    let mut event = user_event("alice", "signin.amazonaws.com", "ConsoleLogin", 0);
    event.response = raw(r#"{"ConsoleLogin":"Failure"}"#);
    event.additional = raw(r#"{"MFAUsed":"No"}"#);
    event.error_code = Some("Failed authentication".into());
    assert!(run(EngineConfig::default(), &[event]).is_empty());
}

#[test]
fn service_account_console_login_is_reported() {
    let mut event = user_event("svc-backup", "signin.amazonaws.com", "ConsoleLogin", 0);
    event.actor.kind = IdentityKind::NonHuman;
    event.response = raw(r#"{"ConsoleLogin":"Success"}"#);
    event.additional = raw(r#"{"MFAUsed":"Yes"}"#);
    event.origin.user_agent = Some("Mozilla/5.0 (X11; Linux x86_64)".into());
    let findings = run(EngineConfig::default(), &[event]);
    assert_eq!(rules(&findings), ["non_human_console_login/console_login"]);
}

#[test]
fn stop_logging_is_logging_tampering() {
    let event = user_event("mallory", "cloudtrail.amazonaws.com", "StopLogging", 0);
    let findings = run(EngineConfig::default(), &[event]);
    assert_eq!(
        rules(&findings),
        ["logging_tampering/cloudtrail_stop_logging"]
    );
    assert_eq!(findings[0].attacks[0].technique_id, "T1562.008");
}

#[test]
fn event_selectors_without_management_events_are_tampering() {
    let reduce = with_request(
        user_event(
            "mallory",
            "cloudtrail.amazonaws.com",
            "PutEventSelectors",
            0,
        ),
        r#"{"trailName":"t","eventSelectors":[{"includeManagementEvents":false,"readWriteType":"ReadOnly"}]}"#,
    );
    let keep = with_request(
        user_event("ops", "cloudtrail.amazonaws.com", "PutEventSelectors", 0),
        r#"{"trailName":"t","eventSelectors":[{"includeManagementEvents":true,"readWriteType":"All"}]}"#,
    );
    assert_eq!(
        rules(&run(EngineConfig::default(), &[reduce])),
        ["logging_tampering/cloudtrail_reduce_event_selectors"]
    );
    assert!(run(EngineConfig::default(), &[keep]).is_empty());
}

#[test]
fn access_key_for_other_user_only() {
    let other = with_request(
        user_event("mallory", "iam.amazonaws.com", "CreateAccessKey", 0),
        r#"{"userName":"bob"}"#,
    );
    let own = with_request(
        user_event("bob", "iam.amazonaws.com", "CreateAccessKey", 0),
        r#"{"userName":"bob"}"#,
    );
    let implicit = user_event("carol", "iam.amazonaws.com", "CreateAccessKey", 0);
    assert_eq!(
        rules(&run(EngineConfig::default(), &[other])),
        ["credential_for_other_identity/access_key_for_other_user"]
    );
    assert!(run(EngineConfig::default(), &[own]).is_empty());
    assert!(run(EngineConfig::default(), &[implicit]).is_empty());
}

#[test]
fn login_profile_for_another_user_is_reported() {
    let create = with_request(
        user_event("mallory", "iam.amazonaws.com", "CreateLoginProfile", 0),
        r#"{"userName":"bob"}"#,
    );
    let update = with_request(
        user_event("mallory", "iam.amazonaws.com", "UpdateLoginProfile", 1),
        r#"{"userName":"carol"}"#,
    );
    assert_eq!(
        rules(&run(EngineConfig::default(), &[create, update])),
        [
            "credential_for_other_identity/console_password_for_other_user",
            "credential_for_other_identity/console_password_reset_for_other_user"
        ]
    );
}

#[test]
fn administrator_access_attached_is_a_privilege_grant() {
    let admin = with_request(
        user_event("mallory", "iam.amazonaws.com", "AttachUserPolicy", 0),
        r#"{"userName":"bob","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}"#,
    );
    let read_only = with_request(
        user_event("ops", "iam.amazonaws.com", "AttachUserPolicy", 0),
        r#"{"userName":"bob","policyArn":"arn:aws:iam::aws:policy/ReadOnlyAccess"}"#,
    );
    assert_eq!(
        rules(&run(EngineConfig::default(), &[admin])),
        ["privilege_grant/admin_policy_attached"]
    );
    assert!(run(EngineConfig::default(), &[read_only]).is_empty());
}

#[test]
fn inline_star_and_admin_group_grants() {
    let inline = with_request(
        user_event("mallory", "iam.amazonaws.com", "PutRolePolicy", 0),
        r#"{"roleName":"r","policyName":"p","policyDocument":"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"}"#,
    );
    let group = with_request(
        user_event("mallory", "iam.amazonaws.com", "AddUserToGroup", 1),
        r#"{"userName":"bob","groupName":"Administrators"}"#,
    );
    assert_eq!(
        rules(&run(EngineConfig::default(), &[inline, group])),
        [
            "privilege_grant/admin_inline_policy",
            "privilege_grant/added_to_admin_group"
        ]
    );
}

#[test]
fn admin_policy_version_is_a_privilege_grant() {
    let event = with_request(
        user_event("mallory", "iam.amazonaws.com", "CreatePolicyVersion", 0),
        r#"{"policyArn":"arn:aws:iam::111122223333:policy/app","setAsDefault":true,"policyDocument":"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"}"#,
    );
    assert_eq!(
        rules(&run(EngineConfig::default(), &[event])),
        ["privilege_grant/admin_policy_version"]
    );
}

#[test]
fn trust_policy_opened_to_another_account_is_reported() {
    let event = with_request(
        user_event("mallory", "iam.amazonaws.com", "UpdateAssumeRolePolicy", 0),
        r#"{"roleName":"r","policyDocument":"{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::999988887777:root\"},\"Action\":\"sts:AssumeRole\"}]}"}"#,
    );
    assert_eq!(
        rules(&run(EngineConfig::default(), &[event])),
        ["privilege_grant/role_trust_opened"]
    );
}

#[test]
fn access_denied_burst_fires_once_at_the_threshold() {
    let events: Vec<_> = (0..25)
        .map(|second| {
            denied(role_event(
                "app",
                "ec2.amazonaws.com",
                "DescribeInstances",
                second,
            ))
        })
        .collect();
    let findings = run(EngineConfig::default(), &events);
    assert_eq!(
        rules(&findings),
        ["access_denied_burst/access_denied_burst"]
    );
    assert_eq!(findings[0].related_events.len(), 10);
}

#[test]
fn spread_out_denials_do_not_make_a_burst() {
    let events: Vec<_> = (0..25)
        .map(|minute| {
            denied(role_event(
                "app",
                "ec2.amazonaws.com",
                "DescribeInstances",
                minute * 120,
            ))
        })
        .collect();
    assert!(run(EngineConfig::default(), &events).is_empty());
}

#[test]
fn many_distinct_discovery_calls_are_an_enumeration_burst() {
    let events: Vec<_> = (0..25)
        .map(|index| {
            role_event(
                "scanner",
                "ec2.amazonaws.com",
                &format!("Describe{index}"),
                index,
            )
        })
        .collect();
    assert_eq!(
        rules(&run(EngineConfig::default(), &events)),
        ["enumeration_burst/distinct_discovery_calls"]
    );
}

#[test]
fn reading_many_secrets_is_a_secret_access_burst() {
    let events: Vec<_> = (0..6)
        .map(|index| {
            with_request(
                role_event(
                    "app",
                    "secretsmanager.amazonaws.com",
                    "GetSecretValue",
                    index,
                ),
                &format!(r#"{{"secretId":"secret-{index}"}}"#),
            )
        })
        .collect();
    assert_eq!(
        rules(&run(EngineConfig::default(), &events)),
        ["secret_access_burst/distinct_secrets_read"]
    );
}

#[test]
fn reading_one_secret_repeatedly_is_routine() {
    let events: Vec<_> = (0..50)
        .map(|index| {
            with_request(
                role_event(
                    "app",
                    "secretsmanager.amazonaws.com",
                    "GetSecretValue",
                    index,
                ),
                r#"{"secretId":"db"}"#,
            )
        })
        .collect();
    assert!(run(EngineConfig::default(), &events).is_empty());
}

#[test]
fn snapshot_shared_with_another_account_is_reported() {
    let event = with_request(
        user_event("mallory", "ec2.amazonaws.com", "ModifySnapshotAttribute", 0),
        r#"{"snapshotId":"snap-1","createVolumePermission":{"add":{"items":[{"userId":"999988887777"}]}}}"#,
    );
    assert_eq!(
        rules(&run(EngineConfig::default(), &[event])),
        ["sensitive_api_call/ebs_snapshot_shared_with_account"]
    );
}

#[test]
fn internet_admin_port_ingress_reported() {
    let ssh = with_request(
        user_event(
            "mallory",
            "ec2.amazonaws.com",
            "AuthorizeSecurityGroupIngress",
            0,
        ),
        r#"{"groupId":"sg-1","cidrIp":"0.0.0.0/0","fromPort":22,"toPort":22,"ipProtocol":"tcp"}"#,
    );
    let https = with_request(
        user_event(
            "ops",
            "ec2.amazonaws.com",
            "AuthorizeSecurityGroupIngress",
            0,
        ),
        r#"{"groupId":"sg-1","cidrIp":"0.0.0.0/0","fromPort":443,"toPort":443,"ipProtocol":"tcp"}"#,
    );
    assert_eq!(
        rules(&run(EngineConfig::default(), &[ssh])),
        ["sensitive_api_call/security_group_admin_port_open_to_internet"]
    );
    assert!(run(EngineConfig::default(), &[https]).is_empty());
}

#[test]
fn repeats_within_the_window_fold_into_one_finding() {
    let events: Vec<_> = (0..5)
        .map(|minute| {
            user_event(
                "mallory",
                "cloudtrail.amazonaws.com",
                "StopLogging",
                minute * 60,
            )
        })
        .collect();
    assert_eq!(run(EngineConfig::default(), &events).len(), 1);

    let later = user_event(
        "mallory",
        "cloudtrail.amazonaws.com",
        "StopLogging",
        2 * 3600,
    );
    let mut with_later = events.clone();
    with_later.push(later);
    assert_eq!(run(EngineConfig::default(), &with_later).len(), 2);
}

#[test]
fn first_seen_values_stay_quiet_during_learning() {
    let mut events: Vec<_> = (0..10)
        .map(|index| user_event("bob", "s3.amazonaws.com", "ListBuckets", index))
        .collect();
    let mut novel = user_event("bob", "s3.amazonaws.com", "ListBuckets", 20);
    novel.origin.region = Some("ap-southeast-2".into());
    events.push(novel);
    assert!(run(EngineConfig::default(), &events).is_empty());
}

#[test]
fn new_region_after_learning_is_reported_once() {
    let mut config = EngineConfig::default();
    config.learning.duration = Duration::from_secs(3600);
    let mut events: Vec<_> = (0..10)
        .map(|index| user_event("bob", "s3.amazonaws.com", "ListBuckets", index * 600))
        .collect();
    for second in [7200, 7300] {
        let mut novel = user_event("bob", "s3.amazonaws.com", "ListBuckets", second);
        novel.origin.region = Some("ap-southeast-2".into());
        events.push(novel);
    }
    let findings = run(config, &events);
    assert_eq!(rules(&findings), ["first_seen/new_region"]);
    assert!(
        findings[0].description.contains("known values"),
        "{}",
        findings[0].description
    );
}

/// `bob` calls from `us-east-1` every ten days for 200 days, and from
/// `eu-west-1` on day 1 and on `return_day`.
fn second_region_used_again_on(return_day: i64) -> Vec<ispm_model::IdentityEvent> {
    const DAY: i64 = 86_400;
    let mut events: Vec<_> = (0..20)
        .map(|index| user_event("bob", "s3.amazonaws.com", "ListBuckets", index * 10 * DAY))
        .collect();
    for day in [1, return_day] {
        let mut other = user_event("bob", "s3.amazonaws.com", "ListBuckets", day * DAY);
        other.origin.region = Some("eu-west-1".into());
        events.push(other);
    }
    events.sort_by_key(|event| event.time);
    events
}

#[test]
fn region_unused_past_expiry_is_reported_again() {
    let mut config = EngineConfig::default();
    config.learning.min_events = 5;
    let findings = run(config, &second_region_used_again_on(150));
    assert_eq!(rules(&findings), ["first_seen/new_region"]);
    assert!(
        findings[0].title.contains("again after 149 days"),
        "{}",
        findings[0].title
    );
}

#[test]
fn region_used_within_expiry_stays_known() {
    let mut config = EngineConfig::default();
    config.learning.min_events = 5;
    assert!(run(config.clone(), &second_region_used_again_on(60)).is_empty());

    config.first_seen.value_expiry = Duration::ZERO;
    assert!(run(config, &second_region_used_again_on(150)).is_empty());
}

#[test]
fn new_service_is_reported_when_watched() {
    let mut events: Vec<_> = (0..5)
        .map(|index| user_event("bob", "s3.amazonaws.com", "ListBuckets", index))
        .collect();
    events.push(user_event("bob", "iam.amazonaws.com", "ListUsers", 10));
    let mut config = EngineConfig::default();
    config.learning.min_events = 5;
    assert_eq!(
        rules(&run(config.clone(), &events)),
        ["first_seen/new_action"]
    );

    config.first_seen.attributes = vec!["service".to_owned()];
    assert_eq!(rules(&run(config, &events)), ["first_seen/new_service"]);
}

#[test]
fn new_resource_type_is_reported_when_watched() {
    let on = |kind: &str, second: i64| {
        let mut event = user_event("bob", "kms.amazonaws.com", "Decrypt", second);
        event.resource_type = Some(kind.into());
        event
    };
    let mut events: Vec<_> = (0..5).map(|index| on("AWS::KMS::Key", index)).collect();
    events.push(on("AWS::KMS::Key", 10));
    events.push(on("AWS::SecretsManager::Secret", 11));
    let mut config = EngineConfig::default();
    config.learning.min_events = 5;
    // Learned but not watched by default.
    assert!(run(config.clone(), &events).is_empty());

    config.first_seen.attributes = vec!["resource_type".to_owned()];
    let findings = run(config, &events);
    assert_eq!(rules(&findings), ["first_seen/new_resource_type"]);
    assert_eq!(
        findings[0].title,
        "bob used a new resource type: AWS::SecretsManager::Secret"
    );
}

#[test]
fn learning_ends_after_min_events() {
    let mut config = EngineConfig::default();
    config.learning.min_events = 5;
    let mut events: Vec<_> = (0..5)
        .map(|index| user_event("bob", "s3.amazonaws.com", "ListBuckets", index))
        .collect();
    let mut novel = user_event("bob", "s3.amazonaws.com", "ListBuckets", 10);
    novel.origin.user_agent = Some("curl/8.0".into());
    events.push(novel);
    assert_eq!(rules(&run(config, &events)), ["first_seen/new_user_agent"]);
}

#[test]
fn high_variance_attribute_is_not_reported() {
    let mut config = EngineConfig::default();
    config.learning.min_events = 1;
    config.first_seen.max_values = 3;
    let events: Vec<_> = (0..10)
        .map(|index| {
            let mut event = user_event("bob", "s3.amazonaws.com", "ListBuckets", index);
            event.origin.region = Some(format!("region-{index}").into());
            event
        })
        .collect();
    let findings = run(config, &events);
    let new_regions = findings
        .iter()
        .filter(|finding| finding.rule == "new_region")
        .count();
    assert_eq!(
        new_regions, 2,
        "values 2 and 3 are new; past the cap of 3 the region is high-variance"
    );
}

#[test]
fn disabled_detector_stays_silent() {
    let config = EngineConfig {
        disabled_detectors: vec!["logging_tampering".to_owned()],
        ..EngineConfig::default()
    };
    let event = user_event("mallory", "cloudtrail.amazonaws.com", "StopLogging", 0);
    assert!(run(config, &[event]).is_empty());
}

#[test]
fn finding_ids_are_the_same_on_every_run() {
    let events = vec![user_event(
        "mallory",
        "cloudtrail.amazonaws.com",
        "StopLogging",
        0,
    )];
    let first = run(EngineConfig::default(), &events);
    let second = run(EngineConfig::default(), &events);
    assert_eq!(first[0].uid, second[0].uid);
}

fn with_network(
    mut event: ispm_model::IdentityEvent,
    country: &str,
    asn: u32,
    cloud: bool,
) -> ispm_model::IdentityEvent {
    event.origin.network = Some(ispm_model::NetworkInfo {
        country: Some(country.to_owned()),
        asn: Some(asn),
        as_org: Some(format!("org {asn}")),
        location: None,
        cloud: Some(cloud),
    });
    event
}

#[test]
fn instance_credentials_used_outside_aws_are_reported() {
    let mut inside = role_event("web", "s3.amazonaws.com", "ListBuckets", 0);
    inside.actor.nhi_type = Some(ispm_model::NhiType::Workload);
    inside.actor.session_name = Some("i-0123456789abcdef0".into());
    let outside = with_network(inside.clone(), "NL", 14061, false);
    let inside = with_network(inside, "US", 16509, true);
    assert!(run(EngineConfig::default(), &[inside]).is_empty());
    assert_eq!(
        rules(&run(EngineConfig::default(), &[outside])),
        ["workload_credentials_outside_cloud/workload_session_used_outside_aws"]
    );
}

#[test]
fn role_credentials_outside_aws_are_not_workload_theft() {
    let event = with_network(
        role_event("deploy", "s3.amazonaws.com", "ListBuckets", 0),
        "NL",
        14061,
        false,
    );
    assert!(run(EngineConfig::default(), &[event]).is_empty());
}

#[test]
fn new_country_after_learning_is_reported() {
    let mut config = EngineConfig::default();
    config.learning.min_events = 5;
    let mut events: Vec<_> = (0..5)
        .map(|index| {
            with_network(
                user_event("bob", "s3.amazonaws.com", "ListBuckets", index),
                "DE",
                3320,
                false,
            )
        })
        .collect();
    events.push(with_network(
        user_event("bob", "s3.amazonaws.com", "ListBuckets", 10),
        "BR",
        3320,
        false,
    ));
    let findings = run(config, &events);
    assert_eq!(rules(&findings), ["first_seen/new_country"]);
    assert_eq!(findings[0].severity, Severity::Medium);
}

#[test]
fn idle_access_key_reuse_reported() {
    let day = 86_400;
    let events = vec![
        user_event("svc-report", "s3.amazonaws.com", "ListBuckets", 0),
        user_event("svc-report", "s3.amazonaws.com", "ListBuckets", day),
        user_event("svc-report", "s3.amazonaws.com", "ListBuckets", 50 * day),
    ];
    let findings = run(EngineConfig::default(), &events);
    assert_eq!(
        rules(&findings),
        ["dormant_credential_used/access_key_reused_after_idle"]
    );
    assert!(
        findings[0].title.contains("49 idle days"),
        "{}",
        findings[0].title
    );
}

#[test]
fn regular_use_is_not_dormancy() {
    let events: Vec<_> = (0..60)
        .map(|day| {
            user_event(
                "svc-report",
                "s3.amazonaws.com",
                "ListBuckets",
                day * 86_400,
            )
        })
        .collect();
    assert!(run(EngineConfig::default(), &events).is_empty());
}

#[test]
fn workload_address_changes_are_not_new_networks() {
    let mut config = EngineConfig::default();
    config.learning.min_events = 1;
    let events: Vec<_> = (0..5)
        .map(|index| {
            let mut event = role_event("lambda-fn", "s3.amazonaws.com", "GetObject", index);
            event.actor.nhi_type = Some(ispm_model::NhiType::Workload);
            event.origin.ip = format!("52.1.{index}.9").parse().ok();
            event
        })
        .collect();
    assert!(run(config, &events).is_empty());
}

#[test]
fn readme_documents_every_detector_and_rule() {
    let readme = include_str!("../../../README.md");
    for detector in ispm_engine::DETECTORS {
        assert!(
            readme.contains(&format!("`{detector}`")),
            "README.md does not document detector {detector}"
        );
    }
    for rule in ispm_engine::sensitive_rule_ids() {
        assert!(
            readme.contains(&format!("`{rule}`")),
            "README.md does not document rule {rule}"
        );
    }
}

#[test]
fn suppression_rule_marks_findings_instead_of_dropping_them() {
    let config = EngineConfig {
        suppressions: vec![ispm_engine::SuppressionRule {
            reason: "change window for the trail migration".to_owned(),
            identity: Some("aws:*:user/mallory".to_owned()),
            detectors: vec!["logging_tampering".to_owned()],
            source_cidr: Some("198.51.100.0/24".to_owned()),
            ..Default::default()
        }],
        ..EngineConfig::default()
    };
    let matching = user_event("mallory", "cloudtrail.amazonaws.com", "StopLogging", 0);
    let findings = run(config.clone(), &[matching]);
    assert_eq!(findings.len(), 1);
    assert_eq!(
        findings[0].suppressed_by.as_deref(),
        Some("change window for the trail migration")
    );
    assert_eq!(findings[0].to_ocsf()["status"], "Suppressed");

    let mut elsewhere = user_event("mallory", "cloudtrail.amazonaws.com", "StopLogging", 0);
    elsewhere.origin.ip = "203.0.113.9".parse().ok();
    let findings = run(config, &[elsewhere]);
    assert_eq!(findings[0].suppressed_by, None);
}

#[test]
fn expired_suppression_rule_no_longer_applies() {
    let config = EngineConfig {
        suppressions: vec![ispm_engine::SuppressionRule {
            reason: "temporary".to_owned(),
            expires: Some("2023-11-14T22:13:30Z".to_owned()),
            ..Default::default()
        }],
        ..EngineConfig::default()
    };
    let before = user_event("mallory", "cloudtrail.amazonaws.com", "StopLogging", 0);
    let after = user_event("eve", "cloudtrail.amazonaws.com", "StopLogging", 20);
    let findings = run(config, &[before, after]);
    assert_eq!(findings[0].suppressed_by.as_deref(), Some("temporary"));
    assert_eq!(findings[1].suppressed_by, None);
}

#[test]
fn invalid_suppression_rules_are_reported() {
    let config = EngineConfig {
        suppressions: vec![ispm_engine::SuppressionRule {
            reason: String::new(),
            source_cidr: Some("10.0.0.0/33".to_owned()),
            expires: Some("next week".to_owned()),
            ..Default::default()
        }],
        ..EngineConfig::default()
    };
    let problems = config.validate().expect_err("invalid rule");
    assert_eq!(problems.len(), 3, "{problems:?}");
}

#[test]
fn service_user_driven_from_a_browser_is_reported() {
    let mut event = user_event("svc-backup", "s3.amazonaws.com", "ListBuckets", 0);
    event.actor.kind = IdentityKind::NonHuman;
    event.actor.nhi_type = Some(ispm_model::NhiType::ServiceUser);
    event.origin.user_agent = Some("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5)".into());
    assert_eq!(
        rules(&run(EngineConfig::default(), &[event.clone()])),
        ["non_human_interactive_use/browser_user_agent"]
    );

    event.origin.user_agent = Some("aws-sdk-go/1.44".into());
    assert!(run(EngineConfig::default(), &[event]).is_empty());
}

#[test]
fn console_role_session_not_misuse() {
    let mut event = role_event("Admin", "s3.amazonaws.com", "ListBuckets", 0);
    event.origin.user_agent = Some("Mozilla/5.0 (X11; Linux x86_64)".into());
    assert!(run(EngineConfig::default(), &[event]).is_empty());
}

fn from_asn(mut event: ispm_model::IdentityEvent, asn: u32) -> ispm_model::IdentityEvent {
    event.origin.network = Some(ispm_model::NetworkInfo {
        asn: Some(asn),
        cloud: Some(false),
        ..Default::default()
    });
    event
}

#[test]
fn shared_key_three_asns_in_hour() {
    let events = [
        from_asn(
            user_event("svc-sync", "s3.amazonaws.com", "ListBuckets", 0),
            64_500,
        ),
        from_asn(
            user_event("svc-sync", "s3.amazonaws.com", "ListBuckets", 60),
            64_501,
        ),
        from_asn(
            user_event("svc-sync", "s3.amazonaws.com", "ListBuckets", 120),
            64_502,
        ),
        from_asn(
            user_event("svc-sync", "s3.amazonaws.com", "ListBuckets", 180),
            64_502,
        ),
    ];
    let findings = run(EngineConfig::default(), &events);
    let shared: Vec<String> = rules(&findings)
        .into_iter()
        .filter(|rule| rule.starts_with("shared_access_key"))
        .collect();
    assert_eq!(shared, ["shared_access_key/key_used_from_many_asns"]);
}

#[test]
fn shared_key_asns_hours_apart() {
    let events = [
        from_asn(
            user_event("svc-sync", "s3.amazonaws.com", "ListBuckets", 0),
            64_500,
        ),
        from_asn(
            user_event("svc-sync", "s3.amazonaws.com", "ListBuckets", 7_200),
            64_501,
        ),
        from_asn(
            user_event("svc-sync", "s3.amazonaws.com", "ListBuckets", 14_400),
            64_502,
        ),
    ];
    let findings = run(EngineConfig::default(), &events);
    assert!(
        !rules(&findings)
            .iter()
            .any(|rule| rule.starts_with("shared_access_key")),
        "{findings:?}"
    );
}

#[test]
fn ai_agent_new_service_after_learning_is_drift() {
    let mut config = EngineConfig::default();
    config.learning.min_events = 3;
    let agent = |service: &str, action: &str, second: i64| {
        let mut event = role_event("support-agent", service, action, second);
        event.actor.kind = IdentityKind::AiAgent;
        event
    };
    let events = [
        agent("bedrock.amazonaws.com", "InvokeModel", 0),
        agent("dynamodb.amazonaws.com", "Query", 10),
        agent("bedrock.amazonaws.com", "InvokeModel", 20),
        agent("dynamodb.amazonaws.com", "Query", 30),
        agent("secretsmanager.amazonaws.com", "ListSecrets", 40),
    ];
    let findings = run(config, &events);
    let drift: Vec<String> = rules(&findings)
        .into_iter()
        .filter(|rule| rule.starts_with("ai_agent_scope_drift"))
        .collect();
    assert_eq!(drift, ["ai_agent_scope_drift/new_service"]);
}

#[test]
fn ai_agent_services_during_learning_are_not_drift() {
    let agent = |service: &str, second: i64| {
        let mut event = role_event("support-agent", service, "Call", second);
        event.actor.kind = IdentityKind::AiAgent;
        event
    };
    let events = [
        agent("bedrock.amazonaws.com", 0),
        agent("s3.amazonaws.com", 10),
    ];
    let findings = run(EngineConfig::default(), &events);
    assert!(
        !rules(&findings)
            .iter()
            .any(|rule| rule.starts_with("ai_agent_scope_drift")),
        "{findings:?}"
    );
}

#[test]
fn severity_override_replaces_detector_severity() {
    let mut event = user_event("root", "s3.amazonaws.com", "ListBuckets", 0);
    event.actor.kind = IdentityKind::Root;
    event.actor.principal_type = "Root".into();
    let mut config = EngineConfig::default();
    config
        .severity_overrides
        .insert("root_account_used".to_owned(), Severity::Critical);
    let findings = run(config, &[event]);
    assert_eq!(findings[0].severity, Severity::Critical);
}

#[test]
fn identity_idle_past_relearn_time_learns_again() {
    let mut config = EngineConfig::default();
    config.learning.min_events = 2;
    config.learning.relearn_after = Duration::from_secs(30 * 86_400);
    config.disabled_detectors = vec!["dormant_credential_used".to_owned()];
    let day = 86_400;
    let events = [
        user_event("ops", "s3.amazonaws.com", "ListBuckets", 0),
        user_event("ops", "s3.amazonaws.com", "ListBuckets", 60),
        user_event("ops", "s3.amazonaws.com", "ListBuckets", 120),
        // Back after 40 idle days: learning again for two events.
        user_event("ops", "ec2.amazonaws.com", "DescribeInstances", 40 * day),
        user_event("ops", "iam.amazonaws.com", "ListUsers", 40 * day + 60),
        // Learned again: a new action is reported.
        user_event("ops", "kms.amazonaws.com", "ListKeys", 40 * day + 120),
    ];
    let findings = run(config, &events);
    let new_actions: Vec<&str> = findings
        .iter()
        .filter(|finding| finding.rule == "new_action")
        .map(|finding| finding.title.as_str())
        .collect();
    assert_eq!(new_actions.len(), 1, "{new_actions:?}");
    assert!(new_actions[0].contains("ListKeys"), "{new_actions:?}");
}

#[test]
fn unusual_hour_new_time_of_day() {
    let mut config = EngineConfig::default();
    config.learning.min_events = 5;
    let hour = 3_600;
    let day = 24 * hour;
    // Three weeks of office hours, 09:00 to 17:00 UTC on weekdays.
    let mut events = Vec::new();
    for week in 0..3 {
        for weekday in 0..5 {
            for office_hour in 9..17 {
                let second = week * 7 * day + weekday * day + office_hour * hour;
                events.push(user_event(
                    "jane",
                    "s3.amazonaws.com",
                    "ListBuckets",
                    second,
                ));
            }
        }
    }
    // A weekend day at the usual time of day is not unusual; six hours
    // before the working day starts is.
    let weekend = 3 * 7 * day + 5 * day + 11 * hour;
    events.push(user_event(
        "jane",
        "s3.amazonaws.com",
        "ListBuckets",
        weekend,
    ));
    let night = user_event(
        "jane",
        "s3.amazonaws.com",
        "ListBuckets",
        3 * 7 * day + 6 * day + 3 * hour,
    );
    let night_id = night.event_id.clone();
    events.push(night);
    let findings = run(config, &events);
    let unusual: Vec<&Finding> = findings
        .iter()
        .filter(|finding| finding.detector == "unusual_hour")
        .collect();
    assert_eq!(unusual.len(), 1, "{unusual:?}");
    assert_eq!(unusual[0].related_events, [night_id]);
}

#[test]
fn volume_spike_above_usual_rate() {
    let mut config = EngineConfig::default();
    config.learning.min_events = 5;
    let hour = 3_600;
    let mut events = Vec::new();
    // Twenty quiet hours of five calls each.
    for active_hour in 0..20 {
        for call in 0..5 {
            events.push(role_event(
                "etl",
                "s3.amazonaws.com",
                "GetObject",
                active_hour * hour + call,
            ));
        }
    }
    // Then 300 calls within one hour.
    for call in 0..300 {
        events.push(role_event(
            "etl",
            "s3.amazonaws.com",
            "GetObject",
            20 * hour + call,
        ));
    }
    let findings = run(config, &events);
    let spikes: Vec<&Finding> = findings
        .iter()
        .filter(|finding| finding.detector == "volume_spike")
        .collect();
    assert_eq!(spikes.len(), 1, "{spikes:?}");
}

#[test]
fn daily_volume_spike_at_steady_pace() {
    let mut config = EngineConfig::default();
    config.learning.min_events = 5;
    let (hour, day) = (3_600, 86_400);
    let mut events = Vec::new();

    // Twenty days of ten active hours with ten calls each: 100 a day.
    for active_day in 0..20 {
        for active_hour in 8..18 {
            for call in 0..10 {
                events.push(role_event(
                    "etl",
                    "s3.amazonaws.com",
                    "GetObject",
                    active_day * day + active_hour * hour + call * 60,
                ));
            }
        }
    }

    // Then a day of 50 calls in every hour: five times the usual hour,
    // below the hourly factor, and 1,200 calls, twelve times the usual day.
    for active_hour in 0..24 {
        for call in 0..50 {
            events.push(role_event(
                "etl",
                "s3.amazonaws.com",
                "GetObject",
                20 * day + active_hour * hour + call * 60,
            ));
        }
    }

    let findings = run(config, &events);
    let spikes: Vec<&Finding> = findings
        .iter()
        .filter(|finding| finding.detector == "volume_spike")
        .collect();
    assert_eq!(spikes.len(), 1, "{spikes:?}");
    assert_eq!(spikes[0].rule, "daily_calls_above_rate");
}

/// Ten calls by `alice` from London, one a minute: the end of the
/// atypical travel detector's built-in learning period of 10 events.
fn london_routine() -> Vec<ispm_model::IdentityEvent> {
    (0..10)
        .map(|index| {
            located(
                user_event("alice", "s3.amazonaws.com", "ListBuckets", index * 60),
                "GB",
                LONDON,
            )
        })
        .collect()
}

fn travel_findings(config: EngineConfig, events: &[ispm_model::IdentityEvent]) -> Vec<Finding> {
    run(config, events)
        .into_iter()
        .filter(|finding| finding.detector == "atypical_travel")
        .collect()
}

#[test]
fn travel_faster_than_airliner_reported() {
    let mut events = london_routine();
    let last_london = events[9].event_id.clone();
    let new_york = located(
        user_event("alice", "s3.amazonaws.com", "ListBuckets", 9 * 60 + 3600),
        "US",
        NEW_YORK,
    );
    let new_york_id = new_york.event_id.clone();
    events.push(new_york);

    let findings = travel_findings(EngineConfig::default(), &events);
    assert_eq!(
        rules(&findings),
        ["atypical_travel/travel_faster_than_possible"]
    );
    let finding = &findings[0];
    assert_eq!(finding.related_events, [last_london, new_york_id]);
    assert_eq!(finding.attacks[0].technique_id, "T1078.004");
    let data = &finding.evidences[0].data;
    assert_eq!(data["from"]["country"], "GB");
    assert_eq!(data["to"]["country"], "US");
    assert_eq!(data["elapsed_seconds"], 3600);
    let distance = data["distance_km"].as_f64().expect("distance");
    assert!((5550.0..5590.0).contains(&distance), "{distance}");
    assert_eq!(data["speed_kmh"], data["distance_km"], "one hour apart");
    assert!(finding.title.contains("GB then US"), "{}", finding.title);
}

#[test]
fn travel_ignores_invalid_coordinates() {
    for location in [(120.0, 0.0), (0.0, 400.0), (f32::NAN, 0.0)] {
        let mut events = london_routine();
        events.push(located(
            user_event("alice", "s3.amazonaws.com", "ListBuckets", 9 * 60 + 3600),
            "US",
            location,
        ));
        let findings = travel_findings(EngineConfig::default(), &events);
        assert!(findings.is_empty(), "{location:?}");
    }
}

#[test]
fn travel_at_airliner_speed_is_not_reported() {
    let mut events = london_routine();
    // Eight hours for 5,570 km is about 700 km/h.
    events.push(located(
        user_event(
            "alice",
            "s3.amazonaws.com",
            "ListBuckets",
            9 * 60 + 8 * 3600,
        ),
        "US",
        NEW_YORK,
    ));
    assert!(travel_findings(EngineConfig::default(), &events).is_empty());
}

#[test]
fn travel_to_neighbouring_country_is_tolerated() {
    let paris_routine: Vec<_> = (0..10)
        .map(|index| {
            located(
                user_event("alice", "s3.amazonaws.com", "ListBuckets", index * 60),
                "FR",
                PARIS,
            )
        })
        .collect();
    // Berlin is 880 km from Paris; ten minutes later is far too fast, but a
    // VPN or mobile carrier across a land border is common.
    let mut events = paris_routine.clone();
    events.push(located(
        user_event("alice", "s3.amazonaws.com", "ListBuckets", 9 * 60 + 600),
        "DE",
        (52.52, 13.405),
    ));
    assert!(travel_findings(EngineConfig::default(), &events).is_empty());

    // The same distance into a country without a land border is reported.
    let mut events = paris_routine;
    events.push(located(
        user_event("alice", "s3.amazonaws.com", "ListBuckets", 9 * 60 + 600),
        "DK",
        (55.6761, 12.5683),
    ));
    assert_eq!(travel_findings(EngineConfig::default(), &events).len(), 1);
}

#[test]
fn travel_within_one_country_is_tolerated() {
    let mut events: Vec<_> = (0..10)
        .map(|index| {
            located(
                user_event("alice", "s3.amazonaws.com", "ListBuckets", index * 60),
                "US",
                NEW_YORK,
            )
        })
        .collect();
    events.push(located(
        user_event("alice", "s3.amazonaws.com", "ListBuckets", 9 * 60 + 600),
        "US",
        (34.0522, -118.2437),
    ));
    assert!(travel_findings(EngineConfig::default(), &events).is_empty());
}

#[test]
fn travel_below_min_distance_is_not_reported() {
    let mut events = london_routine();
    // Manchester is 260 km from London: within a city database's error, even
    // when one lookup names another country.
    events.push(located(
        user_event("alice", "s3.amazonaws.com", "ListBuckets", 9 * 60 + 60),
        "SE",
        MANCHESTER,
    ));
    assert!(travel_findings(EngineConfig::default(), &events).is_empty());

    let mut config = EngineConfig::default();
    config.travel.min_distance_km = 100.0;
    assert_eq!(travel_findings(config, &events).len(), 1);
}

#[test]
fn travel_stays_quiet_during_learning() {
    let mut events = london_routine();
    events.truncate(5);
    events.push(located(
        user_event("alice", "s3.amazonaws.com", "ListBuckets", 5 * 60 + 3600),
        "US",
        NEW_YORK,
    ));
    assert!(travel_findings(EngineConfig::default(), &events).is_empty());
}

#[test]
fn travel_ignores_non_human_identities() {
    let events: Vec<_> = (0..12)
        .map(|index| {
            let (country, place) = if index < 11 {
                ("GB", LONDON)
            } else {
                ("US", NEW_YORK)
            };
            located(
                role_event("deploy", "s3.amazonaws.com", "ListBuckets", index * 60),
                country,
                place,
            )
        })
        .collect();
    assert!(travel_findings(EngineConfig::default(), &events).is_empty());
}

#[test]
fn travel_from_cloud_address_is_not_a_place() {
    let mut events = london_routine();
    let mut cloud_shell = located(
        user_event("alice", "s3.amazonaws.com", "ListBuckets", 9 * 60 + 600),
        "US",
        NEW_YORK,
    );
    if let Some(network) = &mut cloud_shell.origin.network {
        network.cloud = Some(true);
    }
    events.push(cloud_shell);
    assert!(travel_findings(EngineConfig::default(), &events).is_empty());
}

/// Five calls by `bob` from one place, then one from a new region.
fn five_calls_then_new_region() -> Vec<ispm_model::IdentityEvent> {
    let mut events: Vec<_> = (0..5)
        .map(|index| user_event("bob", "s3.amazonaws.com", "ListBuckets", index))
        .collect();
    let mut novel = user_event("bob", "s3.amazonaws.com", "ListBuckets", 10);
    novel.origin.region = Some("ap-southeast-2".into());
    events.push(novel);
    events
}

#[test]
fn shorter_detector_learning_ends_before_global() {
    let events = five_calls_then_new_region();
    // The global 1,000 events keep bob learning.
    assert!(run(EngineConfig::default(), &events).is_empty());

    let mut config = EngineConfig::default();
    config.learning.detectors.insert(
        "first_seen".to_owned(),
        ispm_engine::DetectorLearning {
            duration: None,
            min_events: Some(5),
        },
    );
    assert_eq!(rules(&run(config, &events)), ["first_seen/new_region"]);
}

#[test]
fn longer_detector_learning_outlasts_global() {
    let events = five_calls_then_new_region();
    let mut config = EngineConfig::default();
    config.learning.min_events = 5;
    assert_eq!(
        rules(&run(config.clone(), &events)),
        ["first_seen/new_region"]
    );

    config.learning.detectors.insert(
        "first_seen".to_owned(),
        ispm_engine::DetectorLearning {
            duration: Some(Duration::from_secs(30 * 86_400)),
            min_events: Some(100),
        },
    );
    assert!(run(config, &events).is_empty());
}

#[test]
fn travel_learning_override_replaces_builtin() {
    let mut events = london_routine();
    events.truncate(3);
    events.push(located(
        user_event("alice", "s3.amazonaws.com", "ListBuckets", 3 * 60 + 3600),
        "US",
        NEW_YORK,
    ));
    // Built in: 10 events or 14 days, so three calls are still learning.
    assert!(travel_findings(EngineConfig::default(), &events).is_empty());

    let mut config = EngineConfig::default();
    config.learning.detectors.insert(
        "atypical_travel".to_owned(),
        ispm_engine::DetectorLearning {
            duration: None,
            min_events: Some(3),
        },
    );
    assert_eq!(travel_findings(config, &events).len(), 1);
}

#[test]
fn travel_learning_ends_after_its_duration() {
    // Two calls 15 days apart: past the built-in 14 days with few events.
    let day = 86_400;
    let events = [
        located(
            user_event("alice", "s3.amazonaws.com", "ListBuckets", 0),
            "GB",
            LONDON,
        ),
        located(
            user_event("alice", "s3.amazonaws.com", "ListBuckets", 15 * day),
            "GB",
            LONDON,
        ),
        located(
            user_event("alice", "s3.amazonaws.com", "ListBuckets", 15 * day + 3600),
            "US",
            NEW_YORK,
        ),
    ];
    assert_eq!(travel_findings(EngineConfig::default(), &events).len(), 1);
}

/// Five roles call `kms:Decrypt` once each, then `newcomer` makes three
/// routine calls, ending its learning, and calls `kms:Decrypt` too. The
/// roles' names end in different words, so only an owner or namespace can
/// make them peers. `adjust` sets what the test groups by on every event.
fn decrypt_by_peers_then_newcomer(
    peers: &[&str],
    newcomer: &str,
    adjust: impl Fn(ispm_model::IdentityEvent) -> ispm_model::IdentityEvent,
) -> Vec<ispm_model::IdentityEvent> {
    let mut events: Vec<_> = peers
        .iter()
        .map(|peer| adjust(role_event(peer, "kms.amazonaws.com", "Decrypt", 0)))
        .collect();
    for second in 1..=3 {
        events.push(adjust(role_event(
            newcomer,
            "s3.amazonaws.com",
            "ListBuckets",
            second,
        )));
    }
    events.push(adjust(role_event(
        newcomer,
        "kms.amazonaws.com",
        "Decrypt",
        10,
    )));
    events
}

const PEERS: [&str; 5] = [
    "pay-alpha",
    "pay-bravo",
    "pay-charlie",
    "pay-delta",
    "pay-echo",
];

fn new_actions_of(findings: &[Finding], name: &str) -> usize {
    findings
        .iter()
        .filter(|finding| finding.rule == "new_action" && finding.identity_name == name)
        .count()
}

fn short_learning() -> EngineConfig {
    let mut config = EngineConfig::default();
    config.learning.min_events = 3;
    config
}

#[test]
fn owner_peers_make_an_action_routine() {
    let events = decrypt_by_peers_then_newcomer(&PEERS, "pay-foxtrot", |event| event);
    // Without an owner the six roles share no peer group.
    assert_eq!(
        new_actions_of(&run(short_learning(), &events), "pay-foxtrot"),
        1
    );

    let mut config = short_learning();
    config.inventory.owners = vec![ispm_engine::OwnerRule {
        identity: "aws:*:role/pay-*".to_owned(),
        owner: "team-payments".to_owned(),
    }];
    assert_eq!(
        new_actions_of(&run(config.clone(), &events), "pay-foxtrot"),
        0
    );

    // A role of another owner still reports the action.
    let events = decrypt_by_peers_then_newcomer(&PEERS, "billing-foxtrot", |event| event);
    assert_eq!(new_actions_of(&run(config, &events), "billing-foxtrot"), 1);
}

#[test]
fn service_account_namespace_peers_make_an_action_routine() {
    let in_namespace = |namespace: &'static str| {
        move |mut event: ispm_model::IdentityEvent| {
            event.actor.session_name =
                Some(format!("system:serviceaccount:{namespace}:{}", event.actor.name).into());
            event
        }
    };
    let events = decrypt_by_peers_then_newcomer(&PEERS, "pay-foxtrot", in_namespace("payments"));
    assert_eq!(
        new_actions_of(&run(short_learning(), &events), "pay-foxtrot"),
        0
    );

    // Peers in one namespace, the newcomer in another.
    let mut events =
        decrypt_by_peers_then_newcomer(&PEERS, "pay-foxtrot", in_namespace("payments"));
    for event in &mut events {
        if event.actor.name == "pay-foxtrot" {
            event.actor.session_name = Some("system:serviceaccount:batch:pay-foxtrot".into());
        }
    }
    assert_eq!(
        new_actions_of(&run(short_learning(), &events), "pay-foxtrot"),
        1
    );
}

#[test]
fn role_namespace_pattern_makes_peers() {
    let peers = PEERS.map(|peer| format!("eks-payments-irsa-{}", &peer[4..]));
    let peers: Vec<&str> = peers.iter().map(String::as_str).collect();
    let events = decrypt_by_peers_then_newcomer(&peers, "eks-payments-irsa-foxtrot", |event| event);
    let newcomer = "eks-payments-irsa-foxtrot";
    assert_eq!(new_actions_of(&run(short_learning(), &events), newcomer), 1);

    let mut config = short_learning();
    config.first_seen.role_namespace_patterns =
        vec!["^eks-(?P<namespace>[a-z0-9]+)-irsa-".to_owned()];
    assert_eq!(config.validate(), Ok(()));
    assert_eq!(new_actions_of(&run(config, &events), newcomer), 0);
}

#[test]
fn namespace_pattern_without_group_is_rejected() {
    let mut config = EngineConfig::default();
    config.first_seen.role_namespace_patterns = vec!["^eks-".to_owned(), "(".to_owned()];
    let problems = config.validate().expect_err("invalid");
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].contains("no group named `namespace`"),
        "{problems:?}"
    );
    assert!(
        problems[1].contains("invalid regular expression"),
        "{problems:?}"
    );
}

#[test]
fn travel_between_city_database_locations_is_reported() {
    let fixtures =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ispm-enrich/tests/fixtures");
    let (enricher, warnings) = ispm_enrich::Enricher::load(&ispm_enrich::EnrichConfig {
        city_db: Some(fixtures.join("geolite2-city-test.mmdb")),
        ..ispm_enrich::EnrichConfig::default()
    });
    assert!(warnings.is_empty(), "{warnings:?}");

    // The fixture places 81.2.69.142 in London and 2a02:d300::1 in
    // Stockholm, 1,430 km apart.
    let mut events: Vec<_> = (0..11)
        .map(|index| {
            let mut event = user_event("alice", "s3.amazonaws.com", "ListBuckets", index * 60);
            let address = if index < 10 {
                "81.2.69.142"
            } else {
                "2a02:d300::1"
            };
            event.origin.source_raw = Some(address.into());
            event.origin.ip = address.parse().ok();
            event
        })
        .collect();
    for event in &mut events {
        enricher.enrich_event(event);
    }

    let findings = travel_findings(EngineConfig::default(), &events);
    assert_eq!(findings.len(), 1, "{findings:?}");
    let data = &findings[0].evidences[0].data;
    assert_eq!(data["from"]["country"], "GB");
    assert_eq!(data["to"]["country"], "SE");
    let distance = data["distance_km"].as_f64().expect("distance");
    assert!((1400.0..1460.0).contains(&distance), "{distance}");
}

const DAY: i64 = 86_400;

/// Returns the rules of the `sensitive_api_call` findings only, because a
/// call new after learning is also a `first_seen` new action.
fn sensitive_rules(findings: &[Finding]) -> Vec<String> {
    rules(findings)
        .into_iter()
        .filter(|rule| rule.starts_with("sensitive_api_call/"))
        .collect()
}

fn sensitive_finding(findings: &[Finding]) -> &Finding {
    findings
        .iter()
        .find(|finding| finding.detector == "sensitive_api_call")
        .expect("a sensitive_api_call finding")
}

/// Returns an event of `name` at second 0 that starts its history, then
/// `events`.
fn after_first_call(name: &str, events: Vec<ispm_model::IdentityEvent>) -> Vec<Finding> {
    let mut all = vec![user_event(name, "s3.amazonaws.com", "ListBuckets", 0)];
    all.extend(events);
    run(EngineConfig::default(), &all)
}

#[test]
fn secret_first_read_after_learning() {
    let read = |second| {
        with_request(
            user_event(
                "alice",
                "secretsmanager.amazonaws.com",
                "GetSecretValue",
                second,
            ),
            r#"{"secretId":"prod/db"}"#,
        )
    };
    let findings = after_first_call("alice", vec![read(8 * DAY), read(9 * DAY)]);
    assert_eq!(
        sensitive_rules(&findings),
        ["sensitive_api_call/secret_value_first_read"]
    );
    let finding = sensitive_finding(&findings);
    assert_eq!(finding.severity, Severity::Medium);
    assert!(
        finding.description.contains("first time in 8 days"),
        "{}",
        finding.description
    );
    let data = &finding.evidences[0].data;
    assert_eq!(data["history_days"], 8);
    assert_eq!(data["secret_id"], "prod/db");

    let during_learning = after_first_call("alice", vec![read(DAY), read(8 * DAY)]);
    assert!(sensitive_rules(&during_learning).is_empty());
}

#[test]
fn decrypted_parameter_first_read_after_learning() {
    let read = |second, decrypt: bool| {
        with_request(
            user_event("alice", "ssm.amazonaws.com", "GetParameters", second),
            &format!(r#"{{"names":["/prod/db/password"],"withDecryption":{decrypt}}}"#),
        )
    };
    let findings = after_first_call("alice", vec![read(8 * DAY, false), read(9 * DAY, true)]);
    assert_eq!(
        sensitive_rules(&findings),
        ["sensitive_api_call/ssm_parameter_first_decrypted_read"]
    );
    let data = &sensitive_finding(&findings).evidences[0].data;
    assert_eq!(data["parameters"][0], "/prod/db/password");
    assert_eq!(data["history_days"], 9);

    let during_learning = after_first_call("alice", vec![read(DAY, true), read(8 * DAY, true)]);
    assert!(sensitive_rules(&during_learning).is_empty());
}

#[test]
fn own_access_key_first_created_after_learning() {
    let implicit = |second| user_event("carol", "iam.amazonaws.com", "CreateAccessKey", second);
    let named = with_request(
        user_event("carol", "iam.amazonaws.com", "CreateAccessKey", 9 * DAY),
        r#"{"userName":"carol"}"#,
    );
    let findings = after_first_call("carol", vec![implicit(8 * DAY), named]);
    assert_eq!(
        sensitive_rules(&findings),
        ["sensitive_api_call/own_access_key_first_created"]
    );
    assert_eq!(sensitive_finding(&findings).severity, Severity::Medium);

    let during_learning = after_first_call("carol", vec![implicit(DAY), implicit(8 * DAY)]);
    assert!(sensitive_rules(&during_learning).is_empty());

    // A key for another user is credential_for_other_identity's alone.
    let for_bob = with_request(
        user_event("carol", "iam.amazonaws.com", "CreateAccessKey", 8 * DAY),
        r#"{"userName":"bob"}"#,
    );
    let findings = after_first_call("carol", vec![for_bob]);
    assert!(sensitive_rules(&findings).is_empty());
    assert!(
        rules(&findings)
            .contains(&"credential_for_other_identity/access_key_for_other_user".to_owned())
    );
}

/// Returns `AssumeRoleWithWebIdentity` for role `role` by a user of
/// `provider`, with the fact the decoder derives from it.
fn web_identity_assumes(role: &str, provider: &str, second: i64) -> ispm_model::IdentityEvent {
    let mut event = user_event(
        "repo:acme/deploy",
        "sts.amazonaws.com",
        "AssumeRoleWithWebIdentity",
        second,
    );
    event.actor.id = ispm_model::IdentityId::new(format!(
        "aws:{ACCOUNT}:web-identity/{provider}/repo:acme/deploy"
    ));
    event.actor.kind = IdentityKind::NonHuman;
    event.actor.principal_type = "WebIdentityUser".into();
    event.actor.access_key_id = None;
    event.targets = vec![ispm_model::TargetFact {
        identity: ispm_model::IdentityId::new(format!("aws:{ACCOUNT}:role/{role}")),
        name: role.to_owned(),
        kind: ispm_model::TargetFactKind::AssumedWithWebIdentity {
            provider: provider.to_owned(),
        },
    }];
    event
}

const GITHUB: &str = "token.actions.githubusercontent.com";
const GITLAB: &str = "gitlab.example.com";

#[test]
fn web_identity_new_provider_after_learning() {
    let events = [
        role_event("release", "s3.amazonaws.com", "ListBuckets", 0),
        web_identity_assumes("release", GITHUB, DAY),
        web_identity_assumes("release", GITHUB, 8 * DAY),
        web_identity_assumes("release", GITLAB, 9 * DAY),
        web_identity_assumes("release", GITLAB, 10 * DAY),
    ];
    let findings = run(EngineConfig::default(), &events);
    assert_eq!(
        sensitive_rules(&findings),
        ["sensitive_api_call/web_identity_new_provider"]
    );
    let finding = sensitive_finding(&findings);
    assert_eq!(finding.identity.as_str(), "aws:111122223333:role/release");
    assert_eq!(finding.severity, Severity::High);
    assert!(finding.title.contains(GITLAB), "{}", finding.title);
    let data = &finding.evidences[0].data;
    assert_eq!(data["provider"], GITLAB);
    assert_eq!(data["known_providers"], 1);
    assert_eq!(data["history_days"], 9);
}

#[test]
fn web_identity_provider_quiet_during_learning() {
    // A role first known from the assumption itself has no history yet.
    let events = [
        web_identity_assumes("release", GITHUB, 0),
        web_identity_assumes("release", GITLAB, DAY),
        role_event("release", "s3.amazonaws.com", "ListBuckets", DAY),
        web_identity_assumes("release", GITHUB, 9 * DAY),
        web_identity_assumes("release", GITLAB, 9 * DAY),
    ];
    assert!(sensitive_rules(&run(EngineConfig::default(), &events)).is_empty());
}

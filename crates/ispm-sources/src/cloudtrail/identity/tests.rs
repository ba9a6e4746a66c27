use ispm_model::{IdentityEvent, IdentityKind, NhiType};
use serde_json::{Value, json};

use crate::{CloudTrailDecoder, DecoderConfig};

fn decode_with_identity(user_identity: Value) -> IdentityEvent {
    decode_record(json!({
        "eventTime": "2024-08-01T13:33:28Z",
        "eventName": "ListBuckets",
        "eventSource": "s3.amazonaws.com",
        "sourceIPAddress": "203.0.113.7",
        "recipientAccountId": "111122223333",
        "userIdentity": user_identity,
    }))
}

fn decode_record(record: Value) -> IdentityEvent {
    CloudTrailDecoder::new(DecoderConfig::default())
        .decode_record(record.to_string().as_bytes())
        .expect("record decodes")
}

fn iam_user(name: &str) -> Value {
    json!({
        "type": "IAMUser",
        "principalId": "AIDAEXAMPLE",
        "arn": format!("arn:aws:iam::111122223333:user/{name}"),
        "accountId": "111122223333",
        "accessKeyId": "AKIAEXAMPLE",
        "userName": name,
    })
}

fn assumed_role(role: &str, session: &str) -> Value {
    json!({
        "type": "AssumedRole",
        "principalId": format!("AROAEXAMPLE:{session}"),
        "arn": format!("arn:aws:sts::111122223333:assumed-role/{role}/{session}"),
        "accountId": "111122223333",
        "accessKeyId": "ASIAEXAMPLE",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROAEXAMPLE",
                "arn": format!("arn:aws:iam::111122223333:role/{role}"),
                "accountId": "111122223333",
                "userName": role,
            },
            "attributes": {"creationDate": "2024-08-01T13:00:00Z", "mfaAuthenticated": "false"},
        },
    })
}

#[test]
fn iam_user_without_pattern_is_human() {
    let actor = decode_with_identity(iam_user("alice")).actor;
    assert_eq!(actor.id.as_str(), "aws:111122223333:user/alice");
    assert_eq!(actor.name, "alice");
    assert_eq!(actor.kind, IdentityKind::Human);
    assert_eq!(actor.nhi_type, None);
    assert_eq!(
        actor.kind_reason,
        "IAM user with no service-account naming pattern"
    );
    assert_eq!(actor.principal_type, "IAMUser");
    assert_eq!(actor.access_key_id.as_deref(), Some("AKIAEXAMPLE"));
    assert_eq!(actor.account.as_deref(), Some("111122223333"));
    assert_eq!(
        actor.arn.as_deref(),
        Some("arn:aws:iam::111122223333:user/alice")
    );
}

#[test]
fn iam_user_with_service_name_is_service_user() {
    let actor = decode_with_identity(iam_user("svc-backup")).actor;
    assert_eq!(actor.kind, IdentityKind::NonHuman);
    assert_eq!(actor.nhi_type, Some(NhiType::ServiceUser));
    assert_eq!(
        actor.kind_reason,
        "IAM user name matches service-account pattern \"svc\""
    );
}

#[test]
fn iam_user_with_agent_name_is_ai_agent() {
    let actor = decode_with_identity(iam_user("support-agent")).actor;
    assert_eq!(actor.kind, IdentityKind::AiAgent);
    assert_eq!(
        actor.kind_reason,
        "IAM user name matches AI-agent pattern \"agent\""
    );
}

#[test]
fn iam_user_name_falls_back_to_arn() {
    let actor = decode_with_identity(json!({
        "type": "IAMUser",
        "principalId": "AIDAEXAMPLE",
        "arn": "arn:aws:iam::111122223333:user/division/bert-jan",
        "accountId": "111122223333",
        "accessKeyId": "",
    }))
    .actor;
    assert_eq!(actor.id.as_str(), "aws:111122223333:user/bert-jan");
    assert_eq!(actor.access_key_id, None);
}

#[test]
fn iam_user_console_session_keeps_mfa() {
    let mut identity = iam_user("alice");
    identity["sessionContext"] = json!({"attributes": {"mfaAuthenticated": "true"}});
    let actor = decode_with_identity(identity).actor;
    assert_eq!(actor.mfa_authenticated, Some(true));
}

#[test]
fn root_is_root() {
    let actor = decode_with_identity(json!({
        "type": "Root",
        "principalId": "111122223333",
        "arn": "arn:aws:iam::111122223333:root",
        "accountId": "111122223333",
    }))
    .actor;
    assert_eq!(actor.id.as_str(), "aws:111122223333:root");
    assert_eq!(actor.kind, IdentityKind::Root);
    assert_eq!(actor.kind_reason, "account root user");
    assert_eq!(actor.invoked_by, None);
}

#[test]
fn root_invoked_by_aws_support_keeps_root_with_invoked_by() {
    let event = decode_record(json!({
        "eventTime": "2024-08-01T13:33:28Z",
        "eventName": "DescribeTrustedAdvisorChecks",
        "eventSource": "support.amazonaws.com",
        "sourceIPAddress": "support.amazonaws.com",
        "userIdentity": {"type": "Root", "principalId": "111122223333", "accountId": "111122223333"},
    }));
    assert_eq!(event.actor.kind, IdentityKind::Root);
    assert_eq!(
        event.actor.invoked_by.as_deref(),
        Some("support.amazonaws.com")
    );
    assert!(
        event.actor.kind_reason.contains("support.amazonaws.com"),
        "{}",
        event.actor.kind_reason
    );
    assert_eq!(
        event.origin.service.as_deref(),
        Some("support.amazonaws.com")
    );
}

#[test]
fn assumed_role_instance_session_is_attributed_to_the_role() {
    let actor = decode_with_identity(assumed_role("app-role", "i-0dbc91f429e48eeed")).actor;
    assert_eq!(actor.id.as_str(), "aws:111122223333:role/app-role");
    assert_eq!(actor.name, "app-role");
    assert_eq!(actor.kind, IdentityKind::NonHuman);
    assert_eq!(actor.nhi_type, Some(NhiType::Workload));
    assert_eq!(
        actor.kind_reason,
        "EC2 instance role session i-0dbc91f429e48eeed"
    );
    assert_eq!(actor.session_name.as_deref(), Some("i-0dbc91f429e48eeed"));
    assert_eq!(actor.via_role, None);
    assert_eq!(actor.mfa_authenticated, Some(false));
    assert_eq!(
        actor.arn.as_deref(),
        Some("arn:aws:sts::111122223333:assumed-role/app-role/i-0dbc91f429e48eeed")
    );
}

#[test]
fn instance_id_match_ignores_case_and_length() {
    let workload = decode_with_identity(assumed_role("r", "i-786a3A8B5C0d92eF4")).actor;
    assert_eq!(workload.nhi_type, Some(NhiType::Workload));
    let short = decode_with_identity(assumed_role("r", "i-0abc1234")).actor;
    assert_eq!(short.nhi_type, Some(NhiType::Workload));
    let not_instance = decode_with_identity(assumed_role("r", "i-0abc123")).actor;
    assert_eq!(not_instance.nhi_type, Some(NhiType::Role));
}

#[test]
fn assumed_role_tool_session_is_attributed_to_the_role() {
    let actor =
        decode_with_identity(assumed_role("deploy", "aws-go-sdk-1722375070115152000")).actor;
    assert_eq!(actor.id.as_str(), "aws:111122223333:role/deploy");
    assert_eq!(actor.nhi_type, Some(NhiType::Role));
    assert_eq!(
        actor.kind_reason,
        "IAM role session \"aws-go-sdk-1722375070115152000\" attributed to the role (workload or tool session name)"
    );
}

#[test]
fn sso_permission_set_session_is_attributed_to_the_person() {
    let actor = decode_with_identity(assumed_role(
        "AWSReservedSSO_Admin_1a2b",
        "Jane@Example.com",
    ))
    .actor;
    assert_eq!(actor.id.as_str(), "aws:person/jane@example.com");
    assert_eq!(actor.name, "Jane@Example.com");
    assert_eq!(actor.kind, IdentityKind::Human);
    assert_eq!(actor.nhi_type, None);
    assert_eq!(
        actor.via_role.as_deref(),
        Some("arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_1a2b")
    );
    assert_eq!(
        actor.kind_reason,
        "session of SSO permission-set role AWSReservedSSO_Admin_1a2b named Jane@Example.com"
    );
    assert_eq!(actor.session_name.as_deref(), Some("Jane@Example.com"));
    assert_eq!(actor.account.as_deref(), Some("111122223333"));
}

#[test]
fn sso_session_without_email_is_still_a_person() {
    let actor = decode_with_identity(assumed_role("AWSReservedSSO_ReadOnly_99", "jdoe")).actor;
    assert_eq!(actor.id.as_str(), "aws:person/jdoe");
    assert_eq!(actor.kind, IdentityKind::Human);
}

#[test]
fn source_identity_session_is_attributed_to_the_person() {
    let mut identity = assumed_role("Administrators", "session-1");
    identity["sessionContext"]["sourceIdentity"] = json!("Jane");
    let actor = decode_with_identity(identity).actor;
    assert_eq!(actor.id.as_str(), "aws:person/jane");
    assert_eq!(actor.kind, IdentityKind::Human);
    assert_eq!(actor.source_identity.as_deref(), Some("Jane"));
    assert_eq!(actor.session_name.as_deref(), Some("session-1"));
    assert_eq!(
        actor.via_role.as_deref(),
        Some("arn:aws:iam::111122223333:role/Administrators")
    );
}

#[test]
fn record_level_source_identity_is_used() {
    let mut record = json!({
        "eventTime": "2024-08-01T13:33:28Z",
        "eventName": "ListBuckets",
        "sourceIdentity": "jane",
    });
    record["userIdentity"] = assumed_role("Administrators", "session-1");
    let actor = decode_record(record).actor;
    assert_eq!(actor.id.as_str(), "aws:person/jane");
}

#[test]
fn email_session_name_is_attributed_to_the_person() {
    let actor = decode_with_identity(assumed_role("Administrators", "jane@example.com")).actor;
    assert_eq!(actor.id.as_str(), "aws:person/jane@example.com");
    assert_eq!(actor.kind, IdentityKind::Human);
    assert_eq!(
        actor.kind_reason,
        "session of role Administrators named with the email address jane@example.com"
    );
}

#[test]
fn assumed_role_without_session_context_parses_arn() {
    let actor = decode_with_identity(json!({
        "type": "AssumedRole",
        "principalId": "AROAEXAMPLE:cli",
        "arn": "arn:aws-us-gov:sts::111122223333:assumed-role/test-role/cli",
    }))
    .actor;
    assert_eq!(actor.id.as_str(), "aws:111122223333:role/test-role");
    assert_eq!(actor.session_name.as_deref(), Some("cli"));
    assert_eq!(actor.account.as_deref(), Some("111122223333"));

    let mut person = json!({
        "type": "AssumedRole",
        "arn": "arn:aws-us-gov:sts::111122223333:assumed-role/AWSReservedSSO_Dev_1/jane@example.com",
    });
    person["accountId"] = json!("111122223333");
    let actor = decode_with_identity(person).actor;
    assert_eq!(
        actor.via_role.as_deref(),
        Some("arn:aws-us-gov:iam::111122223333:role/AWSReservedSSO_Dev_1")
    );
}

#[test]
fn service_linked_role_is_an_aws_service() {
    let mut identity = assumed_role("AWSServiceRoleForRDS", "SLRManagement");
    identity["invokedBy"] = json!("rds.amazonaws.com");
    identity["sessionContext"]["sessionIssuer"]["arn"] = json!(
        "arn:aws:iam::111122223333:role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS"
    );
    let actor = decode_with_identity(identity).actor;
    assert_eq!(
        actor.id.as_str(),
        "aws:111122223333:role/AWSServiceRoleForRDS"
    );
    assert_eq!(actor.nhi_type, Some(NhiType::AwsService));
    assert_eq!(actor.invoked_by.as_deref(), Some("rds.amazonaws.com"));
    assert_eq!(
        actor.kind_reason,
        "service-linked role AWSServiceRoleForRDS used by rds.amazonaws.com"
    );
}

#[test]
fn ec2_role_delivery_marks_a_workload() {
    let mut identity = assumed_role("app-role", "custom-session");
    identity["sessionContext"]["ec2RoleDelivery"] = json!("2.0");
    let actor = decode_with_identity(identity).actor;
    assert_eq!(actor.nhi_type, Some(NhiType::Workload));
}

#[test]
fn lambda_sessions_are_workloads() {
    let mut invoked = assumed_role("fn-role", "my-function");
    invoked["invokedBy"] = json!("lambda.amazonaws.com");
    assert_eq!(
        decode_with_identity(invoked).actor.nhi_type,
        Some(NhiType::Workload)
    );

    let mut record = json!({
        "eventTime": "2024-08-01T13:33:28Z",
        "eventName": "GetObject",
        "userAgent": "aws-sdk-java/2.20 exec-env/AWS_Lambda_java17",
    });
    record["userIdentity"] = assumed_role("fn-role", "my-function");
    let actor = decode_record(record).actor;
    assert_eq!(actor.nhi_type, Some(NhiType::Workload));
    assert!(
        actor.kind_reason.starts_with("Lambda function session"),
        "{}",
        actor.kind_reason
    );
}

#[test]
fn role_with_agent_name_is_ai_agent() {
    let actor =
        decode_with_identity(assumed_role("AmazonBedrockExecutionRoleForAgents_X1", "s")).actor;
    assert_eq!(actor.kind, IdentityKind::AiAgent);
    assert_eq!(actor.nhi_type, Some(NhiType::Role));
}

#[test]
fn mfa_flag_accepts_bool() {
    let mut identity = assumed_role("r", "s");
    identity["sessionContext"]["attributes"]["mfaAuthenticated"] = json!(true);
    assert_eq!(
        decode_with_identity(identity).actor.mfa_authenticated,
        Some(true)
    );
}

#[test]
fn federated_user_keeps_issuing_user() {
    let actor = decode_with_identity(json!({
        "type": "FederatedUser",
        "principalId": "111122223333:stratus_red_team",
        "arn": "arn:aws:sts::111122223333:federated-user/stratus_red_team",
        "accountId": "111122223333",
        "accessKeyId": "ASIAEXAMPLE",
        "sessionContext": {
            "attributes": {"creationDate": "2024-11-30T08:43:17Z", "mfaAuthenticated": "false"},
            "sessionIssuer": {
                "type": "IAMUser",
                "arn": "arn:aws:iam::111122223333:user/fed-user",
                "accountId": "111122223333",
                "userName": "fed-user",
            },
        },
    }))
    .actor;
    assert_eq!(
        actor.id.as_str(),
        "aws:111122223333:federated-user/stratus_red_team"
    );
    assert_eq!(actor.kind, IdentityKind::NonHuman);
    assert_eq!(actor.nhi_type, Some(NhiType::FederatedUser));
    assert_eq!(
        actor.via_role.as_deref(),
        Some("arn:aws:iam::111122223333:user/fed-user")
    );
    assert_eq!(
        actor.kind_reason,
        "federated user session from GetFederationToken"
    );
}

#[test]
fn aws_service_is_named_by_invoked_by() {
    let actor = decode_with_identity(
        json!({"type": "AWSService", "invokedBy": "cloudtrail.amazonaws.com"}),
    )
    .actor;
    assert_eq!(actor.id.as_str(), "aws:service/cloudtrail.amazonaws.com");
    assert_eq!(actor.nhi_type, Some(NhiType::AwsService));
    assert_eq!(
        actor.invoked_by.as_deref(),
        Some("cloudtrail.amazonaws.com")
    );
    assert_eq!(actor.kind_reason, "AWS service acting on its own");
}

#[test]
fn aws_service_without_invoked_by_uses_event_source() {
    let actor = decode_with_identity(json!({"type": "AWSService"})).actor;
    assert_eq!(actor.id.as_str(), "aws:service/s3.amazonaws.com");
}

#[test]
fn identity_without_type_but_invoked_by_is_a_service() {
    let actor = decode_with_identity(
        json!({"accountId": "111122223333", "invokedBy": "secretsmanager.amazonaws.com"}),
    )
    .actor;
    assert_eq!(
        actor.id.as_str(),
        "aws:service/secretsmanager.amazonaws.com"
    );
    assert_eq!(actor.principal_type, "");
}

#[test]
fn aws_account_and_anonymous_principal() {
    let account = decode_with_identity(
        json!({"type": "AWSAccount", "principalId": "AIDAEXAMPLE", "accountId": "444455556666"}),
    )
    .actor;
    assert_eq!(account.id.as_str(), "aws:444455556666:account");
    assert_eq!(account.nhi_type, Some(NhiType::Account));

    let anonymous = decode_with_identity(
        json!({"type": "AWSAccount", "principalId": "", "accountId": "ANONYMOUS_PRINCIPAL"}),
    )
    .actor;
    assert_eq!(anonymous.id.as_str(), "aws:anonymous");
    assert_eq!(anonymous.account, None);
}

#[test]
fn identity_center_user_by_user_id() {
    let actor = decode_with_identity(json!({
        "type": "IdentityCenterUser",
        "accountId": "111122223333",
        "onBehalfOf": {
            "userId": "94482488-3041-7026-18f3-be45837cd0e4",
            "identityStoreArn": "arn:aws:identitystore::111122223333:identitystore/d-9067230000",
        },
        "credentialId": "EXAMPLE",
    }))
    .actor;
    assert_eq!(
        actor.id.as_str(),
        "aws:person/94482488-3041-7026-18f3-be45837cd0e4"
    );
    assert_eq!(actor.kind, IdentityKind::Human);
    assert_eq!(actor.kind_reason, "IAM Identity Center user");
}

#[test]
fn identity_center_user_name_matches_sso_session_person() {
    let unknown = decode_with_identity(json!({
        "type": "Unknown",
        "principalId": "111122223333",
        "arn": "",
        "accountId": "111122223333",
        "accessKeyId": "",
        "userName": "Jane@Example.com",
    }))
    .actor;
    let session =
        decode_with_identity(assumed_role("AWSReservedSSO_Admin_1", "jane@example.com")).actor;
    assert_eq!(unknown.id.as_str(), "aws:person/jane@example.com");
    assert_eq!(unknown.principal_type, "Unknown");
    assert_eq!(unknown.id, session.id);
}

#[test]
fn saml_user_is_a_person() {
    let actor = decode_with_identity(json!({
        "type": "SAMLUser",
        "principalId": "SampleUkh1i4+ExamplexL/jEvs=:SamlExample",
        "userName": "SamlExample",
        "identityProvider": "bdGOnTesti4+ExampleGYYjiCPbM=",
    }))
    .actor;
    assert_eq!(actor.id.as_str(), "aws:person/samlexample");
    assert_eq!(actor.kind, IdentityKind::Human);
}

#[test]
fn web_identity_user_is_non_human() {
    let actor = decode_with_identity(json!({
        "type": "WebIdentityUser",
        "principalId": "accounts.google.com:application-id.apps.googleusercontent.com:user-id",
        "userName": "user-id",
        "identityProvider": "accounts.google.com",
    }))
    .actor;
    assert_eq!(
        actor.id.as_str(),
        "aws:111122223333:web-identity/accounts.google.com/user-id"
    );
    assert_eq!(actor.kind, IdentityKind::NonHuman);
}

#[test]
fn record_without_user_identity_is_unattributed() {
    let actor = decode_record(json!({
        "eventTime": "2024-08-01T13:33:28Z",
        "eventName": "SharedSnapshotVolumeCreated",
        "recipientAccountId": "111122223333",
    }))
    .actor;
    assert_eq!(actor.id.as_str(), "aws:111122223333:unattributed");
    assert_eq!(actor.nhi_type, Some(NhiType::AwsService));
    assert_eq!(
        actor.kind_reason,
        "record has no userIdentity (AWS service event)"
    );

    let no_account =
        decode_record(json!({"eventTime": "2024-08-01T13:33:28Z", "eventName": "X"})).actor;
    assert_eq!(no_account.id.as_str(), "aws:unknown:unattributed");
}

#[test]
fn unknown_type_is_kept_not_rejected() {
    let actor = decode_with_identity(
        json!({"type": "SomethingNew", "principalId": "P123", "accountId": "111122223333"}),
    )
    .actor;
    assert_eq!(actor.id.as_str(), "aws:111122223333:principal/P123");
    assert_eq!(actor.kind, IdentityKind::NonHuman);
    assert_eq!(
        actor.kind_reason,
        "unrecognised userIdentity.type \"SomethingNew\""
    );
    assert_eq!(actor.principal_type, "SomethingNew");
}

#[test]
fn configured_patterns_replace_defaults() {
    let config = DecoderConfig {
        service_user_patterns: vec!["robo".to_owned()],
        person_role_patterns: vec!["People-".to_owned()],
        ..DecoderConfig::default()
    };
    let decoder = CloudTrailDecoder::new(config);
    let decode = |identity: Value| {
        let record = json!({"eventTime": "2024-08-01T13:33:28Z", "eventName": "X", "userIdentity": identity});
        decoder
            .decode_record(record.to_string().as_bytes())
            .expect("record decodes")
            .actor
    };
    assert_eq!(
        decode(iam_user("robo-1")).nhi_type,
        Some(NhiType::ServiceUser)
    );
    assert_eq!(decode(iam_user("svc-backup")).kind, IdentityKind::Human);
    let person = decode(assumed_role("people-admins", "jdoe"));
    assert_eq!(person.id.as_str(), "aws:person/jdoe");
    assert!(
        person
            .kind_reason
            .contains("person-role pattern \"People-\""),
        "{}",
        person.kind_reason
    );
}

#[test]
fn split_at_colon_matches_split_once() {
    let needle = ":assumed-role/";
    for text in [
        "arn:aws:sts::111122223333:assumed-role/deploy/botocore-session-1",
        "arn:aws-cn:sts::111122223333:assumed-role/a:b/c",
        "arn:aws:sts::111122223333:assumed-role/",
        ":assumed-role/x",
        "arn:aws:sts:::assumed-role:assumed-role/x",
        "arn:aws:iam::111122223333:user/alice",
        "no colon at all",
        "",
        "é:assumed-role/ü",
    ] {
        assert_eq!(
            super::split_once_at_colon(text, needle),
            text.split_once(needle),
            "{text}"
        );
    }
}

#[test]
fn users_are_classified_per_decoder_patterns() {
    let default = CloudTrailDecoder::new(DecoderConfig::default());
    let robots = CloudTrailDecoder::new(DecoderConfig {
        service_user_patterns: vec!["robo".to_owned()],
        ..DecoderConfig::default()
    });
    let record = json!({
        "eventTime": "2024-08-01T13:33:28Z",
        "eventName": "ListBuckets",
        "userIdentity": iam_user("robo-svc"),
    })
    .to_string();
    // The same thread decodes the same user with both decoders, in turns,
    // so each decoder must see its own classification.
    for _ in 0..2 {
        for (decoder, reason) in [
            (
                &default,
                "IAM user name matches service-account pattern \"svc\"",
            ),
            (
                &robots,
                "IAM user name matches service-account pattern \"robo\"",
            ),
        ] {
            let actor = decoder
                .decode_record(record.as_bytes())
                .expect("record decodes")
                .actor;
            assert_eq!(actor.kind_reason, reason);
            assert_eq!(actor.nhi_type, Some(NhiType::ServiceUser));
        }
    }
}

use ispm_model::{IdentityEvent, TargetFactKind};
use serde_json::{Value, json};

use super::{base_record, decode_record};

fn call(event_name: &str, request: Value, response: Value) -> IdentityEvent {
    let mut record = base_record("e1");
    record["eventName"] = json!(event_name);
    record["requestParameters"] = request;
    record["responseElements"] = response;
    decode_record(&record)
}

/// Formats the facts as `identity name kind` lines. `TargetFactKind` has no
/// `PartialEq`, so kinds are compared by their debug form.
fn facts(event: &IdentityEvent) -> Vec<String> {
    event
        .targets
        .iter()
        .map(|fact| format!("{} {} {:?}", fact.identity, fact.name, fact.kind))
        .collect()
}

#[test]
fn create_user_records_created_user() {
    let event = call(
        "CreateUser",
        json!({"userName": "bob"}),
        json!({"user": {"userName": "bob"}}),
    );
    assert_eq!(
        facts(&event),
        vec![format!(
            "aws:111122223333:user/bob bob {:?}",
            TargetFactKind::Created
        )]
    );
}

#[test]
fn create_role_records_created_role() {
    let event = call(
        "CreateRole",
        json!({"roleName": "backdoor", "assumeRolePolicyDocument": "{}"}),
        Value::Null,
    );
    assert_eq!(
        facts(&event),
        vec![format!(
            "aws:111122223333:role/backdoor backdoor {:?}",
            TargetFactKind::Created
        )]
    );
}

#[test]
fn create_access_key_for_other_user_records_key() {
    let event = call(
        "CreateAccessKey",
        json!({"userName": "bob"}),
        json!({"accessKey": {"accessKeyId": "AKIANEW", "status": "Active", "userName": "bob"}}),
    );
    let expected = TargetFactKind::AccessKeyCreated {
        access_key_id: Some("AKIANEW".to_owned()),
    };
    assert_eq!(event.targets.len(), 1);
    assert_eq!(
        event.targets[0].identity.as_str(),
        "aws:111122223333:user/bob"
    );
    assert_eq!(
        format!("{:?}", event.targets[0].kind),
        format!("{expected:?}")
    );
}

#[test]
fn self_created_access_key_is_still_recorded() {
    let event = call(
        "CreateAccessKey",
        Value::Null,
        json!({"accessKey": {"accessKeyId": "AKIASELF", "userName": "alice"}}),
    );
    assert_eq!(event.targets.len(), 1);
    assert_eq!(
        event.targets[0].identity.as_str(),
        "aws:111122223333:user/alice"
    );
    assert!(matches!(
        &event.targets[0].kind,
        TargetFactKind::AccessKeyCreated { access_key_id: Some(key) } if key == "AKIASELF"
    ));
}

#[test]
fn login_profile_change_of_other_user_is_recorded() {
    let event = call(
        "CreateLoginProfile",
        json!({"userName": "bob", "passwordResetRequired": false}),
        Value::Null,
    );
    assert_eq!(
        facts(&event),
        vec![format!(
            "aws:111122223333:user/bob bob {:?}",
            TargetFactKind::LoginProfileChanged
        )]
    );
    let update = call(
        "UpdateLoginProfile",
        json!({"userName": "bob"}),
        Value::Null,
    );
    assert_eq!(update.targets.len(), 1);
}

#[test]
fn own_login_profile_change_is_not_a_target_fact() {
    let event = call("UpdateLoginProfile", Value::Null, Value::Null);
    assert!(event.targets.is_empty());
    let named = call(
        "UpdateLoginProfile",
        json!({"userName": "alice"}),
        Value::Null,
    );
    assert!(named.targets.is_empty());
}

#[test]
fn deleted_and_deactivated_keys_are_removed() {
    let deleted = call(
        "DeleteAccessKey",
        json!({"userName": "bob", "accessKeyId": "AKIAOLD"}),
        Value::Null,
    );
    assert!(matches!(
        deleted.targets.as_slice(),
        [fact] if matches!(&fact.kind, TargetFactKind::AccessKeyRemoved { access_key_id: Some(key) } if key == "AKIAOLD")
    ));

    let deactivated = call(
        "UpdateAccessKey",
        json!({"userName": "bob", "accessKeyId": "AKIAOLD", "status": "Inactive"}),
        Value::Null,
    );
    assert_eq!(deactivated.targets.len(), 1);

    let activated = call(
        "UpdateAccessKey",
        json!({"userName": "bob", "accessKeyId": "AKIAOLD", "status": "Active"}),
        Value::Null,
    );
    assert!(activated.targets.is_empty());
}

#[test]
fn deleted_identities_are_recorded() {
    let user = call("DeleteUser", json!({"userName": "bob"}), Value::Null);
    assert_eq!(
        facts(&user),
        vec![format!(
            "aws:111122223333:user/bob bob {:?}",
            TargetFactKind::Deleted
        )]
    );
    let role = call("DeleteRole", json!({"roleName": "old"}), Value::Null);
    assert_eq!(
        facts(&role),
        vec![format!(
            "aws:111122223333:role/old old {:?}",
            TargetFactKind::Deleted
        )]
    );
}

#[test]
fn failed_calls_have_no_target_facts() {
    let mut record = base_record("e1");
    record["eventName"] = json!("CreateUser");
    record["requestParameters"] = json!({"userName": "bob"});
    record["errorCode"] = json!("AccessDenied");
    assert!(decode_record(&record).targets.is_empty());
}

#[test]
fn unexpected_payload_shapes_yield_no_fact() {
    for request in [
        json!("HIDDEN_DUE_TO_SECURITY_REASONS"),
        json!({"userName": 42}),
        json!([1]),
    ] {
        let event = call("CreateAccessKey", request.clone(), Value::Null);
        assert!(event.targets.is_empty(), "{request}");
    }
    assert!(
        call("CreateUser", Value::Null, Value::Null)
            .targets
            .is_empty()
    );
}

#[test]
fn target_account_falls_back_to_actor_account() {
    let mut record = base_record("e1");
    record
        .as_object_mut()
        .expect("object")
        .remove("recipientAccountId");
    record["userIdentity"]["accountId"] = json!("444455556666");
    record["eventName"] = json!("CreateUser");
    record["requestParameters"] = json!({"userName": "bob"});
    let event = decode_record(&record);
    assert_eq!(
        event.targets[0].identity.as_str(),
        "aws:444455556666:user/bob"
    );
}

#[test]
fn root_creating_its_own_key_records_root() {
    let mut record = base_record("e1");
    record["userIdentity"] = json!({"type": "Root", "accountId": "111122223333", "arn": "arn:aws:iam::111122223333:root"});
    record["eventName"] = json!("CreateAccessKey");
    record["responseElements"] = json!({"accessKey": {"accessKeyId": "AKIAROOT"}});
    let event = decode_record(&record);
    assert_eq!(event.targets.len(), 1);
    assert_eq!(event.targets[0].identity.as_str(), "aws:111122223333:root");
}

#[test]
fn attached_policies_are_recorded_for_users_and_roles() {
    let user = call(
        "AttachUserPolicy",
        json!({"userName": "bob", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}),
        Value::Null,
    );
    assert_eq!(
        facts(&user),
        vec![format!(
            "aws:111122223333:user/bob bob {:?}",
            TargetFactKind::PolicyAttached {
                policy: "AdministratorAccess".to_owned()
            }
        )]
    );
    let role = call(
        "AttachRolePolicy",
        json!({"roleName": "app", "policyArn": "arn:aws:iam::111122223333:policy/team/ReadOnly"}),
        Value::Null,
    );
    assert_eq!(
        facts(&role),
        vec![format!(
            "aws:111122223333:role/app app {:?}",
            TargetFactKind::PolicyAttached {
                policy: "ReadOnly".to_owned()
            }
        )]
    );
}

#[test]
fn group_membership_is_recorded() {
    let added = call(
        "AddUserToGroup",
        json!({"userName": "bob", "groupName": "Admins"}),
        Value::Null,
    );
    assert_eq!(
        facts(&added),
        vec![format!(
            "aws:111122223333:user/bob bob {:?}",
            TargetFactKind::AddedToGroup {
                group: "Admins".to_owned()
            }
        )]
    );
    let no_group = call("AddUserToGroup", json!({"userName": "bob"}), Value::Null);
    assert!(no_group.targets.is_empty());
}

/// Decodes an `AssumeRoleWithWebIdentity` record as CloudTrail writes it,
/// whose actor is the web identity user, with no account of its own.
fn web_identity_call(request: Value) -> IdentityEvent {
    let mut record = base_record("e1");
    record["userIdentity"] = json!({
        "type": "WebIdentityUser",
        "principalId": "token.actions.githubusercontent.com:sts.amazonaws.com:repo:acme/deploy:ref:refs/heads/main",
        "userName": "repo:acme/deploy:ref:refs/heads/main",
        "identityProvider": "token.actions.githubusercontent.com",
    });
    record["eventSource"] = json!("sts.amazonaws.com");
    record["eventName"] = json!("AssumeRoleWithWebIdentity");
    record["requestParameters"] = request;
    decode_record(&record)
}

#[test]
fn web_identity_assumption_is_recorded_for_role() {
    let event = web_identity_call(json!({
        "roleArn": "arn:aws:iam::444455556666:role/ci/deploy",
        "roleSessionName": "GitHubActions",
        "durationSeconds": 3600,
    }));
    assert!(
        event.actor.id.as_str().contains(":web-identity/"),
        "{}",
        event.actor.id
    );
    assert_eq!(
        facts(&event),
        vec![format!(
            "aws:444455556666:role/deploy deploy {:?}",
            TargetFactKind::AssumedWithWebIdentity {
                provider: "token.actions.githubusercontent.com".to_owned()
            }
        )]
    );
}

#[test]
fn web_identity_assumption_without_role_records_nothing() {
    let no_role = web_identity_call(json!({"roleSessionName": "GitHubActions"}));
    assert!(no_role.targets.is_empty());
    let not_a_role = web_identity_call(json!({"roleArn": "arn:aws:iam::444455556666:user/bob"}));
    assert!(not_a_role.targets.is_empty());
}

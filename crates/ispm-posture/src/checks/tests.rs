//! One violating and one passing record per built-in policy, plus the
//! boundaries and unknowns of the time-based ones. Panther cases reuse the
//! times of Panther's own test resources.

use ispm_model::{EventTime, IdentityKind, NhiType, PrivilegeLevel};

use crate::test_support::*;

// root_account_used

#[test]
fn root_used_within_window_fails_until_window_ends() {
    let mut root = root();
    root.last_seen = Some(day(0));
    assert!(violated("root_account_used", &root, day(30)));
    assert!(!violated(
        "root_account_used",
        &root,
        EventTime(day(30).millis() + 1)
    ));
}

#[test]
fn root_password_use_counts_as_root_use() {
    let mut root = root();
    let mut password = password();
    password.last_used = Some(day(5));
    root.credentials.push(password);
    let (violated, detail) = check("root_account_used", &root, day(6)).expect("applies");
    assert!(violated);
    assert!(detail.contains("2024-01-06, 1 day ago"), "{detail}");
}

#[test]
fn root_never_used_passes() {
    assert!(!violated("root_account_used", &root(), day(0)));
}

#[test]
fn root_policies_do_not_apply_to_users() {
    let mut user = user("alice");
    user.credentials.push(key("AKIAUSER"));
    user.mfa_active = Some(false);
    for id in ["root_account_used", "root_access_keys", "root_without_mfa"] {
        assert_eq!(check(id, &user, day(0)), None, "{id}");
    }
}

// root_access_keys

#[test]
fn root_with_active_key_fails() {
    let mut root = root();
    root.credentials.push(key("AKIAROOT"));
    let (violated, detail) = check("root_access_keys", &root, day(0)).expect("applies");
    assert!(violated);
    assert!(detail.contains("AKIAROOT"), "{detail}");
}

#[test]
fn root_with_inactive_key_passes() {
    let mut root = root();
    let mut key = key("AKIAROOT");
    key.status = "inactive".to_owned();
    root.credentials.push(key);
    assert!(!violated("root_access_keys", &root, day(0)));
}

// root_without_mfa

#[test]
fn root_without_mfa_fails_and_with_mfa_passes() {
    let mut root = root();
    root.mfa_active = Some(false);
    assert!(violated("root_without_mfa", &root, day(0)));
    root.mfa_active = Some(true);
    assert!(!violated("root_without_mfa", &root, day(0)));
}

#[test]
fn root_mfa_unknown_does_not_apply() {
    assert_eq!(check("root_without_mfa", &root(), day(0)), None);
}

// privileged_without_mfa

#[test]
fn admin_person_without_mfa_fails() {
    let mut alice = user("alice");
    alice.privilege = PrivilegeLevel::Admin;
    alice.privilege_reason = "managed policy AdministratorAccess".to_owned();
    alice.mfa_active = Some(false);
    let (violated, detail) = check("privileged_without_mfa", &alice, day(0)).expect("applies");
    assert!(violated);
    assert!(detail.contains("AdministratorAccess"), "{detail}");
}

#[test]
fn privileged_person_with_mfa_passes() {
    let mut alice = user("alice");
    alice.privilege = PrivilegeLevel::Privileged;
    alice.mfa_active = Some(true);
    assert!(!violated("privileged_without_mfa", &alice, day(0)));
}

#[test]
fn root_counts_as_admin_for_privileged_mfa() {
    let mut root = root();
    root.mfa_active = Some(false);
    assert!(violated("privileged_without_mfa", &root, day(0)));
}

#[test]
fn privileged_mfa_skips_standard_or_unknown() {
    let mut bob = user("bob");
    bob.privilege = PrivilegeLevel::Standard;
    bob.mfa_active = Some(false);
    assert_eq!(check("privileged_without_mfa", &bob, day(0)), None);
    bob.privilege = PrivilegeLevel::Admin;
    bob.mfa_active = None;
    assert_eq!(check("privileged_without_mfa", &bob, day(0)), None);
}

#[test]
fn privileged_service_is_not_checked_for_privileged_mfa() {
    let mut service = service_user("deploy");
    service.privilege = PrivilegeLevel::Admin;
    service.mfa_active = Some(false);
    assert_eq!(check("privileged_without_mfa", &service, day(0)), None);
}

// console_password_without_mfa (Panther AWS.IAM.User.MFA)

#[test]
fn password_enabled_mfa_disabled_fails() {
    let mut bobert = user("Bobert");
    bobert.credentials.push(password());
    bobert.mfa_active = Some(false);
    assert!(violated("console_password_without_mfa", &bobert, day(0)));
}

#[test]
fn password_enabled_mfa_enabled_passes() {
    let mut bobert = user("Bobert");
    bobert.credentials.push(password());
    bobert.mfa_active = Some(true);
    assert!(!violated("console_password_without_mfa", &bobert, day(0)));
}

#[test]
fn password_disabled_mfa_disabled_passes() {
    let mut bobert = user("Bobert");
    let mut password = password();
    password.status = "inactive".to_owned();
    bobert.credentials.push(password);
    bobert.credentials.push(key("AKIABOBERT"));
    bobert.mfa_active = Some(false);
    assert!(!violated("console_password_without_mfa", &bobert, day(0)));
}

#[test]
fn console_password_mfa_unknown_does_not_apply() {
    let mut bobert = user("Bobert");
    bobert.credentials.push(password());
    assert_eq!(check("console_password_without_mfa", &bobert, day(0)), None);
}

// access_key_not_rotated (Panther AWS.AccessKey.Rotation)

#[test]
fn rotation_limit_boundary_is_exclusive() {
    let mut alice = user("alice");
    let mut key = key("AKIAALICE");
    key.last_rotated = Some(day(0));
    alice.credentials.push(key);
    assert!(!violated("access_key_not_rotated", &alice, day(90)));
    let later = EventTime(day(90).millis() + 1);
    let (violated, detail) = check("access_key_not_rotated", &alice, later).expect("applies");
    assert!(violated);
    assert_eq!(
        detail,
        "access key AKIAALICE last rotated 2024-01-01, 90 days ago; limit 90 days"
    );
}

#[test]
fn key_age_falls_back_to_creation() {
    let mut alice = user("alice");
    let mut key = key("AKIAALICE");
    key.created_at = Some(day(0));
    alice.credentials.push(key);
    let (violated, detail) = check("access_key_not_rotated", &alice, day(412)).expect("applies");
    assert!(violated);
    assert!(
        detail.contains("created 2024-01-01, 412 days ago"),
        "{detail}"
    );
}

#[test]
fn rotation_wins_over_creation_for_key_age() {
    let mut alice = user("alice");
    let mut key = key("AKIAALICE");
    key.created_at = Some(day(0));
    key.last_rotated = Some(day(300));
    alice.credentials.push(key);
    assert!(!violated("access_key_not_rotated", &alice, day(320)));
}

#[test]
fn key_of_unknown_age_passes_and_says_so() {
    let mut alice = user("alice");
    alice.credentials.push(key("AKIAALICE"));
    let (violated, detail) = check("access_key_not_rotated", &alice, day(900)).expect("applies");
    assert!(!violated);
    assert!(detail.contains("age unknown"), "{detail}");
}

#[test]
fn inactive_old_key_passes_rotation() {
    let mut alice = user("alice");
    let mut key = key("AKIAALICE");
    key.status = "inactive".to_owned();
    key.last_rotated = Some(day(0));
    alice.credentials.push(key);
    assert!(!violated("access_key_not_rotated", &alice, day(400)));
}

#[test]
fn key_rotated_in_the_future_passes() {
    // Panther's tests write recent dates as the year 3000.
    let mut alice = user("alice");
    let mut key = key("AKIAALICE");
    key.last_rotated = EventTime::parse_rfc3339("3000-01-01T00:00:00Z").ok();
    alice.credentials.push(key);
    assert!(!violated("access_key_not_rotated", &alice, day(0)));
}

#[test]
fn key_policies_do_not_apply_to_roles() {
    let role = role("deploy");
    for id in [
        "access_key_not_rotated",
        "two_active_access_keys",
        "access_key_unused",
        "console_password_unused",
        "access_key_created_with_user",
        "nhi_with_console_password",
    ] {
        assert_eq!(check(id, &role, day(0)), None, "{id}");
    }
}

#[test]
fn next_check_at_rotation_limit() {
    let set = default_set();
    let mut alice = user("alice");
    let mut key = key("AKIAALICE");
    key.last_rotated = Some(day(0));
    alice.credentials.push(key);

    let before = set.evaluate(&alice, day(10));
    let expected = EventTime(day(90).millis() + 1);
    assert_eq!(before.next_check, Some(expected));
    assert_eq!(
        outcome_of(&set, &before, "access_key_not_rotated").map(|(v, _)| v),
        Some(false)
    );

    let at_timer = set.evaluate(&alice, expected);
    assert_eq!(
        outcome_of(&set, &at_timer, "access_key_not_rotated").map(|(v, _)| v),
        Some(true)
    );
}

#[test]
fn next_check_is_none_when_nothing_depends_on_time() {
    let set = default_set();
    let mut service = service_user("ci");
    service.owner = Some("team-ci".to_owned());
    assert_eq!(set.evaluate(&service, day(0)).next_check, None);
}

// two_active_access_keys

#[test]
fn two_active_keys_fail_and_one_passes() {
    let mut alice = user("alice");
    alice.credentials.push(key("AKIAONE"));
    alice.credentials.push(key("AKIATWO"));
    let (violated, detail) = check("two_active_access_keys", &alice, day(0)).expect("applies");
    assert!(violated);
    assert_eq!(detail, "2 active access keys: AKIAONE, AKIATWO");
    alice.credentials[1].status = "inactive".to_owned();
    assert!(!violated_at("two_active_access_keys", &alice));
}

fn violated_at(id: &str, record: &ispm_model::InventoryRecord) -> bool {
    violated(id, record, day(0))
}

// access_key_unused (Panther AWS.AccessKey.Unused)

#[test]
fn key_used_over_limit_ago_fails() {
    let mut bobert = user("Bobert");
    let mut key = key("AKIABOBERT");
    key.last_rotated = Some(day(0));
    key.last_used = Some(day(0));
    bobert.credentials.push(key);
    assert!(!violated("access_key_unused", &bobert, day(90)));
    assert!(violated(
        "access_key_unused",
        &bobert,
        EventTime(day(90).millis() + 1)
    ));
}

#[test]
fn key_used_recently_passes() {
    let mut bobert = user("Bobert");
    let mut key = key("AKIABOBERT");
    key.last_rotated = Some(day(0));
    key.last_used = Some(day(200));
    bobert.credentials.push(key);
    assert!(!violated("access_key_unused", &bobert, day(250)));
}

#[test]
fn key_never_used_and_rotated_over_limit_ago_fails() {
    let mut bobert = user("Bobert");
    let mut key = key("AKIABOBERT");
    key.last_rotated = Some(day(0));
    bobert.credentials.push(key);
    let (violated, detail) = check("access_key_unused", &bobert, day(91)).expect("applies");
    assert!(violated);
    assert!(detail.contains("never used"), "{detail}");
}

#[test]
fn key_never_used_and_rotated_recently_passes() {
    let mut bobert = user("Bobert");
    let mut key = key("AKIABOBERT");
    key.last_rotated = Some(day(50));
    bobert.credentials.push(key);
    assert!(!violated("access_key_unused", &bobert, day(100)));
}

#[test]
fn root_key_used_long_ago_fails_unused() {
    let mut root = root();
    let mut key = key("AKIAROOT");
    key.last_rotated = Some(day(0));
    key.last_used = Some(day(0));
    root.credentials.push(key);
    assert!(violated("access_key_unused", &root, day(400)));
}

#[test]
fn key_within_grace_period_is_never_unused() {
    // A key rotated a day ago whose last use predates the rotation.
    let mut alice = user("alice");
    let mut key = key("AKIAALICE");
    key.last_used = Some(day(0));
    key.last_rotated = Some(day(199));
    alice.credentials.push(key);
    let (violated, detail) = check("access_key_unused", &alice, day(200)).expect("applies");
    assert!(!violated);
    assert!(detail.contains("grace period"), "{detail}");

    let set = default_set();
    let evaluation = set.evaluate(&alice, day(200));
    let grace_end = EventTime(day(199 + 7).millis() + 1);
    assert_eq!(evaluation.next_check, Some(grace_end));
    let after_grace = set.evaluate(&alice, grace_end);
    assert_eq!(
        outcome_of(&set, &after_grace, "access_key_unused").map(|(v, _)| v),
        Some(true)
    );
}

#[test]
fn key_never_used_with_unknown_age_passes_unused() {
    let mut alice = user("alice");
    alice.credentials.push(key("AKIAALICE"));
    let (violated, detail) = check("access_key_unused", &alice, day(500)).expect("applies");
    assert!(!violated);
    assert!(detail.contains("age unknown"), "{detail}");
}

// console_password_unused (Panther AWS.Password.Unused)

#[test]
fn password_used_over_limit_ago_fails() {
    let mut bobert = user("Bobert");
    let mut password = password();
    password.last_rotated = Some(day(0));
    password.last_used = Some(day(10));
    bobert.credentials.push(password);
    assert!(!violated("console_password_unused", &bobert, day(100)));
    assert!(violated("console_password_unused", &bobert, day(101)));
}

#[test]
fn password_never_used_counts_from_last_change() {
    let mut bobert = user("Bobert");
    let mut password = password();
    password.last_rotated = Some(day(0));
    bobert.credentials.push(password);
    assert!(!violated("console_password_unused", &bobert, day(90)));
    let (violated, detail) = check("console_password_unused", &bobert, day(91)).expect("applies");
    assert!(violated);
    assert!(
        detail.contains("never used, last changed 2024-01-01"),
        "{detail}"
    );
}

#[test]
fn password_policies_skip_root() {
    let mut root = root();
    root.credentials.push(password());
    assert_eq!(check("console_password_unused", &root, day(0)), None);
    assert_eq!(check("console_password_without_mfa", &root, day(0)), None);
}

// access_key_created_with_user (Panther AWS.AccessKeys.AccountCreation)

fn created_with_user(
    mut record: ispm_model::InventoryRecord,
    key_offset_seconds: i64,
    active: bool,
) -> bool {
    let created = day(0);
    record.created_at = Some(created);
    let mut key = key("AKIAKEY1");
    key.last_rotated = Some(seconds_after(created, key_offset_seconds));
    if !active {
        key.status = "inactive".to_owned();
    }
    record.credentials.push(key);
    violated("access_key_created_with_user", &record, day(1))
}

#[test]
fn key_five_seconds_after_user_fails() {
    assert!(created_with_user(user("Bobert"), 5, true));
}

#[test]
fn key_thirty_seconds_after_user_passes() {
    assert!(!created_with_user(user("Bobert"), 30, true));
}

#[test]
fn root_key_at_creation_fails_even_when_inactive() {
    assert!(created_with_user(root(), 0, false));
}

#[test]
fn root_key_ten_minutes_after_creation_passes() {
    assert!(!created_with_user(root(), 600, false));
}

#[test]
fn key_before_user_creation_passes() {
    assert!(!created_with_user(user("Bobert"), -5, true));
}

#[test]
fn key_at_creation_window_is_configurable() {
    let config = crate::PolicyConfig {
        key_at_creation_window_seconds: 60,
        ..crate::PolicyConfig::default()
    };
    let set = crate::PolicySet::new(&config).expect("valid");
    let mut bobert = user("Bobert");
    bobert.created_at = Some(day(0));
    let mut key = key("AKIAKEY1");
    key.last_rotated = Some(seconds_after(day(0), 30));
    bobert.credentials.push(key);
    let evaluation = set.evaluate(&bobert, day(1));
    assert_eq!(
        outcome_of(&set, &evaluation, "access_key_created_with_user").map(|(v, _)| v),
        Some(true)
    );
}

// identity_inactive_enabled

#[test]
fn identity_inactive_beyond_limit_fails() {
    let mut alice = user("alice");
    alice.last_seen = Some(day(0));
    assert!(!violated("identity_inactive_enabled", &alice, day(90)));
    let (violated, detail) = check("identity_inactive_enabled", &alice, day(120)).expect("applies");
    assert!(violated);
    assert_eq!(
        detail,
        "enabled; last activity 2024-01-01, 120 days ago; limit 90 days"
    );
}

#[test]
fn credential_use_counts_as_activity() {
    let mut alice = user("alice");
    alice.last_seen = Some(day(0));
    let mut key = key("AKIAALICE");
    key.last_used = Some(day(100));
    alice.credentials.push(key);
    assert!(!violated("identity_inactive_enabled", &alice, day(120)));
}

#[test]
fn never_used_identity_counts_from_creation() {
    let mut role = role("old-job");
    role.created_at = Some(day(0));
    assert!(violated("identity_inactive_enabled", &role, day(91)));
}

#[test]
fn disabled_identity_passes_inactivity() {
    let mut alice = user("alice");
    alice.last_seen = Some(day(0));
    alice.enabled = false;
    let (violated, detail) = check("identity_inactive_enabled", &alice, day(400)).expect("applies");
    assert!(!violated);
    assert_eq!(detail, "identity is disabled");
}

#[test]
fn inactivity_is_not_checked_for_root_or_aws_services() {
    let mut root = root();
    root.last_seen = Some(day(0));
    assert_eq!(check("identity_inactive_enabled", &root, day(400)), None);
    let mut service = record("aws:service/lambda.amazonaws.com", IdentityKind::NonHuman);
    service.nhi_type = Some(NhiType::AwsService);
    service.last_seen = Some(day(0));
    assert_eq!(check("identity_inactive_enabled", &service, day(400)), None);
}

#[test]
fn next_check_is_when_the_identity_turns_stale() {
    let set = default_set();
    let mut role = role("deploy");
    role.owner = Some("team".to_owned());
    role.last_seen = Some(day(10));
    let evaluation = set.evaluate(&role, day(20));
    assert_eq!(
        evaluation.next_check,
        Some(EventTime(day(100).millis() + 1))
    );
}

// nhi_without_owner

#[test]
fn service_without_owner_fails_and_with_owner_passes() {
    let mut service = service_user("etl");
    assert!(violated("nhi_without_owner", &service, day(0)));
    service.owner = Some("team-data".to_owned());
    service.owner_source = Some("tag:owner".to_owned());
    let (violated, detail) = check("nhi_without_owner", &service, day(0)).expect("applies");
    assert!(!violated);
    assert_eq!(detail, "owner team-data (from tag:owner)");
}

#[test]
fn blank_owner_counts_as_none() {
    let mut service = service_user("etl");
    service.owner = Some("  ".to_owned());
    assert!(violated("nhi_without_owner", &service, day(0)));
}

#[test]
fn owner_policy_skips_people_and_aws_services() {
    assert_eq!(check("nhi_without_owner", &user("alice"), day(0)), None);
    let mut service = record("aws:service/ec2.amazonaws.com", IdentityKind::NonHuman);
    service.nhi_type = Some(NhiType::AwsService);
    assert_eq!(check("nhi_without_owner", &service, day(0)), None);
}

// nhi_with_console_password

#[test]
fn service_user_with_password_fails_and_without_passes() {
    let mut service = service_user("etl");
    service.credentials.push(password());
    assert!(violated("nhi_with_console_password", &service, day(0)));
    service.credentials[0].status = "inactive".to_owned();
    assert!(!violated("nhi_with_console_password", &service, day(0)));
}

// human_using_nhi_credential

#[test]
fn browser_user_agent_on_service_user_fails() {
    let mut service = service_user("etl");
    service.consumers.push(consumer(
        "user_agent",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0)",
        day(3),
    ));
    let (violated, detail) =
        check("human_using_nhi_credential", &service, day(4)).expect("applies");
    assert!(violated);
    assert!(detail.contains("Mozilla/5.0"), "{detail}");
}

#[test]
fn console_user_agent_on_ai_agent_fails() {
    let mut agent = record(&format!("aws:{ACCOUNT}:user/agent"), IdentityKind::AiAgent);
    agent
        .consumers
        .push(consumer("user_agent", "signin.amazonaws.com", day(0)));
    assert!(violated("human_using_nhi_credential", &agent, day(0)));
}

#[test]
fn sdk_user_agent_on_service_user_passes() {
    let mut service = service_user("etl");
    service.consumers.push(consumer(
        "user_agent",
        "aws-cli/2.13.0 Python/3.11.4",
        day(0),
    ));
    assert!(!violated("human_using_nhi_credential", &service, day(0)));
}

#[test]
fn browser_use_of_a_role_is_not_checked() {
    let mut role = role("admin");
    role.consumers
        .push(consumer("user_agent", "Mozilla/5.0", day(0)));
    assert_eq!(check("human_using_nhi_credential", &role, day(0)), None);
}

// toxic_stale_admin_unrotated_key

fn stale_admin() -> ispm_model::InventoryRecord {
    let mut admin = user("old-admin");
    admin.privilege = PrivilegeLevel::Admin;
    admin.last_seen = Some(day(0));
    let mut key = key("AKIAOLD");
    key.last_rotated = Some(day(-200));
    admin.credentials.push(key);
    admin
}

#[test]
fn stale_admin_with_old_key_fails() {
    let (violated, detail) =
        check("toxic_stale_admin_unrotated_key", &stale_admin(), day(100)).expect("applies");
    assert!(violated);
    assert!(detail.contains("AKIAOLD"), "{detail}");
}

#[test]
fn active_admin_with_old_key_passes_until_stale() {
    let set = default_set();
    let admin = stale_admin();
    let evaluation = set.evaluate(&admin, day(50));
    assert_eq!(
        outcome_of(&set, &evaluation, "toxic_stale_admin_unrotated_key").map(|(v, _)| v),
        Some(false)
    );
    let stale_at = EventTime(day(90).millis() + 1);
    assert_eq!(evaluation.next_check, Some(stale_at));
    let at_timer = set.evaluate(&admin, stale_at);
    assert_eq!(
        outcome_of(&set, &at_timer, "toxic_stale_admin_unrotated_key").map(|(v, _)| v),
        Some(true)
    );
}

#[test]
fn stale_admin_with_fresh_key_passes() {
    let mut admin = stale_admin();
    admin.credentials[0].last_rotated = Some(day(60));
    assert!(!violated(
        "toxic_stale_admin_unrotated_key",
        &admin,
        day(100)
    ));
}

#[test]
fn stale_non_admin_is_not_checked_for_toxic_admin() {
    let mut admin = stale_admin();
    admin.privilege = PrivilegeLevel::Privileged;
    assert_eq!(
        check("toxic_stale_admin_unrotated_key", &admin, day(100)),
        None
    );
}

// toxic_privileged_nhi_external_long_lived_key

fn external_service() -> ispm_model::InventoryRecord {
    let mut service = service_user("sync");
    service.privilege = PrivilegeLevel::Privileged;
    service.credentials.push(key("AKIASYNC"));
    service
        .consumers
        .push(consumer("network", "external", day(0)));
    service
}

#[test]
fn privileged_service_with_key_used_externally_fails() {
    let (violated, detail) = check(
        "toxic_privileged_nhi_external_long_lived_key",
        &external_service(),
        day(1),
    )
    .expect("applies");
    assert!(violated);
    assert!(detail.contains("AKIASYNC"), "{detail}");
}

#[test]
fn privileged_service_used_only_inside_aws_passes() {
    let mut service = external_service();
    service.consumers[0].value = "aws".to_owned();
    assert!(!violated(
        "toxic_privileged_nhi_external_long_lived_key",
        &service,
        day(1)
    ));
}

#[test]
fn standard_service_is_not_checked_for_toxic_external() {
    let mut service = external_service();
    service.privilege = PrivilegeLevel::Standard;
    assert_eq!(
        check(
            "toxic_privileged_nhi_external_long_lived_key",
            &service,
            day(1)
        ),
        None
    );
}

//! The inventory record: snapshots merged with events, owners, privilege
//! levels and consumers.

mod support;

use ispm_engine::{Engine, EngineConfig, OwnerRule};
use ispm_model::{
    EventTime, IdentityEvent, IdentityId, IdentityKind, IdentitySnapshot, InventoryRecord,
    NetworkInfo, PrivilegeLevel, SnapshotCredential, TargetFact, TargetFactKind,
};
use support::*;

const DAY_MS: i64 = 86_400_000;

fn at(second: i64) -> EventTime {
    EventTime::from_millis(1_700_000_000_000 + second * 1000)
}

fn report_row(name: &str, as_of: EventTime) -> IdentitySnapshot {
    IdentitySnapshot {
        identity: IdentityId::new(format!("aws:111122223333:user/{name}")),
        name: name.to_owned(),
        kind: None,
        nhi_type: None,
        kind_reason: None,
        account: Some("111122223333".to_owned()),
        arn: Some(format!("arn:aws:iam::111122223333:user/{name}")),
        source: "aws_credential_report".to_owned(),
        as_of,
        created_at: Some(at(-400 * 86_400)),
        created_by: None,
        owner: None,
        tags: Default::default(),
        enabled: Some(true),
        mfa_active: Some(false),
        privilege: None,
        privilege_reason: None,
        credentials: vec![SnapshotCredential {
            id: "access_key_1".to_owned(),
            kind: "access_key".to_owned(),
            active: true,
            slot: Some(1),
            created_at: None,
            last_rotated: Some(at(-300 * 86_400)),
            last_used: Some(at(-2 * 86_400)),
            last_used_region: Some("us-east-1".to_owned()),
            last_used_service: Some("s3".to_owned()),
        }],
    }
}

fn record(engine: &Engine, name: &str) -> InventoryRecord {
    engine
        .inventory(&IdentityId::new(format!("aws:111122223333:user/{name}")))
        .expect("identity in state")
}

fn process(engine: &mut Engine, events: &[IdentityEvent]) {
    let mut findings = Vec::new();
    for event in events {
        engine.process(event, &mut findings);
    }
}

#[test]
fn snapshot_alone_creates_an_identity() {
    let mut engine = Engine::new(EngineConfig::default());
    engine.apply_snapshot(&report_row("alice", at(0)));
    let alice = record(&engine, "alice");
    assert_eq!(alice.kind, IdentityKind::Human);
    assert_eq!(alice.mfa_active, Some(false));
    assert_eq!(alice.sources, ["aws_credential_report"]);
    assert_eq!(alice.snapshot_as_of, Some(at(0)));
    assert_eq!(alice.credentials.len(), 1);
    assert_eq!(alice.credentials[0].id, "access_key_1");
    assert_eq!(alice.credentials[0].slot, Some(1));
    assert_eq!(alice.credentials[0].last_rotated, Some(at(-300 * 86_400)));
    assert_eq!(alice.first_seen, None);
}

#[test]
fn later_event_binds_the_report_slot_and_moves_last_used() {
    let mut engine = Engine::new(EngineConfig::default());
    let user = "alice";
    engine.apply_snapshot(&report_row(user, at(0)));
    let mut event = user_event(user, "s3.amazonaws.com", "ListBuckets", 3600);
    event.actor.access_key_id = Some("AKIAALICE".into());
    process(&mut engine, &[event]);

    let alice = record(&engine, user);
    assert_eq!(alice.credentials.len(), 1, "{:?}", alice.credentials);
    let key = &alice.credentials[0];
    assert_eq!(key.id, "AKIAALICE");
    assert_eq!(key.slot, Some(1));
    assert_eq!(key.last_used, Some(at(3600)));
    assert_eq!(key.last_rotated, Some(at(-300 * 86_400)));
    assert_eq!(alice.sources, ["aws_credential_report", "events"]);
}

#[test]
fn older_snapshot_keeps_the_later_last_used() {
    let mut engine = Engine::new(EngineConfig::default());
    let mut event = user_event("bob", "s3.amazonaws.com", "ListBuckets", 0);
    event.actor.access_key_id = Some("AKIABOB".into());
    process(&mut engine, &[event]);
    let mut row = report_row("bob", at(-DAY_MS / 1000));
    row.credentials[0].last_rotated = None;
    row.credentials[0].id = "AKIABOB".to_owned();
    engine.apply_snapshot(&row);

    let bob = record(&engine, "bob");
    assert_eq!(bob.credentials.len(), 1);
    assert_eq!(bob.credentials[0].last_used, Some(at(0)));
    assert_eq!(bob.credentials[0].status, "active");
}

#[test]
fn snapshot_key_deactivation_applies_when_newer() {
    let mut engine = Engine::new(EngineConfig::default());
    engine.apply_snapshot(&report_row("carol", at(0)));
    let mut newer = report_row("carol", at(86_400));
    newer.credentials[0].active = false;
    engine.apply_snapshot(&newer);
    assert_eq!(record(&engine, "carol").credentials[0].status, "inactive");

    let mut older = report_row("carol", at(-86_400));
    older.credentials[0].active = true;
    older.mfa_active = Some(true);
    engine.apply_snapshot(&older);
    let carol = record(&engine, "carol");
    assert_eq!(carol.credentials[0].status, "inactive");
    assert_eq!(carol.mfa_active, Some(false));
}

#[test]
fn owner_comes_from_tags_then_owner_map() {
    let mut config = EngineConfig::default();
    config.inventory.owners = vec![OwnerRule {
        identity: "aws:111122223333:user/svc-*".to_owned(),
        owner: "team-platform".to_owned(),
    }];
    let mut engine = Engine::new(config);
    process(
        &mut engine,
        &[user_event(
            "svc-deploy",
            "s3.amazonaws.com",
            "ListBuckets",
            0,
        )],
    );
    let deploy = record(&engine, "svc-deploy");
    assert_eq!(deploy.owner.as_deref(), Some("team-platform"));
    assert_eq!(deploy.owner_source.as_deref(), Some("owner_map"));

    let mut row = report_row("svc-deploy", at(10));
    row.tags
        .insert("Team".to_owned(), "team-payments".to_owned());
    engine.apply_snapshot(&row);
    let deploy = record(&engine, "svc-deploy");
    assert_eq!(deploy.owner.as_deref(), Some("team-payments"));
    assert_eq!(deploy.owner_source.as_deref(), Some("tag:Team"));

    let mut stated = report_row("svc-deploy", at(20));
    stated.owner = Some("alice@example.com".to_owned());
    engine.apply_snapshot(&stated);
    let deploy = record(&engine, "svc-deploy");
    assert_eq!(deploy.owner.as_deref(), Some("alice@example.com"));
    assert_eq!(
        deploy.owner_source.as_deref(),
        Some("aws_credential_report")
    );
}

#[test]
fn admin_policy_attachment_makes_the_target_admin() {
    let mut engine = Engine::new(EngineConfig::default());
    let event = user_event("alice", "iam.amazonaws.com", "AttachUserPolicy", 0);
    let fact = TargetFact {
        identity: IdentityId::from("aws:111122223333:user/bob"),
        name: "bob".to_owned(),
        kind: TargetFactKind::PolicyAttached {
            policy: "AdministratorAccess".to_owned(),
        },
    };
    process(&mut engine, std::slice::from_ref(&event));
    engine.apply_fact(&fact, &event, &mut Vec::new());

    let bob = record(&engine, "bob");
    assert_eq!(bob.privilege, PrivilegeLevel::Admin);
    assert!(
        bob.privilege_reason.contains("AdministratorAccess"),
        "{}",
        bob.privilege_reason
    );
    let alice = record(&engine, "alice");
    assert_eq!(alice.privilege, PrivilegeLevel::Privileged);
    assert!(alice.privilege_reason.contains("AttachUserPolicy"));
}

#[test]
fn root_is_admin_and_read_calls_grant_nothing() {
    let mut engine = Engine::new(EngineConfig::default());
    let mut root = user_event("root", "s3.amazonaws.com", "ListBuckets", 0);
    root.actor.id = IdentityId::from("aws:111122223333:root");
    root.actor.kind = IdentityKind::Root;
    let reader = user_event("reader", "iam.amazonaws.com", "ListUsers", 0);
    process(&mut engine, &[root, reader]);
    let root = engine
        .inventory(&IdentityId::from("aws:111122223333:root"))
        .expect("root in state");
    assert_eq!(root.privilege, PrivilegeLevel::Admin);
    assert_eq!(record(&engine, "reader").privilege, PrivilegeLevel::Unknown);
}

#[test]
fn consumers_include_network_asn_and_service() {
    let mut engine = Engine::new(EngineConfig::default());
    let mut event = user_event("dave", "s3.amazonaws.com", "ListBuckets", 0);
    event.origin.network = Some(NetworkInfo {
        country: Some("NL".to_owned()),
        asn: Some(64_500),
        as_org: Some("EXAMPLE-NET".to_owned()),
        location: None,
        cloud: Some(false),
    });
    process(&mut engine, &[event]);
    let dave = record(&engine, "dave");
    let consumer = |attribute: &str| {
        dave.consumers
            .iter()
            .find(|consumer| consumer.attribute == attribute)
            .map(|consumer| consumer.value.clone())
    };
    assert_eq!(consumer("network").as_deref(), Some("external"));
    assert_eq!(consumer("asn").as_deref(), Some("AS64500 EXAMPLE-NET"));
    assert_eq!(consumer("service").as_deref(), Some("s3.amazonaws.com"));
}

#[test]
fn deleted_identity_is_disabled() {
    let mut engine = Engine::new(EngineConfig::default());
    let event = user_event("alice", "iam.amazonaws.com", "DeleteUser", 0);
    let fact = TargetFact {
        identity: IdentityId::from("aws:111122223333:user/old"),
        name: "old".to_owned(),
        kind: TargetFactKind::Deleted,
    };
    engine.apply_fact(&fact, &event, &mut Vec::new());
    assert!(!record(&engine, "old").enabled);
}

#[test]
fn rotation_impact_lists_recent_key_consumers() {
    let mut engine = Engine::new(EngineConfig::default());
    let mut old = user_event("erin", "s3.amazonaws.com", "ListBuckets", 0);
    old.actor.access_key_id = Some("AKIAERIN".into());
    old.origin.user_agent = Some("legacy-batch/1.0".into());
    let mut recent = user_event("erin", "dynamodb.amazonaws.com", "GetItem", 40 * 86_400);
    recent.actor.access_key_id = Some("AKIAERIN".into());
    recent.origin.user_agent = Some("payments-api/3.2".into());
    let mut session = user_event(
        "erin",
        "sts.amazonaws.com",
        "GetCallerIdentity",
        40 * 86_400,
    );
    session.actor.access_key_id = Some("ASIASESSION".into());
    process(&mut engine, &[old, recent, session]);

    let erin = record(&engine, "erin");
    let impact = erin
        .rotation_impact("AKIAERIN", at(41 * 86_400), 30)
        .expect("key known");
    let agents: Vec<&str> = impact
        .consumers
        .iter()
        .filter(|consumer| consumer.attribute == "user_agent")
        .map(|consumer| consumer.value.as_str())
        .collect();
    assert_eq!(agents, ["payments-api/3.2"]);
    assert!(impact.older_consumers >= 1, "{impact:?}");
    assert_eq!(impact.last_used, Some(at(40 * 86_400)));

    let session = erin
        .rotation_impact("ASIASESSION", at(41 * 86_400), 30)
        .expect("session key known");
    assert!(session.consumers.is_empty());
    assert!(session.note.contains("expires"));
    assert!(erin.rotation_impact("AKIAUNKNOWN", at(0), 30).is_none());
}

#[test]
fn inventory_key_id_names_the_report_slot() {
    let mut engine = Engine::new(EngineConfig::default());
    let rotated = at(-300 * 86_400);
    engine.apply_snapshot(&report_row("billing", at(0)));
    let mut listed = report_row("billing", at(10));
    listed.source = "inventory_json".to_owned();
    listed.credentials[0].id = "AKIABILLING".to_owned();
    listed.credentials[0].slot = None;
    listed.credentials[0].last_rotated = Some(rotated);
    engine.apply_snapshot(&listed);

    let billing = record(&engine, "billing");
    assert_eq!(billing.credentials.len(), 1, "{:?}", billing.credentials);
    assert_eq!(billing.credentials[0].id, "AKIABILLING");
    assert_eq!(billing.credentials[0].slot, Some(1));
}

#[test]
fn report_slot_finds_the_listed_key_by_rotation() {
    let mut engine = Engine::new(EngineConfig::default());
    let mut listed = report_row("ledger", at(0));
    listed.source = "inventory_json".to_owned();
    listed.credentials[0].id = "AKIALEDGER".to_owned();
    listed.credentials[0].slot = None;
    engine.apply_snapshot(&listed);
    engine.apply_snapshot(&report_row("ledger", at(10)));

    let ledger = record(&engine, "ledger");
    assert_eq!(ledger.credentials.len(), 1, "{:?}", ledger.credentials);
    assert_eq!(ledger.credentials[0].id, "AKIALEDGER");
    assert_eq!(ledger.credentials[0].slot, Some(1));
}

#[test]
fn console_sign_in_uses_the_password() {
    let mut engine = Engine::new(EngineConfig::default());
    engine.apply_snapshot(&IdentitySnapshot {
        credentials: vec![SnapshotCredential {
            id: "console-password".to_owned(),
            kind: "console_password".to_owned(),
            active: true,
            slot: None,
            created_at: None,
            last_rotated: Some(at(-200 * 86_400)),
            last_used: Some(at(-10 * 86_400)),
            last_used_region: None,
            last_used_service: None,
        }],
        mfa_active: None,
        ..report_row("carol", at(-86_400))
    });
    let mut login = user_event("carol", "signin.amazonaws.com", "ConsoleLogin", 3600);
    login.actor.access_key_id = None;
    login.response = raw(r#"{"ConsoleLogin":"Success"}"#);
    login.additional = raw(r#"{"MFAUsed":"No"}"#);
    let mut failed = user_event("carol", "signin.amazonaws.com", "ConsoleLogin", 7200);
    failed.actor.access_key_id = None;
    failed.response = raw(r#"{"ConsoleLogin":"Failure"}"#);
    process(&mut engine, &[login, failed]);

    let carol = record(&engine, "carol");
    let password = carol
        .credentials
        .iter()
        .find(|credential| credential.id == "console-password")
        .expect("password credential");
    assert_eq!(password.last_used, Some(at(3600)));
    assert_eq!(password.use_count, 1, "the failed sign-in is not a use");
    assert_eq!(carol.mfa_active, Some(false));
    assert!(
        password
            .consumers
            .iter()
            .any(|consumer| consumer.attribute == "source"),
        "{password:?}"
    );
}

/// Returns the consumers of the credential `id` in the identity's record.
fn key_consumers(record: &InventoryRecord, id: &str) -> Vec<ispm_model::ConsumerRecord> {
    record
        .credentials
        .iter()
        .find(|credential| credential.id == id)
        .map(|credential| credential.consumers.clone())
        .unwrap_or_default()
}

#[test]
fn key_consumers_follow_only_its_events() {
    let call = |second: i64, key: Option<&str>, agent: &str, service: &str| {
        let mut event = user_event("frank", service, "Call", second);
        event.actor.access_key_id = key.map(Into::into);
        event.origin.user_agent = Some(agent.into());
        event
    };
    let events = [
        call(0, Some("AKIAFRANKA"), "a/1", "s3.amazonaws.com"),
        call(10, Some("AKIAFRANKA"), "a/1", "s3.amazonaws.com"),
        call(20, Some("AKIAFRANKB"), "b/1", "dynamodb.amazonaws.com"),
        call(30, Some("AKIAFRANKA"), "a/2", "ec2.amazonaws.com"),
        call(40, None, "c/1", "sts.amazonaws.com"),
        call(50, Some("AKIAFRANKA"), "a/1", "s3.amazonaws.com"),
    ];
    let mut engine = Engine::new(EngineConfig::default());
    process(&mut engine, &events[..2]);
    let frank = record(&engine, "frank");
    assert_eq!(key_consumers(&frank, "AKIAFRANKA"), frank.consumers);

    process(&mut engine, &events[2..]);
    let frank = record(&engine, "frank");
    // An identity that made only the key's events has the key's consumers.
    for key in ["AKIAFRANKA", "AKIAFRANKB"] {
        let mut alone = Engine::new(EngineConfig::default());
        let used: Vec<IdentityEvent> = events
            .iter()
            .filter(|event| event.actor.access_key_id.as_deref() == Some(key))
            .cloned()
            .collect();
        process(&mut alone, &used);
        assert_eq!(
            key_consumers(&frank, key),
            record(&alone, "frank").consumers,
            "{key}"
        );
    }
}

#[test]
fn key_consumers_leave_out_workload_sessions() {
    let mut first = user_event("grace", "s3.amazonaws.com", "GetObject", 0);
    first.actor.nhi_type = Some(ispm_model::NhiType::Workload);
    first.actor.session_name = Some("i-0123456789".into());
    let mut engine = Engine::new(EngineConfig::default());
    process(&mut engine, &[first]);
    let grace = record(&engine, "grace");
    let key = key_consumers(&grace, "AKIAEXAMPLE");
    assert!(
        grace
            .consumers
            .iter()
            .any(|consumer| consumer.attribute == "workload"),
        "{grace:?}"
    );
    assert!(!key.iter().any(|consumer| consumer.attribute == "workload"));
    assert_eq!(key.len() + 1, grace.consumers.len());
}

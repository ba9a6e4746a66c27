//! Record builders shared by the unit tests.

use ispm_model::{
    ConsumerRecord, CredentialRecord, EventTime, IdentityId, IdentityKind, InventoryRecord,
    NhiType, PrivilegeLevel,
};

use crate::{Evaluation, PolicyConfig, PolicySet};

pub(crate) const DAY: i64 = EventTime::MILLIS_PER_DAY;
pub(crate) const ACCOUNT: &str = "111122223333";

/// `days` days after 2024-01-01T00:00:00Z.
pub(crate) fn day(days: i64) -> EventTime {
    EventTime(1_704_067_200_000 + days * DAY)
}

pub(crate) fn seconds_after(time: EventTime, seconds: i64) -> EventTime {
    EventTime(time.millis() + seconds * 1000)
}

pub(crate) fn record(identity: &str, kind: IdentityKind) -> InventoryRecord {
    let name = identity.rsplit('/').next().unwrap_or(identity).to_owned();
    InventoryRecord {
        identity: IdentityId::from(identity),
        name,
        kind,
        nhi_type: None,
        kind_reason: "test".to_owned(),
        account: Some(ACCOUNT.to_owned()),
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

/// Builds the IAM user of a person.
pub(crate) fn user(name: &str) -> InventoryRecord {
    record(&format!("aws:{ACCOUNT}:user/{name}"), IdentityKind::Human)
}

pub(crate) fn root() -> InventoryRecord {
    record(&format!("aws:{ACCOUNT}:root"), IdentityKind::Root)
}

/// Builds an IAM user that a workload signs in with.
pub(crate) fn service_user(name: &str) -> InventoryRecord {
    let mut record = record(
        &format!("aws:{ACCOUNT}:user/{name}"),
        IdentityKind::NonHuman,
    );
    record.nhi_type = Some(NhiType::ServiceUser);
    record
}

pub(crate) fn role(name: &str) -> InventoryRecord {
    let mut record = record(
        &format!("aws:{ACCOUNT}:role/{name}"),
        IdentityKind::NonHuman,
    );
    record.nhi_type = Some(NhiType::Role);
    record
}

/// Builds an active long-term access key.
pub(crate) fn key(id: &str) -> CredentialRecord {
    CredentialRecord {
        id: id.to_owned(),
        kind: "access_key".to_owned(),
        status: "active".to_owned(),
        ..CredentialRecord::default()
    }
}

/// Builds an active console password.
pub(crate) fn password() -> CredentialRecord {
    CredentialRecord {
        id: "console-password".to_owned(),
        kind: "console_password".to_owned(),
        status: "active".to_owned(),
        ..CredentialRecord::default()
    }
}

pub(crate) fn consumer(attribute: &str, value: &str, last_seen: EventTime) -> ConsumerRecord {
    ConsumerRecord {
        attribute: attribute.to_owned(),
        value: value.to_owned(),
        count: 3,
        first_seen: last_seen,
        last_seen,
    }
}

pub(crate) fn default_set() -> PolicySet {
    match PolicySet::new(&PolicyConfig::default()) {
        Ok(set) => set,
        Err(errors) => panic!("default settings are invalid: {errors:?}"),
    }
}

/// Returns the outcome of policy `id` in an evaluation: `None` when it did
/// not apply, else whether it was violated and its detail.
pub(crate) fn outcome_of(
    set: &PolicySet,
    evaluation: &Evaluation,
    id: &str,
) -> Option<(bool, String)> {
    let index = set.index_of(id)?;
    evaluation
        .outcomes
        .iter()
        .find(|outcome| outcome.policy == index)
        .map(|outcome| (outcome.violated, outcome.detail.clone()))
}

/// Evaluates `record` at `now` with the default policies and returns the
/// outcome of policy `id`.
pub(crate) fn check(id: &str, record: &InventoryRecord, now: EventTime) -> Option<(bool, String)> {
    let set = default_set();
    let evaluation = set.evaluate(record, now);
    outcome_of(&set, &evaluation, id)
}

/// True when policy `id` is violated; panics when it does not apply.
pub(crate) fn violated(id: &str, record: &InventoryRecord, now: EventTime) -> bool {
    match check(id, record, now) {
        Some((violated, _)) => violated,
        None => panic!("{id} does not apply to {}", record.identity),
    }
}

//! The inventory record as CEL values: the `identity` variable.
//!
//! Times are milliseconds since the Unix epoch (CEL `int`), absent values are
//! `null`, and a few computed fields save conditions from date arithmetic.
//! The field lists here are the ones `fields.rs` accepts; keep them in step.

use std::collections::HashMap;
use std::sync::Arc;

use cel::Value;
use cel::objects::{Key, Map};
use ispm_model::{ConsumerRecord, CredentialRecord, EventTime, InventoryRecord};

use crate::facts;
use crate::time::days_between;

/// Builds the `identity` value of a record as of `now`.
pub(crate) fn identity_value(record: &InventoryRecord, now: EventTime) -> Value {
    let last_activity = facts::last_activity(record);
    let tags: HashMap<Key, Value> = record
        .tags
        .iter()
        .map(|(key, value)| (Key::from(key.as_str()), Value::from(value.as_str())))
        .collect();
    let fields = [
        ("id", Value::from(record.identity.as_str())),
        ("name", Value::from(record.name.as_str())),
        ("kind", Value::from(record.kind.as_str())),
        (
            "nhi_type",
            optional_text(record.nhi_type.map(nhi_type_name)),
        ),
        ("kind_reason", Value::from(record.kind_reason.as_str())),
        ("account", optional_text(record.account.as_deref())),
        ("arn", optional_text(record.arn.as_deref())),
        (
            "created_by",
            optional_text(record.created_by.as_ref().map(|id| id.as_str())),
        ),
        ("created_at", optional_time(record.created_at)),
        ("first_seen", optional_time(record.first_seen)),
        ("last_seen", optional_time(record.last_seen)),
        ("event_count", count(record.event_count)),
        ("owner", optional_text(record.owner.as_deref())),
        (
            "owner_source",
            optional_text(record.owner_source.as_deref()),
        ),
        (
            "tags",
            Value::Map(Map {
                map: Arc::new(tags),
            }),
        ),
        ("privilege", Value::from(record.privilege.as_str())),
        (
            "effective_privilege",
            Value::from(facts::effective_privilege(record).as_str()),
        ),
        (
            "privilege_reason",
            Value::from(record.privilege_reason.as_str()),
        ),
        ("enabled", Value::Bool(record.enabled)),
        (
            "mfa_active",
            record.mfa_active.map_or(Value::Null, Value::Bool),
        ),
        ("sources", text_list(&record.sources)),
        ("via_roles", text_list(&record.via_roles)),
        (
            "consumers_truncated",
            Value::Bool(record.consumers_truncated),
        ),
        ("snapshot_as_of", optional_time(record.snapshot_as_of)),
        ("last_activity", optional_time(last_activity)),
        (
            "inactive_days",
            last_activity.map_or(Value::Null, |time| Value::Int(days_between(time, now))),
        ),
        (
            "credentials",
            Value::List(Arc::new(
                record
                    .credentials
                    .iter()
                    .map(|credential| credential_value(credential, now))
                    .collect(),
            )),
        ),
        (
            "consumers",
            Value::List(Arc::new(
                record.consumers.iter().map(consumer_value).collect(),
            )),
        ),
    ];
    map_value(fields)
}

fn credential_value(credential: &CredentialRecord, now: EventTime) -> Value {
    let age_start = facts::age_start(credential);
    let idle_since = credential.last_used.or(age_start);
    let fields = [
        ("id", Value::from(credential.id.as_str())),
        ("kind", Value::from(credential.kind.as_str())),
        ("status", Value::from(credential.status.as_str())),
        ("active", Value::Bool(facts::is_active(credential))),
        ("created_at", optional_time(credential.created_at)),
        (
            "created_by",
            optional_text(credential.created_by.as_ref().map(|id| id.as_str())),
        ),
        ("first_used", optional_time(credential.first_used)),
        ("last_used", optional_time(credential.last_used)),
        ("use_count", count(credential.use_count)),
        ("last_rotated", optional_time(credential.last_rotated)),
        (
            "slot",
            credential
                .slot
                .map_or(Value::Null, |slot| Value::Int(i64::from(slot))),
        ),
        (
            "last_used_region",
            optional_text(credential.last_used_region.as_deref()),
        ),
        (
            "last_used_service",
            optional_text(credential.last_used_service.as_deref()),
        ),
        (
            "age_days",
            age_start.map_or(Value::Null, |time| Value::Int(days_between(time, now))),
        ),
        (
            "unused_days",
            idle_since.map_or(Value::Null, |time| Value::Int(days_between(time, now))),
        ),
        (
            "consumers",
            Value::List(Arc::new(
                credential.consumers.iter().map(consumer_value).collect(),
            )),
        ),
        (
            "consumers_truncated",
            Value::Bool(credential.consumers_truncated),
        ),
    ];
    map_value(fields)
}

fn consumer_value(consumer: &ConsumerRecord) -> Value {
    let fields = [
        ("attribute", Value::from(consumer.attribute.as_str())),
        ("value", Value::from(consumer.value.as_str())),
        ("count", count(consumer.count)),
        ("first_seen", Value::Int(consumer.first_seen.millis())),
        ("last_seen", Value::Int(consumer.last_seen.millis())),
    ];
    map_value(fields)
}

fn map_value<const N: usize>(fields: [(&str, Value); N]) -> Value {
    let map: HashMap<Key, Value> = fields
        .into_iter()
        .map(|(name, value)| (Key::from(name), value))
        .collect();
    Value::Map(Map { map: Arc::new(map) })
}

fn optional_text(text: Option<&str>) -> Value {
    text.map_or(Value::Null, Value::from)
}

fn optional_time(time: Option<EventTime>) -> Value {
    time.map_or(Value::Null, |time| Value::Int(time.millis()))
}

fn text_list(items: &[String]) -> Value {
    Value::List(Arc::new(
        items
            .iter()
            .map(|item| Value::from(item.as_str()))
            .collect(),
    ))
}

/// Converts a count to a CEL `int`, so that conditions compare it with plain
/// number literals. CEL does not mix `int` and `uint` in arithmetic.
fn count(value: u64) -> Value {
    Value::Int(i64::try_from(value).unwrap_or(i64::MAX))
}

fn nhi_type_name(nhi_type: ispm_model::NhiType) -> &'static str {
    use ispm_model::NhiType;
    match nhi_type {
        NhiType::Role => "role",
        NhiType::Workload => "workload",
        NhiType::ServiceUser => "service_user",
        NhiType::AwsService => "aws_service",
        NhiType::Account => "account",
        NhiType::FederatedUser => "federated_user",
    }
}

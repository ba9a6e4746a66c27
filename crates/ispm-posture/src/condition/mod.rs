//! Conditions of custom policies, written in the Common Expression Language
//! (CEL, the language of Kubernetes admission policies) and run by the `cel`
//! crate.
//!
//! A condition reads two variables: `identity`, the inventory record with a
//! few computed fields (see `values.rs` and `docs/policies.md`), and `now`,
//! the event time in milliseconds. It may call `days_since(ms)`, which gives
//! whole days from `ms` to `now`, or `null` for `null`. It must give `true`
//! when the identity violates the policy.

mod fields;
mod values;

use std::sync::Arc;

use cel::{Context, Env, ExecutionError, Program, Value};
use ispm_model::{
    ConsumerRecord, CredentialRecord, EventTime, IdentityId, IdentityKind, InventoryRecord,
    NhiType, PrivilegeLevel,
};

use crate::time::days_between;

#[cfg(test)]
use fields::{CONSUMER_FIELDS, CREDENTIAL_FIELDS, IDENTITY_FIELDS};

/// Name of the helper that turns a time into days before `now`.
const DAYS_SINCE: &str = "days_since";

/// A compiled condition.
pub(crate) struct Condition {
    program: Program,
}

/// The reason a condition cannot be used, with its place in the source
/// (1-based line and column).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ConditionError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// The CEL standard library, built once and shared by every evaluation.
#[derive(Clone)]
pub(crate) struct Runtime {
    env: Arc<Env>,
}

impl Runtime {
    pub(crate) fn new() -> Self {
        Runtime {
            env: Arc::new(Env::stdlib()),
        }
    }

    /// Binds `identity`, `now` and `days_since` for one record.
    pub(crate) fn bind(
        &self,
        record: &InventoryRecord,
        now: EventTime,
    ) -> Result<Context<'static, 'static>, String> {
        let mut context = Context::with_env(Arc::clone(&self.env));
        context.add_variable_from_value("identity", values::identity_value(record, now));
        context.add_variable_from_value("now", Value::Int(now.millis()));
        context
            .add_function(DAYS_SINCE, move |time: Value| days_since(time, now))
            .map_err(|error| format!("cannot declare {DAYS_SINCE}: {error:?}"))?;
        Ok(context)
    }
}

fn days_since(time: Value, now: EventTime) -> Result<Value, ExecutionError> {
    match time {
        Value::Int(millis) => Ok(Value::Int(days_between(EventTime(millis), now))),
        Value::Null => Ok(Value::Null),
        other => Err(ExecutionError::function_error(
            DAYS_SINCE,
            format!(
                "expected a time in milliseconds or null, got {}",
                other.type_of()
            ),
        )),
    }
}

impl Condition {
    /// Parses a condition and checks it against a sample record: fields that
    /// do not exist, names that are not declared and results that are not
    /// `true` or `false` are reported here rather than on every record.
    pub(crate) fn compile(source: &str, runtime: &Runtime) -> Result<Condition, ConditionError> {
        if source.trim().is_empty() {
            return Err(ConditionError {
                line: 1,
                column: 1,
                message: "condition is empty".to_owned(),
            });
        }
        let program = Program::compile(source).map_err(|errors| {
            let first = errors.errors.first();
            let (line, column) = first.map_or((1, 1), |error| {
                (
                    usize::try_from(error.pos.0).unwrap_or(1).max(1),
                    usize::try_from(error.pos.1).unwrap_or(1).max(1),
                )
            });
            let message = first.map_or_else(|| errors.to_string(), |error| error.msg.clone());
            ConditionError {
                line,
                column,
                message,
            }
        })?;

        if let Some(unknown) = fields::find_unknown_field(program.expression()) {
            let offset = program
                .source_info()
                .offset_for(unknown.expr_id)
                .map_or(0, |(start, _)| start as usize);
            let (line, column) = position(source, offset);
            return Err(ConditionError {
                line,
                column,
                message: unknown.message,
            });
        }

        let condition = Condition { program };
        condition.dry_run(source, runtime)?;
        Ok(condition)
    }

    /// Evaluates the condition on a record bound by [`Runtime::bind`].
    pub(crate) fn evaluate(&self, context: &Context<'_, '_>) -> Result<bool, String> {
        match self.program.execute(context) {
            Ok(Value::Bool(violated)) => Ok(violated),
            Ok(other) => Err(format!(
                "the condition gave a {} value, expected true or false",
                other.type_of()
            )),
            Err(error) => Err(error.to_string()),
        }
    }

    fn dry_run(&self, source: &str, runtime: &Runtime) -> Result<(), ConditionError> {
        let now = EventTime(sample_now_millis());
        let context = runtime
            .bind(&sample_record(), now)
            .map_err(|message| ConditionError {
                line: 1,
                column: 1,
                message,
            })?;
        match self.program.execute(&context) {
            Ok(Value::Bool(_)) => Ok(()),
            Ok(other) => Err(ConditionError {
                line: 1,
                column: 1,
                message: format!(
                    "the condition gives a {} value; it must give true or false",
                    other.type_of()
                ),
            }),
            Err(ExecutionError::UndeclaredReference(name)) => {
                let offset = find_identifier(source, &name).unwrap_or(0);
                let (line, column) = position(source, offset);
                Err(ConditionError {
                    line,
                    column,
                    message: format!(
                        "unknown name `{name}`: the variables are `identity` and `now`, and \
                         the functions are CEL's standard ones and `{DAYS_SINCE}`"
                    ),
                })
            }
            // Other errors depend on the data, such as a comparison with a
            // null time; they are reported per record.
            Err(_) => Ok(()),
        }
    }
}

/// 1-based line and column of a character offset.
fn position(source: &str, offset: usize) -> (usize, usize) {
    let mut line = 1;
    let mut column = 1;
    for character in source.chars().take(offset) {
        if character == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line, column)
}

/// Character offset of the first whole-word occurrence of `name`.
fn find_identifier(source: &str, name: &str) -> Option<usize> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    source.match_indices(name).find_map(|(start, _)| {
        let before = source[..start].chars().next_back();
        let after = source[start + name.len()..].chars().next();
        let whole = !before.is_some_and(is_word) && !after.is_some_and(is_word);
        whole.then(|| source[..start].chars().count())
    })
}

/// 2024-01-01T00:00:00Z, the time of the sample record.
const fn sample_now_millis() -> i64 {
    1_704_067_200_000
}

/// Builds a record with every optional field set and one credential and
/// consumer, so that a dry run reaches as much of a condition as it can.
fn sample_record() -> InventoryRecord {
    let now = EventTime(sample_now_millis());
    let day_before = EventTime(now.millis() - EventTime::MILLIS_PER_DAY);
    InventoryRecord {
        identity: IdentityId::from("aws:111122223333:user/sample"),
        name: "sample".to_owned(),
        kind: IdentityKind::NonHuman,
        nhi_type: Some(NhiType::ServiceUser),
        kind_reason: "sample".to_owned(),
        account: Some("111122223333".to_owned()),
        arn: Some("arn:aws:iam::111122223333:user/sample".to_owned()),
        created_by: Some(IdentityId::from("aws:111122223333:user/admin")),
        created_at: Some(day_before),
        created_event: Some("sample".to_owned()),
        first_seen: Some(day_before),
        last_seen: Some(now),
        event_count: 1,
        credentials: vec![CredentialRecord {
            id: "AKIASAMPLE".to_owned(),
            kind: "access_key".to_owned(),
            created_at: Some(day_before),
            created_by: Some(IdentityId::from("aws:111122223333:user/admin")),
            first_used: Some(day_before),
            last_used: Some(now),
            use_count: 1,
            status: "active".to_owned(),
            last_rotated: Some(day_before),
            slot: Some(1),
            last_used_region: Some("us-east-1".to_owned()),
            last_used_service: Some("s3".to_owned()),
            consumers: vec![sample_consumer(day_before, now)],
            ..CredentialRecord::default()
        }],
        consumers: vec![sample_consumer(day_before, now)],
        via_roles: vec!["sample".to_owned()],
        consumers_truncated: false,
        owner: Some("sample".to_owned()),
        owner_source: Some("tag:owner".to_owned()),
        tags: [("owner".to_owned(), "sample".to_owned())].into(),
        privilege: PrivilegeLevel::Standard,
        privilege_reason: "sample".to_owned(),
        enabled: true,
        mfa_active: Some(true),
        sources: vec!["events".to_owned()],
        snapshot_as_of: Some(now),
    }
}

fn sample_consumer(first_seen: EventTime, last_seen: EventTime) -> ConsumerRecord {
    ConsumerRecord {
        attribute: "source".to_owned(),
        value: "203.0.113.1".to_owned(),
        count: 1,
        first_seen,
        last_seen,
    }
}

#[cfg(test)]
mod tests;

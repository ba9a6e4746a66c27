use std::collections::HashSet;

use cel::Value;
use ispm_model::{EventTime, IdentityKind};

use super::*;

const DAY: i64 = EventTime::MILLIS_PER_DAY;

fn compile(source: &str) -> Result<Condition, ConditionError> {
    Condition::compile(source, &Runtime::new())
}

fn compile_error(source: &str) -> ConditionError {
    match compile(source) {
        Ok(_) => panic!("{source} should be rejected"),
        Err(error) => error,
    }
}

fn evaluate(source: &str, record: &InventoryRecord, now: EventTime) -> Result<bool, String> {
    let runtime = Runtime::new();
    let condition = Condition::compile(source, &runtime).map_err(|error| error.message)?;
    let context = runtime.bind(record, now)?;
    condition.evaluate(&context)
}

fn keys(value: &Value) -> HashSet<String> {
    match value {
        Value::Map(map) => map.map.keys().map(|key| key.to_string()).collect(),
        other => panic!("expected a map, got {other:?}"),
    }
}

#[test]
fn parse_error_gives_line_and_column() {
    let error = compile_error("identity.enabled &&");
    assert_eq!((error.line, error.column), (1, 20), "{error:?}");

    let error = compile_error("identity.enabled\n  && (");
    assert_eq!(error.line, 2, "{error:?}");
}

#[test]
fn empty_condition_is_rejected() {
    let error = compile_error("  ");
    assert_eq!(error.message, "condition is empty");
}

#[test]
fn unknown_identity_field_is_rejected_with_its_place() {
    let error = compile_error("identity.enabled && identity.ownr == null");
    assert!(
        error.message.contains("unknown field `ownr` of identity"),
        "{error:?}"
    );
    assert_eq!(error.line, 1);
    assert!(
        (29..=30).contains(&error.column),
        "column {} should point at .ownr",
        error.column
    );
}

#[test]
fn unknown_credential_field_inside_exists_is_rejected() {
    let error = compile_error("identity.credentials.exists(c, c.age > 90)");
    assert!(
        error
            .message
            .contains("unknown field `age` of a credential"),
        "{error:?}"
    );
}

#[test]
fn unknown_consumer_field_inside_all_is_rejected() {
    let error = compile_error("identity.consumers.all(c, c.network == 'aws')");
    assert!(
        error
            .message
            .contains("unknown field `network` of a consumer"),
        "{error:?}"
    );
}

#[test]
fn unknown_function_is_rejected() {
    let error = compile_error("identity.enabled && days_ago(identity.last_seen) > 3");
    assert!(
        error.message.contains("unknown name `days_ago`"),
        "{error:?}"
    );
    assert_eq!(error.column, 21, "{error:?}");
}

#[test]
fn non_boolean_condition_is_rejected() {
    let error = compile_error("identity.event_count");
    assert!(
        error.message.contains("must give true or false"),
        "{error:?}"
    );
}

#[test]
fn any_tag_key_is_accepted() {
    assert!(compile("'team' in identity.tags && identity.tags.team == 'x'").is_ok());
}

#[test]
fn identity_value_has_exactly_the_documented_fields() {
    let record = sample_record();
    let now = EventTime(sample_now_millis());
    let identity = values::identity_value(&record, now);
    let expected: HashSet<String> = IDENTITY_FIELDS.iter().map(|f| f.to_string()).collect();
    assert_eq!(keys(&identity), expected);

    let Value::Map(map) = &identity else {
        panic!("identity is a map");
    };
    let credentials = map
        .map
        .get(&cel::objects::Key::from("credentials"))
        .expect("credentials");
    let Value::List(credentials) = credentials else {
        panic!("credentials is a list");
    };
    let expected: HashSet<String> = CREDENTIAL_FIELDS.iter().map(|f| f.to_string()).collect();
    assert_eq!(keys(&credentials[0]), expected);

    let consumers = map
        .map
        .get(&cel::objects::Key::from("consumers"))
        .expect("consumers");
    let Value::List(consumers) = consumers else {
        panic!("consumers is a list");
    };
    let expected: HashSet<String> = CONSUMER_FIELDS.iter().map(|f| f.to_string()).collect();
    assert_eq!(keys(&consumers[0]), expected);
}

#[test]
fn credential_age_days_counts_from_rotation() {
    let mut record = sample_record();
    let now = EventTime(400 * DAY);
    record.credentials[0].last_rotated = Some(EventTime(300 * DAY));
    record.credentials[0].created_at = Some(EventTime(10 * DAY));
    let old =
        "identity.credentials.exists(c, c.kind == 'access_key' && c.active && c.age_days > 99)";
    assert_eq!(evaluate(old, &record, now), Ok(true));
    let older = "identity.credentials.exists(c, c.age_days > 100)";
    assert_eq!(evaluate(older, &record, now), Ok(false));
}

#[test]
fn days_since_counts_to_now() {
    let mut record = sample_record();
    record.last_seen = Some(EventTime(DAY));
    record.owner = None;
    let now = EventTime(31 * DAY + 5);
    assert_eq!(
        evaluate("days_since(identity.last_seen) == 30", &record, now),
        Ok(true)
    );
    assert_eq!(
        evaluate("days_since(identity.owner) == null", &record, now),
        Ok(true)
    );
    assert_eq!(evaluate("now == 31 * 86400000 + 5", &record, now), Ok(true));
}

#[test]
fn kind_and_owner_conditions_evaluate() {
    let mut record = sample_record();
    record.kind = IdentityKind::AiAgent;
    record.owner = None;
    let now = EventTime(sample_now_millis());
    let source = "identity.kind == 'ai_agent' && identity.owner == null";
    assert_eq!(evaluate(source, &record, now), Ok(true));
    record.owner = Some("team-ml".to_owned());
    assert_eq!(evaluate(source, &record, now), Ok(false));
}

#[test]
fn comparing_a_null_time_is_an_evaluation_error() {
    let mut record = sample_record();
    record.created_at = None;
    let now = EventTime(sample_now_millis());
    let result = evaluate("identity.created_at < now", &record, now);
    assert!(result.is_err(), "{result:?}");
    let guarded = "identity.created_at != null && identity.created_at < now";
    assert_eq!(evaluate(guarded, &record, now), Ok(false));
}

#[test]
fn regex_matches_is_available() {
    let record = sample_record();
    let now = EventTime(sample_now_millis());
    assert_eq!(
        evaluate("identity.name.matches('^sam')", &record, now),
        Ok(true)
    );
}

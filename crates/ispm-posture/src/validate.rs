//! Checks of a [`PolicyConfig`] that collect every invalid entry rather than
//! stopping at the first, so one attempt to load the settings shows them all.

use std::collections::HashMap;

use ispm_model::Control;

use crate::catalogue::BUILTINS;
use crate::condition::{Condition, Runtime};
use crate::config::{MAX_KEY_AT_CREATION_WINDOW_SECONDS, MAX_THRESHOLD_DAYS, PolicyConfig};
use crate::error::PolicyConfigError;

const MAX_ID_LEN: usize = 64;

/// Checks the settings and compiles the custom conditions, in settings order.
pub(crate) fn validate(
    config: &PolicyConfig,
    runtime: &Runtime,
) -> Result<Vec<Condition>, Vec<PolicyConfigError>> {
    let mut errors = Vec::new();
    check_thresholds(config, &mut errors);
    let conditions = check_custom(config, runtime, &mut errors);
    check_overrides(config, &mut errors);
    if errors.is_empty() {
        Ok(conditions)
    } else {
        Err(errors)
    }
}

/// Parses `FRAMEWORK:CONTROL`, such as `SOC 2:CC6.1`; `None` when either
/// part is missing.
pub(crate) fn parse_control(text: &str) -> Option<Control> {
    let (framework, id) = text.split_once(':')?;
    let framework = framework.trim();
    let id = id.trim();
    if framework.is_empty() || id.is_empty() {
        return None;
    }
    Some(Control {
        framework: framework.to_owned(),
        id: id.to_owned(),
    })
}

fn check_thresholds(config: &PolicyConfig, errors: &mut Vec<PolicyConfigError>) {
    let days = [
        ("key_rotation_days", config.key_rotation_days),
        ("key_unused_days", config.key_unused_days),
        ("password_unused_days", config.password_unused_days),
        ("inactive_days", config.inactive_days),
        ("root_used_days", config.root_used_days),
    ];
    for (key, value) in days {
        check_range(key, value, 1, MAX_THRESHOLD_DAYS, errors);
    }
    // A grace period longer than the unused limit would hide every new key
    // that is never used for longer than the limit allows.
    check_range(
        "new_key_grace_days",
        config.new_key_grace_days,
        0,
        config.key_unused_days,
        errors,
    );
    check_range(
        "key_at_creation_window_seconds",
        config.key_at_creation_window_seconds,
        1,
        MAX_KEY_AT_CREATION_WINDOW_SECONDS,
        errors,
    );
}

fn check_range(
    key: &'static str,
    value: u32,
    min: u32,
    max: u32,
    errors: &mut Vec<PolicyConfigError>,
) {
    if !(min..=max).contains(&value) {
        errors.push(PolicyConfigError::ThresholdOutOfRange {
            key,
            value,
            min,
            max,
        });
    }
}

fn is_valid_id(id: &str) -> bool {
    let mut bytes = id.bytes();
    let starts_with_letter = bytes.next().is_some_and(|b| b.is_ascii_lowercase());
    starts_with_letter
        && id.len() <= MAX_ID_LEN
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn check_custom(
    config: &PolicyConfig,
    runtime: &Runtime,
    errors: &mut Vec<PolicyConfigError>,
) -> Vec<Condition> {
    let mut first_index: HashMap<&str, usize> = HashMap::new();
    let mut conditions = Vec::new();
    for (index, policy) in config.custom.iter().enumerate() {
        let id = policy.id.clone();
        if !is_valid_id(&policy.id) {
            errors.push(PolicyConfigError::InvalidCustomId {
                index,
                id: id.clone(),
            });
        } else if BUILTINS.iter().any(|builtin| builtin.name == policy.id) {
            errors.push(PolicyConfigError::CustomIdClashesWithBuiltin {
                index,
                id: id.clone(),
            });
        } else if let Some(first) = first_index.get(policy.id.as_str()) {
            errors.push(PolicyConfigError::DuplicateCustomId {
                index,
                id: id.clone(),
                first: *first,
            });
        } else {
            first_index.insert(&policy.id, index);
        }

        if policy.title.trim().is_empty() {
            errors.push(PolicyConfigError::EmptyTitle {
                index,
                id: id.clone(),
            });
        }
        for control in &policy.controls {
            if parse_control(control).is_none() {
                errors.push(PolicyConfigError::InvalidControl {
                    index,
                    id: id.clone(),
                    control: control.clone(),
                });
            }
        }
        match Condition::compile(&policy.condition, runtime) {
            Ok(condition) => conditions.push(condition),
            Err(error) => errors.push(PolicyConfigError::InvalidCondition {
                index,
                id,
                line: error.line,
                column: error.column,
                message: error.message,
            }),
        }
    }
    conditions
}

fn check_overrides(config: &PolicyConfig, errors: &mut Vec<PolicyConfigError>) {
    let known: Vec<&str> = BUILTINS
        .iter()
        .map(|builtin| builtin.name)
        .chain(config.custom.iter().map(|policy| policy.id.as_str()))
        .collect();
    for id in config.overrides.keys() {
        if !known.contains(&id.as_str()) {
            errors.push(PolicyConfigError::UnknownOverride {
                id: id.clone(),
                known: known.join(", "),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use ispm_model::{IdentityKind, Severity};

    use crate::config::{CustomPolicy, PolicyOverride};
    use crate::test_support::*;
    use crate::{PolicyConfig, PolicyConfigError, PolicySet};

    fn custom(id: &str, condition: &str) -> CustomPolicy {
        CustomPolicy {
            id: id.to_owned(),
            title: format!("Custom {id}"),
            description: String::new(),
            severity: Severity::Medium,
            remediation: String::new(),
            controls: vec!["SOC 2:CC6.1".to_owned()],
            applies_to: Vec::new(),
            condition: condition.to_owned(),
        }
    }

    fn errors_of(config: &PolicyConfig) -> Vec<PolicyConfigError> {
        match PolicySet::new(config) {
            Ok(_) => panic!("settings should be invalid"),
            Err(errors) => errors,
        }
    }

    #[test]
    fn every_invalid_entry_is_reported_at_once() {
        let mut config = PolicyConfig {
            key_rotation_days: 0,
            new_key_grace_days: 100,
            key_at_creation_window_seconds: 7200,
            ..PolicyConfig::default()
        };
        config
            .overrides
            .insert("no_such_policy".to_owned(), PolicyOverride::default());
        let mut bad_control = custom("team_tag", "identity.enabled");
        bad_control.controls.push("CC6.1".to_owned());
        config.custom = vec![
            custom("root_access_keys", "identity.enabled"),
            custom("Bad-Id", "identity.enabled"),
            custom("stale_agent", "identity.kind == "),
            custom("stale_agent", "identity.enabled"),
            bad_control,
        ];

        let errors = errors_of(&config);
        let expected = [
            PolicyConfigError::ThresholdOutOfRange {
                key: "key_rotation_days",
                value: 0,
                min: 1,
                max: 3650,
            },
            PolicyConfigError::ThresholdOutOfRange {
                key: "new_key_grace_days",
                value: 100,
                min: 0,
                max: 90,
            },
            PolicyConfigError::ThresholdOutOfRange {
                key: "key_at_creation_window_seconds",
                value: 7200,
                min: 1,
                max: 3600,
            },
            PolicyConfigError::CustomIdClashesWithBuiltin {
                index: 0,
                id: "root_access_keys".to_owned(),
            },
            PolicyConfigError::InvalidCustomId {
                index: 1,
                id: "Bad-Id".to_owned(),
            },
            PolicyConfigError::DuplicateCustomId {
                index: 3,
                id: "stale_agent".to_owned(),
                first: 2,
            },
            PolicyConfigError::InvalidControl {
                index: 4,
                id: "team_tag".to_owned(),
                control: "CC6.1".to_owned(),
            },
        ];
        for error in &expected {
            assert!(errors.contains(error), "missing {error:?} in {errors:#?}");
        }
        let condition = errors.iter().find_map(|error| match error {
            PolicyConfigError::InvalidCondition {
                index,
                line,
                column,
                ..
            } => Some((*index, *line, *column)),
            _ => None,
        });
        assert_eq!(condition, Some((2, 1, 18)));
        assert!(
            errors
                .iter()
                .any(|error| matches!(error, PolicyConfigError::UnknownOverride { id, .. } if id == "no_such_policy"))
        );
        assert_eq!(errors.len(), expected.len() + 2, "{errors:#?}");
    }

    #[test]
    fn condition_error_message_names_place_and_field() {
        let config = PolicyConfig {
            custom: vec![custom("typo", "identity.ownr == null")],
            ..PolicyConfig::default()
        };
        let message = errors_of(&config)[0].to_string();
        assert!(
            message.starts_with("custom[0] (typo): condition is invalid at line 1, column"),
            "{message}"
        );
        assert!(message.contains("unknown field `ownr`"), "{message}");
    }

    #[test]
    fn custom_policy_is_evaluated_on_matching_kinds() {
        let mut policy = custom(
            "agent_without_owner",
            "identity.kind == 'ai_agent' && identity.owner == null",
        );
        policy.applies_to = vec![IdentityKind::AiAgent];
        let config = PolicyConfig {
            custom: vec![policy],
            ..PolicyConfig::default()
        };
        let set = PolicySet::new(&config).expect("valid");
        let index = set.index_of("agent_without_owner").expect("enabled");
        assert!(!set.policies()[index].builtin);
        assert_eq!(set.policies()[index].controls[0].framework, "SOC 2");

        let mut agent = record("aws:111122223333:user/agent", IdentityKind::AiAgent);
        let evaluation = set.evaluate(&agent, day(0));
        let outcome = outcome_of(&set, &evaluation, "agent_without_owner");
        assert_eq!(outcome.map(|(violated, _)| violated), Some(true));

        agent.owner = Some("team-ml".to_owned());
        let evaluation = set.evaluate(&agent, day(0));
        let outcome = outcome_of(&set, &evaluation, "agent_without_owner");
        assert_eq!(outcome.map(|(violated, _)| violated), Some(false));

        let evaluation = set.evaluate(&user("alice"), day(0));
        assert_eq!(outcome_of(&set, &evaluation, "agent_without_owner"), None);
    }

    #[test]
    fn custom_condition_error_gives_no_outcome() {
        let config = PolicyConfig {
            custom: vec![custom(
                "created_long_ago",
                "identity.created_at < now - 1000",
            )],
            ..PolicyConfig::default()
        };
        let set = PolicySet::new(&config).expect("valid");
        let evaluation = set.evaluate(&user("alice"), day(0));
        assert_eq!(outcome_of(&set, &evaluation, "created_long_ago"), None);
    }

    #[test]
    fn override_switches_a_policy_off() {
        let mut config = PolicyConfig::default();
        config.overrides.insert(
            "nhi_without_owner".to_owned(),
            PolicyOverride {
                enabled: Some(false),
                severity: None,
            },
        );
        let set = PolicySet::new(&config).expect("valid");
        assert_eq!(set.index_of("nhi_without_owner"), None);
        let evaluation = set.evaluate(&service_user("etl"), day(0));
        assert!(
            evaluation
                .violations()
                .all(|outcome| { set.policies()[outcome.policy].id != "nhi_without_owner" })
        );
    }

    #[test]
    fn settings_load_from_toml_and_reject_unknown_keys() {
        let text = r#"
            key_rotation_days = 45
            [overrides.two_active_access_keys]
            severity = "medium"
            [[custom]]
            id = "agent_without_owner"
            title = "AI agent without an owner"
            severity = "high"
            condition = "identity.kind == 'ai_agent' && identity.owner == null"
        "#;
        let config: PolicyConfig = toml::from_str(text).expect("valid TOML");
        assert_eq!(config.key_rotation_days, 45);
        assert_eq!(config.key_unused_days, 90);
        assert!(PolicySet::new(&config).is_ok());

        let typo: Result<PolicyConfig, _> = toml::from_str("key_rotaton_days = 45");
        assert!(typo.is_err());
    }
}

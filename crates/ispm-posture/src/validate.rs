//! Checks of a [`PolicyConfig`] that collect every invalid entry rather than
//! stopping at the first, so one run of `ispm check-config` shows them all.

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
    // that is never used for longer than the limit asks.
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

//! Rejection of decimal numbers given for whole-number settings.
//!
//! The `config` crate rounds a float to the nearest integer when a setting
//! is an integer. So `max_record_bytes = 1500.7` would load as 1501, and
//! `ISPM__ENGINE__LEARNING__MIN_EVENTS=0.5` as 1, which passes its range
//! check. A TOML float is a different type from an integer, so such a value
//! is reported as a wrong type instead.

use config::{Value, ValueKind};

use super::load::SettingError;
use super::origin::{comes_from_environment, env_var_name};

/// Finds every float in `tree` where `defaults`, the serialized default
/// settings, have an integer, and returns its key segments with the error
/// to report. Settings whose default gives no type (empty lists and maps,
/// unset options) are not checked.
pub(super) fn decimals_for_integers(
    tree: &Value,
    defaults: &serde_json::Value,
    file_label: &str,
) -> Vec<(Vec<String>, SettingError)> {
    let mut found = Vec::new();
    let mut segments = Vec::new();
    collect(tree, defaults, &mut segments, &mut found);
    found
        .into_iter()
        .map(|(segments, number)| {
            let source = if comes_from_environment(tree, &segments) {
                env_var_name(&segments)
            } else {
                file_label.to_owned()
            };
            let error = SettingError {
                source,
                key: segments.join("."),
                message: format!("invalid type: floating point `{number}`, expected an integer"),
            };
            (segments, error)
        })
        .collect()
}

fn collect(
    value: &Value,
    default: &serde_json::Value,
    segments: &mut Vec<String>,
    found: &mut Vec<(Vec<String>, f64)>,
) {
    match (&value.kind, default) {
        (ValueKind::Float(number), serde_json::Value::Number(default)) if !default.is_f64() => {
            found.push((segments.clone(), *number));
        }
        (ValueKind::Table(table), serde_json::Value::Object(defaults)) => {
            let mut keys: Vec<&String> = table.keys().collect();
            keys.sort();
            for key in keys {
                if let (Some(child), Some(default)) = (table.get(key), defaults.get(key)) {
                    segments.push(key.clone());
                    collect(child, default, segments, found);
                    segments.pop();
                }
            }
        }
        (ValueKind::Array(items), serde_json::Value::Array(defaults)) => {
            // A list's default gives its element type only when it has an
            // element.
            let Some(default) = defaults.first() else {
                return;
            };
            for (index, item) in items.iter().enumerate() {
                segments.push(index.to_string());
                collect(item, default, segments, found);
                segments.pop();
            }
        }
        _ => {}
    }
}

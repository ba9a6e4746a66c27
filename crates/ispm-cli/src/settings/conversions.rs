//! Rejection of values that the `config` crate would convert silently.
//!
//! `config` rounds a float to the nearest integer when a setting is an
//! integer, so `max_record_bytes = 1500.7` would load as 1501, and
//! `ISPM__ENGINE__LEARNING__MIN_EVENTS=0.5` as 1, which passes its range
//! check. It also turns a boolean into 0 or 1 where a number belongs
//! (`cloud_asns = [true]` loaded as AS 1), and a number or words such as
//! `"no"` and `"off"` into a boolean. Each such value is reported as a wrong
//! type instead, judged by the type of the setting's default.

use config::{Value, ValueKind};

use super::load::{SettingError, key_text};
use super::origin::{comes_from_environment, env_var_name};

/// Finds every value in `tree` that `config` would convert to the type of
/// its default in `defaults`, the serialized default settings, and returns
/// its key segments with the error to report. Settings whose default gives
/// no type (empty lists and maps, unset options) are not checked.
pub(super) fn silent_conversions(
    tree: &Value,
    defaults: &serde_json::Value,
    file_label: &str,
) -> Vec<(Vec<String>, SettingError)> {
    let mut found = Vec::new();
    let mut segments = Vec::new();
    collect(tree, defaults, &mut segments, &mut found);
    found
        .into_iter()
        .map(|(segments, message)| {
            let source = if comes_from_environment(tree, &segments) {
                env_var_name(&segments)
            } else {
                file_label.to_owned()
            };
            let error = SettingError {
                source,
                key: key_text(&segments),
                message,
            };
            (segments, error)
        })
        .collect()
}

/// Returns the error for `value` where the default is `default`, or
/// `None` when `config` would take the value as it is.
fn conversion(value: &ValueKind, default: &serde_json::Value) -> Option<String> {
    use serde_json::Value as Default;
    match (value, default) {
        (ValueKind::Float(number), Default::Number(default)) if !default.is_f64() => Some(format!(
            "invalid type: floating point `{number}`, expected an integer"
        )),
        (ValueKind::Boolean(flag), Default::Number(default)) => {
            let expected = if default.is_f64() {
                "a number"
            } else {
                "an integer"
            };
            Some(format!(
                "invalid type: boolean `{flag}`, expected {expected}"
            ))
        }
        (ValueKind::Boolean(_), Default::Bool(_)) => None,
        (ValueKind::String(text), Default::Bool(_))
            if text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false") =>
        {
            None
        }
        (ValueKind::String(text), Default::Bool(_)) => Some(format!(
            "invalid value: string {text:?}, expected `true` or `false`"
        )),
        (
            ValueKind::I64(_) | ValueKind::I128(_) | ValueKind::U64(_) | ValueKind::U128(_),
            Default::Bool(_),
        ) => Some(format!(
            "invalid type: integer `{value}`, expected `true` or `false`"
        )),
        (ValueKind::Float(number), Default::Bool(_)) => Some(format!(
            "invalid type: floating point `{number}`, expected `true` or `false`"
        )),
        _ => None,
    }
}

fn collect(
    value: &Value,
    default: &serde_json::Value,
    segments: &mut Vec<String>,
    found: &mut Vec<(Vec<String>, String)>,
) {
    if let Some(message) = conversion(&value.kind, default) {
        found.push((segments.clone(), message));
        return;
    }
    match (&value.kind, default) {
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

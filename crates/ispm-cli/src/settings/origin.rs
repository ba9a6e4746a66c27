//! The source of a value in the merged settings tree: an `ISPM__*`
//! environment variable or the settings file.

use config::{Value, ValueKind};

use super::load::{ENV_PREFIX, ENV_SEPARATOR};

/// Origin that the `config` crate gives to values read from the environment.
pub(super) const ENVIRONMENT_ORIGIN: &str = "the environment";

/// Tells whether the value at `segments` was set by an environment variable
/// rather than the file.
pub(super) fn comes_from_environment(tree: &Value, segments: &[String]) -> bool {
    let mut value = tree;
    let mut deepest_origin = value.origin();
    for segment in segments {
        match child(value, segment) {
            Some(next) => {
                value = next;
                deepest_origin = next.origin().or(deepest_origin);
            }
            None => break,
        }
    }
    // The `config` crate gives origins to leaves only, so a table that is
    // unknown as a whole takes the origin of its first leaf.
    let origin = first_origin(value)
        .map(|(origin, _)| origin)
        .or(deepest_origin);
    origin == Some(ENVIRONMENT_ORIGIN)
}

/// Returns the name of the environment variable that set the value at
/// `segments`, or `None` when the file set it or the value is a default.
///
/// For a table, the variable of its first value in key order is returned.
/// An environment variable sets a whole list, so for a list item the
/// variable of the list is returned.
pub(super) fn environment_variable(tree: &Value, segments: &[String]) -> Option<String> {
    let mut value = tree;
    let mut variable_keys = Vec::new();
    let mut inside_list = false;
    for segment in segments {
        inside_list |= matches!(value.kind, ValueKind::Array(_));
        value = child(value, segment)?;
        if !inside_list {
            variable_keys.push(segment.clone());
        }
    }
    let (origin, keys_below) = first_origin(value)?;
    if origin != ENVIRONMENT_ORIGIN {
        return None;
    }
    if !inside_list {
        variable_keys.extend(keys_below);
    }
    Some(env_var_name(&variable_keys))
}

/// Returns the value at `segments`, or `None` when the tree has none there.
pub(super) fn value_at<'a>(tree: &'a Value, segments: &[String]) -> Option<&'a Value> {
    segments
        .iter()
        .try_fold(tree, |value, segment| child(value, segment))
}

fn child<'a>(value: &'a Value, segment: &str) -> Option<&'a Value> {
    match &value.kind {
        ValueKind::Table(table) => table.get(segment),
        ValueKind::Array(items) => segment
            .parse::<usize>()
            .ok()
            .and_then(|index| items.get(index)),
        _ => None,
    }
}

/// Returns the origin of `value`, or of its first leaf in key order when
/// the `config` crate gave the value itself none, with the table keys from
/// `value` down to that leaf. Keys below a list are left out, because an
/// environment variable cannot set one item of a list.
fn first_origin(value: &Value) -> Option<(&str, Vec<String>)> {
    if let Some(origin) = value.origin() {
        return Some((origin, Vec::new()));
    }
    match &value.kind {
        ValueKind::Table(table) => {
            let mut keys: Vec<&String> = table.keys().collect();
            keys.sort();
            keys.into_iter().find_map(|key| {
                let (origin, mut below) = first_origin(&table[key])?;
                below.insert(0, key.clone());
                Some((origin, below))
            })
        }
        ValueKind::Array(items) => items
            .iter()
            .find_map(|item| first_origin(item).map(|(origin, _)| (origin, Vec::new()))),
        _ => None,
    }
}

pub(super) fn env_var_name(segments: &[String]) -> String {
    let mut name = ENV_PREFIX.to_owned();
    for segment in segments {
        name.push_str(ENV_SEPARATOR);
        name.push_str(&segment.to_uppercase());
    }
    name
}

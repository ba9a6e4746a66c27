//! Sources of the problems that the checks of loaded settings find.
//!
//! [`Settings::validate`](super::Settings::validate) and
//! [`Settings::validate_for_run`](super::Settings::validate_for_run) return
//! plain messages. Most begin with the dotted key they are about, as
//! `key: message` (`engine.first_seen.ipv4_prefix: must be at most 32`) or,
//! for some Kafka checks, as a sentence (`kafka.group_id is empty`). This
//! module finds that key in the merged tree and turns each message into a
//! [`SettingError`] that names the environment variable or file that set
//! the value.

use config::{Value, ValueKind};

use super::load::{RemovedKeys, SettingError};
use super::origin::{environment_variable, value_at};

/// The top-level sections of [`Settings`](super::Settings). A message
/// whose first word is a dotted key in one of them is about that key.
const SECTIONS: [&str; 6] = ["decoder", "enrich", "engine", "kafka", "http", "log"];

/// Turns the messages of the checks into errors with their sources.
/// `file_label` is the source of a value that did not come from the
/// environment, of a default, and of a message that starts with no key.
///
/// A message is left out when it may only follow from a load error in
/// `removed`, because the default of a removed key replaces the value the
/// user wrote. That is the case for a message about a removed key, about
/// a table or list that contains one, or that names one. It is also the case
/// for a message about an item of a list that lost an item, because its
/// index no longer matches the file. The load error is reported instead,
/// and the next run checks the value once the user has fixed that error.
pub(super) fn setting_errors(
    messages: Vec<String>,
    tree: &Value,
    removed: &RemovedKeys,
    file_label: &str,
) -> Vec<SettingError> {
    let mut errors = Vec::new();
    for message in messages {
        let Some(subject) = subject_key(&message) else {
            errors.push(SettingError {
                source: file_label.to_owned(),
                key: String::new(),
                message,
            });
            continue;
        };
        let rest = message[subject.len()..].strip_prefix(": ");
        let path = value_path(tree, key_segments(subject), rest, &message);
        let other_keys = mentioned_keys(&message[subject.len()..]);
        if may_follow_from_load_error(&path, &other_keys, removed) {
            continue;
        }

        let source = sources(tree, &path, &other_keys, file_label);
        let error = match rest {
            Some(rest) => SettingError {
                source,
                key: subject.to_owned(),
                message: rest.to_owned(),
            },
            // A message written as a sentence keeps its key inside, so that
            // it reads as before.
            None => SettingError {
                source,
                key: String::new(),
                message,
            },
        };
        errors.push(error);
    }
    errors
}

/// Returns where the value at `path` came from, and where each other key
/// that the message names came from, such as `ispm.toml and
/// ISPM__KAFKA__QUEUE_FULL_BACKOFF` for a maximum set in the file that is
/// shorter than a minimum set in the environment. A key set by neither
/// has its default value: it is named `the default` beside a key that was
/// set, so that the line does not blame the file for a value it left out.
/// `file_label` stands in when no key was set.
fn sources(tree: &Value, path: &[String], other_keys: &[Vec<String>], file_label: &str) -> String {
    let mut sources: Vec<String> = Vec::new();
    let mut some_default = false;
    for key in std::iter::once(path).chain(other_keys.iter().map(Vec::as_slice)) {
        if value_at(tree, key).is_none() {
            some_default = true;
            continue;
        }
        let source = environment_variable(tree, key).unwrap_or_else(|| file_label.to_owned());
        if !sources.contains(&source) {
            sources.push(source);
        }
    }
    if sources.is_empty() {
        return file_label.to_owned();
    }
    if some_default {
        sources.push("the default".to_owned());
    }
    sources.join(" and ")
}

/// Returns the dotted key at the start of `message`, such as
/// `engine.suppressions[2].reason`, or `None` when the message does not
/// start with a key of a known section.
pub(super) fn subject_key(message: &str) -> Option<&str> {
    let end = message
        .find(|character| !is_key_character(character))
        .unwrap_or(message.len());
    let key = &message[..end];
    let section = key.split(['.', '[']).next().unwrap_or_default();
    SECTIONS.contains(&section).then_some(key)
}

fn is_key_character(character: char) -> bool {
    character.is_ascii_alphanumeric() || matches!(character, '_' | '.' | '[' | ']')
}

/// Splits `engine.suppressions[2].reason` into `engine`, `suppressions`,
/// `2` and `reason`, the segments of the merged tree.
fn key_segments(key: &str) -> Vec<String> {
    key.split(['.', '[', ']'])
        .filter(|segment| !segment.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Returns the path of the value that `message` is about. When the subject
/// key is a table, the message is often about one value inside it, named
/// either by the first word after the colon (`engine.policies:
/// key_rotation_days = 0 ...`) or by its quoted key (`engine.severity_overrides:
/// unknown detector "first_sen"`).
fn value_path(
    tree: &Value,
    mut path: Vec<String>,
    rest: Option<&str>,
    message: &str,
) -> Vec<String> {
    let Some(value) = value_at(tree, &path) else {
        return path;
    };
    let ValueKind::Table(table) = &value.kind else {
        return path;
    };

    if let Some(rest) = rest {
        let end = rest
            .find(|character| !is_key_character(character))
            .unwrap_or(rest.len());
        let inner = key_segments(&rest[..end]);
        if !inner.is_empty() && value_at(value, &inner).is_some() {
            path.extend(inner);
            return path;
        }
    }

    let quoted_key = table
        .keys()
        .filter(|key| message.contains(&format!("{key:?}")))
        .min();
    if let Some(key) = quoted_key {
        path.push(key.clone());
    }
    path
}

/// Returns the dotted keys of known sections that `text` names outside
/// quotes, such as `kafka.queue_full_backoff` in a message about
/// `kafka.queue_full_backoff_max`.
fn mentioned_keys(text: &str) -> Vec<Vec<String>> {
    // Every second part is inside quotes: a topic or property name, not a key.
    text.split('"')
        .step_by(2)
        .flat_map(|unquoted| unquoted.split(|character| !is_key_character(character)))
        .filter(|word| word.contains('.') && subject_key(word) == Some(*word))
        .map(key_segments)
        .collect()
}

fn may_follow_from_load_error(
    path: &[String],
    other_keys: &[Vec<String>],
    removed: &RemovedKeys,
) -> bool {
    let overlaps = |a: &[String], b: &[String]| a.starts_with(b) || b.starts_with(a);
    let in_shortened_list = removed
        .shortened_lists
        .iter()
        .any(|list| path.starts_with(list));
    let touches_removed_key = removed
        .keys
        .iter()
        .any(|key| overlaps(path, key) || other_keys.iter().any(|other| overlaps(other, key)));
    in_shortened_list || touches_removed_key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Settings;

    #[test]
    fn sections_are_the_settings_sections() {
        let defaults = serde_json::to_value(Settings::default()).expect("defaults serialize");
        let mut in_code: Vec<&str> = defaults
            .as_object()
            .expect("settings serialize as a table")
            .keys()
            .map(String::as_str)
            .collect();
        in_code.sort_unstable();
        let mut listed = SECTIONS.to_vec();
        listed.sort_unstable();
        assert_eq!(listed, in_code);
    }

    #[test]
    fn subject_key_takes_indexed_keys() {
        assert_eq!(
            subject_key("engine.suppressions[2].reason: missing"),
            Some("engine.suppressions[2].reason")
        );
        assert_eq!(
            subject_key("kafka.group_id is empty"),
            Some("kafka.group_id")
        );
        assert_eq!(
            subject_key("input topic \"raw\" is also an output topic"),
            None
        );
    }

    #[test]
    fn key_segments_split_indices() {
        assert_eq!(
            key_segments("engine.suppressions[2].reason"),
            ["engine", "suppressions", "2", "reason"]
        );
    }

    #[test]
    fn mentioned_keys_skip_quoted_names() {
        let keys =
            mentioned_keys(" must not set \"group.id\": the runtime sets it from kafka.group_id");
        assert_eq!(keys, [vec!["kafka".to_owned(), "group_id".to_owned()]]);
    }
}

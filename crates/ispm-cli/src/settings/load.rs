//! Layered loading of [`Settings`] with every invalid key reported at once.
//!
//! Serde stops at the first error, so a file with three mistakes would take
//! three runs to fix. [`load`] instead deserializes, records the failing key
//! (serde_path_to_error gives its full dotted path), removes that key from the
//! merged tree so its default applies, and deserializes again until nothing
//! fails. Unknown keys and type errors are both found this way, also under
//! `deny_unknown_fields`, which the section structs use.
//!
//! The settings left after those removals then go through the checks of
//! values that parse ([`Settings::validate`]), so that one run reports load
//! errors and out-of-range values together.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use config::{Config, ConfigError, Environment, File, FileFormat, Value, ValueKind};
use serde_path_to_error::Segment;

use super::Settings;
use super::conversions;
use super::list_index::RemovedItems;
use super::origin::{
    ENVIRONMENT_ORIGIN, comes_from_environment, env_var_name, environment_variable,
};
use super::semantic;
use super::variants;

/// Prefix of the environment variables that override settings, e.g.
/// `ISPM__ENGINE__LEARNING__MIN_EVENTS=50` sets `engine.learning.min_events`.
pub const ENV_PREFIX: &str = "ISPM";
/// Separator between the prefix and the keys of one environment variable name.
pub const ENV_SEPARATOR: &str = "__";
/// Separator of the items of a list value given in an environment variable,
/// e.g. `ISPM__ENGINE__DISABLED_DETECTORS=first_seen,bursts`.
pub const ENV_LIST_SEPARATOR: &str = ",";

/// Upper bound on deserialize-and-remove rounds. Each round removes one key,
/// so a configuration would need this many invalid keys to reach it.
const MAX_ROUNDS: usize = 1000;

/// One invalid setting: where it came from, its dotted key and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingError {
    /// The file path, the environment variable name, or `settings` when the
    /// source is unknown.
    pub source: String,
    /// Dotted key, e.g. `engine.learning.min_events`; empty for errors that
    /// concern a whole file.
    pub key: String,
    pub message: String,
}

impl fmt::Display for SettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}: {}", self.source, self.message)
        } else {
            write!(f, "{}: {}: {}", self.source, self.key, self.message)
        }
    }
}

/// Every error found in the layered configuration, sorted by key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingErrors(pub Vec<SettingError>);

impl fmt::Display for SettingErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SettingErrors {}

/// The checks that run on the loaded settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checks {
    /// The checks of the sections that every command uses
    /// ([`Settings::validate`]).
    Common,
    /// The common checks and the Kafka checks across fields
    /// ([`Settings::validate_for_run`]), which `ispm run` and
    /// `ispm check-config` need.
    Run,
}

/// Keys that failed to load and were removed from the merged tree, so that
/// their defaults apply.
#[derive(Debug, Default)]
pub(super) struct RemovedKeys {
    /// Segments of each removed key, e.g. `engine`, `learning`, `min_events`.
    pub keys: Vec<Vec<String>>,
    /// Lists that lost an item, so that their later items moved down by one
    /// index.
    pub shortened_lists: Vec<Vec<String>>,
}

impl RemovedKeys {
    /// Records the key at `segments` as removed with `outcome`; returns
    /// false when nothing was removed.
    fn note(&mut self, segments: Vec<String>, outcome: Option<Removed>) -> bool {
        match outcome {
            Some(Removed::FromTable) => self.keys.push(segments),
            Some(Removed::FromList) => {
                let list = segments[..segments.len() - 1].to_vec();
                self.keys.push(segments);
                self.shortened_lists.push(list);
            }
            None => return false,
        }
        true
    }
}

/// Returns the names among `variables` that look like settings but start
/// with `ISPM_` and one underscore, such as `ISPM_ENGINE__LEARNING__MIN_EVENTS`.
/// The settings loader skips them without a word, because only `ISPM__`
/// starts a setting. Variables with one underscore and no `__`, such as
/// `ISPM_KAFKA_PORT` of the test scripts, are not settings and are not
/// returned.
pub fn misspelled_variables(variables: impl IntoIterator<Item = String>) -> Vec<String> {
    let one_underscore = format!("{ENV_PREFIX}_");
    let two_underscores = format!("{ENV_PREFIX}{ENV_SEPARATOR}");
    let mut names: Vec<String> = variables
        .into_iter()
        .filter(|name| {
            let upper = name.to_ascii_uppercase();
            upper.starts_with(&one_underscore)
                && !upper.starts_with(&two_underscores)
                && upper[one_underscore.len()..].contains(ENV_SEPARATOR)
        })
        .collect();
    names.sort();
    names
}

/// Loads settings from the built-in defaults, then `file` (TOML) when given,
/// then the process's `ISPM__*` environment variables, and runs `checks` on
/// them. Returns every load error and every failed check at once.
pub fn load(file: Option<&Path>, checks: Checks) -> Result<Settings, SettingErrors> {
    load_with_env(file, None, checks)
}

/// [`load`] with the environment given as a map instead of read from the
/// process, for tests.
pub fn load_with_env(
    file: Option<&Path>,
    env: Option<HashMap<String, String>>,
    checks: Checks,
) -> Result<Settings, SettingErrors> {
    // The serialized defaults give the shape of every setting: which are
    // lists, and which are whole numbers.
    let defaults = serde_json::to_value(Settings::default()).unwrap_or_default();
    let list_keys = list_keys(&defaults);
    let mut environment = Environment::with_prefix(ENV_PREFIX)
        .prefix_separator(ENV_SEPARATOR)
        .separator(ENV_SEPARATOR)
        .try_parsing(true)
        .list_separator(ENV_LIST_SEPARATOR)
        .source(env);
    for key in &list_keys {
        environment = environment.with_list_parse_key(key);
    }

    let mut builder = Config::builder();
    if let Some(path) = file {
        builder = builder.add_source(File::from(path).format(FileFormat::Toml).required(true));
    }
    let merged = builder
        .add_source(environment)
        .build()
        .map_err(|error| SettingErrors(vec![whole_source_error(file, error)]))?;

    let mut tree = merged.cache;
    for key in &list_keys {
        normalise_env_list(&mut tree, key);
    }
    let file_label = file.map_or_else(|| "settings".to_owned(), |path| path.display().to_string());
    let Deserialized {
        settings,
        mut errors,
        tree,
        removed,
    } = deserialize_reporting_all(tree, &defaults, &file_label);

    // After a failure that could not be removed there are no settings to
    // check, so only the load errors are returned.
    if let Some(settings) = &settings {
        let mut messages = settings.validate().err().unwrap_or_default();
        if checks == Checks::Run {
            messages.extend(settings.validate_for_run().err().unwrap_or_default());
        }
        errors.extend(semantic::setting_errors(
            messages,
            &tree,
            &removed,
            &file_label,
        ));
    }

    match settings {
        Some(settings) if errors.is_empty() => Ok(settings),
        _ => {
            sort_and_dedup(&mut errors);
            Err(SettingErrors(errors))
        }
    }
}

/// Sorts errors by the key they are about, so that the problems of one key
/// stand together, and drops repeated ones.
fn sort_and_dedup(errors: &mut Vec<SettingError>) {
    errors.sort_by(|a, b| (a.sort_key(), &a.source).cmp(&(b.sort_key(), &b.source)));
    errors.dedup();
}

impl SettingError {
    /// Returns the key, or for a message written as a sentence the key it
    /// starts with (empty for an error about a whole file).
    fn sort_key(&self) -> &str {
        if self.key.is_empty() {
            semantic::subject_key(&self.message).unwrap_or_default()
        } else {
            &self.key
        }
    }
}

fn whole_source_error(file: Option<&Path>, error: ConfigError) -> SettingError {
    let source = file.map_or_else(|| "settings".to_owned(), |path| path.display().to_string());
    let message = match error {
        ConfigError::FileParse { cause, .. } => cause.to_string(),
        ConfigError::Foreign(cause) => cause.to_string(),
        other => other.to_string(),
    };
    SettingError {
        source,
        key: String::new(),
        message,
    }
}

/// The outcome of [`deserialize_reporting_all`].
struct Deserialized {
    /// The settings with the defaults of the removed keys, or `None` when a
    /// failure could not be removed.
    settings: Option<Settings>,
    /// One error per key that failed, unsorted.
    errors: Vec<SettingError>,
    /// The merged tree without the removed keys, which the settings were
    /// deserialized from.
    tree: Value,
    removed: RemovedKeys,
}

/// `file_label` names the source of every value that did not come from the
/// environment: the `--config` path as the user wrote it.
fn deserialize_reporting_all(
    mut tree: Value,
    defaults: &serde_json::Value,
    file_label: &str,
) -> Deserialized {
    let mut errors = Vec::new();
    let mut removed = RemovedKeys::default();
    // Values that deserializing would convert without an error come first.
    // Last first, so that removing a list item does not move the items
    // still to remove.
    let conversions = conversions::silent_conversions(&tree, defaults, file_label);
    let mut removed_items = RemovedItems::default();
    // The removed keys as written, to recognise a table that misses a key
    // because an earlier round removed it.
    let mut removed_written: Vec<Vec<String>> = Vec::new();
    for (segments, error) in conversions.into_iter().rev() {
        errors.push(error);
        let outcome = remove(&mut tree, &segments);
        if matches!(outcome, Some(Removed::FromList)) {
            removed_items.note(&segments);
        }
        if outcome.is_some() {
            removed_written.push(segments.clone());
        }
        removed.note(segments, outcome);
    }
    let mut settings = None;
    for _ in 0..MAX_ROUNDS {
        match serde_path_to_error::deserialize::<_, Settings>(tree.clone()) {
            Ok(value) => {
                settings = Some(value);
                break;
            }
            Err(error) => {
                let segments: Vec<String> = error.path().iter().filter_map(segment_key).collect();
                let written = removed_items.as_written(&segments);
                let key = key_text(&written);
                // The variable that set a list names a bad item of it, and
                // the first variable below an unknown table names that table.
                let source = environment_variable(&tree, &segments).unwrap_or_else(|| {
                    if comes_from_environment(&tree, &segments) {
                        env_var_name(&segments)
                    } else {
                        file_label.to_owned()
                    }
                });
                let error = error.into_inner();
                // A table that lost a required key to an earlier error now
                // misses it: that error was reported already.
                let lost_earlier = missing_field(&error).is_some_and(|field| {
                    removed_written.iter().any(|key| {
                        key.split_last()
                            .is_some_and(|(last, table)| last == field && table == written)
                    })
                });
                if !lost_earlier {
                    errors.push(SettingError {
                        source,
                        key,
                        message: describe(error),
                    });
                }
                // A failure with no removable key would repeat forever.
                let outcome = remove(&mut tree, &segments);
                if matches!(outcome, Some(Removed::FromList)) {
                    removed_items.note(&written);
                }
                if outcome.is_some() {
                    removed_written.push(written);
                }
                if !removed.note(segments, outcome) {
                    break;
                }
            }
        }
    }
    Deserialized {
        settings,
        errors,
        tree,
        removed,
    }
}

fn segment_key(segment: &Segment) -> Option<String> {
    match segment {
        Segment::Map { key } => Some(key.clone()),
        Segment::Enum { variant } => Some(variant.clone()),
        Segment::Seq { index } => Some(index.to_string()),
        Segment::Unknown => None,
    }
}

/// Renders a deserialization error without the key and origin that the
/// `config` crate appends, because [`SettingError`] shows both itself.
fn describe(error: ConfigError) -> String {
    match error {
        ConfigError::Type {
            unexpected,
            expected,
            ..
        } => without_type_names(format!("invalid type: {unexpected}, expected {expected}")),
        ConfigError::NotFound(_) => match missing_field(&error) {
            Some(field) => format!("missing required key `{field}`"),
            None => error.to_string(),
        },
        ConfigError::Message(message) => variants::explain_unknown_variant(&message)
            .unwrap_or_else(|| without_type_names(message)),
        ConfigError::At { error, .. } => describe(*error),
        other => other.to_string(),
    }
}

/// Writes key segments as the checks of values write keys, with list
/// indices in brackets: `kafka.inputs[0].decoder`.
pub(super) fn key_text(segments: &[String]) -> String {
    let mut text = String::new();
    for segment in segments {
        if segment.parse::<usize>().is_ok() {
            text.push('[');
            text.push_str(segment);
            text.push(']');
        } else {
            if !text.is_empty() {
                text.push('.');
            }
            text.push_str(segment);
        }
    }
    text
}

/// Rewrites messages that name Rust internals: `expected struct
/// LogSettings` becomes a table of settings, and the standard library's
/// `invalid socket address syntax` gets an example of a valid address.
fn without_type_names(message: String) -> String {
    if message == "invalid socket address syntax" {
        return "invalid socket address: expected an IP address and a port, such as \
                `127.0.0.1:9464` or `[::1]:9464`"
            .to_owned();
    }
    match message.split_once("expected struct ") {
        Some((before, _)) => format!("{before}expected a table of settings"),
        None => message,
    }
}

/// Returns the name of the field that `error` reports missing. The `config`
/// crate writes the path before it, as in `kafka.inputs[0]decoder`.
fn missing_field(error: &ConfigError) -> Option<&str> {
    match error {
        ConfigError::NotFound(path) => path.rsplit(['.', ']']).next(),
        ConfigError::At { error, .. } => missing_field(error),
        _ => None,
    }
}

/// The kind of container that [`remove`] took a value out of.
enum Removed {
    FromTable,
    FromList,
}

/// Removes the value at `segments`; returns `None` when there is none.
fn remove(tree: &mut Value, segments: &[String]) -> Option<Removed> {
    let (last, parents) = segments.split_last()?;
    let mut value = tree;
    for segment in parents {
        let next = match &mut value.kind {
            ValueKind::Table(table) => table.get_mut(segment),
            ValueKind::Array(items) => segment
                .parse::<usize>()
                .ok()
                .and_then(|index| items.get_mut(index)),
            _ => None,
        };
        value = next?;
    }
    match &mut value.kind {
        ValueKind::Table(table) => table.remove(last).map(|_| Removed::FromTable),
        ValueKind::Array(items) => match last.parse::<usize>() {
            Ok(index) if index < items.len() => {
                items.remove(index);
                Some(Removed::FromList)
            }
            _ => None,
        },
        _ => None,
    }
}

/// Dotted keys of the settings whose value is a list, taken from the
/// serialized defaults. The environment source splits only these keys at
/// [`ENV_LIST_SEPARATOR`], so a comma inside any other value stays text.
fn list_keys(defaults: &serde_json::Value) -> Vec<String> {
    let mut keys = Vec::new();
    collect_list_keys(defaults, "", &mut keys);
    keys
}

fn collect_list_keys(value: &serde_json::Value, prefix: &str, keys: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, child) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                collect_list_keys(child, &path, keys);
            }
        }
        serde_json::Value::Array(_) => keys.push(prefix.to_owned()),
        _ => {}
    }
}

/// Turns list values from the environment into the lists the settings
/// expect. The `config` crate parses a value that looks like a number or a
/// boolean before it splits lists, so `ISPM__X=443` arrives as a number and
/// becomes a list of one here. An empty variable becomes an empty list, not
/// `[""]`.
fn normalise_env_list(tree: &mut Value, dotted_key: &str) {
    let mut value = tree;
    for segment in dotted_key.split('.') {
        let ValueKind::Table(table) = &mut value.kind else {
            return;
        };
        match table.get_mut(segment) {
            Some(child) => value = child,
            None => return,
        }
    }
    if value.origin() != Some(ENVIRONMENT_ORIGIN) {
        return;
    }
    let origin = Some(ENVIRONMENT_ORIGIN.to_owned());
    match &mut value.kind {
        ValueKind::Array(items) => {
            // `a, b` is read as `a` and `b`: people put a space after a
            // comma, and no setting's item starts or ends with one.
            for item in items.iter_mut() {
                if let ValueKind::String(text) = &mut item.kind
                    && text.trim() != text.as_str()
                {
                    *text = text.trim().to_owned();
                }
            }
            // An empty variable is an empty list, and `a,,b,` contains two
            // items, because no setting accepts an empty item.
            items.retain(|item| !matches!(&item.kind, ValueKind::String(text) if text.is_empty()));
        }
        ValueKind::Table(_) | ValueKind::Nil => {}
        scalar => {
            let item = Value::new(origin.as_ref(), scalar.clone());
            *scalar = ValueKind::Array(vec![item]);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Option<HashMap<String, String>> {
        Some(
            pairs
                .iter()
                .map(|(key, value)| (key.to_string(), value.to_string()))
                .collect(),
        )
    }

    /// Loads `text` as the settings file, without environment variables,
    /// and returns its errors.
    fn file_errors(text: &str) -> SettingErrors {
        let file = toml_file(text);
        load_with_env(Some(file.path()), env(&[]), Checks::Common).expect_err("invalid settings")
    }

    fn toml_file(text: &str) -> tempfile::NamedTempFile {
        let mut file = tempfile::Builder::new()
            .suffix(".toml")
            .tempfile()
            .expect("temp file");
        file.write_all(text.as_bytes()).expect("write temp file");
        file
    }

    #[test]
    fn no_file_and_no_env_gives_defaults() {
        let settings = load_with_env(None, env(&[]), Checks::Common).expect("defaults load");
        assert_eq!(settings, Settings::default());
    }

    #[test]
    fn env_overrides_nested_number() {
        let settings = load_with_env(
            None,
            env(&[("ISPM__ENGINE__LEARNING__MIN_EVENTS", "50")]),
            Checks::Common,
        )
        .expect("valid override");
        assert_eq!(settings.engine.learning.min_events, 50);
    }

    #[test]
    fn env_overrides_file() {
        let file = toml_file("[engine.learning]\nmin_events = 7\n");
        let settings = load_with_env(
            Some(file.path()),
            env(&[("ISPM__ENGINE__LEARNING__MIN_EVENTS", "9")]),
            Checks::Common,
        )
        .expect("valid settings");
        assert_eq!(settings.engine.learning.min_events, 9);
    }

    #[test]
    fn env_list_is_split_at_commas() {
        let settings = load_with_env(
            None,
            env(&[(
                "ISPM__ENGINE__DISABLED_DETECTORS",
                "first_seen,enumeration_burst",
            )]),
            Checks::Common,
        )
        .expect("valid list");
        assert_eq!(
            settings.engine.disabled_detectors,
            ["first_seen", "enumeration_burst"]
        );
    }

    #[test]
    fn env_list_items_lose_spaces_around_commas() {
        let settings = load_with_env(
            None,
            env(&[
                (
                    "ISPM__ENGINE__DISABLED_DETECTORS",
                    "first_seen, enumeration_burst ",
                ),
                ("ISPM__ENRICH__CLOUD_ASNS", "16509, 14618"),
            ]),
            Checks::Common,
        )
        .expect("valid lists");
        assert_eq!(
            settings.engine.disabled_detectors,
            ["first_seen", "enumeration_burst"]
        );
        assert_eq!(settings.enrich.cloud_asns, [16509, 14618]);
    }

    #[test]
    fn env_list_drops_empty_items() {
        let settings = load_with_env(
            None,
            env(&[("ISPM__ENRICH__CLOUD_ASNS", "16509,,14618,")]),
            Checks::Common,
        )
        .expect("valid list");
        assert_eq!(settings.enrich.cloud_asns, [16509, 14618]);
    }

    #[test]
    fn env_list_of_one_number_stays_a_list() {
        let settings = load_with_env(
            None,
            env(&[("ISPM__ENGINE__PRIVILEGE__ADMIN_POLICIES", "443")]),
            Checks::Common,
        )
        .expect("valid list");
        assert_eq!(settings.engine.privilege.admin_policies, ["443"]);
    }

    #[test]
    fn empty_env_list_is_empty() {
        let settings = load_with_env(
            None,
            env(&[("ISPM__ENGINE__PRIVILEGE__ADMIN_POLICIES", "")]),
            Checks::Common,
        )
        .expect("valid");
        assert!(settings.engine.privilege.admin_policies.is_empty());
    }

    #[test]
    fn every_invalid_key_is_reported() {
        let file = toml_file(
            "[engine]\nno_such_key = 1\n[engine.learning]\nmin_events = \"many\"\n[log]\nformat = \"xml\"\n[bogus]\nx = 1\n",
        );
        let errors = load_with_env(Some(file.path()), env(&[]), Checks::Common)
            .expect_err("invalid settings");
        let keys: Vec<&str> = errors.0.iter().map(|error| error.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "bogus",
                "engine.learning.min_events",
                "engine.no_such_key",
                "log.format"
            ]
        );
        for error in &errors.0 {
            assert_eq!(error.source, file.path().display().to_string());
        }
    }

    #[test]
    fn unknown_enum_value_lists_the_accepted_ones() {
        let errors = file_errors(
            "[engine.severity_overrides]\nroot_account_used = \"urgent\"\n\
             [[kafka.inputs]]\ntopic = \"raw\"\ndecoder = \"cloudtrial\"\n",
        );
        let lines: Vec<String> = errors
            .0
            .iter()
            .map(|error| format!("{}: {}", error.key, error.message))
            .collect();
        // The input that lost its decoder is not reported again as missing
        // one.
        assert_eq!(
            lines,
            [
                "engine.severity_overrides.root_account_used: unknown value `urgent`, \
                 expected one of `informational`, `low`, `medium`, `high`, `critical`",
                "kafka.inputs[0].decoder: unknown value `cloudtrial`, expected one of \
                 `cloudtrail`, `snapshot`",
            ]
        );
    }

    #[test]
    fn bad_list_items_keep_their_written_index() {
        let errors = file_errors("[enrich]\ncloud_asns = [1, \"a\", 2, \"b\", 3.5]\n");
        let keys: Vec<&str> = errors.0.iter().map(|error| error.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "enrich.cloud_asns[1]",
                "enrich.cloud_asns[3]",
                "enrich.cloud_asns[4]"
            ]
        );
    }

    #[test]
    fn check_across_two_keys_names_both_sources() {
        let file = toml_file("[kafka]\nqueue_full_backoff_max = \"1s\"\n");
        let errors = load_with_env(
            Some(file.path()),
            env(&[("ISPM__KAFKA__QUEUE_FULL_BACKOFF", "5s")]),
            Checks::Run,
        )
        .expect_err("backoff longer than its maximum");
        let sources: Vec<&str> = errors.0.iter().map(|error| error.source.as_str()).collect();
        assert_eq!(
            sources,
            [format!(
                "{} and ISPM__KAFKA__QUEUE_FULL_BACKOFF",
                file.path().display()
            )]
        );
    }

    /// A file needs only the keys it changes: every key of every table,
    /// given alone with its default value, must load.
    #[test]
    fn every_key_loads_alone() {
        fn leaves(value: &serde_json::Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
            match value {
                serde_json::Value::Object(map) => {
                    for (key, child) in map {
                        path.push(key.clone());
                        leaves(child, path, out);
                        path.pop();
                    }
                }
                serde_json::Value::Null => {}
                _ => out.push(path.clone()),
            }
        }
        let defaults = serde_json::to_value(Settings::default()).expect("defaults serialize");
        let mut paths = Vec::new();
        leaves(&defaults, &mut Vec::new(), &mut paths);
        assert!(paths.len() > 100, "{}", paths.len());
        for path in paths {
            let mut value = defaults.pointer(&format!("/{}", path.join("/"))).cloned();
            for key in path.iter().rev() {
                let mut table = serde_json::Map::new();
                table.insert(key.clone(), value.take().unwrap_or_default());
                value = Some(serde_json::Value::Object(table));
            }
            let text = toml::to_string(&value).expect("a table renders as TOML");
            let file = toml_file(&text);
            let result = load_with_env(Some(file.path()), env(&[]), Checks::Common);
            assert!(result.is_ok(), "{}: {result:?}", path.join("."));
        }
    }

    #[test]
    fn missing_key_after_removed_item_reported() {
        let errors = file_errors(
            "[[kafka.inputs]]\ntopic = \"a\"\ndecoder = \"cloudtrial\"\n\
             [[kafka.inputs]]\ntopic = \"b\"\n",
        );
        let lines: Vec<String> = errors
            .0
            .iter()
            .map(|error| format!("{}: {}", error.key, error.message))
            .collect();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(lines[1], "kafka.inputs[1]: missing required key `decoder`");
    }

    #[test]
    fn wrong_types_use_settings_terms() {
        let file = toml_file(
            "[engine.severity_overrides]\nfirst_seen = 3\n\
             [kafka.client_properties]\n\"linger.ms\" = [1]\n",
        );
        let errors = load_with_env(
            Some(file.path()),
            env(&[
                ("ISPM__LOG", "debug"),
                ("ISPM__HTTP__LISTEN", "localhost:9464"),
            ]),
            Checks::Common,
        )
        .expect_err("invalid settings");
        let messages: Vec<&str> = errors
            .0
            .iter()
            .map(|error| error.message.as_str())
            .collect();
        assert_eq!(
            messages,
            [
                "expected a text value, one of `informational`, `low`, `medium`, `high`, \
                 `critical`",
                "invalid socket address: expected an IP address and a port, such as \
                 `127.0.0.1:9464` or `[::1]:9464`",
                "expected a text, number or boolean value for a librdkafka property",
                "invalid type: string \"debug\", expected a table of settings",
            ]
        );
    }

    #[test]
    fn cross_key_check_names_default() {
        let file = toml_file("[kafka]\nqueue_full_backoff = \"5s\"\n");
        let errors = load_with_env(Some(file.path()), env(&[]), Checks::Run)
            .expect_err("backoff longer than the default maximum");
        let sources: Vec<&str> = errors.0.iter().map(|error| error.source.as_str()).collect();
        assert_eq!(
            sources,
            [format!("{} and the default", file.path().display())]
        );
    }

    #[test]
    fn booleans_and_numbers_not_converted() {
        let file = toml_file(
            "[enrich]\ncloud_asns = [true, 5]\n[engine.learning]\nmin_events = true\n\
             [http]\nenabled = 2\n",
        );
        let errors = load_with_env(
            Some(file.path()),
            env(&[("ISPM__HTTP__ENABLED", "no")]),
            Checks::Common,
        )
        .expect_err("wrong types");
        let lines: Vec<String> = errors.0.iter().map(ToString::to_string).collect();
        let path = file.path().display();
        assert_eq!(
            lines,
            [
                format!(
                    "{path}: engine.learning.min_events: invalid type: boolean `true`, expected \
                     an integer"
                ),
                format!(
                    "{path}: enrich.cloud_asns[0]: invalid type: boolean `true`, expected an \
                     integer"
                ),
                "ISPM__HTTP__ENABLED: http.enabled: invalid value: string \"no\", expected \
                 `true` or `false`"
                    .to_owned(),
            ]
        );
    }

    #[test]
    fn missing_required_key_is_reported() {
        let errors = file_errors("[[kafka.inputs]]\ntopic = \"raw\"\n");
        assert_eq!(errors.0.len(), 1);
        assert_eq!(errors.0[0].key, "kafka.inputs[0]");
        assert!(errors.0[0].message.contains("decoder"), "{}", errors.0[0]);
    }

    #[test]
    fn type_error_names_value_and_expected_type() {
        let errors = file_errors("[engine.learning]\nmin_events = \"x\"\n");
        assert_eq!(errors.0.len(), 1);
        let line = errors.0[0].to_string();
        assert!(
            line.contains("engine.learning.min_events: invalid type: string \"x\""),
            "{line}"
        );
    }

    #[test]
    fn settings_variables_with_one_underscore_are_found() {
        let names = [
            "ISPM_ENGINE__LEARNING__MIN_EVENTS",
            "ISPM__ENGINE__LEARNING__MIN_EVENTS",
            "ISPM_KAFKA_PORT",
            "ispm_log__level",
            "PATH",
        ]
        .map(str::to_owned);
        assert_eq!(
            misspelled_variables(names),
            ["ISPM_ENGINE__LEARNING__MIN_EVENTS", "ispm_log__level"]
        );
    }

    #[test]
    fn env_list_item_error_names_the_list_variable() {
        let errors = load_with_env(
            None,
            env(&[
                ("ISPM__ENRICH__CLOUD_ASNS", "16509,amazon"),
                ("ISPM__BOGUS__SECTION__KEY", "1"),
            ]),
            Checks::Common,
        )
        .expect_err("invalid settings");
        let sources: Vec<(&str, &str)> = errors
            .0
            .iter()
            .map(|error| (error.key.as_str(), error.source.as_str()))
            .collect();
        assert_eq!(
            sources,
            [
                ("bogus", "ISPM__BOGUS__SECTION__KEY"),
                ("enrich.cloud_asns[1]", "ISPM__ENRICH__CLOUD_ASNS"),
            ]
        );
    }

    #[test]
    fn env_error_names_the_variable() {
        let errors = load_with_env(
            None,
            env(&[("ISPM__ENGINE__LEARNING__MIN_EVENTS", "lots")]),
            Checks::Common,
        )
        .expect_err("invalid settings");
        assert_eq!(errors.0.len(), 1);
        assert_eq!(errors.0[0].source, "ISPM__ENGINE__LEARNING__MIN_EVENTS");
        assert_eq!(errors.0[0].key, "engine.learning.min_events");
    }

    #[test]
    fn unparsable_file_is_one_error() {
        let file = toml_file("[engine\n");
        let errors =
            load_with_env(Some(file.path()), env(&[]), Checks::Common).expect_err("invalid TOML");
        assert_eq!(errors.0.len(), 1);
        assert!(errors.0[0].key.is_empty());
    }

    #[test]
    fn missing_file_is_an_error() {
        let errors = load_with_env(
            Some(Path::new("/nonexistent/ispm.toml")),
            env(&[]),
            Checks::Common,
        )
        .expect_err("missing file");
        assert_eq!(errors.0.len(), 1);
    }

    #[test]
    fn load_and_check_errors_come_in_one_run() {
        let file = toml_file(
            "[decoder]\nmax_record_bytes = 10\n[engine]\nno_such_key = 1\ndisabled_detectors = [\"first_sen\"]\n[engine.learning]\nmin_events = \"many\"\n",
        );
        let errors = load_with_env(Some(file.path()), env(&[]), Checks::Common)
            .expect_err("invalid settings");
        let keys: Vec<&str> = errors.0.iter().map(|error| error.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "decoder.max_record_bytes",
                "engine.disabled_detectors",
                "engine.learning.min_events",
                "engine.no_such_key",
            ]
        );
        for error in &errors.0 {
            assert_eq!(error.source, file.path().display().to_string());
        }
        assert!(
            errors.0[0].message.starts_with("10 is below 1024"),
            "{}",
            errors.0[0]
        );
        assert!(
            errors.0[1]
                .message
                .starts_with("unknown detector \"first_sen\""),
            "{}",
            errors.0[1]
        );
    }

    #[test]
    fn check_error_from_env_names_the_variable() {
        let file = toml_file("[engine.learning]\nmin_events = 7\n");
        let errors = load_with_env(
            Some(file.path()),
            env(&[("ISPM__DECODER__MAX_RECORD_BYTES", "10")]),
            Checks::Common,
        )
        .expect_err("invalid settings");
        assert_eq!(errors.0.len(), 1, "{errors}");
        assert_eq!(errors.0[0].source, "ISPM__DECODER__MAX_RECORD_BYTES");
        assert_eq!(errors.0[0].key, "decoder.max_record_bytes");
        assert!(
            errors.0[0].to_string().starts_with(
                "ISPM__DECODER__MAX_RECORD_BYTES: decoder.max_record_bytes: 10 is below 1024;"
            ),
            "{errors}"
        );
    }

    #[test]
    fn decimal_for_whole_number_is_wrong_type() {
        let file = toml_file("[decoder]\nmax_record_bytes = 1500.7\n");
        let errors = load_with_env(
            Some(file.path()),
            env(&[("ISPM__ENGINE__LEARNING__MIN_EVENTS", "0.5")]),
            Checks::Common,
        )
        .expect_err("decimals for whole numbers");
        assert_eq!(errors.0.len(), 2, "{errors}");
        assert_eq!(errors.0[0].source, file.path().display().to_string());
        assert_eq!(errors.0[0].key, "decoder.max_record_bytes");
        assert_eq!(
            errors.0[0].message,
            "invalid type: floating point `1500.7`, expected an integer"
        );
        assert_eq!(errors.0[1].source, "ISPM__ENGINE__LEARNING__MIN_EVENTS");
        assert_eq!(errors.0[1].key, "engine.learning.min_events");
    }

    #[test]
    fn decimal_setting_takes_whole_numbers() {
        let file = toml_file("[engine.activity]\nspike_factor = 12\n");
        let settings = load_with_env(
            Some(file.path()),
            env(&[("ISPM__ENGINE__ACTIVITY__DAILY_SPIKE_FACTOR", "6.5")]),
            Checks::Common,
        )
        .expect("valid settings");
        assert_eq!(settings.engine.activity.spike_factor, 12.0);
        assert_eq!(settings.engine.activity.daily_spike_factor, 6.5);
    }

    #[test]
    fn check_error_from_file_names_the_file() {
        let file = toml_file("[decoder]\nmax_record_bytes = 10\n");
        let errors = load_with_env(
            Some(file.path()),
            env(&[("ISPM__ENGINE__LEARNING__MIN_EVENTS", "7")]),
            Checks::Common,
        )
        .expect_err("invalid settings");
        assert_eq!(errors.0.len(), 1, "{errors}");
        assert_eq!(errors.0[0].source, file.path().display().to_string());
        assert_eq!(errors.0[0].key, "decoder.max_record_bytes");
    }

    #[test]
    fn empty_env_list_error_names_the_variable() {
        let errors = load_with_env(None, env(&[("ISPM__KAFKA__INPUTS", "")]), Checks::Run)
            .expect_err("invalid settings");
        assert_eq!(errors.0.len(), 1, "{errors}");
        assert_eq!(
            errors.0[0].to_string(),
            "ISPM__KAFKA__INPUTS: kafka.inputs is empty: configure at least one raw topic"
        );
    }

    #[test]
    fn table_entry_error_names_its_variable() {
        let file = toml_file("[engine.severity_overrides]\nfirst_seen = \"high\"\n");
        let errors = load_with_env(
            Some(file.path()),
            env(&[("ISPM__ENGINE__SEVERITY_OVERRIDES__FIRST_SEN", "high")]),
            Checks::Common,
        )
        .expect_err("invalid settings");
        assert_eq!(errors.0.len(), 1, "{errors}");
        assert_eq!(
            errors.0[0].source,
            "ISPM__ENGINE__SEVERITY_OVERRIDES__FIRST_SEN"
        );
        assert_eq!(errors.0[0].key, "engine.severity_overrides");
    }

    #[test]
    fn table_entry_error_from_file_names_the_file() {
        let file = toml_file("[engine.severity_overrides]\nfirst_sen = \"high\"\n");
        let errors = load_with_env(
            Some(file.path()),
            env(&[("ISPM__ENGINE__SEVERITY_OVERRIDES__FIRST_SEEN", "high")]),
            Checks::Common,
        )
        .expect_err("invalid settings");
        assert_eq!(errors.0.len(), 1, "{errors}");
        assert_eq!(errors.0[0].source, file.path().display().to_string());
    }

    #[test]
    fn policy_error_names_the_inner_variable() {
        let errors = load_with_env(
            None,
            env(&[("ISPM__ENGINE__POLICIES__KEY_ROTATION_DAYS", "0")]),
            Checks::Common,
        )
        .expect_err("invalid settings");
        assert_eq!(errors.0.len(), 1, "{errors}");
        assert_eq!(
            errors.0[0].source,
            "ISPM__ENGINE__POLICIES__KEY_ROTATION_DAYS"
        );
        assert_eq!(errors.0[0].key, "engine.policies");
        assert!(
            errors.0[0].message.starts_with("key_rotation_days = 0"),
            "{errors}"
        );
    }

    #[test]
    fn kafka_checks_run_only_when_asked() {
        let file = toml_file("[kafka]\nevents_partitions = 0\n");
        load_with_env(Some(file.path()), env(&[]), Checks::Common)
            .expect("the common checks skip Kafka");
        let errors = load_with_env(
            Some(file.path()),
            env(&[("ISPM__KAFKA__GROUP_ID", "")]),
            Checks::Run,
        )
        .expect_err("invalid Kafka settings");
        let lines: Vec<String> = errors.0.iter().map(ToString::to_string).collect();
        let path = file.path().display().to_string();
        assert_eq!(
            lines,
            [
                format!("{path}: kafka.events_partitions = 0 must be at least 1"),
                "ISPM__KAFKA__GROUP_ID: kafka.group_id is empty".to_owned(),
            ]
        );
    }

    #[test]
    fn failed_key_check_is_left_out() {
        // The invalid backoff falls back to its default of 5ms, which is
        // longer than the maximum of 1ms. The value the user meant may well
        // be shorter.
        let file =
            toml_file("[kafka]\nqueue_full_backoff = \"soon\"\nqueue_full_backoff_max = \"1ms\"\n");
        let errors =
            load_with_env(Some(file.path()), env(&[]), Checks::Run).expect_err("invalid settings");
        assert_eq!(errors.0.len(), 1, "{errors}");
        assert_eq!(errors.0[0].key, "kafka.queue_full_backoff");
    }

    #[test]
    fn shortened_list_check_is_left_out() {
        // The input without a topic is removed, which leaves no input.
        let file = toml_file("[[kafka.inputs]]\ndecoder = \"cloudtrail\"\n");
        let errors =
            load_with_env(Some(file.path()), env(&[]), Checks::Run).expect_err("invalid settings");
        assert_eq!(errors.0.len(), 1, "{errors}");
        assert_eq!(errors.0[0].key, "kafka.inputs[0]");
    }

    #[test]
    fn shifted_list_item_check_is_left_out() {
        // Removing the first owner rule moves the second to index 0, so a
        // message about it would name the wrong rule.
        let errors = file_errors(
            "[[engine.inventory.owners]]\nidentity = \"a\"\n[[engine.inventory.owners]]\nidentity = \"\"\nowner = \"team\"\n",
        );
        assert_eq!(errors.0.len(), 1, "{errors}");
        assert_eq!(errors.0[0].key, "engine.inventory.owners[0]");
    }

    #[test]
    fn other_entry_of_a_failed_table_is_reported() {
        let file =
            toml_file("[engine.severity_overrides]\nfirst_seen = \"hgh\"\nfirst_sen = \"high\"\n");
        let errors = load_with_env(Some(file.path()), env(&[]), Checks::Common)
            .expect_err("invalid settings");
        let keys: Vec<&str> = errors.0.iter().map(|error| error.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "engine.severity_overrides",
                "engine.severity_overrides.first_seen"
            ]
        );
        assert!(errors.0[0].message.contains("\"first_sen\""), "{errors}");
    }
}

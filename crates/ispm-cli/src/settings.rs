//! Settings of the `ispm` command: one section per stage, layered from
//! built-in defaults, the TOML file given with `--config`, and `ISPM__*`
//! environment variables (see [`load`]).
//!
//! `config/ispm.toml` documents every key with its default, and the unit
//! tests below keep that file and [`Settings::default`] equal.

mod conversions;
mod list_index;
mod load;
mod origin;
mod redact;
mod semantic;
mod variants;

use ispm_engine::EngineConfig;
use ispm_enrich::EnrichConfig;
use ispm_kafka::{HttpConfig, KafkaConfig, RunSettings};
use ispm_sources::DecoderConfig;
use serde::{Deserialize, Serialize};

pub use load::{Checks, SettingErrors, load, misspelled_variables};
pub use redact::redacted_json;

/// The smallest `decoder.max_record_bytes` accepted: a CloudTrail record with
/// only its mandatory fields is a few hundred bytes.
const MIN_RECORD_BYTES: usize = 1024;

/// Everything `ispm replay`, `ispm run` and `ispm check-config` read from the
/// configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Decoding of raw CloudTrail documents, with the limits that reject
    /// records.
    pub decoder: DecoderConfig,
    /// IP databases that add country, ASN and AWS membership to events.
    pub enrich: EnrichConfig,
    /// Baselines, detectors and inventory of the identity engine.
    pub engine: EngineConfig,
    /// Brokers, topics and delivery settings of `ispm run`.
    pub kafka: KafkaConfig,
    /// Health and metrics endpoint of `ispm run`.
    pub http: HttpConfig,
    /// Log output of the command.
    pub log: LogSettings,
}

/// Log output, always written to stderr so that stdout carries only data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    /// `human` for aligned text lines, `json` for one JSON object per line.
    pub format: LogFormat,
    /// A `tracing` filter directive such as `info` or `ispm_engine=debug,info`.
    /// The `RUST_LOG` environment variable, when set, takes precedence.
    pub level: String,
}

impl Settings {
    /// Checks values that parse but make no sense, in every section that
    /// all commands use, and returns every problem at once as
    /// `key: message`.
    pub fn validate(&self) -> Result<(), Vec<String>> {
        let mut problems = self.engine.validate().err().unwrap_or_default();
        if self.decoder.max_record_bytes < MIN_RECORD_BYTES {
            problems.push(format!(
                "decoder.max_record_bytes: {} is below {MIN_RECORD_BYTES}; no real CloudTrail record fits",
                self.decoder.max_record_bytes
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// Checks the Kafka settings across fields, which `ispm run` and
    /// `ispm check-config` need but `ispm replay` does not. Returns every
    /// problem at once, most of them starting with the key they are about.
    pub fn validate_for_run(&self) -> Result<(), Vec<String>> {
        self.kafka.validate().map_err(|error| error.problems)
    }

    /// Returns the part of the settings that the Kafka runtime takes.
    pub fn run_settings(&self) -> RunSettings {
        RunSettings {
            decoder: self.decoder.clone(),
            enrich: self.enrich.clone(),
            engine: self.engine.clone(),
            kafka: self.kafka.clone(),
            http: self.http.clone(),
        }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            format: LogFormat::Human,
            level: "info".to_owned(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", try_from = "String")]
pub enum LogFormat {
    Human,
    Json,
}

impl TryFrom<String> for LogFormat {
    type Error = String;

    /// Parses the format by hand because the `config` crate's own message
    /// for an unknown enum variant does not list the valid ones.
    fn try_from(value: String) -> Result<Self, Self::Error> {
        match value.as_str() {
            "human" => Ok(LogFormat::Human),
            "json" => Ok(LogFormat::Json),
            other => Err(format!(
                "invalid log format `{other}`, expected `human` or `json`"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn documented_config_path() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/ispm.toml")
    }

    /// Collects the dotted paths of every leaf value (arrays count as leaves).
    fn leaf_paths(value: &serde_json::Value, prefix: &str, paths: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, child) in map {
                    let path = if prefix.is_empty() {
                        key.clone()
                    } else {
                        format!("{prefix}.{key}")
                    };
                    leaf_paths(child, &path, paths);
                }
            }
            serde_json::Value::Null => {}
            _ => paths.push(prefix.to_owned()),
        }
    }

    #[test]
    fn documented_config_equals_defaults() {
        let text = std::fs::read_to_string(documented_config_path())
            .expect("config/ispm.toml is readable");
        let from_file: Settings =
            toml::from_str(&text).expect("config/ispm.toml parses into Settings");
        assert_eq!(from_file, Settings::default());
    }

    /// Top-level sections that config/ispm.toml does not list.
    const UNDOCUMENTED_SECTIONS: [&str; 0] = [];

    #[test]
    fn documented_config_lists_every_key() {
        let text = std::fs::read_to_string(documented_config_path())
            .expect("config/ispm.toml is readable");
        let file_tree: serde_json::Value =
            toml::from_str(&text).expect("config/ispm.toml is valid TOML");
        let default_tree = serde_json::to_value(Settings::default()).expect("defaults serialize");

        let mut in_file = Vec::new();
        leaf_paths(&file_tree, "", &mut in_file);
        let mut in_code = Vec::new();
        leaf_paths(&default_tree, "", &mut in_code);
        in_code.retain(|path| {
            let section = path.split('.').next().unwrap_or_default();
            !UNDOCUMENTED_SECTIONS.contains(&section)
        });
        in_file.sort();
        in_code.sort();
        assert_eq!(
            in_file, in_code,
            "config/ispm.toml and Settings::default() list different keys"
        );
    }

    #[test]
    fn documented_config_loads_through_layers() {
        let loaded = load(Some(&documented_config_path()), Checks::Run)
            .expect("config/ispm.toml loads without errors");
        assert_eq!(loaded, Settings::default());
    }
}

//! `ispm check-config`: every invalid key and value at once, env overrides,
//! redaction.

mod common;

use common::*;

fn write_config(dir: &tempfile::TempDir, text: &str) -> std::path::PathBuf {
    let path = dir.path().join("ispm.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

#[test]
fn three_bad_keys_are_all_listed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(
        &dir,
        "[engine]\nno_such_key = 1\n\n[engine.learning]\nmin_events = \"x\"\n\n[log]\nformat = \"xml\"\n",
    );
    let output = run(ispm().arg("check-config").arg("--config").arg(&config));
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(output.stdout.is_empty());

    let path = config.display().to_string();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{stderr}");
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with(&format!("{path}: engine.no_such_key: unknown field"))),
        "{stderr}"
    );
    assert!(
        lines.contains(&format!("{path}: engine.learning.min_events: invalid type: string \"x\", expected an integer").as_str()),
        "{stderr}"
    );
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with(&format!("{path}: log.format: "))),
        "{stderr}"
    );
}

#[test]
fn documented_config_is_valid() {
    let config = repo_root().join("config/ispm.toml");
    let output = run(ispm().arg("check-config").arg("--config").arg(&config));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let effective: toml::Table =
        toml::from_str(&stdout(&output)).expect("effective settings are TOML");
    for section in ["decoder", "engine", "log"] {
        assert!(effective.contains_key(section), "{section} is printed");
    }
}

#[test]
fn env_override_wins_over_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(&dir, "[engine.learning]\nmin_events = 7\n");
    let output = run(ispm()
        .args(["check-config", "--format", "json", "--config"])
        .arg(&config)
        .env("ISPM__ENGINE__LEARNING__MIN_EVENTS", "50")
        .env(
            "ISPM__ENGINE__DISABLED_DETECTORS",
            "first_seen,enumeration_burst",
        ));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let effective: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("effective settings are JSON");
    assert_eq!(effective["engine"]["learning"]["min_events"], 50);
    assert_eq!(
        effective["engine"]["disabled_detectors"],
        serde_json::json!(["first_seen", "enumeration_burst"])
    );
}

#[test]
fn invalid_env_value_names_the_variable() {
    let output = run(ispm()
        .arg("check-config")
        .env("ISPM__ENGINE__LEARNING__MIN_EVENTS", "lots"));
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr
            .starts_with("ISPM__ENGINE__LEARNING__MIN_EVENTS: engine.learning.min_events: invalid"),
        "{stderr}"
    );
}

#[test]
fn missing_config_file_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = run(ispm()
        .arg("check-config")
        .arg("--config")
        .arg(dir.path().join("missing.toml")));
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}

#[test]
fn unknown_detector_and_out_of_range_values_are_rejected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "[engine]\ndisabled_detectors = [\"logging_tamperng\"]\n[engine.first_seen]\nipv4_prefix = 40\n")
        .expect("write config");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ispm"))
        .arg("check-config")
        .arg("--config")
        .arg(&path)
        .output()
        .expect("ispm runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("logging_tamperng"), "{stderr}");
    assert!(stderr.contains("ipv4_prefix"), "{stderr}");
}

#[test]
fn load_and_value_errors_are_listed_together() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(
        &dir,
        "[decoder]\nmax_record_bytes = 10\n\n[engine]\nno_such_key = 1\ndisabled_detectors = [\"first_sen\"]\n\n[engine.learning]\nmin_events = \"x\"\n\n[kafka]\nevents_partitions = 0\n",
    );
    let path = config.display().to_string();
    let common_prefixes = [
        format!("{path}: decoder.max_record_bytes: 10 is below 1024;"),
        format!("{path}: engine.disabled_detectors: unknown detector \"first_sen\""),
        format!("{path}: engine.learning.min_events: invalid type: string \"x\""),
        format!("{path}: engine.no_such_key: unknown field"),
    ];
    let kafka_line = format!("{path}: kafka.events_partitions = 0 must be at least 1");

    let output = run(ispm().arg("check-config").arg("--config").arg(&config));
    let check_stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{check_stderr}");
    assert!(output.stdout.is_empty());
    let lines: Vec<&str> = check_stderr.lines().collect();
    assert_eq!(lines.len(), 5, "{check_stderr}");
    for (line, prefix) in lines.iter().zip(&common_prefixes) {
        assert!(line.starts_with(prefix.as_str()), "{check_stderr}");
    }
    assert_eq!(lines[4], kafka_line, "{check_stderr}");

    // Commands that do not use Kafka report the same problems except the
    // Kafka one.
    let output = run(ispm()
        .arg("replay")
        .arg("--config")
        .arg(&config)
        .arg(samples().join("stratus-red-team")));
    let replay_stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{replay_stderr}");
    let lines: Vec<&str> = replay_stderr.lines().collect();
    assert_eq!(lines.len(), 4, "{replay_stderr}");
    for (line, prefix) in lines.iter().zip(&common_prefixes) {
        assert!(line.starts_with(prefix.as_str()), "{replay_stderr}");
    }
}

#[test]
fn value_error_from_env_names_the_variable() {
    let config = repo_root().join("config/ispm.toml");
    let output = run(ispm()
        .arg("check-config")
        .arg("--config")
        .arg(&config)
        .env("ISPM__DECODER__MAX_RECORD_BYTES", "10"));
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(
            "ISPM__DECODER__MAX_RECORD_BYTES: decoder.max_record_bytes: 10 is below 1024;"
        ),
        "{stderr}"
    );
}

#[test]
fn value_error_from_file_names_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(&dir, "[decoder]\nmax_record_bytes = 10\n");
    let output = run(ispm()
        .arg("check-config")
        .arg("--config")
        .arg(&config)
        .env("ISPM__ENGINE__LEARNING__MIN_EVENTS", "50"));
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "{}: decoder.max_record_bytes: 10 is below 1024;",
            config.display()
        )),
        "{stderr}"
    );
}

#[test]
fn one_underscore_variable_warned_with_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(&dir, "[engine]\nno_such_key = 1\n");
    let output = run(ispm()
        .env("ISPM_ENGINE__LEARNING__MIN_EVENTS", "5")
        .env("ISPM_KAFKA_PORT", "1234")
        .arg("check-config")
        .arg("--config")
        .arg(&config));
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].starts_with("ISPM_ENGINE__LEARNING__MIN_EVENTS: variable ignored"),
        "{stderr}"
    );

    let output = run(ispm()
        .env("ISPM_ENGINE__LEARNING__MIN_EVENTS", "5")
        .arg("check-config"));
    assert_eq!(output.status.code(), Some(0));
    let warnings = common::stderr(&output);
    assert!(
        warnings.contains("ISPM_ENGINE__LEARNING__MIN_EVENTS"),
        "{warnings}"
    );
}

//! Helpers shared by the tests that run the built `ispm` binary.

#![allow(dead_code)] // Each test file uses a different part of this module.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Returns the repository root, two levels above this crate.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn samples() -> PathBuf {
    repo_root().join("samples/cloudtrail")
}

/// Returns an `ispm` command without the inherited `ISPM__*` and `RUST_LOG`
/// variables, so the developer's environment cannot change a test's result.
pub fn ispm() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ispm"));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().into_owned();
        if name.starts_with("ISPM__") || name == "RUST_LOG" {
            command.env_remove(name);
        }
    }
    command
}

pub fn run(command: &mut Command) -> Output {
    command.output().expect("the ispm binary starts")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Parses NDJSON text and panics with the line number on a line that is not
/// JSON.
pub fn ndjson(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .enumerate()
        .map(|(number, line)| {
            serde_json::from_str(line)
                .unwrap_or_else(|error| panic!("line {} is not JSON: {error}: {line}", number + 1))
        })
        .collect()
}

pub fn read_ndjson(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("{} is readable: {error}", path.display()));
    ndjson(&text)
}

/// Returns the number after `label` on its summary line, e.g. 368 from
/// `events decoded  368`.
pub fn summary_number(stderr: &str, label: &str) -> u64 {
    let line = stderr
        .lines()
        .find(|line| line.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("summary has a `{label}` line:\n{stderr}"));
    line.trim_start()[label.len()..]
        .split_whitespace()
        .next()
        .and_then(|word| word.parse().ok())
        .unwrap_or_else(|| panic!("`{line}` has a number after `{label}`"))
}

/// Asserts the fields every OCSF Detection Finding from ispm has.
pub fn assert_detection_finding(finding: &serde_json::Value) {
    assert_eq!(finding["class_uid"], 2004, "{finding}");
    assert_eq!(finding["category_uid"], 2, "{finding}");
    assert!(finding["finding_info"]["uid"].is_string(), "{finding}");
    assert!(finding["severity_id"].is_u64(), "{finding}");
    assert!(finding["time"].is_i64(), "{finding}");
}

//! `ispm replay` over the sample data: output shapes, files and exit codes.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::*;

#[test]
fn samples_give_findings_and_summary() {
    let output = run(ispm().arg("replay").arg(samples()));
    let stderr = stderr(&output);
    assert!(output.status.success(), "{stderr}");

    let findings = ndjson(&stdout(&output));
    assert!(
        !findings.is_empty(),
        "the samples contain attacks the engine reports\n{stderr}"
    );
    for finding in &findings {
        assert_detection_finding(finding);
    }

    assert!(stderr.contains("ispm replay summary"), "{stderr}");
    assert!(summary_number(&stderr, "events decoded") > 0, "{stderr}");
    assert_eq!(
        summary_number(&stderr, "findings"),
        findings.len() as u64,
        "{stderr}"
    );
    assert!(summary_number(&stderr, "identities") > 0, "{stderr}");
}

#[test]
fn replay_is_deterministic() {
    let first = run(ispm().arg("replay").arg(samples()));
    let second = run(ispm().arg("replay").arg(samples()));
    assert!(first.status.success());
    assert_eq!(stdout(&first), stdout(&second));
}

#[test]
fn out_dir_gets_four_topic_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let output = run(ispm().arg("replay").arg("--out").arg(&out).arg(samples()));
    let stderr = stderr(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(output.stdout.is_empty(), "findings go to files, not stdout");
    assert!(stderr.contains("ispm replay summary"), "{stderr}");

    let anomaly = read_ndjson(&out.join("ispm.findings.anomaly.ndjson"));
    let policy = read_ndjson(&out.join("ispm.findings.policy.ndjson"));
    let inventory = read_ndjson(&out.join("ispm.inventory.ndjson"));
    let dead_letters = read_ndjson(&out.join("ispm.deadletter.ndjson"));

    for finding in anomaly.iter().chain(&policy) {
        assert_detection_finding(finding);
    }
    assert_eq!(
        (anomaly.len() + policy.len()) as u64,
        summary_number(&stderr, "findings")
    );
    for finding in &anomaly {
        assert_eq!(
            finding["unmapped"]["ispm"]["category"], "anomaly",
            "{finding}"
        );
    }
    for finding in &policy {
        assert_eq!(
            finding["unmapped"]["ispm"]["category"], "policy",
            "{finding}"
        );
    }
    assert_eq!(inventory.len() as u64, summary_number(&stderr, "inventory"));
    for record in &inventory {
        assert!(record["identity"].is_string(), "{record}");
        assert!(record["kind"].is_string(), "{record}");
    }
    assert_eq!(
        dead_letters.len() as u64,
        summary_number(&stderr, "dead letters")
    );
}

#[test]
fn out_dir_files_exist_when_empty() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("empty.json");
    std::fs::write(&input, r#"{"Records":[]}"#).expect("write input");
    let out = dir.path().join("out");
    let output = run(ispm().arg("replay").arg("--out").arg(&out).arg(&input));
    assert!(output.status.success(), "{}", stderr(&output));
    for topic in [
        "ispm.findings.anomaly",
        "ispm.findings.policy",
        "ispm.inventory",
        "ispm.deadletter",
    ] {
        assert!(
            out.join(format!("{topic}.ndjson")).is_file(),
            "{topic}.ndjson is written"
        );
    }
}

#[test]
fn gzipped_s3_folder_is_decoded() {
    let folder = samples().join("invictus-s3");
    let output = run(ispm().arg("replay").arg(&folder));
    let stderr = stderr(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("files           5 read, 0 failed"),
        "{stderr}"
    );
    assert!(summary_number(&stderr, "events decoded") > 0, "{stderr}");
    assert_eq!(summary_number(&stderr, "dead letters"), 0, "{stderr}");
}

#[test]
fn stdin_dash_reads_one_document() {
    let input = samples().join("stratus-red-team/aws.persistence.iam-create-admin-user.json");
    let file = std::fs::File::open(&input).expect("sample is readable");
    let output = ispm()
        .args(["replay", "-"])
        .stdin(file)
        .output()
        .expect("the ispm binary starts");
    let stderr = stderr(&output);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("files           1 read, 0 failed"),
        "{stderr}"
    );
    assert!(summary_number(&stderr, "events decoded") > 0, "{stderr}");
}

#[test]
fn missing_inputs_exit_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = run(ispm()
        .arg("replay")
        .arg(dir.path().join("missing.json"))
        .arg(dir.path().join("missing-folder")));
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("unreadable_file"), "{stderr}");
    assert!(stderr.contains("no input could be read"), "{stderr}");
}

#[test]
fn one_missing_input_among_good_ones_exits_0() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = run(ispm()
        .arg("replay")
        .arg(dir.path().join("missing.json"))
        .arg(samples().join("stratus-red-team")));
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("1 failed"), "{stderr}");
}

#[test]
fn usage_error_exits_2() {
    let output = run(ispm().arg("replay"));
    assert_eq!(output.status.code(), Some(2));
    let output = run(ispm().args(["replay", "--no-such-flag", "x.json"]));
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn out_path_that_is_a_file_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, "x").expect("write file");
    let output = run(ispm().arg("replay").arg("--out").arg(&file).arg(samples()));
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("failed to create output folder"),
        "{stderr}"
    );
}

#[test]
fn invalid_config_stops_replay_with_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("ispm.toml");
    std::fs::write(&config, "[engine]\nno_such_key = 1\n").expect("write config");
    let output = run(ispm()
        .arg("replay")
        .arg("--config")
        .arg(&config)
        .arg(samples()));
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("engine.no_such_key"), "{stderr}");
    assert!(output.stdout.is_empty());
}

/// Writes enough distinct findings to fill the pipe, then reads one line and
/// closes stdout, as `ispm replay ... | head -1` does.
#[test]
fn closed_stdout_ends_quietly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = dir.path().join("many.json");
    let records: Vec<String> = (0..3000)
        .map(|user| {
            format!(
                r#"{{"eventVersion":"1.08","userIdentity":{{"type":"IAMUser","principalId":"AIDA{user}","arn":"arn:aws:iam::111122223333:user/user{user}","accountId":"111122223333","userName":"user{user}"}},"eventTime":"2024-08-01T13:33:28Z","eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2.15.0","requestParameters":{{"name":"trail"}},"responseElements":null,"eventID":"00000000-0000-0000-0000-{user:012}","eventType":"AwsApiCall","recipientAccountId":"111122223333"}}"#
            )
        })
        .collect();
    std::fs::write(&input, format!("{{\"Records\":[{}]}}", records.join(",")))
        .expect("write input");

    let mut child = ispm()
        .arg("replay")
        .arg(&input)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the ispm binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut first_line = String::new();
    BufReader::new(stdout)
        .read_line(&mut first_line)
        .expect("read one line");
    // Dropping the reader closes the pipe.
    let output = child.wait_with_output().expect("ispm exits");

    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

//! `ispm backtest` and `ispm explain` over the sample data.

mod common;

use std::path::PathBuf;

use common::*;

const BERT_JAN: &str = "aws:123837392027:user/bert-jan";

fn documented_config() -> PathBuf {
    repo_root().join("config/ispm.toml")
}

fn backtest_json(candidate: &std::path::Path) -> serde_json::Value {
    let output = run(ispm()
        .arg("backtest")
        .arg("--baseline")
        .arg(documented_config())
        .arg("--candidate")
        .arg(candidate)
        .arg("--format")
        .arg("json")
        .arg(samples()));
    let stderr = stderr(&output);
    assert!(output.status.success(), "{stderr}");
    serde_json::from_str(&stdout(&output)).expect("backtest prints one JSON object")
}

#[test]
fn backtest_identical_configs_match() {
    let report = backtest_json(&documented_config());
    let total = &report["total"];
    assert!(total["baseline"].as_u64().expect("count") > 0, "{report}");
    assert_eq!(total["baseline"], total["candidate"], "{report}");
    assert_eq!(total["added"], 0, "{report}");
    assert_eq!(total["removed"], 0, "{report}");
    assert_eq!(report["added"].as_array().map(Vec::len), Some(0));
    assert_eq!(report["removed"].as_array().map(Vec::len), Some(0));
}

#[test]
fn backtest_disabled_detector_is_removed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let candidate = dir.path().join("candidate.toml");
    std::fs::write(
        &candidate,
        "[engine]\ndisabled_detectors = [\"logging_tampering\"]\n",
    )
    .expect("candidate settings written");

    let report = backtest_json(&candidate);
    let tampering = &report["detectors"]["logging_tampering"];
    let baseline = tampering["baseline"].as_u64().expect("count");
    assert!(
        baseline > 0,
        "the samples stop CloudTrail logging\n{report}"
    );
    assert_eq!(tampering["candidate"], 0, "{report}");
    assert_eq!(tampering["removed"].as_u64(), Some(baseline), "{report}");
    assert_eq!(report["total"]["added"], 0, "{report}");
    assert_eq!(
        report["total"]["removed"].as_u64(),
        Some(baseline),
        "{report}"
    );

    let removed = report["removed"].as_array().expect("removed list");
    assert!(!removed.is_empty(), "{report}");
    for finding in removed {
        assert_eq!(finding["detector"], "logging_tampering", "{finding}");
    }
}

#[test]
fn backtest_text_lists_removed_findings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let candidate = dir.path().join("candidate.toml");
    std::fs::write(
        &candidate,
        "[engine]\ndisabled_detectors = [\"logging_tampering\"]\n",
    )
    .expect("candidate settings written");

    let output = run(ispm()
        .arg("backtest")
        .arg("--baseline")
        .arg(documented_config())
        .arg("--candidate")
        .arg(&candidate)
        .arg(samples()));
    let text = stdout(&output);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(text.contains("removed ("), "{text}");
    assert!(
        text.contains(&format!(
            "logging_tampering/cloudtrail_stop_logging {BERT_JAN} "
        )),
        "{text}"
    );
}

#[test]
fn backtest_invalid_settings_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let baseline = dir.path().join("baseline.toml");
    let candidate = dir.path().join("candidate.toml");
    std::fs::write(&baseline, "[engine]\nno_such_key = 1\n").expect("written");
    std::fs::write(&candidate, "[decoder]\nno_such_key = 1\n").expect("written");

    let output = run(ispm()
        .arg("backtest")
        .arg("--baseline")
        .arg(&baseline)
        .arg("--candidate")
        .arg(&candidate)
        .arg(samples()));
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("baseline.toml"), "{stderr}");
    assert!(stderr.contains("candidate.toml"), "{stderr}");
}

#[test]
fn explain_shows_inventory_and_findings() {
    let output = run(ispm().arg("explain").arg(BERT_JAN).arg(samples()));
    let text = stdout(&output);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(text.contains(&format!("identity    {BERT_JAN}")), "{text}");
    assert!(text.contains("kind        human"), "{text}");
    assert!(text.contains("credentials ("), "{text}");
    assert!(text.contains("consumers ("), "{text}");
    assert!(
        text.contains("logging_tampering/cloudtrail_stop_logging"),
        "{text}"
    );
    assert!(text.contains("  remediation  "), "{text}");
}

#[test]
fn explain_shows_the_baseline_behind_the_findings() {
    let output = run(ispm().arg("explain").arg(BERT_JAN).arg(samples()));
    let text = stdout(&output);
    assert!(output.status.success(), "{}", stderr(&output));
    // 276 events within an hour: still learning by both time and count.
    assert!(
        text.contains(
            "first_seen             learning until 2023-07-17T11:54:33.000Z or 724 more events"
        ),
        "{text}"
    );
    // Scope drift applies to AI agents only, so a person's list leaves it out.
    assert!(!text.contains("ai_agent_scope_drift"), "{text}");
    assert!(
        text.contains("action           at least 64 known, 64 recent (high variance"),
        "{text}"
    );
    assert!(
        text.contains("resource_type    3 known, 3 recent (not watched)"),
        "{text}"
    );
    assert!(text.contains("    Mon 11:00-12:59 UTC"), "{text}");
    assert!(
        text.contains("per active day unknown (no day ended yet)"),
        "{text}"
    );
    assert!(text.contains("ec2_user_data_read"), "{text}");

    let output = run(ispm()
        .arg("explain")
        .arg(BERT_JAN)
        .arg(samples())
        .arg("--format")
        .arg("json"));
    let report: serde_json::Value =
        serde_json::from_str(&stdout(&output)).expect("explain prints one JSON object");
    let baseline = &report["baseline"];
    assert_eq!(baseline["identity"], BERT_JAN);
    assert_eq!(baseline["activity"]["calls_in_last_day"], 276, "{baseline}");
    assert!(
        baseline["activity"]["calls_per_active_day"].is_null(),
        "{baseline}"
    );
    let attributes = baseline["attributes"].as_array().expect("attributes");
    assert_eq!(attributes.len(), 8, "{baseline}");
}

#[test]
fn explain_json_has_inventory_and_ocsf() {
    let output = run(ispm()
        .arg("explain")
        .arg(BERT_JAN)
        .arg(samples())
        .arg("--format")
        .arg("json"));
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value =
        serde_json::from_str(&stdout(&output)).expect("explain prints one JSON object");

    assert_eq!(report["inventory"]["identity"], BERT_JAN);
    assert!(report["inventory"]["event_count"].as_u64().expect("count") > 0);
    let findings = report["findings"].as_array().expect("findings list");
    assert!(!findings.is_empty(), "{report}");
    let mut previous = 0;
    for finding in findings {
        assert_eq!(finding["class_uid"], 2004, "{finding}");
        assert_eq!(finding["user"]["uid"], BERT_JAN, "{finding}");
        let time = finding["finding_info"]["first_seen_time"]
            .as_i64()
            .unwrap_or_default();
        assert!(time >= previous, "findings are in time order\n{report}");
        previous = time;
    }
}

#[test]
fn explain_unknown_identity_suggests_ids() {
    let output = run(ispm().arg("explain").arg("bert").arg(samples()));
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(output.stdout.is_empty());
    assert!(stderr.contains("not found"), "{stderr}");
    assert!(stderr.contains(&format!("  {BERT_JAN}")), "{stderr}");
}

#[test]
fn explain_unmatched_text_lists_ten_ids() {
    let output = run(ispm().arg("explain").arg("zzz-no-match").arg(samples()));
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let suggestions = stderr
        .lines()
        .filter(|line| line.starts_with("  aws:"))
        .count();
    assert_eq!(suggestions, 10, "{stderr}");
}

#[test]
fn explain_typo_suggests_the_similar_id_first() {
    for query in ["aws:123837392027:user/bert-jn", "bert-jn"] {
        let output = run(ispm().arg("explain").arg(query).arg(samples()));
        let stderr = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        let first = stderr.lines().find(|line| line.starts_with("  aws:"));
        assert_eq!(first, Some(format!("  {BERT_JAN}").as_str()), "{stderr}");
    }
}

#[test]
fn backtest_counts_suppressed_candidate_findings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let baseline = dir.path().join("a.toml");
    let candidate = dir.path().join("b.toml");
    std::fs::write(&baseline, "").expect("write baseline");
    std::fs::write(
        &candidate,
        "[[engine.suppressions]]\nreason = \"trail migration\"\ndetectors = [\"logging_tampering\"]\n",
    )
    .expect("write candidate");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ispm"))
        .args(["backtest", "--format", "json", "--baseline"])
        .arg(&baseline)
        .arg("--candidate")
        .arg(&candidate)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../samples/cloudtrail"
        ))
        .output()
        .expect("ispm runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    assert_eq!(
        report["detectors"]["logging_tampering"]["suppressed"], 4,
        "{report}"
    );
    assert_eq!(report["total"]["added"], 0);
}

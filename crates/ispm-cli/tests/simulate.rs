//! `ispm simulate` writes CloudTrail that `ispm replay` reads, with labels.

use std::process::Command;

fn ispm() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ispm"))
}

#[test]
fn simulated_traffic_replays_with_findings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("sim");
    let status = ispm()
        .args([
            "simulate",
            "--identities",
            "200",
            "--days",
            "2",
            "--ndjson",
            "--out",
        ])
        .arg(&out)
        .status()
        .expect("ispm runs");
    assert!(status.success());

    let labels: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("labels.json")).expect("labels written"))
            .expect("labels are JSON");
    assert!(
        labels["scenarios"]
            .as_array()
            .is_some_and(|scenarios| !scenarios.is_empty())
    );

    let replay = ispm()
        .arg("replay")
        .arg(out.join("cloudtrail.ndjson"))
        .output()
        .expect("ispm runs");
    assert!(replay.status.success());
    let findings = String::from_utf8_lossy(&replay.stdout);
    assert!(
        findings.lines().count() > 0,
        "no findings from simulated attacks"
    );
    let summary = String::from_utf8_lossy(&replay.stderr);
    assert!(summary.contains("0 rejected"), "{summary}");
}

#[test]
fn same_seed_gives_the_same_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut outputs = Vec::new();
    for name in ["a", "b"] {
        let out = dir.path().join(name);
        let status = ispm()
            .args([
                "simulate",
                "--identities",
                "100",
                "--days",
                "1",
                "--seed",
                "7",
                "--ndjson",
                "--out",
            ])
            .arg(&out)
            .status()
            .expect("ispm runs");
        assert!(status.success());
        outputs.push(std::fs::read(out.join("cloudtrail.ndjson")).expect("output written"));
    }
    assert_eq!(outputs[0], outputs[1]);
}

#[test]
fn quality_report_lists_every_scenario() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("QUALITY.md");
    let status = ispm()
        .args(["quality", "--identities", "200", "--days", "25", "--out"])
        .arg(&out)
        .status()
        .expect("ispm runs");
    assert!(status.success());
    let report = std::fs::read_to_string(&out).expect("report written");
    assert!(report.contains("## Per detector"), "{report}");
    assert!(report.contains("## Per scenario"), "{report}");
    assert!(report.contains("Scenarios detected:"), "{report}");
}

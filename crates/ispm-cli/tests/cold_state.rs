//! `ispm replay` writes the same files whether idle identities are kept in
//! their compact form or not.

mod common;

use std::path::{Path, PathBuf};

use common::{ispm, repo_root, run, stderr};

fn cloudtrail_data() -> PathBuf {
    let dir = repo_root().join("../shared/data/cloudtrail");
    assert!(
        dir.is_dir(),
        "CloudTrail test data not found at {}: this test reads shared/data/cloudtrail next to the checkout",
        dir.display()
    );
    dir
}

/// Replays the inputs with `engine.state.compact_after` set by the
/// environment, into `out`.
fn replay(inputs: &[PathBuf], out: &Path, compact_after: &str) {
    let output = run(ispm()
        .env("ISPM__ENGINE__STATE__COMPACT_AFTER", compact_after)
        .arg("replay")
        .args(inputs)
        .arg("--out")
        .arg(out));
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn constant_compaction_writes_identical_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let simulated = dir.path().join("sim");
    let output = run(ispm()
        .args(["simulate", "--identities", "150", "--days", "10", "--out"])
        .arg(&simulated));
    assert!(output.status.success(), "{}", stderr(&output));
    let data = cloudtrail_data();
    let inputs = [
        data.join("stratus-red-team-detonations/docs/detonation-logs"),
        data.join("invictus-stratus-simulation"),
        simulated,
    ];

    let full = dir.path().join("full");
    let compact = dir.path().join("compact");
    replay(&inputs, &full, "0s");
    // Every identity is compacted as soon as event time moves on, and
    // decoded on its next event.
    replay(&inputs, &compact, "1ms");

    let mut names: Vec<_> = std::fs::read_dir(&full)
        .expect("replay wrote its folder")
        .filter_map(|entry| entry.ok().map(|entry| entry.file_name()))
        .collect();
    names.sort();
    assert_eq!(names.len(), 6, "{names:?}");
    for name in names {
        let written = std::fs::read(full.join(&name)).expect("full-state file is readable");
        let compacted = std::fs::read(compact.join(&name)).expect("compact-state file exists");
        assert!(
            !written.is_empty() || name == "ispm.deadletter.ndjson",
            "{name:?} is empty"
        );
        assert!(
            written == compacted,
            "{name:?} differs between the two runs"
        );
    }
}

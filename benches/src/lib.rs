//! Shared set-up of the benchmarks: the real CloudTrail records of the
//! shared data set, split into one byte buffer per record, and the passes
//! over them that the replay benchmarks time.

mod passes;

use std::path::{Path, PathBuf};

pub use passes::{Pass, ReplayPasses};

/// Returns every CloudTrail record of the shared data set (the Invictus
/// simulation and the Stratus Red Team detonations), one JSON text each.
///
/// Panics when the data set is missing: a benchmark without its input must
/// not report a number.
pub fn shared_cloudtrail_records() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/cloudtrail");
    assert!(
        root.is_dir(),
        "shared CloudTrail data not found at {}",
        root.display()
    );
    let mut files = Vec::new();
    collect_json_files(&root, &mut files);
    files.sort();
    let mut records = Vec::new();
    for file in files {
        let Ok(bytes) = std::fs::read(&file) else {
            continue;
        };
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
            continue;
        };
        let items = match value {
            serde_json::Value::Object(mut object) => match object.remove("Records") {
                Some(serde_json::Value::Array(items)) => items,
                _ => continue,
            },
            serde_json::Value::Array(items) => items,
            _ => continue,
        };
        for item in items {
            if let Ok(text) = serde_json::to_vec(&item) {
                records.push(text);
            }
        }
    }
    records
}

fn collect_json_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_json_files(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "json") {
            files.push(path);
        }
    }
}

//! S3 delivery files: names, folders, gzip and `Records` arrays.

mod common;

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use common::small_config;
use flate2::read::GzDecoder;
use ispm_sim::{Simulator, write_labels, write_ndjson, write_s3_delivery};
use serde_json::Value;

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in fs::read_dir(&folder).expect("readable folder") {
            let path = entry.expect("folder entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Checks one delivery file against its path and returns its record count.
fn check_file(root: &Path, path: &Path, gzip: bool) -> usize {
    let relative = path.strip_prefix(root).expect("file under root");
    let parts: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    assert_eq!(parts.len(), 8, "{relative:?}");
    assert_eq!(parts[0], "AWSLogs");
    assert_eq!(parts[2], "CloudTrail");
    let (account, region) = (&parts[1], &parts[3]);
    let name = &parts[7];
    let prefix = format!(
        "{account}_CloudTrail_{region}_{}{}{}T",
        parts[4], parts[5], parts[6]
    );
    assert!(
        name.starts_with(&prefix),
        "{name} does not start with {prefix}"
    );
    let extension = if gzip { ".json.gz" } else { ".json" };
    assert!(name.ends_with(extension), "{name}");
    let random = name
        .trim_end_matches(extension)
        .rsplit('_')
        .next()
        .unwrap_or_default();
    assert_eq!(random.len(), 16, "{name}");

    let bytes = fs::read(path).expect("readable file");
    let text = if gzip {
        let mut text = String::new();
        GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .expect("valid gzip");
        text
    } else {
        String::from_utf8(bytes).expect("UTF-8")
    };
    let document: Value = serde_json::from_str(&text).expect("valid JSON");
    let records = document["Records"].as_array().expect("Records array");
    assert!(!records.is_empty());
    for record in records {
        assert_eq!(record["recipientAccountId"], account.as_str());
        assert_eq!(record["awsRegion"], region.as_str());
    }
    records.len()
}

#[test]
fn gzip_delivery_files_parse_and_hold_every_record() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let simulator = Simulator::new(small_config(9, 150, 2));
    let stats = write_s3_delivery(&simulator, dir.path(), true).expect("written");

    let files = files_under(dir.path());
    assert_eq!(files.len() as u64, stats.files);
    let total: usize = files
        .iter()
        .map(|path| check_file(dir.path(), path, true))
        .sum();
    assert_eq!(total as u64, stats.records);
    assert!(stats.written_bytes < stats.json_bytes / 3, "{stats:?}");
}

#[test]
fn plain_delivery_matches_ndjson() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let simulator = Simulator::new(small_config(10, 100, 1));
    let stats = write_s3_delivery(&simulator, dir.path(), false).expect("written");
    let total: usize = files_under(dir.path())
        .iter()
        .map(|path| check_file(dir.path(), path, false))
        .sum();

    let mut ndjson = Vec::new();
    let ndjson_stats = write_ndjson(&simulator, &mut ndjson).expect("written");
    assert_eq!(total as u64, ndjson_stats.records);
    assert_eq!(stats.records, ndjson_stats.records);
    assert_eq!(stats.json_bytes, ndjson_stats.json_bytes);
    assert_eq!(
        ndjson_stats.written_bytes,
        ndjson_stats.json_bytes + ndjson_stats.records
    );
    assert_eq!(ndjson.len() as u64, ndjson_stats.written_bytes);
}

#[test]
fn labels_file_lists_config_population_and_scenarios() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("labels.json");
    let simulator = Simulator::new(small_config(12, 600, 30));
    write_labels(&simulator, &path).expect("written");

    let document: Value =
        serde_json::from_str(&fs::read_to_string(&path).expect("readable")).expect("JSON");
    assert_eq!(document["config"]["identities"], 600);
    assert_eq!(document["population"]["person"], 7);
    let scenarios = document["scenarios"].as_array().expect("scenarios array");
    assert_eq!(scenarios.len(), simulator.labels().len());
    assert!(
        scenarios[0]["event_ids"]
            .as_array()
            .is_some_and(|ids| !ids.is_empty())
    );
}

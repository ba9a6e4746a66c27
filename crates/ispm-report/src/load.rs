//! Reads the topic files of an `ispm replay --out` folder, with the topics'
//! semantics: last record per key on compacted topics, latest status per
//! finding id.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use ispm_model::{
    IdentityPosture, InventoryRecord, PostureSummary, TOPIC_ANOMALY, TOPIC_INVENTORY, TOPIC_POLICY,
    TOPIC_POSTURE_IDENTITY, TOPIC_POSTURE_SUMMARY,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ReportError;
use crate::ocsf::{FindingRecord, parse_finding};

/// Everything the report is built from, after compaction.
#[derive(Debug, Default)]
pub struct Dataset {
    /// Findings of both topics, the latest record per uid, in the order
    /// their uids first appeared.
    pub findings: Vec<FindingRecord>,
    /// The last inventory record per identity id.
    pub inventory: BTreeMap<String, InventoryRecord>,
    /// The last posture record per identity id.
    pub postures: BTreeMap<String, IdentityPosture>,
    /// Every summary record in file order: several per scope form the trend.
    pub summaries: Vec<PostureSummary>,
    /// Counts per topic file.
    pub files: Vec<InputFile>,
    /// Lines that could not be parsed, in file and line order.
    pub skipped: Vec<SkippedLine>,
}

/// Counts of one topic file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InputFile {
    /// File name, e.g. `ispm.findings.policy.ndjson`.
    pub name: String,
    /// False when the file does not exist; it then counts as empty.
    pub present: bool,
    /// Records parsed, before compaction.
    pub records: u64,
    pub skipped_lines: u64,
}

/// A line that was skipped because it is not a valid record of its topic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SkippedLine {
    pub file: PathBuf,
    /// 1-based line number.
    pub line: u64,
    pub reason: String,
}

/// Reads the topic files in `dir`. A missing file counts as empty, so a
/// folder from an older `ispm replay` without posture files still loads.
pub fn load(dir: &Path) -> Result<Dataset, ReportError> {
    if !dir.is_dir() {
        return Err(ReportError::InputNotFolder {
            path: dir.to_path_buf(),
        });
    }
    let mut dataset = Dataset::default();

    let mut finding_index: HashMap<String, usize> = HashMap::new();
    for topic in [TOPIC_POLICY, TOPIC_ANOMALY] {
        read_topic(dir, topic, &mut dataset, |line, data| {
            let record = parse_finding(line)?;
            match finding_index.get(&record.uid) {
                Some(&index) => data.findings[index] = record,
                None => {
                    finding_index.insert(record.uid.clone(), data.findings.len());
                    data.findings.push(record);
                }
            }
            Ok(())
        })?;
    }

    read_topic(dir, TOPIC_INVENTORY, &mut dataset, |line, data| {
        let record: InventoryRecord = parse_json(line)?;
        data.inventory
            .insert(record.identity.as_str().to_owned(), record);
        Ok(())
    })?;

    read_topic(dir, TOPIC_POSTURE_IDENTITY, &mut dataset, |line, data| {
        let record: IdentityPosture = parse_json(line)?;
        data.postures
            .insert(record.identity.as_str().to_owned(), record);
        Ok(())
    })?;

    read_topic(dir, TOPIC_POSTURE_SUMMARY, &mut dataset, |line, data| {
        let record: PostureSummary = parse_json(line)?;
        data.summaries.push(record);
        Ok(())
    })?;

    Ok(dataset)
}

fn parse_json<T: DeserializeOwned>(line: &[u8]) -> Result<T, String> {
    serde_json::from_slice(line).map_err(|error| error.to_string())
}

/// Calls `apply` on every non-blank line of `<topic>.ndjson` and records the
/// file's counts and skipped lines in `dataset`.
fn read_topic(
    dir: &Path,
    topic: &str,
    dataset: &mut Dataset,
    mut apply: impl FnMut(&[u8], &mut Dataset) -> Result<(), String>,
) -> Result<(), ReportError> {
    let name = format!("{topic}.ndjson");
    let path = dir.join(&name);
    let mut summary = InputFile {
        name,
        present: false,
        records: 0,
        skipped_lines: 0,
    };
    let file = match File::open(&path) {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            dataset.files.push(summary);
            return Ok(());
        }
        Err(source) => return Err(ReportError::Read { path, source }),
    };
    summary.present = true;

    let mut reader = BufReader::new(file);
    let mut buffer = Vec::new();
    let mut line_number = 0u64;
    loop {
        buffer.clear();
        let read = reader
            .read_until(b'\n', &mut buffer)
            .map_err(|source| ReportError::Read {
                path: path.clone(),
                source,
            })?;
        if read == 0 {
            break;
        }
        line_number += 1;
        let line = buffer.trim_ascii();
        if line.is_empty() {
            continue;
        }
        match apply(line, dataset) {
            Ok(()) => summary.records += 1,
            Err(reason) => {
                summary.skipped_lines += 1;
                dataset.skipped.push(SkippedLine {
                    file: path.clone(),
                    line: line_number,
                    reason,
                });
            }
        }
    }
    dataset.files.push(summary);
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    #[test]
    fn missing_folder_is_an_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = dir.path().join("nope");
        let error = load(&missing).expect_err("missing folder");
        assert!(matches!(error, ReportError::InputNotFolder { .. }));
    }

    #[test]
    fn missing_files_load_as_empty() {
        let dir = tempfile::tempdir().expect("temp dir");
        let dataset = load(dir.path()).expect("empty folder loads");
        assert!(dataset.findings.is_empty());
        assert_eq!(dataset.files.len(), 5);
        assert!(dataset.files.iter().all(|file| !file.present));
    }

    #[test]
    fn bad_lines_are_skipped_with_line_numbers() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("ispm.posture.summary.ndjson");
        let good = r#"{"scope":"org","posture_score":70.0,"identities":3,"non_human_identities":2,"policy_checks":4,"policy_passes":3,"violations_by_severity":[],"mean_risk":20.0,"hygiene":{},"as_of":5}"#;
        fs::write(
            &path,
            format!("{good}\nnot json\n\n{{\"scope\":1}}\r\n{good}\n"),
        )
        .expect("write fixture");

        let dataset = load(dir.path()).expect("folder loads");

        assert_eq!(dataset.summaries.len(), 2);
        let lines: Vec<u64> = dataset.skipped.iter().map(|s| s.line).collect();
        assert_eq!(lines, [2, 4]);
        assert!(dataset.skipped.iter().all(|s| s.file == path));
        let file = dataset
            .files
            .iter()
            .find(|file| file.name == "ispm.posture.summary.ndjson")
            .expect("summary file listed");
        assert_eq!(file.records, 2);
        assert_eq!(file.skipped_lines, 2);
    }

    #[test]
    fn invalid_utf8_line_is_skipped() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("ispm.inventory.ndjson");
        fs::write(&path, b"{\"identity\":\"\xff\"}\n").expect("write fixture");
        let dataset = load(dir.path()).expect("folder loads");
        assert_eq!(dataset.skipped.len(), 1);
        assert_eq!(dataset.skipped[0].line, 1);
    }
}

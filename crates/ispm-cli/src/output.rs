//! Record sinks of `ispm replay`: findings as NDJSON on stdout, or one NDJSON
//! file per output topic in a folder.

use std::fs::{self, File};
use std::io::{self, BufWriter, Stdout, Write};
use std::path::{Path, PathBuf};

use ispm_model::{
    DeadLetter, Finding, FindingCategory, IdentityPosture, InventoryRecord, PostureSummary,
    TOPIC_ANOMALY, TOPIC_DEADLETTER, TOPIC_INVENTORY, TOPIC_POLICY, TOPIC_POSTURE_IDENTITY,
    TOPIC_POSTURE_SUMMARY,
};
use serde::Serialize;

/// A failed write. [`OutputError::Closed`] is the normal end of
/// `ispm replay ... | head`, not a failure.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("stdout was closed by the reader")]
    Closed,
    #[error("failed to create output folder {path}: {source}")]
    CreateDir { path: PathBuf, source: io::Error },
    #[error("failed to write {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
}

/// The record sinks of one replay run.
pub enum Output {
    /// Findings only, as NDJSON on stdout.
    Stdout(BufWriter<Stdout>),
    /// One file per output topic.
    Folder(Box<TopicFiles>),
    /// No records, for commands that print their own report and only count
    /// dead letters in the summary.
    Discard,
}

/// `<topic>.ndjson` files in the `--out` folder. All six are created when
/// the run starts, so a topic without records still has its (empty) file.
pub struct TopicFiles {
    anomaly: NdjsonFile,
    policy: NdjsonFile,
    inventory: NdjsonFile,
    deadletter: NdjsonFile,
    posture_identity: NdjsonFile,
    posture_summary: NdjsonFile,
}

struct NdjsonFile {
    path: PathBuf,
    writer: BufWriter<File>,
}

impl NdjsonFile {
    fn create(dir: &Path, topic: &str) -> Result<Self, OutputError> {
        let path = dir.join(format!("{topic}.ndjson"));
        match File::create(&path) {
            Ok(file) => Ok(NdjsonFile {
                path,
                writer: BufWriter::new(file),
            }),
            Err(source) => Err(OutputError::Write { path, source }),
        }
    }

    fn write<T: Serialize>(&mut self, record: &T) -> Result<(), OutputError> {
        write_line(&mut self.writer, record).map_err(|source| OutputError::Write {
            path: self.path.clone(),
            source,
        })
    }

    fn flush(&mut self) -> Result<(), OutputError> {
        self.writer.flush().map_err(|source| OutputError::Write {
            path: self.path.clone(),
            source,
        })
    }
}

impl Output {
    /// Opens stdout, or creates `dir` and its four topic files.
    pub fn open(dir: Option<&Path>) -> Result<Output, OutputError> {
        let Some(dir) = dir else {
            return Ok(Output::Stdout(BufWriter::new(io::stdout())));
        };
        fs::create_dir_all(dir).map_err(|source| OutputError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
        Ok(Output::Folder(Box::new(TopicFiles {
            anomaly: NdjsonFile::create(dir, TOPIC_ANOMALY)?,
            policy: NdjsonFile::create(dir, TOPIC_POLICY)?,
            inventory: NdjsonFile::create(dir, TOPIC_INVENTORY)?,
            deadletter: NdjsonFile::create(dir, TOPIC_DEADLETTER)?,
            posture_identity: NdjsonFile::create(dir, TOPIC_POSTURE_IDENTITY)?,
            posture_summary: NdjsonFile::create(dir, TOPIC_POSTURE_SUMMARY)?,
        })))
    }

    /// Writes a finding as its OCSF Detection Finding JSON.
    pub fn finding(&mut self, finding: &Finding) -> Result<(), OutputError> {
        let ocsf = finding.to_ocsf();
        match self {
            Output::Stdout(stdout) => write_line(stdout, &ocsf).map_err(stdout_error),
            Output::Folder(files) => match finding.category {
                FindingCategory::Anomaly => files.anomaly.write(&ocsf),
                FindingCategory::Policy => files.policy.write(&ocsf),
            },
            Output::Discard => Ok(()),
        }
    }

    /// Writes a dead letter; stdout carries findings only, so there it is
    /// only counted in the summary.
    pub fn dead_letter(&mut self, dead_letter: &DeadLetter) -> Result<(), OutputError> {
        match self {
            Output::Stdout(_) | Output::Discard => Ok(()),
            Output::Folder(files) => files.deadletter.write(dead_letter),
        }
    }

    /// Writes an inventory record; like dead letters, only into a folder.
    pub fn inventory(&mut self, record: &InventoryRecord) -> Result<(), OutputError> {
        match self {
            Output::Stdout(_) | Output::Discard => Ok(()),
            Output::Folder(files) => files.inventory.write(record),
        }
    }

    /// Writes an identity posture; only into a folder.
    pub fn posture(&mut self, posture: &IdentityPosture) -> Result<(), OutputError> {
        match self {
            Output::Stdout(_) | Output::Discard => Ok(()),
            Output::Folder(files) => files.posture_identity.write(posture),
        }
    }

    /// Writes a posture summary; only into a folder.
    pub fn summary(&mut self, summary: &PostureSummary) -> Result<(), OutputError> {
        match self {
            Output::Stdout(_) | Output::Discard => Ok(()),
            Output::Folder(files) => files.posture_summary.write(summary),
        }
    }

    /// Flushes every buffered record. Dropping an [`Output`] without this
    /// loses the end of the data and any write error.
    pub fn finish(&mut self) -> Result<(), OutputError> {
        match self {
            Output::Stdout(stdout) => stdout.flush().map_err(stdout_error),
            Output::Folder(files) => {
                files.anomaly.flush()?;
                files.policy.flush()?;
                files.inventory.flush()?;
                files.posture_identity.flush()?;
                files.posture_summary.flush()?;
                files.deadletter.flush()
            }
            Output::Discard => Ok(()),
        }
    }
}

fn write_line<W: Write, T: Serialize>(writer: &mut W, record: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *writer, record).map_err(io::Error::from)?;
    writer.write_all(b"\n")
}

fn stdout_error(source: io::Error) -> OutputError {
    if source.kind() == io::ErrorKind::BrokenPipe {
        OutputError::Closed
    } else {
        OutputError::Write {
            path: PathBuf::from("stdout"),
            source,
        }
    }
}

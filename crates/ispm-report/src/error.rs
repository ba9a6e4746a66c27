use std::io;
use std::path::PathBuf;

use thiserror::Error;

/// A failure that stops the report. A line that cannot be parsed does not
/// stop it, because it is skipped and listed as a [`crate::SkippedLine`].
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The `--input` path is missing or not a folder: a caller's mistake.
    #[error(
        "input folder {path} not found or not a folder; pass the --out folder of `ispm replay`"
    )]
    InputNotFolder { path: PathBuf },

    /// An input file exists but reading it failed (permissions, I/O).
    #[error("failed to read {path}: {source}")]
    Read { path: PathBuf, source: io::Error },

    #[error("failed to create output folder {path}: {source}; choose another --out folder")]
    CreateDir { path: PathBuf, source: io::Error },

    #[error("failed to write {path}: {source}")]
    Write { path: PathBuf, source: io::Error },

    #[error("failed to write {path}: {source}")]
    Csv { path: PathBuf, source: csv::Error },
}

/// An identity kind name that `--kind` does not accept.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid identity kind {0:?}: expected human, non_human, root or ai_agent")]
pub struct InvalidKind(pub String);

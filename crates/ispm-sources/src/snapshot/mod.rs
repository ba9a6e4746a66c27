//! Identity snapshots: what a configuration export states about identities
//! at one time. The crate documentation describes the formats, and
//! [`SnapshotError`] lists the error reasons.

mod arn;
mod credential_report;
mod detect;
mod error;
mod inventory_json;

use std::fmt;

use ispm_model::{EventTime, IdentitySnapshot};

pub use self::detect::detect_snapshot;
pub use self::error::{SnapshotError, SnapshotLocation, VALUE_EXCERPT_MAX_BYTES};

/// A snapshot file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SnapshotFormat {
    /// The AWS IAM credential report, CSV.
    CredentialReport,
    /// The `ispm.inventory.v1` JSON document.
    InventoryJson,
}

impl SnapshotFormat {
    /// Returns the snake_case name, as in logs and flags:
    /// `credential_report` or `inventory_json`.
    pub fn as_str(self) -> &'static str {
        match self {
            SnapshotFormat::CredentialReport => "credential_report",
            SnapshotFormat::InventoryJson => "inventory_json",
        }
    }
}

impl fmt::Display for SnapshotFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The snapshots one input decoded into, and an error for each row,
/// identity or document problem that was skipped.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct SnapshotBatch {
    pub snapshots: Vec<IdentitySnapshot>,
    pub errors: Vec<SnapshotError>,
}

/// Decodes one decompressed snapshot input.
///
/// `as_of_override`, when given, becomes the `as_of` of every snapshot. It
/// replaces the newest timestamp of a credential report and every `as_of`
/// of an inventory document. Without it, a credential report's snapshots get
/// its newest past timestamp (`password_next_rotation` excluded), and an
/// inventory identity gets its own `as_of`, else the document's.
pub fn decode_snapshot(
    bytes: &[u8],
    format: SnapshotFormat,
    as_of_override: Option<EventTime>,
) -> SnapshotBatch {
    match format {
        SnapshotFormat::CredentialReport => credential_report::decode(bytes, as_of_override),
        SnapshotFormat::InventoryJson => inventory_json::decode(bytes, as_of_override),
    }
}

/// The UTF-8 byte order mark, which spreadsheet exports and editors on
/// Windows often write before CSV and JSON text.
const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes)
}

fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}
